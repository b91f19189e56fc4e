"""Link metrics for gr-ddpm: distortion (MSE, NMSE, cosine similarity, EVM), decisions (SER, BER) and
mutual information (exact-likelihood Monte Carlo, Gauss-Hermite quadrature, and a data-driven lower bound).

Conventions (Sionna style)
--------------------------
- ``est`` / ``rx``: received or denoised samples, complex array [N] (any complex/real dtype, used as complex128).
- ``ref`` / ``tx``: the reference (transmitted) samples, complex array [N], or for SER/BER/MI the transmitted
  symbol indices, integer array [N] in [0, M).
- ``points``: constellation, complex array [M]; symbol index i carries the bits of i, most significant bit first
  (Gray for :func:`gnuradio.ddpm.constellations.qam`).
- ``pmf``: input distribution over the points, float array [M], non-negative, sums to 1 (None = uniform or, for
  :func:`mi_estimate`, the empirical frequencies).
- SNR is Es/N0 with Es = sum_i pmf_i |points_i|^2 and N0 = noise_var = E|N|^2 (complex noise variance).

Every function raises ValueError on NaN/Inf input, mismatched shapes or out-of-range parameters.
"""
import math

import numpy as np

from gnuradio.ddpm.core.checks import as_complex, as_points, as_probabilities, check_noise
from gnuradio.ddpm.core.constellations import nearest

__all__ = [
    "mse", "nmse_db", "cosine_similarity", "evm", "ser", "ber",
    "mi_awgn_discrete", "mi_gauss_hermite", "mi_estimate", "capacity_awgn",
    "log_likelihoods", "bits_per_symbol", "logsumexp", "mi_bound_sum",
]

CHUNK = 1 << 14


# ----------------------------------------------------------------------------------------------- helpers
def _pair(a, b, na, nb):
    a = as_complex(a, na)
    b = as_complex(b, nb)
    if a.shape != b.shape:
        raise ValueError(f"{na} and {nb} must have the same length, got {a.shape[0]} and {b.shape[0]}")
    if a.shape[0] == 0:
        raise ValueError(f"{na} and {nb} are empty")
    return a, b


def bits_per_symbol(points):
    """Number of bits per symbol, log2(M); ValueError unless M is a power of two. points: complex [M] -> int."""
    m = np.asarray(points).reshape(-1).shape[0]
    k = int(round(math.log2(m))) if m > 0 else -1
    if m < 2 or 2 ** k != m:
        raise ValueError(f"bit mapping needs M = 2^k points, got M = {m}")
    return k


def _indices(tx, points, name="tx"):
    """tx: integer indices [N] (checked against M) or complex symbols [N] (mapped to the nearest point)."""
    t = np.asarray(tx)
    if np.issubdtype(t.dtype, np.integer):
        t = t.astype(np.int64).reshape(-1)
        if t.size and (t.min() < 0 or t.max() >= points.shape[0]):
            raise ValueError(f"{name}: symbol indices must lie in [0, {points.shape[0]})")
        return t
    return nearest(as_complex(t, name), points)


def _noise_var(points, pmf, snr_db, noise_var):
    if (snr_db is None) == (noise_var is None):
        raise ValueError("give exactly one of snr_db and noise_var")
    if noise_var is None:
        if not np.isfinite(snr_db):
            raise ValueError(f"snr_db must be finite, got {snr_db}")
        es = float(np.sum(pmf * np.abs(points) ** 2))
        noise_var = es / 10.0 ** (snr_db / 10.0)
    noise_var = float(noise_var)
    if not np.isfinite(noise_var) or noise_var <= 0:
        raise ValueError(f"noise_var must be finite and > 0, got {noise_var}")
    return noise_var


