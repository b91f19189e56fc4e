"""The log-SNR schedule and the linear-MMSE fallback outside a schedule's range (modelfile/schedule.py,
docs/model-format.md, docs/sampling.md)."""
import math

import numpy as np
import pytest

from gnuradio.ddpm.modelfile import reference, schedule
from gnuradio.ddpm.modelfile.reader import Model


@pytest.mark.parametrize("T", [1, 2, 100, 200, 400])
def test_logsnr_levels_are_even_in_esn0(T):
    """Step t's Es/N0 (unit-power complex data, 1/2 per real dimension) = abar/(2(1 - abar)), evenly spaced in dB
    from +45 dB at t = 0 to -30 dB at t = T-1; betas valid for the model file."""
    b = schedule.make_betas("logsnr", T)
    ab = schedule.alpha_bar(b)
    esn0 = 10 * np.log10(ab / (2 * (1 - ab)))          # written out, not step_esn0_db
    want = np.linspace(45.0, -30.0, T) if T > 1 else np.array([-30.0])
    np.testing.assert_allclose(esn0, want, rtol=0, atol=1e-9)
    np.testing.assert_allclose(schedule.step_esn0_db(ab), want, rtol=0, atol=1e-9)
    assert np.all((b > 0) & (b < 1)) and np.all(np.diff(ab) < 0)
    assert np.all(b.astype(np.float32) > np.finfo(np.float32).tiny)


def test_logsnr_range_and_errors():
    b = schedule.logsnr_betas(50, snr_min_db=-10.0, snr_max_db=30.0)
    e = schedule.step_esn0_db(schedule.alpha_bar(b))
    assert abs(e[0] - 30.0) < 1e-9 and abs(e[-1] + 10.0) < 1e-9
    for lo, hi in [(10.0, 10.0), (20.0, 10.0), (np.nan, 10.0), (0.0, np.inf)]:
        with pytest.raises(ValueError):
            schedule.logsnr_betas(10, snr_min_db=lo, snr_max_db=hi)


def test_sigmoid_schedule_range_is_minus_1_16_db():
    """The paper schedule's largest noise level is Es/N0 -1.16 dB (docs/sampling.md), not 2 dB."""
    e = schedule.step_esn0_db(schedule.alpha_bar(schedule.make_betas("sigmoid", 100)))
    assert abs(e[-1] - (-1.16)) < 0.005 and abs(e[0] - 41.6) < 0.05


def test_linear_fallback_rule():
    L = schedule.noise_level(schedule.alpha_bar(schedule.make_betas("logsnr", 100)))
    nv = np.array([2 * L[0] * 0.99, 2 * L[0], 2 * L[-1], 2 * L[-1] * 1.01, 0.0, np.nan, np.inf, -1.0, 1.0])
    got = schedule.linear_fallback(L, nv)
    np.testing.assert_array_equal(got, [True, False, False, True, True, False, False, False, False])


class _Eps:
    """A network that must not be called for fallback samples: records the samples it sees."""

    def __init__(self):
        self.seen = 0

    def __call__(self, x, t):
        self.seen += np.asarray(x).shape[0]
        return np.zeros_like(np.asarray(x, dtype=np.float64))


@pytest.mark.parametrize("sampler", ["matched", "ddim"])
def test_reference_sampler_falls_back_to_linear_mmse(sampler):
    """Outside the schedule's range the SNR-matched samplers return y/(1 + nv) without running the network;
    inside it (and for the paper sampler) the chain runs."""
    betas = schedule.make_betas("sigmoid", 100)
    m = Model(path="<zero>", T=100, hidden=1, depth=1, betas=betas, alpha_bar=schedule.alpha_bar(betas),
              constellation=None, bits_per_symbol=0, power_scale=1.0, dataset="x", metadata={}, weights={})
    L = schedule.noise_level(m.alpha_bar)
    y = np.array([0.3 + 0.4j, -1.0 + 0.2j, 0.7 - 0.1j, 0.2 + 0.2j])
    nv = np.array([10.0, 2 * L[0] / 4, 0.0, 2 * L[50]])      # -10 dB, above the top, noise-free, inside
    eps = _Eps()
    out = reference.sample(m, y, nv, sampler=sampler, steps=1, stochastic=False, eps=eps)
    np.testing.assert_allclose(out[:3], y[:3] / (1 + nv[:3]), rtol=1e-15)
    # only the in-range sample (start step 50) ran the network: 51 DDPM steps, or one DDIM step
    assert eps.seen == (51 if sampler == "matched" else 1)
    # zero eps: DDIM's one step and the deterministic DDPM chain both return y itself, not the shrunk y/(1 + nv)
    assert abs(out[3] - y[3]) < 1e-12 and abs(out[3] - y[3] / (1 + nv[3])) > 1e-3
    eps = _Eps()
    paper = reference.sample(m, y, nv, sampler="paper", stochastic=False, eps=eps)
    assert eps.seen == 4 * 100 and np.all(np.abs(paper - y / (1 + nv)) > 1e-6)
