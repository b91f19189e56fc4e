"""Pilots, the received-pilot model and the classical channel estimators (numpy): LS, LMMSE, OMP, Lasso.

Signal model (docs/mimo.md): the BS sends ``Np`` pilot vectors, the columns of P (complex [Nt, Np], QPSK entries
of modulus 1/sqrt(Nt), so every received sample carries unit signal power on average), the UE receives::

    Y = H P + W,   W_ij ~ CN(0, sigma^2),   sigma^2 = 10^(-snr_db/10)          (Y: complex [Nr, Np])

In vector form (row-major vec, index r*Nt + t): y = A h + w with A = I_Nr (x) P^T, complex [Nr*Np, Nr*Nt].
Channel arrays are complex128 [n, Nr, Nt] (or [Nr, Nt] for one channel); received pilots complex [n, Nr, Np].
NMSE = ||H_hat - H||_F^2 / ||H||_F^2 summed over the channels of a set (ratio of sums), in dB.
"""
import math

import numpy as np

from gnuradio.ddpm.mimo.channels import steering

__all__ = ["pilot_matrix", "noise_var", "observe", "sensing_matrix", "covariance", "nmse_db", "ls_estimate",
           "ls_floor_db", "LMMSE", "dft_dictionary", "SparseEstimator", "check_snr_db"]


def check_snr_db(snr_db):
    """SNR in dB as a float in [-50, 80]; ValueError otherwise."""
    try:
        s = float(snr_db)
    except (TypeError, ValueError):
        raise ValueError(f"snr_db must be a number, got {snr_db!r}") from None
    if not (math.isfinite(s) and -50.0 <= s <= 80.0):
        raise ValueError(f"snr_db must be a finite number in [-50, 80] dB, got {snr_db!r}")
    return s


def noise_var(snr_db):
    """sigma^2 = 10^(-snr_db/10): float."""
    return 10.0 ** (-check_snr_db(snr_db) / 10.0)


def pilot_matrix(nt, n_pilots, seed=0):
    """Seeded QPSK pilots: complex128 [nt, n_pilots], entries (+-1 +- j)/sqrt(2 nt) (default_rng(seed))."""
    nt, n_pilots = int(nt), int(n_pilots)
    if nt < 1 or n_pilots < 1:
        raise ValueError(f"need nt >= 1 and n_pilots >= 1, got {nt}, {n_pilots}")
    b = np.random.default_rng(int(seed)).integers(0, 2, size=(2, nt, n_pilots))
    return ((2 * b[0] - 1) + 1j * (2 * b[1] - 1)) / math.sqrt(2.0 * nt)


def observe(H, P, snr_db, rng):
    """Received pilots Y = H P + W. H: complex [n, Nr, Nt] or [Nr, Nt]; P: complex [Nt, Np]; rng: numpy Generator.
    Returns complex128 of H's leading shape with Np columns."""
    H = np.asarray(H, dtype=np.complex128)
    Y = H @ P
    s = math.sqrt(noise_var(snr_db) / 2.0)
    return Y + s * (rng.standard_normal(Y.shape) + 1j * rng.standard_normal(Y.shape))


def sensing_matrix(P, nr):
    """A = I_Nr (x) P^T: complex128 [nr*Np, nr*Nt], so vec(H P) = A vec(H) (row-major vec)."""
    return np.kron(np.eye(int(nr)), np.asarray(P).T)


def covariance(H):
    """Sample covariance E[h h^H] of row-major vectorised channels (the channels have zero mean).
    H: complex [n, Nr, Nt] -> complex128 [Nr*Nt, Nr*Nt] (Hermitian)."""
    h = np.asarray(H, dtype=np.complex128).reshape(H.shape[0], -1)
    R = h.T @ h.conj() / h.shape[0]
    return 0.5 * (R + R.conj().T)