def log_likelihoods(y, points, noise_var, noise="gaussian"):
    """Natural-log likelihoods up to a constant that is the same for every point.

    y: complex128 [N]; points: complex128 [M]; noise_var: complex noise variance sigma^2 = E|N|^2 > 0.
    Returns float64 [N, M]:
      gaussian  CN(0, sigma^2):                        -|y - x|^2 / sigma^2
      laplacian I and Q independent Laplace(0, b), variance 2b^2 = sigma^2/2 each, so b = sqrt(sigma^2/4)
                (density (1/(4 b^2)) exp(-(|n_I| + |n_Q|)/b)):   -(|Re(y - x)| + |Im(y - x)|) / b
    """
    check_noise(noise)
    d = y[:, None] - points[None, :]
    if noise == "gaussian":
        return -(d.real ** 2 + d.imag ** 2) / noise_var
    b = math.sqrt(noise_var / 4.0)
    return -(np.abs(d.real) + np.abs(d.imag)) / b


def logsumexp(a, axis=-1):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return (m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))).squeeze(axis)


# ----------------------------------------------------------------------------------------------- distortion
def mse(est, ref):
    """Mean squared error mean|est - ref|^2. est, ref: complex [N] -> float."""
    est, ref = _pair(est, ref, "est", "ref")
    return float(np.mean(np.abs(est - ref) ** 2))


def nmse_db(est, ref):
    """Normalised MSE in dB: 10 log10( mean|est - ref|^2 / mean|ref|^2 ). est, ref: complex [N] -> float.

    -inf when est == ref; ValueError when ref is all zero.
    """
    est, ref = _pair(est, ref, "est", "ref")
    p = float(np.mean(np.abs(ref) ** 2))
    if p <= 0:
        raise ValueError("nmse_db: reference has zero power")
    e = float(np.mean(np.abs(est - ref) ** 2))
    return 10.0 * math.log10(e / p) if e > 0 else -math.inf


def cosine_similarity(a, b):
    """Cosine similarity of the two signals seen as real vectors of length 2N (I and Q stacked):
    Re<a, b> / (||a|| ||b||) = sum(Re(conj(a) b)) / sqrt(sum|a|^2 sum|b|^2), in [-1, 1].

    It is the real part of the complex correlation coefficient (a phase rotation by 90 degrees gives 0).
    a, b: complex [N] -> float. ValueError if either vector is zero.
    """
    a, b = _pair(a, b, "a", "b")
    na = math.sqrt(float(np.sum(np.abs(a) ** 2)))
    nb = math.sqrt(float(np.sum(np.abs(b) ** 2)))
    if na == 0 or nb == 0:
        raise ValueError("cosine_similarity: zero vector")
    return float(np.sum((np.conj(a) * b).real)) / (na * nb)


def evm(est, ref):
    """Error vector magnitude: rms(est - ref) / rms(ref).

    est, ref: complex [N]. Returns (evm_percent, evm_db) with evm_percent = 100 * ratio and
    evm_db = 20 log10(ratio) (-inf when est == ref).
    """
    est, ref = _pair(est, ref, "est", "ref")
    p = float(np.mean(np.abs(ref) ** 2))
    if p <= 0:
        raise ValueError("evm: reference has zero power")
    ratio = math.sqrt(float(np.mean(np.abs(est - ref) ** 2)) / p)
    return 100.0 * ratio, (20.0 * math.log10(ratio) if ratio > 0 else -math.inf)


# ----------------------------------------------------------------------------------------------- decisions
def ser(rx, tx, points):
    """Symbol error rate with nearest-point decisions on rx.

    rx: complex [N]; tx: transmitted indices int [N] in [0, M) or complex symbols [N] (mapped to the nearest
    point); points: complex [M]. Returns float in [0, 1].
    """
    points = as_points(points)
    rx = as_complex(rx, "rx")
    t = _indices(tx, points)
    if t.shape[0] != rx.shape[0] or rx.shape[0] == 0:
        raise ValueError(f"rx and tx must be non-empty and of the same length, got {rx.shape[0]}, {t.shape[0]}")
    return float(np.mean(nearest(rx, points) != t))


