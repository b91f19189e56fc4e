"""Reference samplers (gnuradio.ddpm.modelfile.reference) and ddpm-rng-v1 (gnuradio.ddpm.modelfile.rng), docs/sampling.md."""
import math
from pathlib import Path

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.modelfile import reference
from gnuradio.ddpm.modelfile import rng
from gnuradio.ddpm.modelfile import schedule
from gnuradio.ddpm.modelfile.reader import load_model

REPO = Path(__file__).resolve().parents[3]
QAM16 = REPO / "models" / "qam16.onnx"


# ------------------------------------------------------------------------------------------- ddpm-rng-v1
def _mix_int(z):
    """Independent pure-Python (arbitrary precision, masked) implementation of mix()."""
    M = (1 << 64) - 1
    z = (z + 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def _normal_int(seed, n, c):
    h = _mix_int(_mix_int(_mix_int(seed & ((1 << 64) - 1)) ^ n) ^ c)
    u1 = ((h >> 40) + 1) * 2.0 ** -24
    u2 = ((h >> 16) & 0xFFFFFF) * 2.0 ** -24
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)


def test_rng_matches_scalar_definition():
    idx = np.array([0, 1, 2, 12345, 2 ** 40 + 7, 2 ** 63 + 5, 2 ** 64 - 1], dtype=np.uint64)
    for seed, c in [(0, 0), (1, 99), (2 ** 64 - 1, 100), (123456789, 17)]:
        with np.errstate(all="raise"):          # no silent overflow warnings in the vectorised version
            z = rng.normal_pairs(seed, idx, c)
        assert z.shape == (idx.size, 2) and z.dtype == np.float64
        ref = np.array([_normal_int(seed, int(n), c) for n in idx])
        # the integer hash exactly; ln/cos/sin of numpy's vector math may differ from libm by an ulp
        h = rng.hash_key(seed, idx, c)
        assert [int(v) for v in h] == [_mix_int(_mix_int(_mix_int(seed) ^ int(n)) ^ c) for n in idx]
        np.testing.assert_allclose(z, ref, rtol=0, atol=1e-14)


def test_rng_statistics_and_keys():
    """2e5 pairs: mean within 5/sqrt(N) (= 0.011), variance within 5*sqrt(2/N) (= 0.016), I/Q correlation
    within 5/sqrt(N); different seeds / counters / indices give different numbers."""
    n = 200_000
    z = rng.normal_pairs(7, np.arange(n, dtype=np.uint64), 3)
    tol_m, tol_v = 5 / math.sqrt(n), 5 * math.sqrt(2 / n)
    assert np.all(np.abs(z.mean(0)) < tol_m) and np.all(np.abs(z.var(0) - 1) < tol_v)
    assert abs(np.corrcoef(z.T)[0, 1]) < tol_m
    # tail: P(|z| > 3) = 0.0027 per component, binomial std of the count ~ sqrt(n * 0.0027)
    assert abs(np.mean(np.abs(z) > 3) - 0.0027) < 5 * math.sqrt(0.0027 / (2 * n))
    a = rng.normal_pairs(7, np.arange(100, dtype=np.uint64), 3)
    assert not np.any(a == rng.normal_pairs(8, np.arange(100, dtype=np.uint64), 3))
    assert not np.any(a == rng.normal_pairs(7, np.arange(100, dtype=np.uint64), 4))
    assert not np.any(a[1:] == rng.normal_pairs(7, np.arange(1, 100, dtype=np.uint64) + 1000, 3))
    np.testing.assert_array_equal(a[40:60], rng.normal_pairs(7, np.arange(40, 60, dtype=np.uint64), 3))


# --------------------------------------------------------------------------------------------- start step
def test_start_step_matches_brute_force():
    ab = schedule.alpha_bar(schedule.make_betas("sigmoid", 100))
    L = schedule.noise_level(ab)
    r = np.random.default_rng(0)
    nv = np.concatenate([r.uniform(0, 2 * L[-1], 2000), 2 * L[[0, 10, 50, 99]], [0.0, 1e-12]])
    k = reference.start_step(ab, nv)
    brute = np.array([int(np.argmin(np.abs(L - v / 2))) for v in nv])
    np.testing.assert_array_equal(k, brute)
    # tie between two levels -> the smaller t
    mid = (L[30] + L[31])  # noise_var/2 exactly half-way
    assert reference.start_step(ab, mid)[0] == 30
    # too much noise, NaN, Inf, negative -> T-1
    np.testing.assert_array_equal(reference.start_step(ab, [2 * L[-1] * 1.01, np.nan, np.inf, -1.0]), 99)


