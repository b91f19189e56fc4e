"""ddpm.link_metrics: a measurement sink that compares received (or denoised) samples with the reference.

Inputs (complex64 streams, same rate): 0 = reference / transmitted symbols, 1 = received or denoised samples.
Message output ``metrics``: a PMT dict published every ``update_period`` input samples, with keys
  mse, nmse_db, cosine, evm_percent, evm_db, ser, ber, mi (float, NaN while undefined),
  n_samples (samples in the current window / since reset), n_nonfinite (pairs dropped since reset),
  n_total (input items consumed since reset).
The same values are available from the getters. Stock GRC displays (QT GUI Number Sink) take streams: put a
``ddpm.metric_value(key)`` behind ``metrics`` to turn one key into a float stream.

What is computed (the definitions of :mod:`gnuradio.ddpm.core.metrics`, over the last ``window`` finite pairs, or
since the start / the last reset() when window = 0):
- mse = mean|rx - ref|^2; nmse_db = 10 log10(mse / mean|ref|^2); cosine = Re<ref, rx> / (||ref|| ||rx||);
  evm = rms(rx - ref) / rms(ref) in % and dB;
- ser / ber: the transmitted symbol is the constellation point nearest to ref, the decision the point nearest
  to rx; symbol index i carries the bits of i, MSB first (Gray for the QAM names). ber is NaN when M is not a
  power of two;
- mi: the data-driven lower bound of metrics.mi_estimate (Gaussian auxiliary channel whose variance is the
  measured mean|rx - point(tx)|^2, empirical symbol frequencies). With a sliding window it is exactly
  mi_estimate over the window. With window = 0 it is accumulated work call by work call: each call's samples are
  scored with the variance and frequencies measured over everything received so far, so for stationary data it
  converges to mi_estimate over the whole record without storing it.
Pairs where either sample is NaN/Inf are counted (n_nonfinite) and excluded.
No exception escapes ``work()``: an unexpected one is logged once per kind, the rest of that call's samples are
dropped and the stream goes on.
Cost: a sliding window recomputes over the window at each publication or getter call (O(window * M)).
"""
import math
import threading

import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.metrics import mi_bound_sum
from gnuradio.ddpm.core.robust import LogOnce

__all__ = ["link_metrics", "constellation_points"]

_KEYS = ("mse", "nmse_db", "cosine", "evm_percent", "evm_db", "ser", "ber", "mi")


def constellation_points(constellation):
    """Constellation from a name or a list of points.

    constellation: "qamM" (M a power of 4: Gray square QAM), "pskM" (M >= 2, Gray PSK), "bpsk" (= psk2),
    "qpsk" (= qam4), or a sequence of >= 2 distinct finite complex points. Returns complex128 [M].
    """
    if isinstance(constellation, str):
        try:
            return constellations.by_name(constellation)
        except ValueError as e:
            raise ValueError(f"{e} or a list of points") from None
    try:
        pts = np.asarray(constellation, dtype=np.complex128).reshape(-1)
    except (TypeError, ValueError) as e:
        raise ValueError(f"constellation must be a name or a list of complex points: {e}") from None
    if pts.shape[0] < 2 or not np.all(np.isfinite(pts)):
        raise ValueError("constellation: need at least 2 finite complex points")
    if np.unique(pts).shape[0] != pts.shape[0]:
        raise ValueError("constellation: points must be distinct")
    return pts


# A sliding window keeps two complex128 buffers of this length: 10^8 samples is 3.2 GB, the most we allow.
MAX_WINDOW = 100_000_000

