"""GNU Radio blocks for MIMO channel estimation (Python, numpy; no torch). docs/mimo.md.

One item = one slot. Vectors are row-major flattenings: received pilots Y [Nr, Np] -> Nr*Np complex64,
channel H [Nr, Nt] -> Nr*Nt complex64, pilots P [Nt, Np] -> Nt*Np complex64.

- ``mimo_pilot_source``: channels of a scene (channels.generate, slot i = channel i of ``seed``) and their
  received pilots at ``snr_db``; out 0 = received pilots, out 1 = true channel. Tags ``snr_db`` (double) on
  out 0 at the first slot and whenever the SNR changes.
- ``mimo_channel_estimator``: received pilots in (in 0; in 1 = the pilot matrix when ``pilot_input``), channel
  estimate out (out 0) and, with ``variance_output``, the per-entry posterior variance (out 1, float): the
  diffusion estimator's (sampler.DiffusionEstimator), LMMSE's closed-form error variance, NaN for LS and OMP.
  ``snr_db`` from the latest ``snr_db`` tag on in 0 (any numeric PMT), else the parameter.
- ``mimo_nmse_sink``: estimate (in 0) against the true channel (in 1): per-slot NMSE, the running NMSE
  (ratio of sums), a message dict on port ``nmse`` every ``update_period`` slots.

No exception escapes ``work()``: a slot with non-finite pilots gets a NaN estimate, an unexpected error is logged
once per kind (core.robust.LogOnce) and that call's slots are output as NaN, so the stream goes on.
"""
import math
import threading

import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core.robust import LogOnce, PmtValueError, read_numeric
from gnuradio.ddpm.mimo import channels as chan
from gnuradio.ddpm.mimo import estimators as est

__all__ = ["mimo_channel_estimator", "mimo_pilot_source", "mimo_nmse_sink", "METHODS", "SNR_TAG", "make_estimator"]

METHODS = ("diffusion", "lmmse", "ls", "omp")
SNR_TAG = "snr_db"
_MAX_BATCH = 64


def _arrays(bs, ue):
    return chan.ArrayConfig(chan.Array.parse(bs), chan.Array.parse(ue))


def _check_pilots(n_pilots, nt):
    n = int(n_pilots)
    if not 1 <= n <= 4 * nt:
        raise ValueError(f"pilots must be in 1..{4 * nt} for a {nt}-antenna BS, got {n_pilots}")
    return n


def _load(model, arrays):
    from gnuradio.ddpm.mimo.model import load_model
    from gnuradio.ddpm.modelfile.lookup import find_model
    m = load_model(find_model(model))
    if (m.arrays.nt, m.arrays.nr) != (arrays.nt, arrays.nr) or str(m.arrays.bs) != str(arrays.bs):
        raise ValueError(f"model {m.path} is for BS {m.arrays.bs} / UE {m.arrays.ue}, the block is set to "
                         f"BS {arrays.bs} / UE {arrays.ue}")
    return m


class make_estimator:
    """The numpy reference the block runs: method in METHODS, arrays ArrayConfig, P complex [Nt, Np], model
    MimoModel (diffusion: a denoiser; lmmse: any model of these arrays, its training covariance) or None
    (ls, omp). __call__(Y complex [n, Nr, Np], snr_db, seed) -> (H complex128 [n, Nr, Nt], var float64 [n, Nr, Nt])."""

    def __init__(self, method, arrays, P, model=None, chains=0):
        from gnuradio.ddpm.mimo.sampler import DiffusionEstimator
        self.method, self.arrays = method, arrays
        if method == "diffusion":
            self.impl = DiffusionEstimator(model, P, chains=chains or None)
        elif method == "lmmse":
            self.impl = est.LMMSE(model.cov, P, arrays.nr)
        elif method == "omp":
            self.impl = est.SparseEstimator(arrays.ue, arrays.bs, P)
        else:
            self.impl = np.linalg.pinv(P)

    def __call__(self, Y, snr_db, seed=0):
        n = Y.shape[0]
        nan = np.full((n, self.arrays.nr, self.arrays.nt), np.nan)
        if self.method == "diffusion":
            return self.impl.estimate(Y, snr_db, seed=seed)
        if self.method == "lmmse":
            v = np.broadcast_to(self.impl.error_var(snr_db).reshape(self.arrays.nr, self.arrays.nt), nan.shape)
            return self.impl.estimate(Y, snr_db), v
        if self.method == "omp":
            return self.impl.omp(Y, snr_db), nan
        return Y @ self.impl, nan


