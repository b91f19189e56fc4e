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

__all__ = ["mmse_estimate", "mmse_exact", "mmse_linear", "posterior", "ml_decision", "q_function", "ser_qam_awgn", "ber_qam_awgn_approx"]


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


# ----------------------------------------------------------------------------------------------- exact MMSE
_MAX_GRID_1D = 2_000_000
_MAX_GRID_2D = 1500                                  # nodes per axis of the non-separable path


def _product_grid(points, pmf):
    """(I levels, Q levels, P_I, P_Q) when the constellation is a full product grid with a product PMF (square QAM
    and its Maxwell-Boltzmann shapings), else None."""
    re = np.unique(np.round(points.real, 12))
    im = np.unique(np.round(points.imag, 12))
    if re.shape[0] * im.shape[0] != points.shape[0] or re.shape[0] < 2 or im.shape[0] < 2:
        return None
    ii = np.searchsorted(re, np.round(points.real, 12))
    qq = np.searchsorted(im, np.round(points.imag, 12))
    grid = np.full((re.shape[0], im.shape[0]), -1.0)
    grid[ii, qq] = pmf
    if np.any(grid < 0):
        return None
    pi, pq = grid.sum(axis=1), grid.sum(axis=0)
    if not np.allclose(grid, np.outer(pi, pq), rtol=1e-9, atol=1e-15):
        return None
    return re, im, pi, pq


def _mmse_1d(a, p, var, noise="gaussian"):
    """sum_i p_i int f(y - a_i) (E[a | y] - a_i)^2 dy for real levels a [K] with PMF p [K] (float64) and noise
    density f of variance var (Gaussian, or Laplace with scale b = sqrt(var/2)): trapezoid rule around each level
    over the noise's mass and the nearest decision boundary, with a step that resolves both the density
    (sigma/3, Laplace b/8) and the posterior's transition between neighbours (Gaussian var/(3 d_min))."""
    keep = p > 0
    a, p = a[keep], p[keep]
    if a.shape[0] < 2:
        return 0.0
    dmin = float(np.min(np.diff(np.sort(a))))
    if noise == "gaussian":
        sd = math.sqrt(var)
        h = min(sd / 3.0, var / (3.0 * dmin))
        half = dmin / 2.0 + 12.0 * sd                # nearest boundary + 12 sigma
        def logf(n):
            return -n ** 2 / (2.0 * var) - 0.5 * math.log(2.0 * math.pi * var)
    else:
        b = math.sqrt(var / 2.0)
        h = b / 8.0                                   # posterior log-odds have slope 2/b; kinks sit on nodes
        half = dmin / 2.0 + 40.0 * b                 # e^-40 of the Laplace mass left out
        def logf(n):
            return -np.abs(n) / b - math.log(2.0 * b)
    nh = int(math.ceil(half / h))
    if 2 * nh + 1 > _MAX_GRID_1D:
        raise ValueError(f"mmse_exact: integration grid of {2 * nh + 1} nodes per level is too large")
    n = np.arange(-nh, nh + 1, dtype=np.float64) * h  # noise values (trapezoid nodes; the ends are ~0)
    logp = np.log(p)
    phi = np.exp(logf(n))
    total = 0.0
    for i in range(a.shape[0]):
        y = a[i] + n
        lw = logp[None, :] + logf(y[:, None] - a[None, :])
        lw -= logsumexp(lw)[:, None]
        err = np.exp(lw) @ (a - a[i])                 # E[a|y] - a_i = sum_j w_j (a_j - a_i): no cancellation
        total += p[i] * float(np.sum(phi * err ** 2) * h)
    return total


def _mmse_2d(points, p, nv):
    """The same integral over the complex noise for a constellation that is not a product grid: a 2-D trapezoid
    grid around each point (step and extent as in the 1-D rule, per real dimension)."""
    var = nv / 2.0
    sd = math.sqrt(var)
    keep = p > 0
    pts, p = points[keep], p[keep]
    if pts.shape[0] < 2:
        return 0.0
    dd = np.abs(pts[:, None] - pts[None, :])
    dmin = float(np.min(dd[dd > 0]))
    h = min(sd / 3.0, var / (3.0 * dmin))
    R = dmin / (2.0 * sd) + 12.0
    nh = int(math.ceil(R * sd / h))
    if 2 * nh + 1 > _MAX_GRID_2D:
        raise ValueError("mmse_exact: this SNR is too high for the 2-D integration of a constellation that is not "
                         f"a product grid ({2 * nh + 1} nodes per axis)")
    g = np.arange(-nh, nh + 1, dtype=np.float64) * h
    n = (g[:, None] + 1j * g[None, :]).reshape(-1)
    phi = np.exp(-np.abs(n) ** 2 / nv) / (math.pi * nv)
    logp = np.log(p)
    total = 0.0
    for i in range(pts.shape[0]):
        acc = 0.0
        for s in range(0, n.shape[0], CHUNK):
            y = pts[i] + n[s:s + CHUNK]
            lw = logp[None, :] - np.abs(y[:, None] - pts[None, :]) ** 2 / nv
            lw -= logsumexp(lw)[:, None]
            err = np.exp(lw) @ (pts - pts[i])
            acc += float(np.sum(phi[s:s + CHUNK] * np.abs(err) ** 2))
        total += p[i] * acc * h * h
    return total


def mmse_exact(points, noise_var, pmf=None, noise="gaussian"):
    """Exact MMSE E|s - E[s|y]|^2 of a discrete constellation in complex Gaussian noise CN(0, noise_var) (or
    "laplacian": I and Q independent Laplace of variance noise_var/2 each, product grids only), by
    numerical integration over the noise (not Monte-Carlo, so rare-event values at high SNR are resolved:
    16-QAM at 20 dB Es/N0 is about 4e-6, i.e. -54 dB).

    A product grid with a product PMF (square QAM, uniform or Maxwell-Boltzmann) separates into two PAMs, each
    integrated in 1-D; any other constellation is integrated on a 2-D grid (raises ValueError when the SNR is so
    high that the grid would exceed 1500 nodes per axis). The trapezoid rule is used with a step of
    min(sigma/3, sigma^2/(3 d_min)) per real dimension (sigma^2 = noise_var/2), which resolves the Gaussian and
    the posterior's transition between neighbouring points, over the nearest decision boundary plus 12 sigma.

    points: complex [M]; noise_var: float > 0; pmf: float [M] or None (uniform); noise "gaussian"|"laplacian".
    Returns float (same units as |points|^2; divide by Es for the NMSE).
    """
    points = as_points(points)
    nv = check_noise_var(noise_var)
    p = as_probabilities(pmf, points.shape[0])
    check_noise(noise)
    grid = _product_grid(points, p)
    if grid is not None:
        re, im, pi, pq = grid
        return _mmse_1d(re, pi, nv / 2.0, noise) + _mmse_1d(im, pq, nv / 2.0, noise)
    if noise != "gaussian":
        raise ValueError("mmse_exact: Laplacian noise needs a product-grid constellation (square QAM)")
    return _mmse_2d(points, p, nv)


def mmse_linear(noise_var, es=1.0):
    """MSE of the linear MMSE estimate es/(es + noise_var) * y of zero-mean data with power es in noise of complex
    variance noise_var: es * noise_var / (es + noise_var). (float, float) -> float."""
    nv = check_noise_var(noise_var)
    return float(es) * nv / (float(es) + nv)


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
