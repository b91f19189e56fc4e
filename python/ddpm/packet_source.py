"""ddpm.packet_source: deterministic test packets as PDUs, for tests, benchmarks and examples.

Message output ``out``: PDUs (pmt.cons(meta, u8vector)) whose payload is
:func:`gnuradio.ddpm.core.packets.payload` (seed, seq, payload_bytes), seq counting from 0; meta holds
``seq`` (long). ``count`` packets (0 = without end), one every ``interval_s`` seconds of wall time (0 = as fast
as the message queue takes them, after ``start_delay_s``). Each emission time is recorded in the process-wide
emission log of the seed, so a ddpm.packet_scorer with the same seed in the same process measures latency.
"""
import threading
import time

import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core import packets
from gnuradio.ddpm.core.robust import LogOnce

__all__ = ["packet_source"]

#: at interval 0 the sender waits this long whenever the downstream queue holds this many packets
_BACKLOG = 64


class packet_source(gr.basic_block):
    """Deterministic packet source (see the module docstring).

    Args:
        payload_bytes: int 1 .. 2^20, bytes per packet.
        seed: int in [0, 2^64): selects the payload sequence (the scorer needs the same).
        interval_s: float >= 0, seconds between packets (0 = back to back).
        count: int >= 0, packets to send (0 = without end).
        start_delay_s: float >= 0, wait before the first packet (lets receivers start).
    """

    def __init__(self, payload_bytes=256, seed=0, interval_s=0.01, count=0, start_delay_s=0.0):
        gr.basic_block.__init__(self, name="ddpm_packet_source", in_sig=None, out_sig=None)
        packets.payload(seed, 0, payload_bytes)      # checks seed and payload_bytes
        for name, v in (("interval_s", interval_s), ("start_delay_s", start_delay_s)):
            if isinstance(v, bool) or not np.isfinite(float(v)) or float(v) < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if isinstance(count, bool) or int(count) != count or int(count) < 0:
            raise ValueError(f"count must be an integer >= 0 (0 = without end), got {count!r}")
        self._n = int(payload_bytes)
        self._seed = int(seed)
        self._interval = float(interval_s)
        self._count = int(count)
        self._delay = float(start_delay_s)
        self._log = packets.emission_log(self._seed)
        self._port = pmt.intern("out")
        self.message_port_register_out(self._port)
        self._fail = LogOnce(self.logger.error)
        self._stop = threading.Event()
        self._thread = None
        self._sent = 0
        self._lock = threading.Lock()

    def pdu(self, seq):
        """The PDU of packet seq (int >= 0): pmt pair (dict {seq: long}, u8vector [payload_bytes])."""
        data = packets.payload(self._seed, seq, self._n)
        meta = pmt.dict_add(pmt.make_dict(), pmt.intern("seq"), pmt.from_long(int(seq)))
        return pmt.cons(meta, pmt.init_u8vector(self._n, data.tolist()))

    def sent(self):
        """Packets sent since the flowgraph started (int)."""
        with self._lock:
            return self._sent

    def set_interval_s(self, interval_s):
        """Seconds between packets (float >= 0), from the next packet on."""
        if not np.isfinite(float(interval_s)) or float(interval_s) < 0:
            raise ValueError(f"interval_s must be a finite number >= 0, got {interval_s!r}")
        self._interval = float(interval_s)

    def start(self):
        self._stop.clear()
        with self._lock:
            self._sent = 0
        self._thread = threading.Thread(target=self._run, name="ddpm_packet_source", daemon=True)
        self._thread.start()
        return True

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        return True

    def _run(self):
        try:
            if self._delay and self._stop.wait(self._delay):
                return
            seq = 0
            t_next = time.monotonic()
            while not self._stop.is_set() and (self._count == 0 or seq < self._count):
                if self._interval:
                    wait = t_next - time.monotonic()
                    if wait > 0 and self._stop.wait(wait):
                        return
                    t_next = max(t_next + self._interval, time.monotonic() - self._interval)
                msg = self.pdu(seq)
                self._log.record(seq)
                self.message_port_pub(self._port, msg)
                seq += 1
                with self._lock:
                    self._sent = seq
                if not self._interval and seq % _BACKLOG == 0:
                    self._stop.wait(0.001)          # back to back, but never starving the scheduler
        except Exception as e:  # noqa: BLE001 (a bug: log it, stop sending, never kill the interpreter)
            self._fail("run", f"packet_source stopped: {type(e).__name__}: {e}")