class mimo_channel_estimator(gr.sync_block):
    """MIMO channel estimator: see the module docstring.

    Args:
        method: 'diffusion' | 'lmmse' | 'ls' | 'omp'.
        model: model short name or path (diffusion: a denoiser file; lmmse: its training covariance). Unused by ls/omp.
        bs, ue: arrays 'ROWSxCOLS' (BS transmits Nt = rows*cols, UE receives Nr).
        pilots: Np; pilot_seed: the QPSK pilot matrix estimators.pilot_matrix(Nt, Np, pilot_seed).
        pilot_input: True -> the pilot matrix arrives per slot on input 1 (Nt*Np complex, row-major).
        snr_db: SNR used until an ``snr_db`` tag arrives on input 0.
        chains: diffusion chains (0 = the model's setting); seed: chain noise seed (slot i uses seed + i).
        variance_output: add output 1, the per-entry posterior variance (float).
    """

    def __init__(self, method="diffusion", model="mimo_street", bs="4x8", ue="2x2", pilots=16, pilot_seed=0,
                 pilot_input=False, snr_db=20.0, chains=0, seed=0, variance_output=False):
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        arrays = _arrays(bs, ue)
        npil = _check_pilots(pilots, arrays.nt)
        if not 0 <= int(chains) <= 64:
            raise ValueError(f"chains must be in 0..64 (0 = the model's setting), got {chains}")
        if int(seed) < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self._snr = est.check_snr_db(snr_db)
        self._model = _load(model, arrays) if method in ("diffusion", "lmmse") else None
        if method == "diffusion" and self._model.role != "denoiser":
            raise ValueError(f"method 'diffusion' needs a denoiser model, {self._model.path} is "
                             f"'{self._model.role}'")
        in_sig = [(np.complex64, arrays.nr * npil)]
        if pilot_input:
            in_sig.append((np.complex64, arrays.nt * npil))
        out_sig = [(np.complex64, arrays.dim)] + ([(np.float32, arrays.dim)] if variance_output else [])
        gr.sync_block.__init__(self, name="ddpm_mimo_channel_estimator", in_sig=in_sig, out_sig=out_sig)
        self.method, self.arrays, self.np_ = method, arrays, npil
        self._chains, self._seed, self._slot = int(chains), int(seed), 0
        self._pilot_input = bool(pilot_input)
        self._lock = threading.Lock()
        self._log = LogOnce(lambda m: self.logger.warn(m))
        self._est = make_estimator(method, arrays, est.pilot_matrix(arrays.nt, npil, pilot_seed), self._model,
                                   self._chains)
        self._cached_p = None

    def set_snr_db(self, snr_db):
        with self._lock:
            self._snr = est.check_snr_db(snr_db)

    def snr_db(self):
        return self._snr

    def _estimator_for(self, p):
        key = p.tobytes()
        if self._cached_p is None or self._cached_p[0] != key:
            P = p.astype(np.complex128).reshape(self.arrays.nt, self.np_)
            self._cached_p = (key, make_estimator(self.method, self.arrays, P, self._model, self._chains))
        return self._cached_p[1]

    def _read_tags(self, n):
        """Per-slot SNR [n] from snr_db tags on input 0 (a tag applies from its slot on)."""
        snr = np.empty(n)
        base = self.nitems_read(0)
        marks = []
        for t in self.get_tags_in_window(0, 0, n, pmt.intern(SNR_TAG)):
            try:
                v = float(read_numeric(t.value, "snr_db tag").real)
                marks.append((int(t.offset - base), est.check_snr_db(v)))
            except (PmtValueError, ValueError, TypeError) as e:
                self._log("tag", f"ignored an snr_db tag: {e}")
        cur = self._snr
        j = 0
        marks.sort(key=lambda m: m[0])
        for i in range(n):
            while j < len(marks) and marks[j][0] <= i:
                cur = marks[j][1]
                j += 1
            snr[i] = cur
        with self._lock:
            self._snr = cur
        return snr

    def work(self, input_items, output_items):
        n = min(len(output_items[0]), _MAX_BATCH)
        out = output_items[0]
        var = output_items[1] if len(output_items) > 1 else None
        try:
            snr = self._read_tags(n)
            Y = np.asarray(input_items[0][:n], dtype=np.complex128).reshape(n, self.arrays.nr, self.np_)
            ok = np.all(np.isfinite(Y.reshape(n, -1)), axis=1)
            if self._pilot_input:
                ok &= np.all(np.isfinite(input_items[1][:n]), axis=1)
            H = np.full((n, self.arrays.nr, self.arrays.nt), np.nan, dtype=np.complex128)
            V = np.full(H.shape, np.nan)
            if not ok.all():
                self._log("nonfinite", "slots with non-finite received pilots or pilots: their estimate is NaN")
            for i in range(n):                       # group consecutive slots with the same SNR and pilots
                if not ok[i]:
                    continue
                e = self._estimator_for(input_items[1][i]) if self._pilot_input else self._est
                h, v = e(Y[i:i + 1], float(snr[i]), seed=self._seed + self._slot + i)
                H[i], V[i] = h[0], v[0]
            out[:n] = H.reshape(n, -1).astype(np.complex64)
            if var is not None:
                var[:n] = V.reshape(n, -1).astype(np.float32)
        except Exception as e:  # noqa: BLE001 - nothing escapes work()
            self._log(type(e).__name__, f"mimo_channel_estimator: {type(e).__name__}: {e}; slots output as NaN")
            out[:n] = np.nan
            if var is not None:
                var[:n] = np.nan
        self._slot += n
        return n