def ber(rx, tx, points):
    """Bit error rate with nearest-point decisions; symbol index i carries the bits of i, MSB first.

    rx: complex [N]; tx: indices int [N] or complex symbols [N]; points: complex [M], M = 2^k.
    Returns float in [0, 1] (bit errors / (k N)).
    """
    points = as_points(points)
    k = bits_per_symbol(points)
    rx = as_complex(rx, "rx")
    t = _indices(tx, points)
    if t.shape[0] != rx.shape[0] or rx.shape[0] == 0:
        raise ValueError(f"rx and tx must be non-empty and of the same length, got {rx.shape[0]}, {t.shape[0]}")
    x = np.bitwise_xor(nearest(rx, points), t)
    nerr = sum(int(np.sum((x >> j) & 1)) for j in range(k))
    return nerr / (k * rx.shape[0])


# ----------------------------------------------------------------------------------------------- MI
def capacity_awgn(snr_db):
    """Capacity of the complex AWGN channel, log2(1 + SNR) bits per channel use. snr_db: float -> float."""
    return math.log2(1.0 + 10.0 ** (snr_db / 10.0))


def mi_awgn_discrete(points, pmf=None, snr_db=None, noise_var=None, noise="gaussian", n_samples=200_000,
                     seed=0):
    """Monte-Carlo estimate of I(X;Y) in bits for Y = X + N, X ~ pmf over points, using exact likelihoods.

    Estimator: draw n_samples i.i.d. pairs (x_k, n_k), y_k = x_k + n_k, and average
        i_k = log2 p(y_k | x_k) - log2 sum_j pmf_j p(y_k | points_j)
    (an unbiased estimate of I = E[log2 p(y|x) / p(y)]). The CI half-width is 1.96 std(i_k) / sqrt(n_samples)
    (95 %, normal approximation).
    Noise: "gaussian" CN(0, sigma^2); "laplacian" I and Q independent Laplace with scale b = sqrt(sigma^2/4)
    (each real dimension has variance 2 b^2 = sigma^2 / 2, total sigma^2, as for the Gaussian).

    points: complex [M]; pmf: float [M] or None (uniform); exactly one of snr_db (Es/N0 in dB, Es under pmf) and
    noise_var (sigma^2). Returns (mi_bits: float, ci_halfwidth: float).
    """
    points = as_points(points)
    pmf = as_probabilities(pmf, points.shape[0])
    check_noise(noise)
    nv = _noise_var(points, pmf, snr_db, noise_var)
    n_samples = int(n_samples)
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    rng = np.random.default_rng(seed)
    idx = rng.choice(points.shape[0], size=n_samples, p=pmf)
    if noise == "gaussian":
        n = math.sqrt(nv / 2.0) * (rng.standard_normal(n_samples) + 1j * rng.standard_normal(n_samples))
    else:
        b = math.sqrt(nv / 4.0)
        n = rng.laplace(0.0, b, n_samples) + 1j * rng.laplace(0.0, b, n_samples)
    y = points[idx] + n
    with np.errstate(divide="ignore"):
        logp = np.log(pmf)
    vals = np.empty(n_samples)
    for s in range(0, n_samples, CHUNK):
        ll = log_likelihoods(y[s:s + CHUNK], points, nv, noise)
        own = ll[np.arange(ll.shape[0]), idx[s:s + CHUNK]]
        vals[s:s + CHUNK] = (own - logsumexp(ll + logp[None, :])) / math.log(2.0)
    return float(np.mean(vals)), float(1.96 * np.std(vals, ddof=1) / math.sqrt(n_samples))