def nmse_db(H_hat, H):
    """10 log10( sum ||H_hat - H||^2 / sum ||H||^2 ) over all entries. Both complex, same shape -> float."""
    H_hat, H = np.asarray(H_hat), np.asarray(H)
    if H_hat.shape != H.shape:
        raise ValueError(f"shapes differ: {H_hat.shape} vs {H.shape}")
    return 10.0 * math.log10(max(float(np.sum(np.abs(H_hat - H) ** 2)), 1e-300) / float(np.sum(np.abs(H) ** 2)))


def ls_estimate(Y, P):
    """Least squares, minimum norm when Np < Nt: H_hat = Y pinv(P). Y: complex [..., Nr, Np]; P: [Nt, Np].
    Returns complex128 [..., Nr, Nt]."""
    return np.asarray(Y) @ np.linalg.pinv(P)


def ls_floor_db(n_pilots, nt):
    """The noise-free NMSE of min-norm LS for an isotropic channel: 10 log10(1 - Np/Nt) (-inf if Np >= Nt)."""
    f = 1.0 - min(int(n_pilots), int(nt)) / int(nt)
    return -math.inf if f <= 0 else 10.0 * math.log10(f)


class LMMSE:
    """Linear MMSE estimator with a given channel covariance R (complex [M, M], M = Nr*Nt) and pilots P [Nt, Np]::

        h_hat = R A^H (A R A^H + sigma^2 I)^-1 y,   error covariance E = R - R A^H (A R A^H + sigma^2 I)^-1 A R

    computed through the eigendecomposition A R A^H = V diag(mu) V^H once, so any SNR costs two products.
    """

    def __init__(self, R, P, nr):
        self.R = np.asarray(R, dtype=np.complex128)
        self.P = np.asarray(P, dtype=np.complex128)
        self.nr, self.nt, self.np = int(nr), self.P.shape[0], self.P.shape[1]
        if self.R.shape != (self.nr * self.nt,) * 2:
            raise ValueError(f"covariance must be [{self.nr * self.nt}, {self.nr * self.nt}], got {self.R.shape}")
        self.A = sensing_matrix(self.P, self.nr)
        S = self.A @ self.R @ self.A.conj().T
        mu, V = np.linalg.eigh(0.5 * (S + S.conj().T))
        self.mu = np.maximum(mu, 0.0)
        self.V = V
        self.G = self.R @ self.A.conj().T @ V                # [M, Nr*Np]

    def estimate(self, Y, snr_db):
        """Y: complex [n, Nr, Np] (or [Nr, Np]) -> complex128 [n, Nr, Nt] (or [Nr, Nt])."""
        Y = np.asarray(Y, dtype=np.complex128)
        one = Y.ndim == 2
        y = Y.reshape(-1, self.nr * self.np)
        s2 = noise_var(snr_db)
        h = ((y @ self.V.conj()) / (self.mu + s2)) @ self.G.T
        h = h.reshape(-1, self.nr, self.nt)
        return h[0] if one else h

    def error_var(self, snr_db):
        """Per-entry error variance diag(E): float64 [M] (row-major), from the covariance (no channel needed)."""
        s2 = noise_var(snr_db)
        d = np.real(np.diag(self.R)) - np.sum(np.abs(self.G) ** 2 / (self.mu + s2), axis=1)
        return np.maximum(d, 0.0)


def dft_dictionary(arr, oversample=2):
    """Oversampled 2-D DFT dictionary of a UPA: atoms a(u_k, v_l)/sqrt(N) on the grid u_k = -1 + 2k/(cols*o),
    v_l = -1 + 2l/(rows*o). arr: Array; oversample: int >= 1. Returns complex128 [arr.size, rows*o * cols*o]."""
    o = int(oversample)
    u = -1.0 + 2.0 * np.arange(arr.cols * o) / (arr.cols * o)
    v = -1.0 + 2.0 * np.arange(arr.rows * o) / (arr.rows * o)
    vv, uu = np.meshgrid(v, u, indexing="ij")
    return steering(arr, uu.reshape(-1), vv.reshape(-1)).T / math.sqrt(arr.size)