class mimo_pilot_source(gr.sync_block):
    """Pilot-channel source: see the module docstring.

    Args: scene ('street', 'blockage', 'indoor', 'mixed'); snr_db; bs, ue; pilots, pilot_seed (as the estimator);
    seed (channels: slot i = channels.generate(scene, 1, seed, start=i); noise: default_rng([seed, 2^32 + i]));
    rays (0 = the scene's, 1 = specular).
    """

    def __init__(self, scene="street", snr_db=20.0, bs="4x8", ue="2x2", pilots=16, pilot_seed=0, seed=0, rays=0):
        if scene not in list(chan.SCENES) + ["mixed"]:
            raise ValueError(f"scene must be one of {', '.join(list(chan.SCENES) + ['mixed'])}, got {scene!r}")
        arrays = _arrays(bs, ue)
        npil = _check_pilots(pilots, arrays.nt)
        if int(seed) < 0 or not 0 <= int(rays) <= chan.MAX_RAYS:
            raise ValueError(f"need seed >= 0 and rays in 0..{chan.MAX_RAYS}, got {seed}, {rays}")
        self._snr = est.check_snr_db(snr_db)
        gr.sync_block.__init__(self, name="ddpm_mimo_pilot_source", in_sig=None,
                               out_sig=[(np.complex64, arrays.nr * npil), (np.complex64, arrays.dim)])
        self.scene, self.arrays, self._seed, self._rays = scene, arrays, int(seed), int(rays) or None
        self.P = est.pilot_matrix(arrays.nt, npil, pilot_seed)
        self._slot = 0
        self._tag_due = True
        self._lock = threading.Lock()

    def set_snr_db(self, snr_db):
        with self._lock:
            self._snr = est.check_snr_db(snr_db)
            self._tag_due = True

    def snr_db(self):
        return self._snr

    def reference(self, start, n):
        """(Y complex128 [n, Nr, Np], H complex128 [n, Nr, Nt]) of slots start .. start+n-1 at the current SNR."""
        H = chan.generate(self.scene, n, self._seed, start=start, arrays=self.arrays, rays=self._rays)
        Y = np.stack([est.observe(H[i], self.P, self._snr, np.random.default_rng([self._seed, (1 << 32) + start + i]))
                      for i in range(n)]) if n else np.zeros((0, self.arrays.nr, self.P.shape[1]))
        return Y, H

    def work(self, input_items, output_items):
        n = min(len(output_items[0]), _MAX_BATCH)
        with self._lock:
            tag, self._tag_due = self._tag_due, False
            snr = self._snr
        Y, H = self.reference(self._slot, n)
        output_items[0][:n] = Y.reshape(n, -1).astype(np.complex64)
        output_items[1][:n] = H.reshape(n, -1).astype(np.complex64)
        if tag:
            self.add_item_tag(0, self.nitems_written(0), pmt.intern(SNR_TAG), pmt.from_double(snr))
        self._slot += n
        return n


