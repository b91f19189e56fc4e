"""Tests of constant-composition distribution matching (gnuradio.ddpm.core.ccdm) and the PMF helpers that do not need
a model (gnuradio.ddpm.core.shaping): exactness against independent implementations, bijectivity, errors."""
import itertools
import math

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.ccdm import CCDM, entropy_bits, multinomial, quantise_pmf
from gnuradio.ddpm.core import shaping
from gnuradio.ddpm.core import metrics


def mb(points, lam):
    p = np.exp(-lam * np.abs(points) ** 2)
    return p / p.sum()


# (name, pmf, n, number of random blocks): M = 4, 16, 64; n = 1, small, 256, 1024+
CASES = [
    ("qam4-skewed-n1", np.array([0.4, 0.3, 0.2, 0.1]), 1, 3),
    ("qam4-skewed-n7", np.array([0.4, 0.3, 0.2, 0.1]), 7, 40),
    ("qam16-mb-n16", mb(constellations.qam(16), 1.0), 16, 40),
    ("qam16-mb-n256", mb(constellations.qam(16), 1.5), 256, 20),
    ("qam16-zeros-n100", np.r_[np.zeros(4), np.full(12, 1 / 12)], 100, 20),
    ("qam64-mb-n1024", mb(constellations.qam(64), 2.0), 1024, 4),
    ("qam64-uniform-n1500", np.full(64, 1 / 64), 1500, 2),
]


def _random_bits(rng, k):
    return rng.integers(0, 2, k).astype(np.uint8)


@pytest.mark.parametrize("name,pmf,n,blocks", CASES, ids=[c[0] for c in CASES])
def test_roundtrip_random_blocks(name, pmf, n, blocks):
    c = CCDM(quantise_pmf(pmf, n))
    rng = np.random.default_rng(hash(name) % 2**32)
    for _ in range(blocks):
        b = _random_bits(rng, c.k)
        assert np.array_equal(c.decode(c.encode(b)), b)


@pytest.mark.parametrize("name,pmf,n,blocks", CASES, ids=[c[0] for c in CASES])
def test_every_block_has_the_composition(name, pmf, n, blocks):
    counts = quantise_pmf(pmf, n)
    c = CCDM(counts)
    rng = np.random.default_rng(1)
    # all-zero and all-one inputs hit the two ends of the rank range
    inputs = [np.zeros(c.k, np.uint8), np.ones(c.k, np.uint8)] + [_random_bits(rng, c.k) for _ in range(blocks)]
    for b in inputs:
        s = c.encode(b)
        assert s.shape == (n,) and s.dtype == np.int64
        assert np.array_equal(np.bincount(s, minlength=counts.size), counts)


@pytest.mark.parametrize("name,pmf,n,blocks", CASES, ids=[c[0] for c in CASES])
def test_k_is_floor_log2_multinomial(name, pmf, n, blocks):
    counts = quantise_pmf(pmf, n)
    c = CCDM(counts)
    # independent exact value: factorials instead of the product of binomials used by the module
    C = math.factorial(n)
    for ni in counts:
        C //= math.factorial(int(ni))
    assert c.num_sequences == C
    assert 2 ** c.k <= C < 2 ** (c.k + 1)
    # and a floating-point cross-check with lgamma (loose by 1e-9 relative for rounding)
    log2C = (math.lgamma(n + 1) - sum(math.lgamma(int(ni) + 1) for ni in counts)) / math.log(2)
    assert c.k <= log2C * (1 + 1e-9) + 1e-9 and c.k > log2C * (1 - 1e-9) - 1 - 1e-9


def _lex_permutations(counts):
    """All distinct arrangements of the multiset, in lexicographic order (independent brute force)."""
    ms = [i for i, ni in enumerate(counts) for _ in range(ni)]
    return sorted(set(itertools.permutations(ms)))


@pytest.mark.parametrize("counts", [[1, 1], [2, 2], [3, 1, 2], [2, 0, 2, 1], [1, 1, 1, 1, 3], [4, 1, 2]])
def test_small_cases_enumerate_all_inputs(counts):
    """Every k-bit input maps to a distinct block, the one of rank ⌊v·C/2^k⌋ in lexicographic order."""
    c = CCDM(counts)
    perms = _lex_permutations(counts)
    assert len(perms) == c.num_sequences
    outs = []
    for v in range(2 ** c.k):
        bits = np.array([(v >> (c.k - 1 - j)) & 1 for j in range(c.k)], dtype=np.uint8)
        s = c.encode(bits)
        r = v * len(perms) >> c.k
        assert tuple(s.tolist()) == perms[r]
        assert np.array_equal(c.decode(s), bits)
        outs.append(tuple(s.tolist()))
    assert len(set(outs)) == 2 ** c.k
    assert outs == sorted(outs)   # arithmetic coding preserves order


