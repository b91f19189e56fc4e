"""Tests of gnuradio.ddpm.core.metrics: distortion metrics on data with known answers, SER/BER with planted errors,
mutual information against the published anchors, capacity, quadrature vs Monte Carlo, and bad input."""
import math

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations as C
from gnuradio.ddpm.core import metrics as M

QAM16 = C.qam(16)

# Anchors from /work/shared/notes/algorithms.md (uniform 16-QAM, Monte Carlo with 2e5 samples, 3 decimals).
ANCHORS_16QAM = {0.0: 0.991, 5.0: 1.971, 10.0: 3.165}


def awgn(points, idx, snr_db, rng, pmf=None):
    """Received samples y = points[idx] + CN(0, Es/SNR). Returns (y complex128 [N], noise_var float)."""
    es = float(np.mean(np.abs(points) ** 2)) if pmf is None else float(np.sum(pmf * np.abs(points) ** 2))
    nv = es / 10 ** (snr_db / 10)
    n = idx.shape[0]
    return points[idx] + math.sqrt(nv / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n)), nv


# --------------------------------------------------------------------------------------------- distortion
def test_known_offset_gives_known_mse_nmse_evm():
    # Unit-modulus reference (8-PSK), so mean|ref|^2 = 1 exactly; a constant offset c gives |error| = |c| for
    # every sample: MSE = |c|^2 = 0.01, NMSE = -20 dB, EVM = 10 % = -20 dB.
    rng = np.random.default_rng(1)
    ref = C.psk(8)[rng.integers(0, 8, 1000)]
    est = ref + (0.06 + 0.08j)
    assert M.mse(est, ref) == pytest.approx(0.01, rel=1e-12)
    assert M.nmse_db(est, ref) == pytest.approx(-20.0, abs=1e-9)
    pct, db = M.evm(est, ref)
    assert pct == pytest.approx(10.0, rel=1e-12)
    assert db == pytest.approx(-20.0, abs=1e-9)
    # a scaled reference: error (a - 1) ref, NMSE = 20 log10|a - 1|
    assert M.nmse_db(0.5 * ref, ref) == pytest.approx(20 * math.log10(0.5), abs=1e-9)
    assert M.nmse_db(ref, ref) == -math.inf


def test_cosine_similarity_geometry():
    rng = np.random.default_rng(2)
    a = rng.standard_normal(500) + 1j * rng.standard_normal(500)
    # multiplying by j rotates every 2-D vector by 90 degrees: orthogonal in the real inner product
    assert M.cosine_similarity(a, 1j * a) == pytest.approx(0.0, abs=1e-12)
    assert M.cosine_similarity(a, 3.0 * a) == pytest.approx(1.0, abs=1e-12)
    assert M.cosine_similarity(a, -a) == pytest.approx(-1.0, abs=1e-12)
    # 60 degree rotation: cos(60 deg) = 0.5
    assert M.cosine_similarity(a, np.exp(1j * np.pi / 3) * a) == pytest.approx(0.5, abs=1e-12)


def test_ser_ber_with_planted_errors():
    rng = np.random.default_rng(3)
    n = 2000
    idx = rng.integers(0, 16, n)
    wrong = idx.copy()
    err_pos = rng.choice(n, 137, replace=False)
    wrong[err_pos] = (idx[err_pos] + rng.integers(1, 16, 137)) % 16          # a different symbol each time
    rx = QAM16[wrong] + 0.01 * (rng.standard_normal(n) + 1j * rng.standard_normal(n))   # tiny noise, no flips
    assert M.ser(rx, idx, QAM16) == pytest.approx(137 / n)
    # the same with complex reference symbols instead of indices
    assert M.ser(rx, QAM16[idx], QAM16) == pytest.approx(137 / n)
    # bit errors counted independently from the binary strings of the labels (MSB first)
    nbits = sum(sum(x != y for x, y in zip(format(a, "04b"), format(b, "04b"))) for a, b in zip(idx, wrong))
    assert M.ber(rx, idx, QAM16) == pytest.approx(nbits / (4 * n))


def test_gray_neighbour_errors_cost_one_bit():
    # Gray QAM: moving to the nearest neighbour along I flips exactly one bit
    idx = np.arange(16)
    d = 2 / math.sqrt(10)                         # minimum distance of unit-power 16-QAM
    rx = QAM16 + d * np.where(QAM16.real < 0, 1.0, -1.0)   # one step inward along I
    assert M.ser(rx, idx, QAM16) == 1.0
    assert M.ber(rx, idx, QAM16) == pytest.approx(1 / 4)


# --------------------------------------------------------------------------------------------- MI
@pytest.mark.parametrize("snr_db", sorted(ANCHORS_16QAM))
def test_mi_16qam_matches_anchors(snr_db):
    gh = M.mi_gauss_hermite(QAM16, snr_db=snr_db)
    mc, ci = M.mi_awgn_discrete(QAM16, snr_db=snr_db, n_samples=50_000, seed=11)
    # The anchors are Monte-Carlo values from 2e5 samples: their standard error is our CI (95 %, 5e4 samples)
    # scaled by sqrt(5e4 / 2e5) / 1.96. Allow 4 of those standard errors plus the 3-decimal rounding.
    tol = 4 * ci / 1.96 * math.sqrt(50_000 / 200_000) + 5e-4
    assert abs(gh - ANCHORS_16QAM[snr_db]) <= tol
    # quadrature (deterministic, exact up to quadrature error) and Monte Carlo agree within 2 CI half-widths
    assert abs(mc - gh) <= 2 * ci


