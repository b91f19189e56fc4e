"""Constellations with Gray labels, unit average power, and exact baselines on them.

Every function documents shapes and dtypes. A constellation is a complex128 array ``points`` of shape
[M]; the symbol value i (0 <= i < M) carries the bits of i, most significant bit first.
"""
import numpy as np

__all__ = ["qam", "psk", "by_name", "gray", "nearest", "symbols_to_bits", "bits_to_symbols", "quantise"]


def gray(n):
    """Gray code of integers: int array [...] -> int array [...]."""
    n = np.asarray(n, dtype=np.int64)
    return n ^ (n >> 1)


def qam(order):
    """Square M-QAM, Gray-mapped per axis, unit average power.

    order: M, a power of 4 (4, 16, 64, 256, ...). Returns complex128 [M]; points[i] is the point that
    carries the bits of i (first half of the bits on I, second half on Q).
    """
    order = int(order)
    k = int(round(np.log2(order))) if order > 1 else 0
    if order < 4 or order > 1 << 16 or 2 ** k != order or k % 2:
        raise ValueError(f"QAM order must be a power of 4 from 4 to 65536 (4, 16, 64, 256, ...), got {order}")
    side = 2 ** (k // 2)
    levels = 2 * np.arange(side) - (side - 1)        # -(side-1) .. side-1, step 2
    # position of each Gray label on an axis: label gray(j) sits at level j
    pos = np.empty(side, dtype=np.int64)
    pos[gray(np.arange(side))] = np.arange(side)
    i_bits = np.arange(order) >> (k // 2)
    q_bits = np.arange(order) & (side - 1)
    pts = levels[pos[i_bits]] + 1j * levels[pos[q_bits]]
    return (pts / np.sqrt(np.mean(np.abs(pts) ** 2))).astype(np.complex128)


def psk(order, phase_offset=None):
    """M-PSK on the unit circle, Gray-mapped; M a power of 2. Returns complex128 [M].

    phase_offset defaults to pi/4 for M = 4 (the usual QPSK) and 0 otherwise.
    """
    order = int(order)
    if order < 2 or order > 1 << 16 or order & (order - 1):
        raise ValueError(f"PSK order must be a power of 2 from 2 to 65536 (Gray mapping), got {order}")
    if phase_offset is None:
        phase_offset = np.pi / 4 if order == 4 else 0.0
    pts = np.empty(order, dtype=np.complex128)
    pts[gray(np.arange(order))] = np.exp(1j * (2 * np.pi * np.arange(order) / order + phase_offset))
    return pts


def by_name(name):
    """Constellation of a short name: "qamM" (Gray square QAM), "pskM" (Gray PSK), "bpsk" (= psk2), "qpsk"
    (= qam4); case-insensitive. str -> complex128 [M], unit average power. ValueError for another name."""
    key = str(name).strip().lower()
    key = {"bpsk": "psk2", "qpsk": "qam4"}.get(key, key)
    for prefix, fn in (("qam", qam), ("psk", psk)):
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            return fn(int(key[len(prefix):]))
    raise ValueError(f"unknown constellation name {name!r}: use qamM, pskM, bpsk or qpsk")


def nearest(y, points):
    """Nearest-point (ML under circular Gaussian noise, uniform prior) decision.

    y: complex array [N]; points: complex [M]. Returns int64 [N] symbol indices. Non-finite y -> 0.
    """
    y = np.asarray(y).reshape(-1)
    points = np.asarray(points).reshape(-1)
    out = np.empty(y.shape[0], dtype=np.int64)
    chunk = 1 << 16
    for s in range(0, y.shape[0], chunk):
        d = np.abs(y[s:s + chunk, None] - points[None, :]) ** 2
        d = np.where(np.isfinite(d), d, np.inf)
        out[s:s + chunk] = np.argmin(d, axis=1)
    return out


def symbols_to_bits(symbols, bits_per_symbol):
    """int array [N] -> uint8 array [N * bits_per_symbol], MSB first."""
    symbols = np.asarray(symbols, dtype=np.int64).reshape(-1)
    shifts = np.arange(bits_per_symbol - 1, -1, -1)
    return ((symbols[:, None] >> shifts[None, :]) & 1).astype(np.uint8).reshape(-1)


def bits_to_symbols(bits, bits_per_symbol):
    """uint8 array [N * bits_per_symbol] -> int64 [N], MSB first."""
    bits = np.asarray(bits, dtype=np.int64).reshape(-1, bits_per_symbol)
    weights = 1 << np.arange(bits_per_symbol - 1, -1, -1)
    return bits @ weights


def quantise(x, bits, full_scale):
    """b-bit uniform mid-rise quantiser on I and Q separately over [-full_scale, +full_scale].

    x: complex array [...] -> complex128 array [...]. bits = 0 is the identity. Values outside the range
    clip to the outermost levels. Step Delta = 2 * full_scale / 2**bits; levels at (k + 1/2) * Delta.
    """
    x = np.asarray(x)
    if bits == 0:
        return x.astype(np.complex128)
    if not (1 <= bits <= 16) or not np.isfinite(full_scale) or full_scale <= 0:
        raise ValueError(f"quantise: need 1 <= bits <= 16 and full_scale > 0, got {bits}, {full_scale}")
    delta = 2.0 * full_scale / (1 << bits)
    half = (1 << bits) // 2

    def q(v):
        k = np.clip(np.floor(v / delta), -half, half - 1)
        return (k + 0.5) * delta

    return q(x.real) + 1j * q(x.imag)
