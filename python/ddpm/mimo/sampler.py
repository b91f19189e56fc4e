"""Posterior sampling of a MIMO channel from received pilots with a learned channel denoiser (numpy).

The chain (docs/mimo.md), for received pilots y = A h + w, w ~ CN(0, sigma_w^2 I), and a denoiser
D(x, s) ~ E[h | h + s n = x] whose file carries the training covariance R = U diag(lambda) U^H:

1. Start at the LMMSE estimate h_L (covariance R) and its mean per-entry error e0 = tr(E)/M (closed form, no
   channel needed); levels s_1 = c e0^(1/2) > s_2 > ... > s_K = s_1 f (geometric, f = ``end_fraction``);
   x_1 = h_L + sqrt(max(s_1^2 - e0, 0)) n (top-up noise so that x_1 is at level s_1).
2. Step k: x0 = D(x_k, s_k); closed-form data consistency with the Gaussian model of the denoiser's error,
   h | x_k ~ N(x0, S_k), S_k = U diag(lambda s_k^2/(lambda + s_k^2)) U^H (exact for a Gaussian prior)::

       h_k = x0 + S_k A^H (A S_k A^H + sigma_w^2 I)^-1 (y - A x0)

   then x_{k+1} = h_k + s_{k+1} n (fresh noise).
3. Output: the mean of ``chains`` chains' h_K, and the per-entry posterior variance by the law of total
   variance: the mean of the closed-form conditional variances diag(S_K - S_K A^H (...)^-1 A S_K) plus the
   variance of h_K across chains.

With a Gaussian prior (D the Wiener filter) and no injected noise every step maps h_L to itself, so the chain
returns the LMMSE estimate exactly (qa_mimo.py checks this). The start scale c and the number of steps K per
SNR are read from the model file (``ddpm.mimo.sampler``), where the trainer put the values that minimised the
NMSE on validation channels of the training scene (never test channels).
"""
import math

import numpy as np

from gnuradio.ddpm.mimo.estimators import LMMSE, noise_var, sensing_matrix

__all__ = ["DiffusionEstimator", "SupervisedEstimator", "DEFAULT_SETTINGS", "MAX_CHAINS", "MAX_STEPS"]

DEFAULT_SETTINGS = {"start_scale": 1.0, "steps": 10}
MAX_CHAINS = 64
MAX_STEPS = 1000