def test_ddim_taus():
    for k in (0, 1, 5, 53, 99):
        for s in (1, 2, 3, 10, 100, 1000):
            taus = reference.ddim_taus(k, s)
            assert taus.shape == (min(s, k + 1),)
            assert taus[0] == k and (taus[-1] == 0 or (s == 1 and taus[-1] == k))
            assert np.all(np.diff(taus) < 0)
    np.testing.assert_array_equal(reference.ddim_taus(5, 3), [5, 2, 0])   # 2.5 rounds half to even


# ------------------------------------------------------------- exact sampler checks on Gaussian data
class _GaussModel:
    """A stand-in 'model' (schedule only) with data x0 ~ N(0, v I) per real dimension, whose exact
    noise prediction is E[eps | x_t] = sqrt(1 - abar_t) / (abar_t v + 1 - abar_t) * x_t."""

    def __init__(self, v):
        from gnuradio.ddpm.modelfile.reader import Model
        betas = schedule.make_betas("sigmoid", 100)
        self.model = Model(path="<gauss>", T=100, hidden=1, depth=1, betas=betas,
                           alpha_bar=schedule.alpha_bar(betas), constellation=None, bits_per_symbol=0,
                           power_scale=1.0, dataset="gauss", metadata={}, weights={})
        self.v = v

    def __call__(self, x, t):
        a = self.model.alpha_bar[np.asarray(t)][:, None]
        return np.sqrt(1 - a) / (a * self.v + 1 - a) * np.asarray(x, dtype=np.float64)


@pytest.mark.parametrize("sampler,steps,eta,vtol", [("matched", 10, 0.0, 0.05), ("ddim", 1000, 1.0, 0.10)])
def test_gaussian_posterior_sampling(sampler, steps, eta, vtol):
    """With the exact eps of Gaussian data (per-dim variance v) and noise_var = 2 L_k (an exact level, no
    top-up), a stochastic chain from k must draw from the posterior: out = a*y + w with a = v/(v+L),
    Var(w) = v L/(v+L). N = 40000: the slope's standard error is ~0.003 and the variance's relative one
    ~sqrt(2/N) = 0.7 %; the tolerances (0.02 and 5 %) add the discretisation error of T = 100 steps.
    DDIM eta = 1 gets 10 %: its step draws x_prev around the point estimate x0_hat and so leaves out the
    posterior spread Var(x0 | x_t) of each step (measured: 7 % too little variance at this level)."""
    g = _GaussModel(v=0.5)
    k = 60
    L = schedule.noise_level(g.model.alpha_bar)[k]
    r = np.random.default_rng(1)
    n = 40_000
    y = np.sqrt((g.v + L)) * (r.standard_normal(n) + 1j * r.standard_normal(n))
    out = reference.sample(g.model, y, 2 * L, sampler=sampler, steps=steps, eta=eta, seed=5, eps=g)
    a = g.v / (g.v + L)
    for comp in (np.real, np.imag):
        yy, oo = comp(y), comp(out)
        slope = np.dot(yy, oo) / np.dot(yy, yy)
        resid = np.var(oo - slope * yy)
        assert abs(slope - a) < 0.02, (slope, a)
        assert abs(resid / (g.v * L / (g.v + L)) - 1) < vtol, (resid, g.v * L / (g.v + L))


def test_gaussian_ddim_deterministic_map():
    """DDIM eta = 0 with the exact eps follows the probability-flow ODE, which maps N(0, v + L) onto
    N(0, v) by the scaling sqrt(v/(v+L)): the output is linear in y (no residual) with that slope up to the
    discretisation error (~1e-3 with every step)."""
    g = _GaussModel(v=0.5)
    k = 60
    L = schedule.noise_level(g.model.alpha_bar)[k]
    y = np.linspace(-2, 2, 41) + 0.5j
    out = reference.sample(g.model, y, 2 * L, sampler="ddim", steps=1000, eta=0.0, eps=g)
    c = np.sqrt(g.v / (g.v + L))
    np.testing.assert_allclose(out, c * y, rtol=3e-3)
    out10 = reference.sample(g.model, y, 2 * L, sampler="ddim", steps=10, eta=0.0, eps=g, seed=9)
    np.testing.assert_allclose(out10, c * y, rtol=2e-2)
    assert not np.array_equal(out10, out)


