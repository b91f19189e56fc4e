"""Argument checks shared by gr-ddpm's numpy helpers and Python blocks: one definition each.

Every function raises ValueError with a message that names the argument, and returns the value in the
form the caller uses (e.g. a flat complex128 array). numpy only.
"""
import math

import numpy as np

__all__ = ["as_complex", "as_points", "as_pmf", "as_probabilities", "check_noise", "check_noise_var",
           "check_snr_db", "check_int", "check_shaping_args", "check_block_length", "NOISE_LAWS",
           "MAX_BLOCK_LENGTH", "MAX_SYMBOLS"]

#: largest CCDM block length n (ddpm.shaper, ddpm.ccdm_dematcher, core.ccdm): one block's encode or decode is
#: big-integer work of O(n * k) with k <= log2(n!) bits; at n = 4096 it takes < 0.1 s on one core whatever M is
#: (docs/shaping.md "Bounds"), and quantise_pmf / CCDM() loop n times.
MAX_BLOCK_LENGTH = 4096

#: largest alphabet (constellation size M) a shaper, dematcher or CCDM accepts, and the longest PMF or counts
#: vector read from a message or tag
MAX_SYMBOLS = 1 << 16

#: noise laws understood by the likelihoods, estimators and MI functions
NOISE_LAWS = ("gaussian", "laplacian")


def as_complex(x, name):
    """Any numeric array -> complex128 [N] (flattened); ValueError for object arrays, NaN or Inf."""
    x = np.asarray(x)
    if x.dtype == object:
        raise ValueError(f"{name}: expected a numeric array")
    x = x.astype(np.complex128).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: contains NaN or Inf")
    return x


def as_points(points):
    """Constellation points: complex [M], M >= 2, finite -> complex128 [M]."""
    p = as_complex(points, "points")
    if p.shape[0] < 2:
        raise ValueError(f"points: need at least 2 constellation points, got {p.shape[0]}")
    return p


def as_probabilities(pmf, m):
    """A PMF over m points that already sums to 1 (within 1e-6): float [m] or None (uniform) -> float64 [m]."""
    if pmf is None:
        return np.full(m, 1.0 / m)
    p = np.asarray(pmf, dtype=np.float64).reshape(-1)
    if p.shape[0] != m:
        raise ValueError(f"pmf: expected {m} probabilities, got {p.shape[0]}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("pmf: probabilities must be finite and non-negative")
    s = p.sum()
    if not abs(s - 1.0) < 1e-6:
        raise ValueError(f"pmf: probabilities must sum to 1, got {s}")
    return p / s


def as_pmf(pmf, what="pmf"):
    """A PMF-like vector (any positive sum): float [M], finite, >= 0 -> float64 [M] normalised to sum 1."""
    try:
        p = np.asarray(pmf, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be a vector of numbers: {e}") from None
    if p.ndim != 1 or p.size < 1:
        raise ValueError(f"{what} must be a non-empty 1-D vector, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{what} contains NaN or Inf: {p.tolist()}")
    if np.any(p < 0):
        raise ValueError(f"{what} has negative entries: {p.tolist()}")
    s = p.sum()
    if s == math.inf:         # finite entries whose sum overflows (e.g. [1e308, 1e308]): rescale first
        p = p / p.max()
        s = p.sum()
    if not s > 0:
        raise ValueError(f"{what} sums to {s}; it needs at least one positive entry")
    return p / s


def check_noise(noise):
    """noise law name: one of NOISE_LAWS."""
    if noise not in NOISE_LAWS:
        raise ValueError(f"noise must be 'gaussian' or 'laplacian', got {noise!r}")


def check_noise_var(noise_var):
    """complex noise variance: finite and > 0 -> float."""
    if noise_var is None or not np.isfinite(noise_var) or noise_var <= 0:
        raise ValueError(f"noise_var must be finite and > 0, got {noise_var}")
    return float(noise_var)


def check_snr_db(snr_db):
    """SNR in dB: a finite number -> float."""
    try:
        snr = float(snr_db)
    except (TypeError, ValueError):
        raise ValueError(f"snr_db must be a number, got {snr_db!r}") from None
    if not math.isfinite(snr):
        raise ValueError(f"snr_db must be finite, got {snr_db}")
    return snr


def check_int(name, value, lo):
    """An integral value >= lo (int, numpy int, or an integral float; not bool) -> int."""
    try:
        ok = not isinstance(value, bool) and int(value) == value and int(value) >= lo
    except (TypeError, ValueError, OverflowError):   # None, "x", NaN, Inf
        ok = False
    if not ok:
        raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


def check_block_length(n):
    """CCDM block length: an integer (not bool) in [1, MAX_BLOCK_LENGTH] -> int."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_BLOCK_LENGTH:
        raise ValueError(f"block length n must be an integer from 1 to {MAX_BLOCK_LENGTH}, got {n!r}")
    return int(n)


def check_shaping_args(n, mode, floor, points_per_symbol, threads, seed, modes):
    """The arguments that ddpm.shaper and ddpm.ccdm_dematcher share; modes: dict mode value -> meaning."""
    check_block_length(n)
    if mode not in modes:
        raise ValueError(f"unknown mode {mode!r}: " + ", ".join(f"{k} = {v}" for k, v in modes.items()))
    if not isinstance(floor, (int, float, np.floating)) or not math.isfinite(floor) or floor < 0:
        raise ValueError(f"floor must be a finite number in [0, 1/M), got {floor!r}")
    for name, v, lo in (("points_per_symbol", points_per_symbol, 1), ("threads", threads, 0), ("seed", seed, 0)):
        check_int(name, v, lo)
