"""``ddpm-rng-v1``: the counter-based Gaussian generator of docs/sampling.md, in vectorised numpy.

Keyed by (seed s, absolute sample index n, counter c); all integer arithmetic is uint64 modulo 2^64::

    mix(z): z += 0x9E3779B97F4A7C15
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB
            return z ^ (z >> 31)
    h  = mix(mix(mix(s) ^ n) ^ c)
    u1 = ((h >> 40) + 1) * 2^-24;  u2 = ((h >> 16) & 0xFFFFFF) * 2^-24
    r  = sqrt(-2 ln u1);  z_I = r cos(2 pi u2);  z_Q = r sin(2 pi u2)
"""
import numpy as np

__all__ = ["mix", "hash_key", "normal_pairs"]

_U64 = np.uint64
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_MASK64 = (1 << 64) - 1


def _u64(v):
    """int (any sign, reduced mod 2^64) or integer array -> uint64 array."""
    if isinstance(v, (int, np.integer)):
        return np.asarray(int(v) & _MASK64, dtype=np.uint64)
    a = np.asarray(v)
    if a.dtype == np.uint64:
        return a
    if a.dtype.kind not in "iu":
        raise TypeError(f"ddpm-rng-v1 keys must be integers, got dtype {a.dtype}")
    return a.astype(np.uint64)  # two's complement wrap for negative int64, i.e. mod 2^64


def mix(z):
    """SplitMix64 finaliser with the golden-ratio increment: uint64 array [...] -> uint64 array [...]."""
    z = np.array(z, dtype=np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z += _GOLDEN
        z = (z ^ (z >> _U64(30))) * _M1
        z = (z ^ (z >> _U64(27))) * _M2
    return z ^ (z >> _U64(31))


def hash_key(seed, index, counter):
    """h = mix(mix(mix(seed) ^ index) ^ counter): ints / uint64 arrays (broadcast) -> uint64 array."""
    return mix(mix(mix(_u64(seed)) ^ _u64(index)) ^ _u64(counter))


def normal_pairs(seed, index, counter):
    """Two independent N(0, 1) numbers per (seed, index, counter).

    seed: int (taken mod 2^64); index: uint64 (or non-negative integer) array [N], absolute sample
    indices; counter: int (the step t, or T for the top-up noise). Returns float64 [N, 2] = (z_I, z_Q).
    """
    idx = _u64(index).reshape(-1)
    h = hash_key(seed, idx, counter)
    u1 = ((h >> _U64(40)) + _U64(1)).astype(np.float64) * 2.0 ** -24
    u2 = ((h >> _U64(16)) & _U64(0xFFFFFF)).astype(np.float64) * 2.0 ** -24
    r = np.sqrt(-2.0 * np.log(u1))
    ang = 2.0 * np.pi * u2
    return np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1)
