"""Tests of gnuradio.ddpm.core.capacity: the quadrature MI against independent computations (Gauss-Hermite of
core.metrics, Monte Carlo with its confidence interval), Blahut-Arimoto against closed cases, and the bounds."""
import math

import numpy as np
import pytest

from gnuradio.ddpm.core import capacity as K
from gnuradio.ddpm.core import constellations as C
from gnuradio.ddpm.core import metrics as M
from gnuradio.ddpm.core.shaping import maxwell_boltzmann_pmf, mb_optimal_lambda

QAM16 = C.qam(16)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 20.0])
def test_gaussian_mi_matches_gauss_hermite(snr_db):
    """Uniform and MB inputs: the channel's quadrature MI equals core.metrics' Gauss-Hermite MI (order 48)."""
    nv = 10 ** (-snr_db / 10)
    ch = K.DiscreteChannel(QAM16, "gaussian", nv, order=24)
    mb = maxwell_boltzmann_pmf(QAM16, 1.0)
    assert ch.mi() == pytest.approx(M.mi_gauss_hermite(QAM16, noise_var=nv), abs=2e-4)
    assert ch.mi(mb) == pytest.approx(M.mi_gauss_hermite(QAM16, mb, noise_var=nv), abs=2e-4)


@pytest.mark.parametrize("snr_db", [5.0, 10.0])
def test_laplacian_mi_matches_monte_carlo(snr_db):
    """The composite quadrature of the Laplacian law against 400 000 Monte-Carlo samples: within 4 of the
    Monte-Carlo estimate's standard errors (the CI half-width is 1.96 of them) plus 1e-3 bit."""
    nv = 10 ** (-snr_db / 10)
    ch = K.DiscreteChannel(QAM16, "laplacian", nv, order=8)
    mc, ci = M.mi_awgn_discrete(QAM16, noise_var=nv, noise="laplacian", n_samples=400_000, seed=11)
    assert abs(ch.mi() - mc) <= 4 * ci / 1.96 + 1e-3


def test_mi_bounds_and_capture_of_ideal_points_is_the_textbook_channel():
    nv = 0.1
    ch = K.DiscreteChannel(QAM16, "gaussian", nv)
    for p in (None, maxwell_boltzmann_pmf(QAM16, 2.0)):
        mi = ch.mi(p)
        assert 0 < mi <= 4 and mi <= math.log2(1 + 1 / nv) + 1e-9
    # a capture of the ideal constellation (every sample on its point) gives the same channel
    tx = np.repeat(np.arange(16), 5)
    cen, w = K.capture_centres(tx, QAM16[tx], QAM16, per_symbol=4)
    ch2 = K.DiscreteChannel(QAM16, "gaussian", nv, centres=cen, centre_weights=w)
    assert ch2.mi() == pytest.approx(ch.mi(), abs=1e-9)


def test_blahut_arimoto_binary_symmetric_case():
    """Two antipodal points in Gaussian noise: by symmetry the capacity-achieving PMF is uniform, and the capacity
    is the uniform input's MI; BA's upper and lower bounds close on it."""
    pts = np.array([1.0 + 0j, -1.0 + 0j])
    ch = K.DiscreteChannel(pts, "gaussian", 0.5)
    p, mi, ub, it = K.blahut_arimoto(ch, tol=1e-9, pmf0=[0.9, 0.1])
    np.testing.assert_allclose(p, [0.5, 0.5], atol=1e-4)
    assert mi == pytest.approx(ch.mi(), abs=1e-8) and ub - mi < 1e-9


def test_blahut_arimoto_unconstrained_prefers_distant_points():
    """Without a power budget, BA puts the mass on the outer points (they are farther apart), and its MI beats
    uniform; under the unit power budget it cannot use more power than the budget."""
    ch = K.DiscreteChannel(QAM16, "gaussian", 1.0)
    p, mi, ub, _ = K.blahut_arimoto(ch, tol=1e-6)
    outer = np.abs(QAM16) ** 2 > 1.5
    assert p[outer].sum() > 0.5 and mi > ch.mi() + 0.1 and ub >= mi
    pc, mic, _, _ = K.blahut_arimoto(ch, cost=np.abs(QAM16) ** 2, budget=1.0, tol=1e-6)
    assert float(np.dot(pc, np.abs(QAM16) ** 2)) <= 1.0 + 1e-9
    assert ch.mi() - 1e-6 <= mic <= mi + 1e-9


@pytest.mark.parametrize("snr_db", [5.0, 10.0])
def test_shaped_capacity_gaussian_is_at_least_maxwell_boltzmann(snr_db):
    """AWGN: MB is known to be near-optimal; BA (with the shaper's power normalisation) is never below MB by more
    than the BA tolerance, and stays below log2(1 + SNR). 16-QAM at 10 dB: both gain >= 0.09 bit over uniform."""
    p, mi = K.shaped_capacity(QAM16, snr_db)
    lam, _ = mb_optimal_lambda(QAM16, snr_db)
    mb = K.shaped_mi(QAM16, maxwell_boltzmann_pmf(QAM16, lam), snr_db)
    uni = K.shaped_mi(QAM16, None, snr_db)
    assert mi >= mb - 1e-4
    assert mi <= math.log2(1 + 10 ** (snr_db / 10))
    if snr_db == 10.0:
        assert mb >= uni + 0.09 and mi >= uni + 0.09
    # the BA PMF's MI recomputed independently (Gauss-Hermite with the shaper's normalisation)
    assert M.mi_gauss_hermite(QAM16, p, snr_db=snr_db) == pytest.approx(mi, abs=5e-4)


def test_shaped_capacity_laplacian_beats_maxwell_boltzmann():
    """Laplacian noise at 5 dB: MB is not the right family; BA gains over it. The gain is checked with Monte Carlo
    on common samples (paired): BA's PMF - MB's PMF > 3 standard errors of the paired difference."""
    snr = 5.0
    p, mi = K.shaped_capacity(QAM16, snr, "laplacian")
    lam, _ = mb_optimal_lambda(QAM16, snr)
    mb = maxwell_boltzmann_pmf(QAM16, lam)
    assert mi > K.shaped_mi(QAM16, mb, snr, "laplacian") + 0.01
    a = M.mi_awgn_discrete(QAM16, p, snr_db=snr, noise="laplacian", n_samples=300_000, seed=5)
    b = M.mi_awgn_discrete(QAM16, mb, snr_db=snr, noise="laplacian", n_samples=300_000, seed=6)
    assert a[0] - b[0] > math.hypot(a[1], b[1])           # 1.96 sigma of the difference, independent draws
    assert abs(a[0] - mi) <= 4 * a[1] / 1.96 + 1e-3      # the quadrature MI agrees with Monte Carlo


@pytest.mark.parametrize("call", [
    lambda: K.DiscreteChannel(QAM16, "cauchy", 0.1),
    lambda: K.DiscreteChannel(QAM16, "gaussian", 0.0),
    lambda: K.DiscreteChannel(QAM16, "gaussian", 0.1, centres=np.zeros((15, 1))),
    lambda: K.DiscreteChannel(QAM16, "gaussian", 0.1, order=1000),
    lambda: K.blahut_arimoto(K.DiscreteChannel(QAM16, "gaussian", 0.1), cost=np.ones(16), budget=0.5),
    lambda: K.capture_centres(np.array([0, 1]), np.array([1j]), QAM16),
    lambda: K.capture_centres(np.arange(15), QAM16[:15], QAM16),          # symbol 15 never captured
])
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
