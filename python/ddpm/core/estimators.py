"""Exact estimators to compare every DDPM result with: MMSE (posterior mean), ML/MAP decisions and closed-form
QAM error rates (numpy). Maxwell-Boltzmann shaping is in :mod:`gnuradio.ddpm.core.shaping`, the DNN receiver
baseline in :mod:`gnuradio.ddpm.evaluation.dnn`.

Conventions: y complex [N]; points complex [M] (symbol i carries the bits of i, MSB first); pmf float [M]
(None = uniform); noise_var = E|N|^2, the complex noise variance; SNR = Es/N0 with Es = sum pmf |points|^2.
Noise models as in :mod:`gnuradio.ddpm.core.metrics`: "gaussian" CN(0, sigma^2) or "laplacian" (I and Q independent
Laplace, scale b = sqrt(sigma^2/4)).
"""
import math

import numpy as np

from gnuradio.ddpm.core.constellations import nearest
from gnuradio.ddpm.core.checks import as_complex, as_points, as_probabilities, check_noise, check_noise_var
from gnuradio.ddpm.core.metrics import CHUNK, log_likelihoods, logsumexp

__all__ = ["mmse_estimate", "posterior", "ml_decision", "q_function", "ser_qam_awgn", "ber_qam_awgn_approx"]


# ----------------------------------------------------------------------------------------------- MMSE / ML
def posterior(y, points, noise_var, pmf=None, noise="gaussian"):
    """Posterior P(s_i | y) for every sample, w_i ∝ P_i p(y | s_i) (log-sum-exp).

    y: complex [N]; points: complex [M]; noise_var > 0. Returns float64 [N, M], rows sum to 1.
    """
    points = as_points(points)
    y = as_complex(y, "y")
    nv = check_noise_var(noise_var)
    p = as_probabilities(pmf, points.shape[0])
    check_noise(noise)
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    out = np.empty((y.shape[0], points.shape[0]))
    for s in range(0, y.shape[0], CHUNK):
        a = log_likelihoods(y[s:s + CHUNK], points, nv, noise) + logp[None, :]
        out[s:s + CHUNK] = np.exp(a - logsumexp(a)[:, None])
    return out


def mmse_estimate(y, points, noise_var, pmf=None, noise="gaussian"):
    """Exact MMSE estimate E[s | y] = sum_i s_i w_i with w_i ∝ P_i p(y | s_i).

    y: complex [N]; points: complex [M]; noise_var > 0; pmf float [M] or None; noise "gaussian"|"laplacian".
    Returns complex128 [N].
    """
    points = as_points(points)
    return posterior(y, points, noise_var, pmf, noise) @ points


def ml_decision(y, points, noise_var=None, pmf=None, noise="gaussian"):
    """ML (uniform prior) or MAP (pmf given) symbol decision.

    Uniform Gaussian: nearest point (noise_var not needed). Uniform Laplacian: smallest |dI| + |dQ|.
    With a pmf: argmax_i log P_i + log p(y | s_i), which needs noise_var.
    y: complex [N]; points: complex [M]. Returns int64 [N] symbol indices.
    """
    points = as_points(points)
    y = as_complex(y, "y")
    check_noise(noise)
    if pmf is None:
        if noise == "gaussian":
            return nearest(y, points)
        nv = 4.0                                     # any scale: the argmax does not depend on it
    else:
        nv = check_noise_var(noise_var)
    p = as_probabilities(pmf, points.shape[0])
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    out = np.empty(y.shape[0], dtype=np.int64)
    for s in range(0, y.shape[0], CHUNK):
        out[s:s + CHUNK] = np.argmax(log_likelihoods(y[s:s + CHUNK], points, nv, noise) + logp[None, :], axis=1)
    return out


# ----------------------------------------------------------------------------------------------- closed forms
def q_function(x):
    """Gaussian tail Q(x) = P(N(0,1) > x) = erfc(x / sqrt 2) / 2. float -> float."""
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _check_qam(order, snr_db):
    order = int(order)
    k = int(round(math.log2(order))) if order > 1 else 0
    if order < 4 or 2 ** k != order or k % 2:
        raise ValueError(f"square QAM order must be a power of 4, got {order}")
    if not np.isfinite(snr_db):
        raise ValueError(f"snr_db must be finite, got {snr_db}")
    return order, k, 10.0 ** (snr_db / 10.0)


def ser_qam_awgn(order, snr_db):
    """Exact symbol error rate of square M-QAM with ML decisions in complex AWGN, SNR = Es/N0:
    P_s = 1 - (1 - 2 (1 - 1/sqrt M) Q(sqrt(3 SNR / (M - 1))))^2. (order: int, snr_db: float) -> float.
    """
    m, _, snr = _check_qam(order, snr_db)
    p1 = 2.0 * (1.0 - 1.0 / math.sqrt(m)) * q_function(math.sqrt(3.0 * snr / (m - 1)))
    return 1.0 - (1.0 - p1) ** 2


def ber_qam_awgn_approx(order, snr_db):
    """Gray-mapped square M-QAM bit error rate in AWGN (standard approximation, tight above ~5 dB):
    P_b ≈ (4 / log2 M) (1 - 1/sqrt M) sum_{i=1}^{sqrt(M)/2} Q((2i - 1) sqrt(3 SNR / (M - 1))). -> float.
    """
    m, k, snr = _check_qam(order, snr_db)
    a = math.sqrt(3.0 * snr / (m - 1))
    s = sum(q_function((2 * i - 1) * a) for i in range(1, int(math.sqrt(m)) // 2 + 1))
    return 4.0 / k * (1.0 - 1.0 / math.sqrt(m)) * s