@pytest.mark.parametrize("order", [4, 16, 64])
@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 5.0, 10.0, 20.0])
def test_mi_below_capacity_and_entropy(order, snr_db):
    pts = C.qam(order)
    gh = M.mi_gauss_hermite(pts, snr_db=snr_db, order=32)
    cap = M.capacity_awgn(snr_db)
    assert 0 < gh <= min(cap, math.log2(order)) + 1e-9
    # at low SNR every constellation approaches capacity (within 2 % at -5 dB)
    if snr_db == -5.0:
        assert gh >= 0.98 * cap


def test_mi_monte_carlo_below_capacity_with_ci():
    for snr_db in (0.0, 10.0):
        mc, ci = M.mi_awgn_discrete(C.qam(64), snr_db=snr_db, n_samples=20_000, seed=5)
        assert mc - ci <= M.capacity_awgn(snr_db)


def test_mi_laplacian_limits_and_variance_convention():
    # high SNR: the input is recovered, MI -> H(X) = 4 bits for both noises; very low SNR: MI -> 0
    for noise in ("gaussian", "laplacian"):
        hi, ci = M.mi_awgn_discrete(QAM16, snr_db=30.0, noise=noise, n_samples=20_000, seed=1)
        assert hi == pytest.approx(4.0, abs=max(2 * ci, 1e-3))
        lo, ci = M.mi_awgn_discrete(QAM16, snr_db=-30.0, noise=noise, n_samples=20_000, seed=1)
        assert abs(lo) <= 2 * ci + 2e-3
    # the Laplacian log-likelihood uses b = sqrt(sigma^2 / 4): a unit L1 offset along I costs 1/b nats
    ll = M.log_likelihoods(np.array([1.0 + 0j]), np.array([0j, 1 + 0j]), 4.0, "laplacian")
    assert ll[0, 0] - ll[0, 1] == pytest.approx(-1.0 / math.sqrt(4.0 / 4.0))


def test_mi_estimate_matches_true_mi_on_awgn_data():
    rng = np.random.default_rng(21)
    n = 40_000
    for snr_db in (0.0, 10.0):
        idx = rng.integers(0, 16, n)
        y, nv = awgn(QAM16, idx, snr_db, rng)
        est = M.mi_estimate(idx, y, QAM16)
        gh = M.mi_gauss_hermite(QAM16, noise_var=nv)
        # on AWGN data the Gaussian auxiliary channel is matched, so the bound is the MI; tolerance: the 95 % CI
        # of a Monte-Carlo MI estimate with the same sample size (x2 for the estimated variance and frequencies)
        _, ci = M.mi_awgn_discrete(QAM16, noise_var=nv, n_samples=n, seed=3)
        assert abs(est - gh) <= 2 * ci


def test_mi_estimate_is_lower_bound_on_laplacian_channel_and_noiseless_entropy():
    rng = np.random.default_rng(8)
    n = 40_000
    nv = 10 ** (-5 / 10)
    idx = rng.integers(0, 16, n)
    b = math.sqrt(nv / 4)
    y = QAM16[idx] + rng.laplace(0, b, n) + 1j * rng.laplace(0, b, n)
    true_mi, ci = M.mi_awgn_discrete(QAM16, noise_var=nv, noise="laplacian", n_samples=n, seed=9)
    assert M.mi_estimate(idx, y, QAM16) <= true_mi + 2 * ci
    # noiseless: the bound is the entropy of the empirical symbol frequencies
    sub = idx[idx < 4]
    freq = np.bincount(sub, minlength=16) / sub.shape[0]
    h = -sum(p * math.log2(p) for p in freq if p > 0)
    assert M.mi_estimate(sub, QAM16[sub], QAM16) == pytest.approx(h, abs=1e-6)


# --------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call", [
    lambda: M.mse([1, np.nan], [1, 2]),
    lambda: M.mse([1, 2, 3], [1, 2]),
    lambda: M.mse([], []),
    lambda: M.nmse_db([1, 2], [0, 0]),
    lambda: M.cosine_similarity([0, 0], [1, 2]),
    lambda: M.evm([np.inf], [1]),
    lambda: M.ser([1 + 1j], [16], QAM16),
    lambda: M.ber([1 + 1j], [0], C.qam(4)[:3]),
    lambda: M.mi_awgn_discrete(QAM16, snr_db=5, noise_var=0.1),
    lambda: M.mi_awgn_discrete(QAM16),
    lambda: M.mi_awgn_discrete(QAM16, snr_db=5, noise="uniform"),
    lambda: M.mi_awgn_discrete(QAM16, pmf=np.full(16, 0.1), snr_db=5),
    lambda: M.mi_awgn_discrete(QAM16, pmf=np.r_[-0.5, np.full(15, 1.5 / 15)], snr_db=5),
    lambda: M.mi_gauss_hermite(QAM16, noise_var=-1.0),
    lambda: M.mi_gauss_hermite(QAM16, snr_db=np.nan),
    lambda: M.mi_estimate([0, 1], [1 + 1j], QAM16),
    lambda: M.mi_estimate([0, 1], [1, 1], QAM16, pmf=np.r_[1.0, np.zeros(15)]),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
