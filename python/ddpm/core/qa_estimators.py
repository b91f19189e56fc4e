"""Tests of gnuradio.ddpm.core.estimators: MMSE optimality, ML SER vs the closed form, and MAP/Laplacian
variants."""
import math

import numpy as np
import pytest

from gnuradio.ddpm.core import estimators as B
from gnuradio.ddpm.core import constellations as C
from gnuradio.ddpm.core import metrics as M
from gnuradio.ddpm.core.shaping import maxwell_boltzmann_pmf

QAM16 = C.qam(16)


def awgn(points, idx, nv, rng):
    n = idx.shape[0]
    return points[idx] + math.sqrt(nv / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))


def awgn_link(n, snr_db, seed):
    """n uniform QAM-16 indices through AWGN at snr_db: (n, idx int64 [n], y complex128 [n])."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 16, n)
    return n, idx, awgn(QAM16, idx, 10 ** (-snr_db / 10), rng)


def paired(a, b):
    """Mean of a - b and its standard error (paired samples). a, b: float [N] -> (float, float)."""
    d = a - b
    return float(np.mean(d)), float(np.std(d, ddof=1) / math.sqrt(d.shape[0]))


@pytest.mark.parametrize("snr_db", [0.0, 5.0, 10.0, 15.0])
def test_mmse_beats_raw_and_ml_point(snr_db):
    rng = np.random.default_rng(100 + int(snr_db))
    n = 20_000
    idx = rng.integers(0, 16, n)
    nv = 10 ** (-snr_db / 10)
    y = awgn(QAM16, idx, nv, rng)
    s = QAM16[idx]
    e_mmse = np.abs(B.mmse_estimate(y, QAM16, nv) - s) ** 2
    e_raw = np.abs(y - s) ** 2
    e_ml = np.abs(QAM16[B.ml_decision(y, QAM16)] - s) ** 2
    # E[s|y] minimises the expected squared error: on a finite sample allow 3 paired standard errors
    for other in (e_raw, e_ml):
        diff, se = paired(e_mmse, other)
        assert diff <= 3 * se
    diff, se = paired(e_mmse, e_raw)
    assert diff < -3 * se                     # and it is a significant gain over the raw samples
    if snr_db <= 10:
        diff, se = paired(e_mmse, e_ml)
        assert diff < -3 * se                 # ... and over hard decisions at low and medium SNR


def test_mmse_limits():
    y = np.array([0.3 - 0.2j, 5 + 5j])
    # very high noise: the posterior is the prior, E[s|y] -> mean of the constellation = 0
    assert np.max(np.abs(B.mmse_estimate(y, QAM16, 1e6))) < 1e-3
    # very low noise: E[s|y] -> nearest point
    np.testing.assert_allclose(B.mmse_estimate(y, QAM16, 1e-6), QAM16[C.nearest(y, QAM16)], atol=1e-9)
    # far outside the constellation with tiny noise: the log-sum-exp keeps it finite (no 0/0)
    assert np.all(np.isfinite(B.mmse_estimate(np.array([100 + 100j]), QAM16, 1e-8)))


@pytest.mark.parametrize("snr_db", [0.0, 5.0, 10.0, 15.0])
def test_ml_ser_matches_closed_form(snr_db):
    n, idx, y = awgn_link(n=100_000, snr_db=snr_db, seed=200 + int(snr_db))
    p = B.ser_qam_awgn(16, snr_db)
    # binomial standard deviation of the error count over n symbols; 4 sigma
    assert abs(M.ser(y, idx, QAM16) - p) <= 4 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("snr_db", [10.0, 15.0])
def test_ber_approximation(snr_db):
    n, idx, y = awgn_link(n=100_000, snr_db=snr_db, seed=300 + int(snr_db))
    p = B.ber_qam_awgn_approx(16, snr_db)
    # binomial sigma over the 4n bits (4 sigma), plus 3 % for the approximation (it drops multi-bit errors)
    assert abs(M.ber(y, idx, QAM16) - p) <= 4 * math.sqrt(p * (1 - p) / (4 * n)) + 0.03 * p


def test_closed_form_values_and_bad_args():
    # 4-QAM: P_s = 1 - (1 - Q(sqrt(SNR)))^2 exactly
    q = B.q_function(math.sqrt(10 ** 0.5))
    assert B.ser_qam_awgn(4, 5.0) == pytest.approx(1 - (1 - q) ** 2, rel=1e-12)
    assert B.q_function(0.0) == 0.5
    with pytest.raises(ValueError):
        B.ser_qam_awgn(8, 10.0)
    with pytest.raises(ValueError):
        B.ser_qam_awgn(16, float("nan"))


def test_map_and_mmse_use_the_prior():
    # Maxwell-Boltzmann-shaped 16-QAM at 5 dB: the MAP decision and the MMSE estimate that know the PMF beat
    # the uniform-prior ones on shaped data (paired, 3 standard errors of significance).
    rng = np.random.default_rng(7)
    n = 30_000
    pmf = maxwell_boltzmann_pmf(QAM16, 1.5)
    es = float(np.sum(pmf * np.abs(QAM16) ** 2))
    nv = es / 10 ** 0.5
    idx = rng.choice(16, n, p=pmf)
    y = awgn(QAM16, idx, nv, rng)
    s = QAM16[idx]
    diff, se = paired(np.abs(B.mmse_estimate(y, QAM16, nv, pmf=pmf) - s) ** 2,
                      np.abs(B.mmse_estimate(y, QAM16, nv) - s) ** 2)
    assert diff < -3 * se
    diff, se = paired((B.ml_decision(y, QAM16, nv, pmf=pmf) != idx).astype(float),
                      (B.ml_decision(y, QAM16) != idx).astype(float))
    assert diff < -3 * se
    with pytest.raises(ValueError):
        B.ml_decision(y, QAM16, pmf=pmf)        # MAP needs the noise variance


def test_laplacian_mmse_beats_mismatched_gaussian_mmse():
    rng = np.random.default_rng(9)
    n = 30_000
    nv = 10 ** (-5 / 10)
    idx = rng.integers(0, 16, n)
    b = math.sqrt(nv / 4)                        # Laplace scale per real dimension for total variance nv
    y = QAM16[idx] + rng.laplace(0, b, n) + 1j * rng.laplace(0, b, n)
    s = QAM16[idx]
    diff, se = paired(np.abs(B.mmse_estimate(y, QAM16, nv, noise="laplacian") - s) ** 2,
                      np.abs(B.mmse_estimate(y, QAM16, nv, noise="gaussian") - s) ** 2)
    assert diff < -3 * se


@pytest.mark.parametrize("call", [
    lambda: B.mmse_estimate([1 + 1j], QAM16, 0.0),
    lambda: B.mmse_estimate([1 + 1j], QAM16, np.nan),
    lambda: B.mmse_estimate([np.nan], QAM16, 0.1),
    lambda: B.mmse_estimate([1 + 1j], QAM16, 0.1, noise="cauchy"),
    lambda: B.mmse_estimate([1 + 1j], QAM16, 0.1, pmf=np.ones(4) / 4),
    lambda: B.ml_decision([1 + 1j], [1 + 0j]),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


# ----------------------------------------------------------------------------------------------- exact MMSE
@pytest.mark.parametrize("name,snr_db,pmf,noise", [("qam16", 0.0, None, "gaussian"), ("qam16", 10.0, None, "gaussian"),
                                                   ("psk8", 5.0, None, "gaussian"), ("qam16", 8.0, "mb", "gaussian"),
                                                   ("qam16", 12.0, None, "laplacian")])
def test_mmse_exact_matches_monte_carlo(name, snr_db, pmf, noise):
    """The integrated MMSE against the Monte-Carlo mean of |s - E[s|y]|^2 over N = 60 000 symbols: they must agree
    within 5 standard errors of that mean (sample standard deviation / sqrt(N)). Covers the separable path (square
    QAM, uniform and Maxwell-Boltzmann, Gaussian and Laplacian noise) and the 2-D path (8-PSK)."""
    pts = C.qam(16) if name == "qam16" else C.psk(8)
    p = maxwell_boltzmann_pmf(pts, 1.0) if pmf == "mb" else None
    rng = np.random.default_rng(7)
    n = 60_000
    idx = rng.choice(pts.shape[0], size=n, p=p if p is not None else np.full(pts.shape[0], 1 / pts.shape[0]))
    nv = float(np.sum((p if p is not None else 1 / pts.shape[0]) * np.abs(pts) ** 2)) * 10 ** (-snr_db / 10)
    if noise == "gaussian":
        y = awgn(pts, idx, nv, rng)
    else:                                     # I and Q independent Laplace, scale sqrt(nv/4) (variance nv/2 each)
        b = math.sqrt(nv / 4)
        y = pts[idx] + rng.laplace(0, b, n) + 1j * rng.laplace(0, b, n)
    err = np.abs(B.mmse_estimate(y, pts, nv, pmf=p, noise=noise) - pts[idx]) ** 2
    exact = B.mmse_exact(pts, nv, pmf=p, noise=noise)
    assert abs(err.mean() - exact) <= 5 * err.std(ddof=1) / math.sqrt(n), (err.mean(), exact)


def test_mmse_exact_paths_agree_and_bounds():
    """The separable (two 1-D PAM integrals) and the 2-D integration are different code paths: they agree to 1e-9
    relative on 16-QAM at 0 and 6 dB; the MMSE lies below the linear MMSE es*nv/(es + nv) and tends to it at
    -30 dB; it falls monotonically with SNR and resolves the rare-event values at high SNR (20 dB: about
    4e-6 = -54 dB, where 10^4 Monte-Carlo symbols would mostly see no error at all)."""
    p = np.full(16, 1 / 16)
    for snr in (0.0, 6.0):
        nv = 10 ** (-snr / 10)
        a, b = B.mmse_exact(QAM16, nv), B._mmse_2d(QAM16, p, nv)
        assert abs(a - b) <= 1e-9 * a
    vals = [B.mmse_exact(QAM16, 10 ** (-s / 10)) for s in range(-30, 31, 5)]
    assert all(x > y for x, y in zip(vals, vals[1:]))
    for s, v in zip(range(-30, 31, 5), vals):
        assert v <= B.mmse_linear(10 ** (-s / 10)) * (1 + 1e-12)
    assert abs(vals[0] / B.mmse_linear(1e3) - 1) < 1e-3
    assert -56 < 10 * math.log10(vals[10]) < -53
    # a high-SNR point of the 2-D path (QPSK is cheap) agrees with the separable one
    q = C.qam(4)
    assert abs(B.mmse_exact(q, 10 ** -1.2) / B._mmse_2d(q, np.full(4, 0.25), 10 ** -1.2) - 1) < 1e-6
    with pytest.raises(ValueError):
        B.mmse_exact(QAM16, 0.0)
    with pytest.raises(ValueError):
        B._mmse_2d(C.psk(8), np.full(8, 1 / 8), 1e-5)            # grid too fine for the 2-D path