# ------------------------------------------------------------------------------- with the shipped model
@pytest.fixture(scope="module")
def qam16():
    if not QAM16.is_file():
        pytest.fail(f"{QAM16} missing: run `make models`")
    return load_model(QAM16)


@pytest.fixture(scope="module")
def qam16_eps(qam16):
    return reference.EpsOnnx(qam16)


def test_onnx_matches_numpy(qam16, qam16_eps):
    r = np.random.default_rng(2)
    x = (r.standard_normal((3000, 2)) * 1.5).astype(np.float32)
    t = r.integers(0, qam16.T, 3000)
    ref = reference.eps_numpy(qam16, x, t)
    # the trained model's eps reaches ~100 at small t far from the constellation (eps ~ x/sqrt(1 - abar_t));
    # float32 evaluation is good to ~1e-6 of the size of the row's terms, so the bound is 1e-5 relative to
    # max(1, max(|eps_I|, |eps_Q|)) per row (the random-weight network is held to 1e-5 absolute in modelfile/qa_writer.py)
    scale = np.maximum(1.0, np.abs(ref).max(axis=1))
    assert np.all(np.abs(qam16_eps(x, t) - ref).max(axis=1) <= 1e-5 * scale)


@pytest.mark.parametrize("sampler,kw", [("matched", {}), ("paper", {}), ("ddim", {"eta": 1.0, "top_up": True}),
                                        ("matched", {"top_up": True})])
def test_per_sample_seeding(qam16, qam16_eps, sampler, kw):
    """Sample i draws its noise from (seed, first_index + i, step): the same sample gives the same output
    in a batch of 1 and in a batch of 1000 (up to float32 GEMM rounding of different batch sizes)."""
    r = np.random.default_rng(3)
    n = 1000
    y = qam16.constellation[r.integers(0, 16, n)] + 0.3 * (r.standard_normal(n) + 1j * r.standard_normal(n))
    nv = r.uniform(0.02, 0.4, n)
    big = reference.sample(qam16, y, nv, sampler=sampler, seed=11, first_index=5000, eps=qam16_eps, **kw)
    for i in (0, 537, 999):
        one = reference.sample(qam16, y[i:i + 1], nv[i:i + 1], sampler=sampler, seed=11, first_index=5000 + i,
                               eps=qam16_eps, **kw)
        np.testing.assert_allclose(one, big[i:i + 1], rtol=0, atol=1e-6)
        other = reference.sample(qam16, y[i:i + 1], nv[i:i + 1], sampler=sampler, seed=11,
                                 first_index=5001 + i, eps=qam16_eps, **kw)
        assert abs(other[0] - big[i]) > 1e-4          # a different key gives a different chain
    # a split batch gives the same outputs as the whole
    half = reference.sample(qam16, y[500:], nv[500:], sampler=sampler, seed=11, first_index=5500, eps=qam16_eps, **kw)
    np.testing.assert_allclose(half, big[500:], rtol=0, atol=1e-6)


def test_deterministic_and_non_finite(qam16, qam16_eps):
    r = np.random.default_rng(4)
    y = qam16.constellation[r.integers(0, 16, 50)] + 0.2 * (r.standard_normal(50) + 1j * r.standard_normal(50))
    a = reference.sample(qam16, y, 0.1, "matched", seed=1, stochastic=False, eps=qam16_eps)
    b = reference.sample(qam16, y, 0.1, "matched", seed=2, stochastic=False, eps=qam16_eps)
    np.testing.assert_array_equal(a, b)
    c = reference.sample(qam16, y, 0.1, "matched", seed=2, stochastic=True, eps=qam16_eps)
    assert np.abs(c - a).max() > 1e-3
    bad = y.copy()
    bad[[3, 7, 11]] = [np.nan, np.inf, complex(1, -np.inf)]
    nv = np.full(50, 0.1)
    nv[20] = np.nan                       # non-finite noise variance -> starts at T-1, still finite output
    out = reference.sample(qam16, bad, nv, "matched", seed=1, eps=qam16_eps)
    assert np.all(out[[3, 7, 11]] == 0) and np.all(np.isfinite(out))
    ref = reference.sample(qam16, y, nv, "matched", seed=1, eps=qam16_eps)
    keep = np.setdiff1d(np.arange(50), [3, 7, 11])
    np.testing.assert_allclose(out[keep], ref[keep], atol=1e-6)
    for bad_kw in ({"sampler": "euler"}, {"steps": 0}, {"eta": 1.5}, {"eta": np.nan}):
        with pytest.raises(ValueError):
            reference.sample(qam16, y, 0.1, **{"sampler": "ddim", **bad_kw})