def test_non_codeword_with_right_composition_raises():
    counts = [3, 1, 2]          # C = 60, k = 5: 28 arrangements are not matcher outputs
    c = CCDM(counts)
    images = {tuple(c.encode(np.array([(v >> (c.k - 1 - j)) & 1 for j in range(c.k)], np.uint8)).tolist())
              for v in range(2 ** c.k)}
    others = [p for p in _lex_permutations(counts) if p not in images]
    assert len(others) == c.num_sequences - 2 ** c.k
    for p in others:
        with pytest.raises(ValueError, match="not a matcher output"):
            c.decode(np.array(p))


def test_wrong_composition_raises():
    c = CCDM(quantise_pmf(mb(constellations.qam(16), 1.0), 64))
    s = c.encode(np.zeros(c.k, np.uint8))
    bad = s.copy()
    bad[5] = (bad[5] + 1) % 16
    with pytest.raises(ValueError, match="composition"):
        c.decode(bad)


@pytest.mark.parametrize("bad,match", [(np.arange(10), "n = 64"), (np.full(64, 16), "outside"),
                                       (np.full(64, -1), "outside"), (np.zeros(64, float), "integer")])
def test_decode_rejects_malformed_blocks(bad, match):
    c = CCDM(quantise_pmf(np.full(16, 1 / 16), 64))
    with pytest.raises(ValueError, match=match):
        c.decode(bad)


def test_encode_rejects_bad_bits():
    c = CCDM([3, 3])
    with pytest.raises(ValueError, match="k = 4"):
        c.encode(np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="0 or 1"):
        c.encode(np.array([0, 2, 1, 0]))


@pytest.mark.parametrize("counts,match", [([], "non-empty"), ([0, 0], "from 1 to 4096, got 0"), ([2, -1], ">= 0"),
                                          ([1.5, 2], "integers"), ([[1, 2]], "1-D"),
                                          ([2**62] * 4 + [64] + [0] * 11, "got 18446744073709551680"),
                                          ([4097], "from 1 to 4096, got 4097")])
def test_ccdm_rejects_bad_counts(counts, match):
    with pytest.raises(ValueError, match=match):
        CCDM(counts)


def test_best_effort_equals_decode_on_valid_blocks():
    c = CCDM(quantise_pmf(mb(constellations.qam(16), 1.0), 128))
    rng = np.random.default_rng(5)
    for _ in range(10):
        b = _random_bits(rng, c.k)
        bits, ok = c.decode_best_effort(c.encode(b))
        assert ok and np.array_equal(bits, b)


def test_best_effort_recovers_bits_when_only_the_last_symbol_is_wrong():
    """After n-1 valid symbols the remaining multiset has one arrangement, so the rank is still exact."""
    c = CCDM(quantise_pmf(mb(constellations.qam(16), 1.0), 128))
    rng = np.random.default_rng(6)
    for _ in range(10):
        b = _random_bits(rng, c.k)
        s = c.encode(b)
        s[-1] = (s[-1] + 1) % 16
        bits, ok = c.decode_best_effort(s)
        assert not ok and np.array_equal(bits, b)


