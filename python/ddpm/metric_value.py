"""ddpm.metric_value: one value of a metrics message as a float stream, for stock GRC displays.

GNU Radio's QT GUI Number Sink (and Time Sink, ...) take streams, not messages. This block holds the latest value
of ``key`` from the messages on its input ``in`` and writes it to its float output at ``rate_hz`` items per
second of wall time (NaN until a value arrives; ``scale`` multiplies it, e.g. 100 for a percentage).

Accepted messages: a PMT dict (the value of ``key``: ddpm.link_metrics ``metrics``, ddpm.packet_scorer
``stats``), a pair (``key`` . value) (ddpm.burst_rx style key/value messages; a pair with another key is ignored
silently), or a bare number (taken whatever the key). A PDU (dict . payload) is read through its metadata dict.
Anything else (a missing key, a value that is not a real number, any other PMT type) is ignored and logged
(rate-limited); a non-real number is never shown.

Typical GRC use: Link Metrics (metrics) -> Metric Value (key = ser) -> QT GUI Number Sink.
"""
import math
import threading
import time

import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core.robust import LogOnce, PmtValueError, read_numeric

__all__ = ["metric_value", "value_of"]


def value_of(msg, key):
    """The real value of ``key`` (str) in msg (any PMT: dict, PDU, (key . value) pair, number).

    Returns float, or None for a pair that carries another key; raises PmtValueError for anything unreadable.
    """
    if not isinstance(msg, pmt.pmt_base):
        raise PmtValueError(f"expected a PMT, got {type(msg).__name__}")
    k = pmt.intern(key)
    if pmt.is_number(msg) and not pmt.is_bool(msg):
        v = read_numeric(msg, key)
    elif pmt.is_pair(msg) and pmt.is_symbol(pmt.car(msg)):          # (key . value)
        if not pmt.eqv(pmt.car(msg), k):
            return None
        v = read_numeric(pmt.cdr(msg), key)
    elif pmt.is_pair(msg):                                              # a dict, or a PDU (meta . payload)
        d = msg
        if pmt.is_pair(pmt.car(msg)) and pmt.is_pair(pmt.car(pmt.car(msg))):
            d = pmt.car(msg)
        try:
            present = pmt.dict_has_key(d, k)
        except Exception:  # noqa: BLE001 (a pair that only looks like a dict)
            raise PmtValueError("message is not a dict") from None
        if not present:
            raise PmtValueError(f"message has no key {key!r}")
        v = read_numeric(pmt.dict_ref(d, k, pmt.PMT_NIL), key)
    else:
        raise PmtValueError("expected a dict, a (key . value) pair or a number")
    if isinstance(v, complex):
        raise PmtValueError(f"{key}: a complex value cannot be shown")
    return float(v)


class metric_value(gr.sync_block):
    """Latest value of one metric as a float stream (see the module docstring).

    Args:
        key: str, the metric's key (e.g. "ser", "per", "snr_db_mean").
        rate_hz: float in [1, 1e4], output items per second of wall time (work() waits at most 1/rate_hz, so a
            stopping flowgraph waits for it at most that long).
        scale: float, multiplies the value (finite).
    """

    def __init__(self, key="per", rate_hz=10.0, scale=1.0):
        gr.sync_block.__init__(self, name="ddpm_metric_value", in_sig=None, out_sig=[np.float32])
        if not isinstance(key, str) or not key:
            raise ValueError(f"key must be a non-empty string, got {key!r}")
        if not (1.0 <= float(rate_hz) <= 1e4):
            raise ValueError(f"rate_hz must be in [1, 10000], got {rate_hz!r}")
        if not math.isfinite(float(scale)):
            raise ValueError(f"scale must be finite, got {scale!r}")
        self._key = key
        self._period = 1.0 / float(rate_hz)
        self._scale = float(scale)
        self._value = float("nan")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._next = None
        self._warn = LogOnce(self.logger.warn)
        self._in = pmt.intern("in")
        self.message_port_register_in(self._in)
        self.set_msg_handler(self._in, self._handle)

    def value(self):
        """The latest value times scale (float; NaN before any)."""
        with self._lock:
            return self._value

    def _handle(self, msg):
        try:
            v = value_of(msg, self._key)
        except PmtValueError as e:
            self._warn("bad", f"metric_value({self._key!r}): ignoring a message: {e}")
            return
        except Exception as e:  # noqa: BLE001 (a bug: log it, keep the handler alive)
            self._warn(f"bug {type(e).__name__}", f"metric_value: message dropped ({type(e).__name__}: {e})")
            return
        if v is not None:
            with self._lock:
                self._value = v * self._scale

    def start(self):
        self._stop.clear()
        self._next = time.monotonic()
        return True

    def stop(self):
        self._stop.set()
        return True

    def work(self, input_items, output_items):
        out = output_items[0]
        now = time.monotonic()
        if self._next is None:
            self._next = now
        wait = self._next - now
        if wait > 0 and self._stop.wait(wait):
            return self._emit(out, 1)
        now = time.monotonic()
        n = int((now - self._next) / self._period) + 1
        n = max(1, min(n, len(out), 16))       # after a stall: a few items, never a flood
        self._next = max(self._next + n * self._period, now - self._period)
        return self._emit(out, n)

    def _emit(self, out, n):
        with self._lock:
            out[:n] = self._value
        return n
