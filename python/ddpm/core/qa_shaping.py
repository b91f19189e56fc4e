"""Tests of Maxwell-Boltzmann shaping (gnuradio.ddpm.core.shaping): the MI-optimal lambda and its gain."""
import numpy as np
import pytest

from gnuradio.ddpm.core import constellations as C
from gnuradio.ddpm.core import metrics as M
from gnuradio.ddpm.core.shaping import maxwell_boltzmann_pmf, mb_optimal_lambda

QAM16 = C.qam(16)


def test_maxwell_boltzmann_shaping_gain():
    assert np.allclose(maxwell_boltzmann_pmf(QAM16, 0.0), 1 / 16)
    pmf = maxwell_boltzmann_pmf(QAM16, 2.0)
    assert pmf.sum() == pytest.approx(1.0)
    assert pmf[np.argmin(np.abs(QAM16))] > pmf[np.argmax(np.abs(QAM16))]
    lam, mi = mb_optimal_lambda(QAM16, 5.0)
    uniform = M.mi_gauss_hermite(QAM16, snr_db=5.0)
    assert lam > 0
    assert mi >= uniform + 0.02                  # measured 2.044 vs 1.973 bits
    assert mi <= M.capacity_awgn(5.0)
    # the optimum is a maximum: nearby lambdas do not do better (quadrature is deterministic)
    for other in (0.5 * lam, 1.5 * lam):
        assert M.mi_gauss_hermite(QAM16, maxwell_boltzmann_pmf(QAM16, other), snr_db=5.0, order=32) <= mi + 1e-9
    with pytest.raises(ValueError):
        maxwell_boltzmann_pmf(QAM16, -1.0)
