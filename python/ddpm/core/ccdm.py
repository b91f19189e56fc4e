"""Constant-composition distribution matching (CCDM, Schulte & Böcherer 2016) with exact integer arithmetic.

A CCDM with composition {n_i} (i = 0 … M−1, n = Σ n_i) maps k = ⌊log2(n! / ∏ n_i!)⌋ uniform input bits to a
block of n symbols that contains symbol i exactly n_i times (the *matcher*), and back (the *dematcher*).

The matcher is arithmetic decoding of the k bits against the adaptive model P(i) = (remaining n_i) / (remaining
length). With exact arithmetic this is the same as unranking multiset permutations in lexicographic order:
the k bits, read as an integer v ∈ [0, 2^k), select the permutation of rank r = ⌊v·C / 2^k⌋, C = n!/∏ n_i!;
the dematcher ranks the block and returns v = ⌈r·2^k / C⌉. Because C ≥ 2^k, distinct v give distinct r, and the
half-open interval [r·2^k/C, (r+1)·2^k/C) of length ≤ 1 holds exactly one integer, so decode(encode(b)) = b.
Every interval bound is a Python integer: no floating point touches the code, whatever the block length.

Cost per symbol: a Fenwick-tree descent over the M symbol counts (O(log M) small-int steps) plus a few
big-integer operations on numbers of ~k bits (O(k / 30) machine words each).

Shapes and dtypes are given in every docstring; "int64 [M]" means a numpy array of that dtype and shape.
"""
import heapq
import math

import numpy as np

from gnuradio.ddpm.core.checks import MAX_BLOCK_LENGTH, MAX_SYMBOLS, as_pmf, check_block_length

__all__ = ["quantise_pmf", "multinomial", "entropy_bits", "CCDM", "MAX_BLOCK_LENGTH"]


def entropy_bits(pmf):
    """Entropy H(P) in bits of a PMF.

    pmf: float array [M], ≥ 0 (normalised here). Returns float.
    """
    p = as_pmf(pmf)
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def quantise_pmf(pmf, n):
    """Greedy KL-optimal n-type quantisation of a PMF (Schulte & Böcherer 2016, Algorithm 2).

    With t_i = ln(1/P_i), every n_i = 0 and q_i = t_i, repeat n times: take i = argmin q_i (smallest index on a
    tie), add one to n_i (giving c), then set q_i = (c+1)·ln(c+1) − c·ln(c) + t_i: the increase of
    Σ_i n_i·ln(n_i) + n_i·t_i (= n·D(n_i/n ‖ P) + const) that the next increment of n_i would cost. Symbols with P_i = 0 never get a count; when n is smaller than the support, the least likely
    symbols get none.

    pmf: float array [M], finite, ≥ 0, positive sum (normalised here).
    n: int, 1 ≤ n ≤ MAX_BLOCK_LENGTH, the block length.
    Returns int64 [M] counts n_i with Σ n_i = n. Deterministic (same input → same counts on every machine
    with IEEE-754 float64 and a correctly rounded log, as required by the shaper/dematcher pair).
    """
    p = as_pmf(pmf)
    n = check_block_length(n)
    counts = np.zeros(p.size, dtype=np.int64)
    t = {i: -math.log(float(p[i])) for i in range(p.size) if p[i] > 0}
    heap = [(ti, i) for i, ti in t.items()]
    heapq.heapify(heap)
    for _ in range(n):
        _, i = heapq.heappop(heap)
        c = int(counts[i]) + 1
        counts[i] = c
        q = (c + 1) * math.log(c + 1) - c * math.log(c) + t[i]
        heapq.heappush(heap, (q, i))
    return counts


def multinomial(counts):
    """Exact multinomial coefficient n! / ∏ n_i! (Python int) of non-negative integer counts [M]."""
    c, s = 1, 0
    for ni in counts:
        ni = int(ni)
        s += ni
        c *= math.comb(s, ni)
    return c


class _Fenwick:
    """Fenwick (binary indexed) tree over M non-negative integer counts; 0-based symbol indices."""

    __slots__ = ("m", "tree", "top")

    def __init__(self, counts):
        m = len(counts)
        tree = [0] * (m + 1)
        for i, c in enumerate(counts, start=1):
            tree[i] += c
            j = i + (i & -i)
            if j <= m:
                tree[j] += tree[i]
        self.m, self.tree = m, tree
        self.top = 1 << (m.bit_length() - 1) if m else 0

    def prefix(self, i):
        """Σ counts[0:i]."""
        s, tree = 0, self.tree
        while i > 0:
            s += tree[i]
            i -= i & -i
        return s

    def add(self, i, delta):
        i += 1
        tree, m = self.tree, self.m
        while i <= m:
            tree[i] += delta
            i += i & -i

    def find(self, q):
        """Largest symbol s with prefix(s) ≤ q, and prefix(s). Needs 0 ≤ q < total."""
        pos, acc, step, tree, m = 0, 0, self.top, self.tree, self.m
        while step:
            nxt = pos + step
            if nxt <= m and acc + tree[nxt] <= q:
                pos = nxt
                acc += tree[nxt]
            step >>= 1
        return pos, acc