class DiffusionEstimator:
    """Posterior-sampling channel estimator.

    model: MimoModel (role 'denoiser'); P: complex [Nt, Np] pilots; chains: int in 1..64 (default: the model's
    ``chains`` setting, else 4); end_fraction: s_K / s_1.
    estimate(Y, snr_db, seed, ...) -> (H_mean complex128 [n, Nr, Nt], var float64 [n, Nr, Nt]).
    """

    def __init__(self, model, P, chains=None, end_fraction=0.05):
        if model.role != "denoiser":
            raise ValueError(f"the diffusion estimator needs a denoiser model, {model.path} is '{model.role}'")
        self.model = model
        self.P = np.asarray(P, dtype=np.complex128)
        if self.P.ndim != 2 or self.P.shape[0] != model.arrays.nt:
            raise ValueError(f"pilots must be [Nt={model.arrays.nt}, Np], got {self.P.shape}")
        self.nr, self.nt, self.np = model.arrays.nr, model.arrays.nt, self.P.shape[1]
        self.lmmse = LMMSE(model.cov, self.P, self.nr)
        self.A = sensing_matrix(self.P, self.nr)
        lam, U = np.linalg.eigh(0.5 * (model.cov + model.cov.conj().T))
        self.lam, self.U = np.maximum(lam, 0.0), U
        self.chains = int(chains if chains is not None else model.sampler.get("chains", 4))
        if not 1 <= self.chains <= MAX_CHAINS:
            raise ValueError(f"chains must be in 1..{MAX_CHAINS}, got {chains}")
        self.end_fraction = float(end_fraction)
        self._cache = {}

    def settings(self, snr_db):
        """(start_scale, steps) for an SNR: the model's validation table entry at the nearest SNR, else defaults."""
        t = self.model.sampler
        if t.get("snr_db"):
            i = int(np.argmin(np.abs(np.asarray(t["snr_db"], dtype=float) - float(snr_db))))
            return float(t["start_scale"][i]), int(t["steps"][i])
        return DEFAULT_SETTINGS["start_scale"], DEFAULT_SETTINGS["steps"]

    def levels(self, snr_db, start_scale, steps):
        """(s float64 [K], e0): the geometric noise levels and the LMMSE mean error variance."""
        e0 = float(np.mean(self.lmmse.error_var(snr_db)))
        s1 = float(start_scale) * math.sqrt(max(e0, 1e-12))
        if steps == 1:
            return np.array([s1]), e0
        return s1 * self.end_fraction ** (np.arange(steps) / (steps - 1)), e0

    def _dc(self, s, s2w):
        """Data-consistency gain G [M, m] and conditional variance diag [M] at level s."""
        key = (round(float(s), 12), round(float(s2w), 15))
        if key not in self._cache:
            d = self.lam * s * s / (self.lam + s * s)
            S = (self.U * d) @ self.U.conj().T
            SA = S @ self.A.conj().T
            C = self.A @ SA + s2w * np.eye(self.A.shape[0])
            G = np.linalg.solve(C.T, SA.T).T          # S A^H C^-1 (C Hermitian)
            var = np.real(np.diag(S)) - np.real(np.sum(G * SA.conj(), axis=1))
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = (G, np.maximum(var, 0.0))
        return self._cache[key]

    def estimate(self, Y, snr_db, seed=0, chains=None, start_scale=None, steps=None, noise=True):
        """Estimate channels from received pilots.

        Y: complex [n, Nr, Np] or [Nr, Np]; snr_db: float (sigma_w^2 = 10^(-snr/10)); seed: int (chain noise,
        numpy default_rng(seed)); chains, start_scale, steps: override the settings; noise: False runs the
        chains without injected noise (deterministic). Returns (H complex128, var float64), each [n, Nr, Nt]
        (or [Nr, Nt] for one slot).
        """
        Y = np.asarray(Y, dtype=np.complex128)
        one = Y.ndim == 2
        if Y.shape[-2:] != (self.nr, self.np):
            raise ValueError(f"received pilots must be [..., {self.nr}, {self.np}], got {Y.shape}")
        c0, k0 = self.settings(snr_db)
        c = float(start_scale if start_scale is not None else c0)
        K = int(steps if steps is not None else k0)
        C = int(chains if chains is not None else self.chains)
        if not (1 <= K <= MAX_STEPS and 1 <= C <= MAX_CHAINS and c > 0 and math.isfinite(c)):
            raise ValueError(f"need 1 <= steps <= {MAX_STEPS}, 1 <= chains <= {MAX_CHAINS}, start_scale > 0 "
                             f"(got {K}, {C}, {c})")
        s2w = noise_var(snr_db)
        y = Y.reshape(-1, self.nr * self.np)
        n = y.shape[0]
        hl = self.lmmse.estimate(Y.reshape(-1, self.nr, self.np), snr_db).reshape(n, -1)
        lev, e0 = self.levels(snr_db, c, K)
        rng = np.random.default_rng(int(seed))
        M = hl.shape[1]

        def cn(size):
            return (rng.standard_normal(size) + 1j * rng.standard_normal(size)) / math.sqrt(2.0)

        yr = np.repeat(y, C, axis=0)
        x = np.repeat(hl, C, axis=0)
        top = math.sqrt(max(lev[0] ** 2 - e0, 0.0))
        if noise and top > 0:
            x = x + top * cn(x.shape)
        for k in range(K):
            x0 = self.model.denoise(x, np.full(x.shape[0], lev[k]))
            G, cvar = self._dc(lev[k], s2w)
            h = x0 + (yr - x0 @ self.A.T) @ G.T
            if k + 1 < K:
                x = h + lev[k + 1] * cn(h.shape) if noise else h
        h = h.reshape(n, C, M)
        mean = h.mean(axis=1)
        var = cvar[None, :] + np.mean(np.abs(h - mean[:, None, :]) ** 2, axis=1)
        mean = mean.reshape(n, self.nr, self.nt)
        var = var.reshape(n, self.nr, self.nt)
        return (mean[0], var[0]) if one else (mean, var)


class SupervisedEstimator:
    """The supervised baseline: a network of the denoiser's architecture and size (role 'supervised', identity
    skip) that maps the LMMSE estimate h_L and its rms error e0^(1/2) to the channel in one forward pass.

    model: MimoModel (role 'supervised'); P: complex [Nt, Np]. estimate(Y, snr_db) -> complex128 [n, Nr, Nt].
    """

    def __init__(self, model, P):
        if model.role != "supervised":
            raise ValueError(f"{model.path} is a '{model.role}' model, not 'supervised'")
        self.model = model
        self.nr, self.nt = model.arrays.nr, model.arrays.nt
        self.lmmse = LMMSE(model.cov, np.asarray(P, dtype=np.complex128), self.nr)

    def estimate(self, Y, snr_db):
        Y = np.asarray(Y, dtype=np.complex128)
        one = Y.ndim == 2
        hl = self.lmmse.estimate(Y.reshape((-1,) + Y.shape[-2:]), snr_db).reshape(-1, self.nr * self.nt)
        e0 = float(np.mean(self.lmmse.error_var(snr_db)))
        h = self.model.denoise(hl, np.full(hl.shape[0], math.sqrt(max(e0, 1e-12)))).reshape(-1, self.nr, self.nt)
        return h[0] if one else h
