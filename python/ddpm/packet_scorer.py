"""ddpm.packet_scorer: packet error rate, bit errors, losses and latency of received packets.

Message input ``in``: PDUs (pmt.cons(meta dict, u8vector payload)) with meta ``seq`` (integer PMT, the
sequence number, possibly wrapped to ``seq_bits`` bits as ddpm.burst_rx delivers it) and optionally
``snr_db``. Each is compared with the payload ddpm.packet_source sends for (seed, seq)
(:func:`gnuradio.ddpm.core.packets.payload`). Anything else (not a pair, meta not a dict, no integer ``seq``,
payload not a u8vector, any other PMT type) is counted as malformed and logged (rate-limited), never raised.

Message output ``stats``: a PMT dict published after every ``update_period`` packets, keys as in
:meth:`PacketScore.summary <gnuradio.ddpm.core.packets.PacketScore>` except ``lost``: per, ber,
byte_error_rate, latency_mean_s, latency_p50_s, latency_p99_s, latency_max_s, snr_db_mean (doubles, NaN while
undefined) and n_expected, n_received, n_ok, n_errored, n_lost, n_duplicate, n_out_of_order, n_malformed,
bit_errors, byte_errors (longs). To show one value on a stock GRC display (QT GUI Number Sink), connect
``stats`` to a ddpm.metric_value(key=...) block and its float output to the sink.

Python API: summary() (dict, with the list ``lost`` of up to 100 lost sequence numbers), latencies() (seq ->
seconds), per(), ber(),
reset(), set_expected(n).
"""
import math

import pmt
from gnuradio import gr

from gnuradio.ddpm.core import packets
from gnuradio.ddpm.core.robust import LogOnce, PmtValueError, read_numeric

__all__ = ["packet_scorer"]

_FLOAT_KEYS = ("per", "ber", "byte_error_rate", "latency_mean_s", "latency_p50_s", "latency_p99_s",
               "latency_max_s", "snr_db_mean")
_INT_KEYS = ("n_expected", "n_received", "n_ok", "n_errored", "n_lost", "n_duplicate", "n_out_of_order",
             "n_malformed", "bit_errors", "byte_errors")


def summary_to_pmt(s):
    """A PacketScore.summary() dict -> PMT dict of its scalar keys (doubles and longs)."""
    d = pmt.make_dict()
    for k in _FLOAT_KEYS:
        d = pmt.dict_add(d, pmt.intern(k), pmt.from_double(float(s[k])))
    for k in _INT_KEYS:
        d = pmt.dict_add(d, pmt.intern(k), pmt.from_long(int(s[k])))
    return d


class packet_scorer(gr.basic_block):
    """Packet scorer (see the module docstring).

    Args:
        payload_bytes: int 1 .. 2^20, the transmitted payload length.
        seed: int in [0, 2^64), the packet source's seed.
        expected: int >= 0, packets sent (0 = infer from the highest sequence number received).
        seq_bits: int 0..63, bits of seq the link carries (16 for ddpm.burst_tx; 0 = full numbers).
        update_period: int >= 1, packets between ``stats`` messages.
    """

    def __init__(self, payload_bytes=256, seed=0, expected=0, seq_bits=16, update_period=1):
        gr.basic_block.__init__(self, name="ddpm_packet_scorer", in_sig=None, out_sig=None)
        self._score = packets.PacketScore(payload_bytes, seed, expected, seq_bits)
        if isinstance(update_period, bool) or int(update_period) != update_period or update_period < 1:
            raise ValueError(f"update_period must be an integer >= 1, got {update_period!r}")
        self._period = int(update_period)
        self._count = 0
        self._in = pmt.intern("in")
        self._out = pmt.intern("stats")
        self._warn = LogOnce(self.logger.warn)
        self.message_port_register_in(self._in)
        self.message_port_register_out(self._out)
        self.set_msg_handler(self._in, self._handle)

    # ------------------------------------------------------------------------------------------- API
    def summary(self):
        """Scores so far (dict; see gnuradio.ddpm.core.packets.PacketScore)."""
        return self._score.summary()

    def latencies(self):
        """Latency by sequence number: dict seq -> seconds (same-process emission times only)."""
        return self._score.latencies()

    def per(self):
        """Packet error rate (float; NaN before any packet)."""
        return self._score.summary()["per"]

    def ber(self):
        """Bit error rate among delivered packets (float; NaN before any packet)."""
        return self._score.summary()["ber"]

    def reset(self):
        """Forget every packet received."""
        self._score.reset()

    def set_expected(self, n):
        """Packets sent (int >= 0; 0 = infer from the highest sequence number)."""
        self._score.set_expected(n)

    # ------------------------------------------------------------------------------------------- messages
    def _parse(self, msg):
        """(seq: int, data: bytes-like uint8 list, snr_db: float | None) or raises PmtValueError."""
        if not isinstance(msg, pmt.pmt_base) or not pmt.is_pair(msg):
            raise PmtValueError("not a PDU (meta . payload) pair")
        meta, data = pmt.car(msg), pmt.cdr(msg)
        if not pmt.is_dict(meta):
            raise PmtValueError("PDU metadata is not a dict")
        v = pmt.dict_ref(meta, pmt.intern("seq"), pmt.PMT_NIL)
        if pmt.is_null(v):
            raise PmtValueError("PDU metadata has no 'seq'")
        seq = read_numeric(v, "seq")
        if not isinstance(seq, int) or seq < 0:
            raise PmtValueError(f"seq must be an integer >= 0, got {seq!r}")
        if not pmt.is_u8vector(data):
            raise PmtValueError("PDU payload is not a u8vector")
        if pmt.length(data) > packets.MAX_PAYLOAD_BYTES:
            raise PmtValueError(f"PDU payload longer than {packets.MAX_PAYLOAD_BYTES} bytes")
        snr = None
        s = pmt.dict_ref(meta, pmt.intern("snr_db"), pmt.PMT_NIL)
        if not pmt.is_null(s):
            try:
                x = read_numeric(s, "snr_db")
                if isinstance(x, (int, float)) and math.isfinite(x):
                    snr = float(x)
            except PmtValueError:
                pass
        return seq, pmt.u8vector_elements(data), snr

    def _handle(self, msg):
        try:
            try:
                seq, data, snr = self._parse(msg)
            except PmtValueError as e:
                self._score.malformed()
                self._warn("malformed", f"packet_scorer: ignoring a malformed message: {e}")
            else:
                self._score.add(seq, data, snr)
            self._count += 1
            if self._count % self._period == 0:
                self.message_port_pub(self._out, summary_to_pmt(self._score.summary()))
        except Exception as e:  # noqa: BLE001 (a bug: log it, keep the handler alive)
            self._warn(f"bug {type(e).__name__}", f"packet_scorer: message dropped ({type(e).__name__}: {e})")