class SparseEstimator:
    """OMP and Lasso on the Kronecker dictionary of the two oversampled 2-D DFT dictionaries.

    H = D_r X D_t^H with X sparse; vec(H) = (D_r (x) conj(D_t)) vec(X); the measurements are
    y = Phi x with Phi = D_r (x) (P^T conj(D_t)) (complex [Nr*Np, Kr*Kt]). ue, bs: Array; P: [Nt, Np].
    """

    def __init__(self, ue, bs, P, oversample_ue=1, oversample_bs=2):
        self.ue, self.bs = ue, bs
        self.P = np.asarray(P, dtype=np.complex128)
        self.Dr = dft_dictionary(ue, oversample_ue)
        self.Dt = dft_dictionary(bs, oversample_bs)
        self.Phi = np.kron(self.Dr, self.P.T @ self.Dt.conj())
        self.Psi = np.kron(self.Dr, self.Dt.conj())           # vec(H) = Psi vec(X)
        self.L = float(np.linalg.norm(self.Phi, 2) ** 2)

    def _out(self, X, one):
        H = (X @ self.Psi.T).reshape(-1, self.ue.size, self.bs.size)
        return H[0] if one else H

    def omp(self, Y, snr_db, max_atoms=None):
        """Orthogonal matching pursuit, stopped when ||r||^2 <= sigma^2 * Nr * Np (the noise energy) or after
        max_atoms (default Nr*Np/2) atoms. Y: complex [n, Nr, Np] or [Nr, Np] -> complex128 [n, Nr, Nt]."""
        Y = np.asarray(Y, dtype=np.complex128)
        one = Y.ndim == 2
        y = Y.reshape(-1, self.Phi.shape[0])
        m = self.Phi.shape[0]
        kmax = int(max_atoms) if max_atoms else m // 2
        stop = noise_var(snr_db) * m
        norms = np.linalg.norm(self.Phi, axis=0)
        X = np.zeros((y.shape[0], self.Phi.shape[1]), dtype=np.complex128)
        for i in range(y.shape[0]):
            r = y[i].copy()
            sel = []
            coef = np.zeros(0, dtype=np.complex128)
            while len(sel) < kmax and np.vdot(r, r).real > stop:
                k = int(np.argmax(np.abs(self.Phi.conj().T @ r) / norms))
                if k in sel:
                    break
                sel.append(k)
                coef = np.linalg.lstsq(self.Phi[:, sel], y[i], rcond=None)[0]
                r = y[i] - self.Phi[:, sel] @ coef
            X[i, sel] = coef
        return self._out(X, one)

    def lasso(self, Y, snr_db, lam_scale=1.0, iters=200):
        """Complex Lasso min 1/2 ||y - Phi x||^2 + lam ||x||_1 by FISTA (``iters`` iterations, step 1/L), with the
        universal threshold lam = lam_scale * sigma * sqrt(2 log K), K the number of atoms. Batched over channels.
        Y: complex [n, Nr, Np] or [Nr, Np] -> complex128 [n, Nr, Nt]."""
        Y = np.asarray(Y, dtype=np.complex128)
        one = Y.ndim == 2
        y = Y.reshape(-1, self.Phi.shape[0])
        lam = float(lam_scale) * math.sqrt(noise_var(snr_db)) * math.sqrt(2.0 * math.log(self.Phi.shape[1]))
        PhiT = self.Phi.conj().T
        x = np.zeros((y.shape[0], self.Phi.shape[1]), dtype=np.complex128)
        z, t = x.copy(), 1.0
        thr = lam / self.L
        for _ in range(int(iters)):
            g = (z @ self.Phi.T - y) @ PhiT.T
            v = z - g / self.L
            mag = np.abs(v)
            xn = v * (np.maximum(mag - thr, 0.0) / np.maximum(mag, 1e-300))
            tn = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            z = xn + ((t - 1.0) / tn) * (xn - x)
            x, t = xn, tn
        return self._out(x, one)

