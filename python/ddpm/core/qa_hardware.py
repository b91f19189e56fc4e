"""core.hardware: the transmitter cases against the injector's numpy reference, the RRC link's pulse algebra,
and the learned receivers against the exact estimators they reduce to."""
import numpy as np
import pytest

from gnuradio.ddpm.core import channel, constellations, estimators, hardware

PTS = constellations.qam(16)


@pytest.mark.parametrize("case", [c for c in hardware.CASES if not hardware.CASES[c]["rrc"]])
def test_transmit_is_the_injector_reference_without_noise(case):
    # apply_impairments draws the phase noise first from default_rng(seed), like transmit; at 300 dB the
    # added noise has variance 1e-30
    s = PTS[np.random.default_rng(1).integers(0, 16, 3000)]
    x = hardware.transmit(case, s, np.random.default_rng(42))
    y, _ = channel.apply_impairments(s, snr_db=300.0, seed=42, **hardware.CASES[case]["hw"])
    assert np.max(np.abs(x - y)) < 1e-9
    assert np.max(np.abs(x - s)) > 0.05                     # the hardware does something


def test_rrc_link_with_a_linear_pa_returns_the_symbols():
    s = PTS[np.random.default_rng(2).integers(0, 16, 4000)]
    r = hardware.rrc_pa(s, {})
    # Nyquist pulse: only the truncation of the RRC taps (10 symbols) leaves ISI
    assert 10 * np.log10(np.mean(np.abs(r - s) ** 2)) < -25
    x = hardware.transmit("pa_rrc", s, np.random.default_rng(0))
    # the PA on the waveform: distortion with memory, well above the linear residual
    assert 10 * np.log10(np.mean(np.abs(x / np.sqrt(np.mean(np.abs(x) ** 2)) - s) ** 2)) > -25


def test_capture_is_unit_power_and_reuses_a_given_gain():
    tx, x, g = hardware.capture("cheap_sdr", 20000, 3)
    assert tx.dtype == np.int64 and x.shape == (20000,)
    assert abs(np.mean(np.abs(x) ** 2) - 1.0) < 1e-12
    tx2, x2, g2 = hardware.capture("cheap_sdr", 500, 4, gain=g)
    assert g2 == g and not np.array_equal(tx2, tx[:500])
    with pytest.raises(ValueError, match="unknown hardware case"):
        hardware.capture("nope", 10, 0)


def test_learned_centres_and_gaussian_fit():
    rng = np.random.default_rng(5)
    tx = rng.integers(0, 16, 8000)
    x = PTS[tx] * 0.9 + 0.05 * (rng.standard_normal(8000) + 1j * rng.standard_normal(8000))
    c = hardware.learned_centres(tx, x)
    for i in (0, 7, 15):
        assert abs(c[i] - np.mean(x[tx == i])) < 1e-12
    mu, cov = hardware.gaussian_fit(tx, x)
    assert np.allclose(mu, c)
    d = x[tx == 3] - mu[3]
    assert np.allclose(cov[3], np.cov(np.stack([d.real, d.imag])))
    with pytest.raises(ValueError, match=">= 3 samples"):
        hardware.learned_centres(tx[:20], x[:20])


def test_learned_receivers_reduce_to_the_exact_estimators_on_point_clouds():
    # clouds of zero width: the Gaussian mixture and the empirical prior are 16-QAM itself
    rng = np.random.default_rng(6)
    nv = 0.1
    y = PTS[rng.integers(0, 16, 2000)] + np.sqrt(nv / 2) * (rng.standard_normal(2000) + 1j * rng.standard_normal(2000))
    est, dec = hardware.gaussian_receiver(y, PTS, np.zeros((16, 2, 2)), nv)
    np.testing.assert_allclose(est, estimators.mmse_estimate(y, PTS, nv), atol=1e-10)
    assert np.array_equal(dec, estimators.ml_decision(y, PTS))
    est, dec = hardware.empirical_receiver(y, np.tile(PTS, 3), np.tile(np.arange(16), 3), nv)
    np.testing.assert_allclose(est, estimators.mmse_estimate(y, PTS, nv), atol=1e-10)
    assert np.array_equal(dec, estimators.ml_decision(y, PTS))
