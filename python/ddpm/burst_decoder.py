#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""burst_decoder: the data symbols of burst_sync_cc (or of the denoiser behind it) -> PDUs (the last block of
burst_rx)."""
import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.robust import LogOnce
from gnuradio.ddpm.ddpm_python import burst_format

__all__ = ["burst_decoder", "parse_burst_tag"]

_INT_KEYS = ("seq", "len", "nsym", "time")
_FLOAT_KEYS = ("snr_db", "snr_eq_db", "cfo", "detect_metric")
_BOOL_KEYS = ("iq_image", "pa_compression", "phase_noise")  # optional in a tag: False when absent


def parse_burst_tag(value):
    """The "burst" tag of burst_sync_cc (a PMT dict) -> dict of Python ints (seq, len, nsym, time), floats
    (snr_db, snr_eq_db, cfo, detect_metric) and bools (iq_image, pa_compression, phase_noise: what the receiver
    found and corrected of the transmitter's hardware; False when absent). ValueError when a required key is
    missing or a key has another type."""
    if not pmt.is_dict(value):
        raise ValueError("burst tag is not a dict")
    out = {}
    for key in _INT_KEYS + _FLOAT_KEYS:
        v = pmt.dict_ref(value, pmt.intern(key), pmt.PMT_NIL)
        if key in _INT_KEYS:
            if not pmt.is_integer(v):
                raise ValueError(f"burst tag: {key} missing or not an integer")
            out[key] = int(pmt.to_long(v))
        else:
            if not pmt.is_real(v):
                raise ValueError(f"burst tag: {key} missing or not a number")
            out[key] = float(pmt.to_double(v))
    for key in _BOOL_KEYS:
        v = pmt.dict_ref(value, pmt.intern(key), pmt.PMT_F)
        if not pmt.is_bool(v):
            raise ValueError(f"burst tag: {key} not a bool")
        out[key] = bool(pmt.to_bool(v))
    if out["nsym"] < 0 or out["len"] < 0:
        raise ValueError("burst tag: negative nsym or len")
    return out


class burst_decoder(gr.sync_block):
    """Input: complex64 data symbols with a "burst" tag (burst_sync_cc) on the first symbol of every burst.
    Message output ``out``: one PDU per burst whose CRC-32 passed: (metadata dict, u8vector payload). The
    metadata holds "seq" (int), "len" (int), "time" (int, received sample index of the first preamble
    symbol's centre), "snr_db" (Es/N0 estimate, dB), "snr_eq_db" (SNR after the equaliser, dB), "cfo"
    (cycles per sample), "detect_metric" (0 .. 1), "iq_image", "pa_compression", "phase_noise" (bools: the
    receiver found and corrected the transmitter's IQ imbalance, its PA's compression, phase noise between the
    pilots).

    Decisions: nearest point of the constellation (``burst_format.decode_payload``) on the input symbols
    (the equalised symbols, or the denoiser's output). keep_symbols: also store, per burst, the decided
    symbol values in ``decisions`` (list of (seq, int64 [nsym])) and the burst's metadata in ``headers`` (list of
    dicts, every burst whose header passed, CRC or not); for benchmarks: both grow without bound.
    Counters: ``received`` (bursts), ``crc_failures``. Symbols without a burst tag are ignored; a malformed
    tag is skipped with a warning.
    """

    def __init__(self, constellation="qam16", keep_symbols=False):
        gr.sync_block.__init__(self, "ddpm_burst_decoder", in_sig=[np.complex64], out_sig=None)
        self.fmt = burst_format(constellations.by_name(constellation))
        self.keep_symbols = bool(keep_symbols)
        self.decisions = []
        self.headers = []
        self.received = 0
        self.crc_failures = 0
        self._cur = None
        self._parts = []
        self._have = 0
        self._warn = LogOnce(self.logger.warn)
        self.message_port_register_out(pmt.intern("out"))

    def _take(self, x):
        if self._cur is None or len(x) == 0:
            return
        need = self._cur["nsym"] - self._have
        part = x[:need]
        self._parts.append(np.array(part, copy=True))
        self._have += len(part)
        if self._have >= self._cur["nsym"]:
            self._finish()

    def _finish(self):
        meta, self._cur = self._cur, None
        sym = np.concatenate(self._parts) if self._parts else np.zeros(0, np.complex64)
        self._parts, self._have = [], 0
        self.received += 1
        if self.keep_symbols:
            self.decisions.append((meta["seq"], self.fmt.decide(sym)))
            self.headers.append(dict(meta))
        payload = self.fmt.decode_payload(sym, meta["len"])
        if payload is None:
            self.crc_failures += 1
            return
        d = pmt.make_dict()
        for key in ("seq", "len", "time"):
            d = pmt.dict_add(d, pmt.intern(key), pmt.from_long(meta[key]))
        for key in _FLOAT_KEYS:
            d = pmt.dict_add(d, pmt.intern(key), pmt.from_double(meta[key]))
        for key in _BOOL_KEYS:
            d = pmt.dict_add(d, pmt.intern(key), pmt.from_bool(meta[key]))
        self.message_port_pub(pmt.intern("out"), pmt.cons(d, pmt.init_u8vector(len(payload), list(payload))))

    def work(self, input_items, output_items):
        try:
            return self._work(input_items[0])
        except Exception as exc:  # never into the scheduler: this call's symbols are lost, the stream goes on
            self._warn(type(exc).__name__, f"burst_decoder: work failed ({exc}); the current burst is dropped")
            self._cur, self._parts, self._have = None, [], 0
            return len(input_items[0])

    def _work(self, x):
        n = len(x)
        base = self.nitems_read(0)
        tags = sorted(self.get_tags_in_window(0, 0, n, pmt.intern("burst")), key=lambda t: t.offset)
        i = 0
        for t in tags:
            o = int(t.offset - base)
            self._take(x[i:o])
            if self._cur is not None:  # the previous burst ended early (never from burst_sync_cc)
                self._warn("short", "burst_decoder: a burst ended before its nsym symbols; dropped")
                self._cur, self._parts, self._have = None, [], 0
            try:
                self._cur = parse_burst_tag(t.value)
            except ValueError as exc:
                self._warn("tag", f"burst_decoder: skipping a malformed burst tag ({exc})")
                self._cur = None
            i = o
            if self._cur is not None and self._cur["nsym"] == 0:
                self._finish()
        self._take(x[i:n])
        return n