class mimo_nmse_sink(gr.sync_block):
    """Per-slot NMSE sink. Args: bs, ue (vector length Nr*Nt); update_period: slots between ``nmse`` messages
    (0 = none); history: per-slot values kept (the most recent ones)."""

    def __init__(self, bs="4x8", ue="2x2", update_period=100, history=100000):
        arrays = _arrays(bs, ue)
        if int(update_period) < 0 or int(history) < 1:
            raise ValueError(f"need update_period >= 0 and history >= 1, got {update_period}, {history}")
        gr.sync_block.__init__(self, name="ddpm_mimo_nmse_sink", in_sig=[(np.complex64, arrays.dim)] * 2, out_sig=None)
        self.message_port_register_out(pmt.intern("nmse"))
        self._period, self._hist = int(update_period), int(history)
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._err = self._ref = 0.0
            self._n = self._bad = 0
            self._per = []

    def work(self, input_items, output_items):
        n = len(input_items[0])
        e = np.asarray(input_items[0][:n], dtype=np.complex128)
        h = np.asarray(input_items[1][:n], dtype=np.complex128)
        err = np.sum(np.abs(e - h) ** 2, axis=1)
        ref = np.sum(np.abs(h) ** 2, axis=1)
        good = np.isfinite(err) & np.isfinite(ref) & (ref > 0)
        per = 10.0 * np.log10(np.maximum(err[good], 1e-300) / ref[good])
        with self._lock:
            before = self._n
            self._err += float(np.sum(err[good]))
            self._ref += float(np.sum(ref[good]))
            self._n += int(good.sum())
            self._bad += int(n - good.sum())
            self._per.extend(per.tolist())
            if len(self._per) > self._hist:
                del self._per[:len(self._per) - self._hist]
            publish = self._period and self._n // self._period > before // self._period
        if publish:
            d = pmt.make_dict()
            for k, v in (("nmse_db", self.mean_nmse_db()), ("last_nmse_db", float(per[-1]) if per.size else math.nan)):
                d = pmt.dict_add(d, pmt.intern(k), pmt.from_double(v))
            d = pmt.dict_add(d, pmt.intern("n_slots"), pmt.from_uint64(self._n))
            self.message_port_pub(pmt.intern("nmse"), d)
        return n

    def mean_nmse_db(self):
        """NMSE over all finite slots since reset (ratio of sums), dB; NaN before the first slot."""
        with self._lock:
            return 10.0 * math.log10(max(self._err, 1e-300) / self._ref) if self._ref > 0 else math.nan

    def nmse_db_per_slot(self):
        """list of float: the per-slot NMSE (dB) of the last ``history`` finite slots."""
        with self._lock:
            return list(self._per)

    def n_slots(self):
        with self._lock:
            return self._n

    def n_nonfinite(self):
        with self._lock:
            return self._bad