def mi_gauss_hermite(points, pmf=None, noise_var=None, snr_db=None, order=48):
    """I(X;Y) in bits for Y = X + N, N ~ CN(0, noise_var), by Gauss-Hermite quadrature (deterministic).

    I = -sum_i pmf_i E_n[ log2 sum_j pmf_j exp(-(|x_i - x_j + n|^2 - |n|^2) / sigma^2) ]
    with n = sigma (u + i v), u, v on an order x order Gauss-Hermite product grid (weight exp(-u^2 - v^2)/pi).

    points: complex [M]; pmf: float [M] or None (uniform); exactly one of noise_var and snr_db; order: nodes per
    real dimension. Returns float. Cost O(M^2 order^2).
    """
    points = as_points(points)
    pmf = as_probabilities(pmf, points.shape[0])
    nv = _noise_var(points, pmf, snr_db, noise_var)
    order = int(order)
    if not 2 <= order <= 400:
        raise ValueError(f"order must be in [2, 400], got {order}")
    t, w = np.polynomial.hermite.hermgauss(order)
    sigma = math.sqrt(nv)
    nn = (sigma * (t[:, None] + 1j * t[None, :])).reshape(-1)       # [K^2] noise nodes
    ww = (w[:, None] * w[None, :]).reshape(-1) / math.pi             # weights sum to 1
    with np.errstate(divide="ignore"):
        logp = np.log(pmf)
    keep = pmf > 0
    total = 0.0
    for i in np.nonzero(keep)[0]:
        d = points[i] - points[keep]                                  # [M']
        z = d[None, :] + nn[:, None]                                 # [K^2, M']
        e = -(np.abs(z) ** 2 - np.abs(nn[:, None]) ** 2) / nv + logp[keep][None, :]
        total += pmf[i] * float(np.sum(ww * logsumexp(e)))
    return -total / math.log(2.0)


def mi_estimate(tx, rx, points, pmf=None, noise_var=None):
    """Data-driven lower bound on I(X;Y) in bits from transmitted indices and received samples.

    What it is: the mismatched-decoding (auxiliary channel) bound
        I(X;Y) >= E[ log2 q(y|x) / sum_j P_j q(y|points_j) ]
    which holds for ANY auxiliary channel q; here q(y|x) = CN(x, s^2) with s^2 = mean|y - points[tx]|^2 measured
    from the data (unless noise_var is given). It equals the true MI when the channel is AWGN with that variance,
    and is a lower bound (the rate a Gaussian-metric demapper achieves) for any other channel. The sample mean is
    reported, clipped below at 0 (q ** 0 = 1 gives the trivial bound 0).
    P: pmf, or the empirical frequencies of tx when pmf is None.

    tx: int indices [N] in [0, M) or complex symbols [N] (mapped to the nearest point); rx: complex [N];
    points: complex [M]; pmf: float [M] or None. Returns float (bits per symbol).
    """
    points = as_points(points)
    rx = as_complex(rx, "rx")
    t = _indices(tx, points)
    if t.shape[0] != rx.shape[0] or rx.shape[0] == 0:
        raise ValueError(f"rx and tx must be non-empty and of the same length, got {rx.shape[0]}, {t.shape[0]}")
    m = points.shape[0]
    if pmf is None:
        p = np.bincount(t, minlength=m) / t.shape[0]
    else:
        p = as_probabilities(pmf, m)
        if np.any(p[t] == 0):
            raise ValueError("mi_estimate: tx contains symbols that have probability 0 under pmf")
    if noise_var is None:
        es = float(np.sum(p * np.abs(points) ** 2))
        noise_var = float(np.mean(np.abs(rx - points[t]) ** 2))
        noise_var = max(noise_var, 1e-12 * es)               # noiseless data: q concentrates, bound -> H(P)
    elif not np.isfinite(noise_var) or noise_var <= 0:
        raise ValueError(f"noise_var must be finite and > 0, got {noise_var}")
    return max(0.0, mi_bound_sum(t, rx, points, p, noise_var) / rx.shape[0])


def mi_bound_sum(t, rx, points, p, noise_var):
    """Sum over samples of log2 q(y|x) / sum_j P_j q(y|x_j) (q Gaussian, variance noise_var). -> float."""
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    total = 0.0
    for s in range(0, rx.shape[0], CHUNK):
        ll = log_likelihoods(rx[s:s + CHUNK], points, noise_var, "gaussian")
        own = ll[np.arange(ll.shape[0]), t[s:s + CHUNK]]
        total += float(np.sum(own - logsumexp(ll + logp[None, :])))
    return total / math.log(2.0)