class link_metrics(gr.sync_block):
    """Link-metrics sink: see the module docstring.

    Args:
        constellation: name ("qam16", "psk8", "bpsk", "qpsk", ...) or list of complex points.
        window: 0 = cumulative since start/reset, else a sliding window of that many finite samples.
        update_period: publish a message every that many input items (0 = never publish).
    """

    def __init__(self, constellation="qam16", window=0, update_period=10000):
        gr.sync_block.__init__(self, name="ddpm_link_metrics", in_sig=[np.complex64, np.complex64], out_sig=None)
        self._points = constellation_points(constellation)
        m = self._points.shape[0]
        k = int(round(math.log2(m)))
        self._bits = k if 2 ** k == m else 0
        if isinstance(window, bool) or int(window) != window or window < 0 or window > MAX_WINDOW:
            raise ValueError(f"window must be an integer from 0 to {MAX_WINDOW}, got {window!r}")
        if isinstance(update_period, bool) or int(update_period) != update_period or update_period < 0:
            raise ValueError(f"update_period must be an integer >= 0, got {update_period!r}")
        self._window = int(window)
        self._period = int(update_period)
        self._lock = threading.Lock()
        self._port = pmt.intern("metrics")
        self._fail = LogOnce(self.logger.error)
        self.message_port_register_out(self._port)
        self._reset_locked()

    # ------------------------------------------------------------------------------------------- state
    def _reset_locked(self):
        m = self._points.shape[0]
        self._n_nonfinite = 0
        self._n_total = 0
        self._since = 0
        self._cache = None
        if self._window:
            self._buf_ref = np.zeros(self._window, dtype=np.complex128)
            self._buf_rx = np.zeros(self._window, dtype=np.complex128)
            self._fill = 0
            self._pos = 0
        else:
            self._n = 0
            self._s = dict(err=0.0, ref=0.0, rx=0.0, cross=0.0, err_pt=0.0, sym_err=0, bit_err=0, mi=0.0)
            self._counts = np.zeros(m, dtype=np.int64)

    def reset(self):
        """Forget all samples (and the non-finite count); the publication counter restarts."""
        with self._lock:
            self._reset_locked()

    # ------------------------------------------------------------------------------------------- ingest
    def _bit_errors(self, a, b):
        x = np.bitwise_xor(a, b)
        return sum(int(np.sum((x >> j) & 1)) for j in range(self._bits))

    def _ingest(self, ref, rx):
        ref = ref.astype(np.complex128)
        rx = rx.astype(np.complex128)
        ok = np.isfinite(ref) & np.isfinite(rx)
        self._n_total += ref.shape[0]
        self._n_nonfinite += int(ref.shape[0] - np.count_nonzero(ok))
        self._cache = None     # the counters changed even when every pair was non-finite
        ref, rx = ref[ok], rx[ok]
        n = ref.shape[0]
        if n == 0:
            return
        if self._window:
            w = self._window
            if n >= w:
                self._buf_ref[:] = ref[-w:]
                self._buf_rx[:] = rx[-w:]
                self._pos, self._fill = 0, w
                return
            idx = (self._pos + np.arange(n)) % w
            self._buf_ref[idx] = ref
            self._buf_rx[idx] = rx
            self._pos = (self._pos + n) % w
            self._fill = min(w, self._fill + n)
            return
        pts = self._points
        tx = constellations.nearest(ref, pts)
        dec = constellations.nearest(rx, pts)
        s = self._s
        s["err"] += float(np.sum(np.abs(rx - ref) ** 2))
        s["ref"] += float(np.sum(np.abs(ref) ** 2))
        s["rx"] += float(np.sum(np.abs(rx) ** 2))
        s["cross"] += float(np.sum((np.conj(ref) * rx).real))
        s["err_pt"] += float(np.sum(np.abs(rx - pts[tx]) ** 2))
        s["sym_err"] += int(np.count_nonzero(tx != dec))
        if self._bits:
            s["bit_err"] += self._bit_errors(tx, dec)
        self._counts += np.bincount(tx, minlength=pts.shape[0])
        self._n += n
        p = self._counts / self._n
        es = float(np.sum(p * np.abs(pts) ** 2))
        nv = max(s["err_pt"] / self._n, 1e-12 * es)
        s["mi"] += mi_bound_sum(tx, rx, pts, p, nv)

    # ------------------------------------------------------------------------------------------- evaluate
    def _compute_locked(self):
        if self._cache is not None:
            return self._cache
        nan = float("nan")
        if self._window:
            n = self._fill
            if n:
                ref, rx, pts = self._buf_ref[:n], self._buf_rx[:n], self._points
                tx = constellations.nearest(ref, pts)
                dec = constellations.nearest(rx, pts)
                p = np.bincount(tx, minlength=pts.shape[0]) / n
                es = float(np.sum(p * np.abs(pts) ** 2))
                nv = max(float(np.mean(np.abs(rx - pts[tx]) ** 2)), 1e-12 * es)
                s = dict(err=float(np.sum(np.abs(rx - ref) ** 2)), ref=float(np.sum(np.abs(ref) ** 2)),
                         rx=float(np.sum(np.abs(rx) ** 2)), cross=float(np.sum((np.conj(ref) * rx).real)),
                         sym_err=int(np.count_nonzero(tx != dec)),
                         bit_err=self._bit_errors(tx, dec) if self._bits else 0,
                         mi=mi_bound_sum(tx, rx, pts, p, nv))
        else:
            n, s = self._n, self._s
        r = dict.fromkeys(_KEYS, nan)
        if n:
            r["mse"] = s["err"] / n
            if s["ref"] > 0:
                ratio = s["err"] / s["ref"]
                r["nmse_db"] = 10.0 * math.log10(ratio) if ratio > 0 else -math.inf
                r["evm_percent"] = 100.0 * math.sqrt(ratio)
                r["evm_db"] = r["nmse_db"]              # 20 log10(rms ratio) = 10 log10(power ratio)
            if s["ref"] > 0 and s["rx"] > 0:
                r["cosine"] = s["cross"] / math.sqrt(s["ref"] * s["rx"])
            r["ser"] = s["sym_err"] / n
            if self._bits:
                r["ber"] = s["bit_err"] / (n * self._bits)
            r["mi"] = max(0.0, s["mi"] / n)
        r["n_samples"] = n
        r["n_nonfinite"] = self._n_nonfinite
        r["n_total"] = self._n_total
        self._cache = r
        return r

    def metrics(self):
        """All metrics as a Python dict (keys as in the published message)."""
        with self._lock:
            return dict(self._compute_locked())

    def _get(self, key):
        with self._lock:
            return self._compute_locked()[key]

    def mse(self):
        """Mean squared error mean|rx - ref|^2 (float, NaN before any sample)."""
        return self._get("mse")

    def nmse_db(self):
        """10 log10(MSE / mean|ref|^2) (float)."""
        return self._get("nmse_db")

    def cosine(self):
        """Cosine similarity Re<ref, rx> / (||ref|| ||rx||) of the 2N-dim real vectors (float)."""
        return self._get("cosine")

    def evm(self):
        """EVM rms(rx - ref) / rms(ref) in percent (float)."""
        return self._get("evm_percent")

    def evm_db(self):
        """EVM in dB, 20 log10(rms(rx - ref) / rms(ref)) (float)."""
        return self._get("evm_db")

    def ser(self):
        """Symbol error rate with nearest-point decisions (float)."""
        return self._get("ser")

    def ber(self):
        """Bit error rate, MSB-first labels (float; NaN if M is not a power of two)."""
        return self._get("ber")

    def mi(self):
        """Data-driven mutual-information lower bound in bits/symbol (float)."""
        return self._get("mi")

    def n_samples(self):
        """Finite sample pairs in the window (or since reset when window = 0) (int)."""
        return self._get("n_samples")

    def n_nonfinite(self):
        """Sample pairs dropped because either sample was NaN/Inf, since reset (int)."""
        return self._get("n_nonfinite")

    def points(self):
        """The constellation in use: complex128 [M]."""
        return self._points.copy()

    # ------------------------------------------------------------------------------------------- publish / work
    def _message_locked(self):
        r = self._compute_locked()
        d = pmt.make_dict()
        for k in _KEYS:
            d = pmt.dict_add(d, pmt.intern(k), pmt.from_double(float(r[k])))
        for k in ("n_samples", "n_nonfinite", "n_total"):
            d = pmt.dict_add(d, pmt.intern(k), pmt.from_uint64(int(r[k])))
        return d

    def work(self, input_items, output_items):
        n = min(len(input_items[0]), len(input_items[1]))
        try:
            self._work(input_items, n)
        except Exception as e:  # noqa: BLE001 (a bug: log it once, drop these samples, keep streaming)
            self._fail(f"work {type(e).__name__}", f"work failed ({type(e).__name__}: {e}); samples dropped")
        return n

    def _work(self, input_items, n):
        ref, rx = input_items[0], input_items[1]
        pos = 0
        while pos < n:
            msg = None
            with self._lock:
                take = n - pos
                if self._period:
                    take = min(take, self._period - self._since)
                self._ingest(ref[pos:pos + take], rx[pos:pos + take])
                self._since += take
                if self._period and self._since >= self._period:
                    self._since = 0
                    msg = self._message_locked()
            pos += take
            if msg is not None:
                self.message_port_pub(self._port, msg)