def test_best_effort_keeps_leading_bits_after_a_late_error():
    """An error at position j leaves the first symbols valid; the bits they determine are still right. With a
    symbol error in the last quarter of the block, at least half of the bits must match (typically ~3/4)."""
    c = CCDM(quantise_pmf(mb(constellations.qam(16), 1.0), 256))
    rng = np.random.default_rng(7)
    for _ in range(10):
        b = _random_bits(rng, c.k)
        s = c.encode(b)
        j = int(rng.integers(3 * c.n // 4, c.n - 1))
        s[j] = (s[j] + 1) % 16
        bits, ok = c.decode_best_effort(s)
        assert not ok and bits.shape == (c.k,)
        lead = int(np.argmax(bits != b)) if np.any(bits != b) else c.k
        assert lead >= c.k // 2


def test_rate_loss_decreases_with_n():
    pmf = mb(constellations.qam(16), 1.0)
    h = entropy_bits(pmf)
    losses = []
    for n in (16, 64, 256, 1024, 4096):
        counts = quantise_pmf(pmf, n)
        c = CCDM(counts)
        assert c.rate <= entropy_bits(counts / n) + 1e-12   # log2 multinomial <= n·H(type)
        losses.append(h - c.rate)
    assert all(a > b for a, b in zip(losses, losses[1:])), losses


def test_multinomial_small_values():
    # independent brute force: number of distinct arrangements
    for counts in ([2, 1], [1, 1, 1], [2, 2, 1], [0, 3, 1]):
        assert multinomial(counts) == len(_lex_permutations(counts))


# ----------------------------------------------------------------------------------------- quantise_pmf
def _objective(counts, pmf):
    """n·D(counts/n ‖ P) (in nats) up to the constant n·ln n: Σ n_i ln n_i − n_i ln P_i."""
    return sum(int(c) * (math.log(int(c)) - math.log(p)) for c, p in zip(counts, pmf) if c > 0)


def _compositions(n, m):
    for cut in itertools.combinations(range(n + m - 1), m - 1):
        parts, prev = [], -1
        for x in cut + (n + m - 1,):
            parts.append(x - prev - 1)
            prev = x
        yield parts


@pytest.mark.parametrize("pmf,n", [([0.5, 0.25, 0.15, 0.1], 10), ([0.7, 0.1, 0.1, 0.1], 9),
                                   ([0.05, 0.05, 0.3, 0.6], 13), ([0.25] * 4, 6)])
def test_quantise_is_kl_optimal_by_brute_force(pmf, n):
    counts = quantise_pmf(pmf, n)
    best = min(_objective(c, pmf) for c in _compositions(n, len(pmf)))
    assert counts.sum() == n and counts.dtype == np.int64
    assert abs(_objective(counts, pmf) - best) < 1e-9


def test_quantise_gives_zero_probability_symbols_no_count():
    counts = quantise_pmf([0.0, 0.5, 0.0, 0.5], 11)
    assert counts[0] == 0 and counts[2] == 0 and counts.sum() == 11


def test_quantise_tracks_the_pmf_for_large_n():
    pmf = mb(constellations.qam(64), 2.0)
    n = 4096
    counts = quantise_pmf(pmf, n)
    # the greedy optimum is within one count of n·P_i for every symbol (rounding of a separable convex cost)
    assert np.max(np.abs(counts - n * pmf)) <= 1.0 + 1e-9


@pytest.mark.parametrize("pmf,n,match", [([0.5, -0.1, 0.6], 4, "negative"), ([0.5, np.nan], 4, "NaN"),
                                         ([0, 0], 4, "positive"), ([0.5, 0.5], 0, "from 1 to 4096"),
                                         ([0.5, 0.5], 2.5, "from 1 to 4096"), ([[0.5, 0.5]], 2, "1-D")])
def test_quantise_rejects_bad_input(pmf, n, match):
    with pytest.raises(ValueError, match=match):
        quantise_pmf(pmf, n)


# ------------------------------------------------------------------------------------------ PMF helpers
def test_entropy_of_uniform_is_log2_m():
    for m in (4, 16, 64):
        assert abs(entropy_bits(np.ones(m)) - math.log2(m)) < 1e-12


def test_floor_is_respected_and_sums_to_one():
    p = np.r_[0.9, 1e-6, 0.0, 0.0999, np.zeros(12)]
    q = shaping.apply_floor(p, 1e-3)
    assert abs(q.sum() - 1) < 1e-12
    assert q.min() >= 1e-3 and np.sum(q == 1e-3) >= 14   # every small entry sits exactly on the floor
    # entries above the floor keep their ratio
    assert abs(q[0] / q[3] - 0.9 / 0.0999) < 1e-9


def test_floor_rejects_values_outside_range():
    with pytest.raises(ValueError, match=r"\[0, 1/M\)"):
        shaping.apply_floor(np.ones(16), 1 / 16)
    with pytest.raises(ValueError, match=r"\[0, 1/M\)"):
        shaping.apply_floor(np.ones(16), -0.01)


def test_maxwell_boltzmann_orders_by_energy():
    pts = constellations.qam(16)
    p = shaping.maxwell_boltzmann_pmf(pts, 1.0)
    e = np.abs(pts) ** 2
    assert abs(p.sum() - 1) < 1e-12
    assert np.all(np.diff(p[np.argsort(e)]) <= 1e-15)   # non-increasing in energy
    assert np.allclose(shaping.maxwell_boltzmann_pmf(pts, 0.0), 1 / 16)


def test_mutual_information_matches_the_uniform_16qam_anchor():
    """Notes: uniform 16-QAM at 10 dB has 3.165 bits (2e5-sample Monte Carlo). Our stratified estimate uses
    16 x 4096 draws; per-draw std of the log-ratio is < 1.5 bit, so the standard error is < 1.5/256 ~ 0.006;
    0.03 allows 5 standard errors."""
    mi = metrics.mi_gauss_hermite(constellations.qam(16), np.ones(16) / 16, snr_db=10.0)
    assert abs(mi - 3.165) < 0.03


def test_mb_shaping_gains_over_uniform_and_stays_below_capacity():
    """16-QAM at 10 dB: uniform 3.165 bits (notes), capacity 3.459. Standard error of each estimate ~0.006 bit
    (docstring of mutual_information), so margins of 0.04 bit (gain) and 0.1 bit (capacity) are > 6 sigma
    away from the ~0.09-bit Maxwell-Boltzmann gain expected from the literature."""
    pts = constellations.qam(16)
    snr = 10.0
    uni = metrics.mi_gauss_hermite(pts, np.ones(16) / 16, snr_db=snr)
    pmf, lam, mi = shaping.mb_pmf_for_snr(pts, snr)
    assert lam > 0
    assert mi > uni + 0.04
    assert mi < math.log2(1 + 10 ** (snr / 10)) - 0.1
    assert abs(pmf.sum() - 1) < 1e-12