def _bits_to_int(bits, k):
    if k == 0:
        return 0
    nbytes = (k + 7) // 8
    v = int.from_bytes(np.packbits(bits).tobytes(), "big")
    return v >> (8 * nbytes - k)


def _int_to_bits(v, k):
    if k == 0:
        return np.zeros(0, dtype=np.uint8)
    nbytes = (k + 7) // 8
    raw = (v << (8 * nbytes - k)).to_bytes(nbytes, "big")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8))[:k].copy()


class CCDM:
    """Constant-composition distribution matcher / dematcher for one composition.

    counts: integer array [M], every n_i ≥ 0, 1 ≤ n = Σ n_i ≤ MAX_BLOCK_LENGTH (for example
    ``quantise_pmf(pmf, n)``); checked on Python ints (an int64 sum that wraps around is not accepted).

    Attributes: ``n`` (block length), ``k`` (input bits per block, ⌊log2 C⌋), ``num_symbols`` (M),
    ``num_sequences`` (C = n!/∏ n_i!, Python int), ``counts`` (int64 [M] copy), ``rate`` (k/n bits per symbol).
    An object is immutable and its methods are safe to call from several threads.
    """

    def __init__(self, counts):
        try:
            c = np.asarray(counts)
        except (TypeError, ValueError) as e:
            raise ValueError(f"CCDM counts must be a vector of integers: {e}") from None
        if c.ndim != 1 or c.size < 1:
            raise ValueError(f"CCDM counts must be a non-empty 1-D vector, got shape {c.shape}")
        if c.dtype.kind == "f":
            if not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
                raise ValueError(f"CCDM counts must be integers, got {c.tolist()}")
        elif c.dtype.kind not in "iu":
            raise ValueError(f"CCDM counts must be integers, got dtype {c.dtype}")
        if c.size > MAX_SYMBOLS:
            raise ValueError(f"CCDM counts: {c.size} symbols, more than MAX_SYMBOLS = {MAX_SYMBOLS}")
        counts = tuple(int(x) for x in c.tolist())   # Python ints: no int64 wrap-around in the checks
        if any(x < 0 for x in counts):
            raise ValueError(f"CCDM counts must be >= 0, got {list(counts)[:64]}")
        total = sum(counts)
        if not 1 <= total <= MAX_BLOCK_LENGTH:
            raise ValueError(f"CCDM counts must sum to a block length n from 1 to {MAX_BLOCK_LENGTH}, got {total}")
        self._counts = counts
        self.n = total
        self.num_symbols = int(c.size)
        self.num_sequences = multinomial(self._counts)
        self.k = self.num_sequences.bit_length() - 1
        self.rate = self.k / self.n

    @property
    def counts(self):
        """int64 [M]: the composition n_i."""
        return np.array(self._counts, dtype=np.int64)

    def __repr__(self):
        return f"CCDM(n={self.n}, M={self.num_symbols}, k={self.k})"

    # ---------------------------------------------------------------- matcher
    def encode(self, bits):
        """Matcher: k bits → one block of n symbols with exactly the composition ``counts``.

        bits: array [k] of 0/1 (any integer dtype), most significant first. Returns int64 [n] symbol indices.
        Raises ValueError for a wrong length or values other than 0 and 1.
        """
        b = np.asarray(bits)
        if b.shape != (self.k,):
            raise ValueError(f"CCDM.encode needs exactly k = {self.k} bits, got shape {b.shape}")
        if b.size and (b.dtype.kind not in "biu" or np.any((b != 0) & (b != 1))):
            raise ValueError("CCDM.encode: bits must be integers 0 or 1")
        v = _bits_to_int(b.astype(np.uint8), self.k)
        return self._unrank((v * self.num_sequences) >> self.k)

    def _unrank(self, r):
        counts = list(self._counts)
        fw = _Fenwick(counts)
        out = np.empty(self.n, dtype=np.int64)
        crem, length = self.num_sequences, self.n
        for j in range(self.n):
            # the block of permutations that start with symbol s is [crem·cum_s/L, crem·cum_{s+1}/L)
            q = (r * length) // crem
            s, acc = fw.find(q)
            out[j] = s
            r -= (crem * acc) // length      # exact: a sum of multinomial coefficients
            crem = (crem * counts[s]) // length  # exact: multinomial of the remaining multiset
            counts[s] -= 1
            fw.add(s, -1)
            length -= 1
        return out

    # -------------------------------------------------------------- dematcher
    def _check_symbols(self, symbols):
        s = np.asarray(symbols)
        if s.shape != (self.n,):
            raise ValueError(f"CCDM.decode needs a block of n = {self.n} symbols, got shape {s.shape}")
        if s.dtype.kind not in "iu":
            raise ValueError(f"CCDM.decode needs integer symbol indices, got dtype {s.dtype}")
        return s.astype(np.int64)

    def _rank(self, s, strict):
        """Rank of the longest valid prefix of s and, when it stops early, the number of completions."""
        counts = list(self._counts)
        fw = _Fenwick(counts)
        r, crem, length = 0, self.num_sequences, self.n
        m = self.num_symbols
        for j, x in enumerate(s.tolist()):
            if not 0 <= x < m or counts[x] == 0:
                if strict:
                    comp = np.bincount(np.clip(s, 0, None), minlength=m)
                    if np.any(s < 0) or np.any(s >= m):
                        raise ValueError(f"CCDM.decode: symbol index {x} at position {j} is outside "
                                         f"0..{m - 1}")
                    raise ValueError("CCDM.decode: the block does not have the composition of this CCDM "
                                     f"(symbol errors?): got {comp.tolist()}, expected {list(self._counts)}")
                return r, crem, False
            acc = fw.prefix(x)
            r += (crem * acc) // length
            crem = (crem * counts[x]) // length
            counts[x] -= 1
            fw.add(x, -1)
            length -= 1
        return r, 1, True

    def decode(self, symbols):
        """Dematcher: one block of n symbols → the k bits it carries.

        symbols: integer array [n] of indices 0 … M−1. Returns uint8 [k] (0/1, most significant first).
        Raises ValueError when the block cannot have come from ``encode``: wrong length or dtype, an index out of
        range, a composition other than ``counts``, or a permutation of the right composition whose rank is
        not the image of any k-bit input (possible when C > 2^k).
        """
        s = self._check_symbols(symbols)
        r, _, _ = self._rank(s, strict=True)
        v = -((-(r << self.k)) // self.num_sequences)   # ⌈r·2^k / C⌉
        if v >= (1 << self.k) or (v * self.num_sequences) >> self.k != r:
            raise ValueError("CCDM.decode: the block has the right composition but is not a matcher output "
                             "(symbol errors?)")
        return _int_to_bits(v, self.k)

    def decode_best_effort(self, symbols):
        """Dematcher that never raises on channel errors (for receivers).

        symbols: integer array [n]. Returns (bits uint8 [k], ok bool). ok is True exactly when ``decode`` would
        succeed, and then bits equal its result. Otherwise the block is ranked up to the first symbol that breaks
        the composition (or is out of range); the rank is taken in the middle of the interval that this valid
        prefix leaves open and mapped to the nearest k-bit input, so the leading bits, which depend only on the
        leading symbols, are usually still right. Raises ValueError only for a wrong length or dtype.
        """
        s = self._check_symbols(symbols)
        r, width, complete = self._rank(s, strict=False)
        r_mid = r + (width - 1) // 2
        v = -((-(r_mid << self.k)) // self.num_sequences)
        v = min(v, (1 << self.k) - 1)
        ok = complete and (v * self.num_sequences) >> self.k == r
        return _int_to_bits(v, self.k), bool(ok)

    # ------------------------------------------------------------ multi-block
    def encode_blocks(self, bits):
        """bits: 0/1 array [B·k] → int64 [B·n] (B whole blocks). ValueError when the length is not a multiple of k
        (or k = 0 and bits are given)."""
        b = np.asarray(bits).reshape(-1)
        if self.k == 0:
            raise ValueError("CCDM.encode_blocks: k = 0, the blocks carry no bits")
        if b.size % self.k:
            raise ValueError(f"CCDM.encode_blocks: {b.size} bits is not a multiple of k = {self.k}")
        if b.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([self.encode(b[i:i + self.k]) for i in range(0, b.size, self.k)])

    def decode_blocks(self, symbols):
        """symbols: integer array [B·n] → uint8 [B·k]; raises like ``decode`` (naming the block)."""
        s = np.asarray(symbols).reshape(-1)
        if s.size % self.n:
            raise ValueError(f"CCDM.decode_blocks: {s.size} symbols is not a multiple of n = {self.n}")
        out = []
        for b in range(s.size // self.n):
            try:
                out.append(self.decode(s[b * self.n:(b + 1) * self.n]))
            except ValueError as e:
                raise ValueError(f"block {b}: {e}") from None
        return np.concatenate(out) if out else np.zeros(0, dtype=np.uint8)