def test_trajectory(qam16, qam16_eps):
    y = np.array([0.3 + 0.3j, -0.9 + 0.1j])
    out, tr = reference.sample(qam16, y, 0.2, "matched", seed=1, eps=qam16_eps, return_trajectory=True,
                               trajectory_every=10)
    k = reference.start_step(qam16.alpha_bar, 0.2)[0]
    assert tr["t"][0] == k and tr["t"][-1] == 0 and tr["x"].shape == (tr["t"].size, 2)
    np.testing.assert_allclose(tr["x"][0], np.sqrt(qam16.alpha_bar[k]) * y)
    np.testing.assert_array_equal(tr["x"][-1], out)


def test_qam16_receiver_10db(qam16, qam16_eps):
    """The shipped QAM-16 model as a receiver at 10 dB SNR (kappa_t = 0.05, kappa_r = 0.15^2, AWGN).

    One stochastic DDPM chain is a posterior *sample* (MSE ~ 2x MMSE, often worse than the raw observation),
    and many deterministic DDIM steps follow the probability-flow ODE onto the constellation (a hard-decision
    -like output whose MSE is close to the raw one). The estimator of the posterior mean is DDIM eta = 0 with
    a single step from the SNR-matched start: x0_hat = (x_k - sqrt(1 - abar_k) eps_theta(x_k, k))/sqrt(abar_k),
    Tweedie's formula, which is E[s | y] when eps_theta is exact. We compare it with the raw observation and
    with the exact posterior mean (scripts/reference_sweep.py measures -9.0 dB for both vs -7.65 dB raw).

    N = 6000 symbols, paired on the same observations. The raw MSE estimate has a relative standard error
    of sqrt(2/N) ~ 1.8 %; we require the DDIM MSE below 0.85x raw (0.7 dB, half the measured 1.4 dB gain)
    and within 10 % of the exact MMSE. SER: nearest-point detection has SER ~ 0.37 here with standard
    error sqrt(p(1-p)/N) ~ 0.006; the hard decisions on the estimate may be at most 0.015 (2.5 standard
    errors) worse.
    """
    channel = pytest.importorskip("gnuradio.ddpm.core.channel")
    n = 6000
    r = np.random.default_rng(10)
    idx = r.integers(0, 16, n)
    pts = qam16.constellation
    s = pts[idx]
    kw = dict(snr_db=10.0, kappa_t=0.05, kappa_r=0.15 ** 2)
    y, h = channel.apply_impairments(s, seed=12, **kw)
    h = np.broadcast_to(np.asarray(h), y.shape)
    y_eq = y / h
    nv = np.broadcast_to(np.asarray(channel.effective_noise_var(h=h, power=1.0, **kw), dtype=np.float64), y.shape)
    est = reference.sample(qam16, y_eq, nv, sampler="ddim", steps=1, eta=0.0, eps=qam16_eps)
    d = np.abs(y_eq[:, None] - pts[None, :]) ** 2
    w = np.exp(-(d - d.min(1, keepdims=True)) / nv[:, None])
    mmse_est = (w @ pts) / w.sum(1)
    mse_raw = np.mean(np.abs(y_eq - s) ** 2)
    mse_ddim = np.mean(np.abs(est - s) ** 2)
    mse_mmse = np.mean(np.abs(mmse_est - s) ** 2)
    assert mse_ddim < 0.85 * mse_raw, (mse_ddim, mse_raw)
    assert mse_ddim < 1.10 * mse_mmse, (mse_ddim, mse_mmse)
    ser_nn = np.mean(constellations.nearest(y_eq, pts) != idx)
    ser_ddim = np.mean(constellations.nearest(est, pts) != idx)
    assert ser_ddim <= ser_nn + 0.015, (ser_ddim, ser_nn)
