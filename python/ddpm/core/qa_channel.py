#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Tests of the numpy reference channel gnuradio.ddpm.channel.

Tolerances: Z = 5 standard errors of each estimate, the standard error derived from the sample size
(relative std of the mean of N exponential(1) variables, e.g. |n|^2 / E|n|^2 for complex Gaussian n, is
1/sqrt(N)). Seeds are fixed.
"""
import numpy as np
import pytest

from gnuradio import ddpm
from gnuradio.ddpm.core import channel
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.channel import apply_impairments, effective_noise_var

N = 200_000
Z = 5.0


def qam16(n, seed=1):
    """n random unit-power QAM-16 symbols: complex128 [n]."""
    return constellations.qam(16)[np.random.default_rng(seed).integers(0, 16, n)]


def close_rel(measured, expected, n, rel_std_per_sample=1.0):
    tol = Z * rel_std_per_sample / np.sqrt(n)
    assert abs(measured / expected - 1.0) <= tol, f"measured {measured}, expected {expected}, rel tol {tol}"


def test_shapes_dtypes_and_identity():
    x = qam16(1000)
    y, h = apply_impairments(x.astype(np.complex64), snr_db=200.0, power=2.0)
    assert y.dtype == np.complex128 and h.dtype == np.complex128 and y.shape == h.shape == (1000,)
    assert np.all(h == 1)
    np.testing.assert_allclose(y, np.sqrt(2.0) * x, rtol=0, atol=1e-7)
    # real input is treated as complex; empty input gives empty output
    y_real, _ = apply_impairments(np.ones(3), snr_db=200.0)
    np.testing.assert_allclose(y_real, np.ones(3), atol=1e-8)
    y0, h0 = apply_impairments(np.zeros(0), snr_db=10.0, fading="rayleigh")
    assert y0.shape == h0.shape == (0,)


def test_seed_and_enum_forms():
    assert channel.FADING == {"none": 0, "rayleigh": 1} and channel.NOISE == {"gaussian": 0, "laplacian": 1}
    assert int(ddpm.FADING_RAYLEIGH) == 1 and int(ddpm.NOISE_LAPLACIAN) == 1
    x = qam16(3000)
    kw = dict(snr_db=5.0, kappa_t=0.01, kappa_r=0.02, coherence_len=30)
    a, ha = apply_impairments(x, fading="rayleigh", noise="laplacian", seed=4, **kw)
    b, hb = apply_impairments(x, fading=1, noise=ddpm.NOISE_LAPLACIAN, seed=4, **kw)
    c, _ = apply_impairments(x, fading="Rayleigh", noise=1, seed=5, **kw)
    assert np.array_equal(a, b) and np.array_equal(ha, hb)
    assert not np.allclose(a, c)


def test_noise_and_kappa_powers():
    x = qam16(N)
    p = 2.0
    y, _ = apply_impairments(x, snr_db=7.0, power=p, seed=1)
    close_rel(np.mean(np.abs(y - np.sqrt(p) * x) ** 2), p * 10 ** -0.7, N)
    y, _ = apply_impairments(x, snr_db=300.0, kappa_t=0.04, power=p, seed=2)
    close_rel(np.mean(np.abs(y - np.sqrt(p) * x) ** 2), 0.04 * p, N)
    # kappa_r scales with |h|^2: normalise per sample by |h|^2 (exponential(1) per sample)
    y, h = apply_impairments(x, snr_db=300.0, kappa_r=0.03, power=p, fading="rayleigh", coherence_len=10,
                             seed=3)
    close_rel(np.mean(np.abs(y - h * np.sqrt(p) * x) ** 2 / np.abs(h) ** 2), 0.03 * p, N)


def test_effective_noise_var_matches_equalised_error():
    # y~ = y / (sqrt(p) h) - s has variance effective_noise_var per sample: the ratio |e|^2 / var is
    # exponential(1) per sample (Gaussian noise), so its mean has rel std 1/sqrt(N).
    x = qam16(N)
    kw = dict(snr_db=12.0, kappa_t=0.02, kappa_r=0.01, power=3.0)
    y, h = apply_impairments(x, fading="rayleigh", coherence_len=20, seed=8, **kw)
    v = effective_noise_var(h=h, **kw)
    assert v.shape == (N,) and v.dtype == np.float64
    e = y / (np.sqrt(kw["power"]) * h) - x
    close_rel(np.mean(np.abs(e) ** 2 / v), 1.0, N)


def test_effective_noise_var_formula_and_edges():
    assert effective_noise_var(10.0, 0.0, 0.0, 1.0, 1.0) == pytest.approx(0.1)
    assert effective_noise_var(10.0, 0.0, 0.0, 5.0, 1.0) == pytest.approx(0.1)   # p cancels
    assert effective_noise_var(20.0, 0.01, 0.02, 2.0, 0.5j) == pytest.approx(0.03 + 0.01 / 0.25)
    assert isinstance(effective_noise_var(0.0, 0.0, 0.0, 1.0, 1.0), float)
    v = effective_noise_var(0.0, 0.1, 0.0, 1.0, np.array([[1.0, 0.0], [2.0, 1j]]))
    assert v.shape == (2, 2) and np.isinf(v[0, 1]) and v[1, 0] == pytest.approx(0.35)
    assert effective_noise_var(3.0, 0.05, 0.02, 4.0, 0.7) == pytest.approx(0.05 + 0.02 + 10 ** -0.3 / 0.49)
    with pytest.raises(ValueError, match="kappa_r"):
        effective_noise_var(10.0, 0.0, -1.0, 1.0, 1.0)
    assert np.isinf(effective_noise_var(10.0, 0.0, 0.0, 1.0, np.nan))
    assert np.isinf(effective_noise_var(10.0, 0.0, 0.0, 1.0, np.array([1.0, np.inf]))[1])


def test_rayleigh_blocks():
    x = qam16(N)
    L = 40
    y, h = apply_impairments(x, snr_db=300.0, fading="rayleigh", coherence_len=L, seed=9)
    hb = h.reshape(-1, L)
    assert np.all(hb == hb[:, :1])                  # constant inside a block
    assert np.all(np.diff(hb[:, 0]) != 0)           # changes between blocks
    close_rel(np.mean(np.abs(hb[:, 0]) ** 2), 1.0, hb.shape[0])
    np.testing.assert_allclose(y, h * x, atol=1e-10)
    # a partial last block
    y2, h2 = apply_impairments(x[:105], snr_db=30.0, fading=1, coherence_len=50, seed=1)
    assert np.all(h2[100:] == h2[100]) and h2[99] != h2[100]


def test_laplacian_noise():
    x = qam16(N)
    y, _ = apply_impairments(x, snr_db=0.0, noise="laplacian", seed=10)
    r = np.concatenate([(y - x).real, (y - x).imag])
    # variance sigma^2/2 = 0.5 per real dimension; rel std of the estimate sqrt(5/n) for a Laplacian
    close_rel(np.mean(r ** 2), 0.5, r.size, np.sqrt(5.0))
    # excess kurtosis 3 (delta-method std sqrt(756/n), see qa_impairment_injector_cc.py)
    kurt = np.mean(r ** 4) / np.mean(r ** 2) ** 2 - 3.0
    assert abs(kurt - 3.0) <= Z * np.sqrt(756.0 / r.size)


def test_quantisation():
    rng = np.random.default_rng(11)
    x = rng.uniform(-2, 2, N) + 1j * rng.uniform(-2, 2, N)
    y, _ = apply_impairments(x, snr_db=300.0, quant_bits=5, full_scale=1.5)
    np.testing.assert_allclose(y, constellations.quantise(x, 5, 1.5), atol=1e-10)
    inside = (np.abs(x.real) < 1.5)
    e = (y - x).real[inside]
    delta = 3.0 / 32
    close_rel(np.mean(e ** 2), delta ** 2 / 12, e.size, np.sqrt(0.8))   # uniform error: rel std sqrt(0.8/n)
    assert np.all(np.isclose(y.real[x.real > 1.5], 1.5 - delta / 2))   # clipping
    y0, _ = apply_impairments(x, snr_db=300.0, quant_bits=0)
    np.testing.assert_allclose(y0, x, atol=1e-10)


@pytest.mark.parametrize("kw,name", [
    (dict(fading="rician"), "fading"), (dict(noise="cauchy"), "noise"), (dict(fading=1.5), "fading"),
    (dict(quant_bits=2.5), "quant_bits"), (dict(quant_bits=2**40), "quant_bits"),
    (dict(coherence_len=-3), "coherence_len"), (dict(seed=-1), "seed"), (dict(power="x"), "power"),
    (dict(snr_db=float("nan")), "snr_db"), (dict(kappa_t=float("-inf")), "kappa_t"),
    (dict(full_scale=-1.0), "full_scale"),
])
def test_bad_parameters(kw, name):
    args = dict(snr_db=10.0)
    args.update(kw)
    with pytest.raises(ValueError, match=name):
        apply_impairments(np.ones(8), **args)


def test_make_params_round_trip():
    prm = channel.make_params(snr_db=3.0, kappa_t=0.1, fading="rayleigh", noise="laplacian", quant_bits=4.0,
                              coherence_len=np.int64(9), seed=2**64 - 1)
    assert [prm.value(k) for k in ("snr_db", "kappa_t", "fading", "noise", "quant_bits", "coherence_len")] \
        == [3.0, 0.1, 1.0, 1.0, 4.0, 9.0]


# ------------------------------------------------------------------------------------------------------
# Multi-antenna (MISO) transmit model, docs/channel.md
# ------------------------------------------------------------------------------------------------------

def test_one_antenna_default_unchanged():
    # antennas = 1, csi = False given explicitly: bit-for-bit the single-antenna channel of the default call
    x = qam16(5000)
    kw = dict(snr_db=3.0, kappa_t=0.04, kappa_r=0.01, power=1.7, quant_bits=4, fading="rayleigh",
              coherence_len=13, noise="laplacian", seed=31)
    y0, h0 = apply_impairments(x, **kw)
    y1, h1, hv = apply_impairments(x, antennas=1, csi=False, return_channel=True, **kw)
    assert np.array_equal(y0, y1) and np.array_equal(h0, h1)
    assert hv.shape == (5000, 1) and np.array_equal(hv[:, 0], h0)
    # and different from 2 antennas (other draws), which is a different channel
    y2, _ = apply_impairments(x, antennas=2, **kw)
    assert not np.allclose(y0, y2)


@pytest.mark.parametrize("csi", [False, True])
def test_miso_gain_and_channel_vectors(csi):
    # g = h^T w per sample; with CSI g = ||h|| (E|g|^2 = N_t, ||h||^2 ~ Gamma(N_t, 1): rel std 1/sqrt(N_t)
    # per block), without CSI g = sum(h)/sqrt(N_t) ~ CN(0, 1) (rel std 1 per block). B blocks.
    nt, L = 4, 8
    x = qam16(N)
    y, g, hv = apply_impairments(x, snr_db=300.0, fading="rayleigh", coherence_len=L, antennas=nt, csi=csi,
                                 seed=32, return_channel=True)
    assert g.shape == (N,) and hv.shape == (N, nt) and hv.dtype == np.complex128
    w = np.conj(hv) / np.linalg.norm(hv, axis=1, keepdims=True) if csi else np.full((N, nt), 0.5)
    np.testing.assert_allclose(g, np.sum(hv * w, axis=1), atol=1e-12)
    np.testing.assert_allclose(y, g * x, atol=1e-12)
    gb, hb = g[::L], hv[::L]
    B = gb.size
    close_rel(np.mean(np.sum(np.abs(hb) ** 2, axis=1)), nt, B, 1 / np.sqrt(nt))
    if csi:
        assert np.all(gb.imag == 0)
        close_rel(np.mean(np.abs(gb) ** 2), nt, B, 1 / np.sqrt(nt))
    else:
        close_rel(np.mean(np.abs(gb) ** 2), 1.0, B)
    # entries independent across antennas: correlation of antenna 0 and 1 within Z/sqrt(B)
    assert np.abs(np.mean(hb[:, 0] * np.conj(hb[:, 1]))) <= Z / np.sqrt(B)
    # fading off: h = (1,...,1)/sqrt(N_t), g = 1 either way
    y1, g1, hv1 = apply_impairments(x[:10], snr_db=300.0, antennas=nt, csi=csi, return_channel=True)
    assert np.all(g1 == 1) and np.allclose(hv1, 0.5) and np.allclose(y1, x[:10])


@pytest.mark.parametrize("csi", [False, True])
def test_miso_tx_distortion_per_antenna(csi):
    # only kappa_t, no fading: e = h^T eta_t with eta_t,i ~ CN(0, kappa_t p / N_t) independent and
    # ||h||^2 = 1, so E|e|^2 = kappa_t p / N_t (rel std 1/sqrt(N), exponential |e|^2). With Rayleigh
    # fading, per sample |e|^2 / (kappa_t p ||h||^2 / N_t) is exponential(1).
    nt, p, kt = 4, 2.0, 0.1
    x = qam16(N)
    y, _ = apply_impairments(x, snr_db=300.0, kappa_t=kt, power=p, antennas=nt, csi=csi, seed=33)
    close_rel(np.mean(np.abs(y - np.sqrt(p) * x) ** 2), kt * p / nt, N)
    y, g, hv = apply_impairments(x, snr_db=300.0, kappa_t=kt, power=p, antennas=nt, csi=csi, seed=34,
                                 fading="rayleigh", coherence_len=5, return_channel=True)
    n2 = np.sum(np.abs(hv) ** 2, axis=1)
    close_rel(np.mean(np.abs(y - np.sqrt(p) * g * x) ** 2 / (kt * p * n2 / nt)), 1.0, N)


@pytest.mark.parametrize("csi", [False, True])
def test_miso_effective_noise_var(csi):
    # exact (given ||h||^2): |e|^2 / v exponential(1), rel std 1/sqrt(N). Scalar-tag version (only g): v is
    # the conditional variance given g, so E[|e|^2 / v] = 1 still, but the ratio is no longer exponential;
    # its standard error is estimated from the samples (std / sqrt(N)).
    nt, kw = 4, dict(snr_db=5.0, kappa_t=0.2, kappa_r=0.03, power=1.3)
    x = qam16(N)
    y, g, hv = apply_impairments(x, fading="rayleigh", coherence_len=1, antennas=nt, csi=csi, seed=35,
                                 return_channel=True, **kw)
    n2 = np.sum(np.abs(hv) ** 2, axis=1)
    e2 = np.abs(y / (np.sqrt(kw["power"]) * g) - x) ** 2
    v = effective_noise_var(h=g, antennas=nt, csi=csi, fading="rayleigh", h_norm2=n2, **kw)
    close_rel(np.mean(e2 / v), 1.0, N)
    vg = effective_noise_var(h=g, antennas=nt, csi=csi, fading="rayleigh", **kw)
    r = e2 / vg
    assert abs(np.mean(r) - 1.0) <= Z * np.std(r) / np.sqrt(N)
    if csi:
        np.testing.assert_allclose(vg, v, rtol=1e-12)        # g = ||h||: nothing is lost
    # the C++ definition agrees, with and without h_norm2
    prm = ddpm.impairment_params(antennas=nt, csi=int(csi), fading=1, **kw)
    for i in (0, 17, N - 1):
        assert v[i] == pytest.approx(prm.effective_noise_var(abs(g[i]) ** 2, n2[i]), rel=1e-12)
        assert vg[i] == pytest.approx(prm.effective_noise_var(abs(g[i]) ** 2), rel=1e-12)


def test_miso_effective_noise_var_formula():
    # N_t = 4, CSI: kappa_t/4 + kappa_r + 10^(-snr/10)/|g|^2; no fading without CSI: ||h||^2 = 1, g = 1
    assert effective_noise_var(10.0, 0.2, 0.01, 1.0, 2.0, antennas=4, csi=True) == pytest.approx(
        0.05 + 0.01 + 0.1 / 4)
    assert effective_noise_var(10.0, 0.2, 0.01, 1.0, 1.0, antennas=4) == pytest.approx(0.05 + 0.01 + 0.1)
    # no CSI, Rayleigh, only g: E[||h||^2 | g] = |g|^2 + 3
    assert effective_noise_var(0.0, 0.4, 0.0, 1.0, 0.5, antennas=4, fading="rayleigh") == pytest.approx(
        0.4 * (0.25 + 3) / (4 * 0.25) + 1 / 0.25)
    # one antenna: h_norm2 changes nothing (it equals |h|^2)
    assert effective_noise_var(10.0, 0.2, 0.0, 1.0, 0.5, h_norm2=0.25) == effective_noise_var(10.0, 0.2, 0.0, 1.0, 0.5)
    v = effective_noise_var(10.0, 0.1, 0.0, 1.0, np.array([1.0, 0.0, 1.0]), antennas=2, h_norm2=[1.0, 1.0, np.nan])
    assert np.isfinite(v[0]) and np.isinf(v[1]) and np.isinf(v[2])
    with pytest.raises(ValueError, match="h_norm2"):
        effective_noise_var(10.0, 0.1, 0.0, 1.0, 1.0, antennas=2, h_norm2=-1.0)
    with pytest.raises(ValueError, match="antennas"):
        effective_noise_var(10.0, 0.1, 0.0, 1.0, 1.0, antennas=0)


@pytest.mark.parametrize("kw,name", [
    (dict(antennas=0), "antennas"), (dict(antennas=65), "antennas"), (dict(antennas=float("nan")), "antennas"),
    (dict(antennas=2.5), "antennas"), (dict(antennas=True), "antennas"), (dict(csi=2), "csi"),
    (dict(csi="yes"), "csi"), (dict(csi=0.5), "csi"),
])
def test_bad_miso_parameters(kw, name):
    with pytest.raises(ValueError, match=name):
        apply_impairments(np.ones(8), snr_db=10.0, **kw)


@pytest.mark.parametrize("csi", [False, True])
def test_miso_receive_distortion_scales_with_effective_gain(csi):
    # only kappa_r: eta_r ~ CN(0, kappa_r p |g|^2): |e|^2 / (kappa_r p |g|^2) exponential(1), rel std 1/sqrt(N)
    p, kr = 0.7, 0.05
    x = qam16(N)
    y, g = apply_impairments(x, snr_db=300.0, kappa_r=kr, power=p, fading="rayleigh", coherence_len=3, antennas=4,
                             csi=csi, seed=36)
    close_rel(np.mean(np.abs(y - np.sqrt(p) * g * x) ** 2 / (kr * p * np.abs(g) ** 2)), 1.0, N)


# ------------------------------------------------------------------------------------------ transmitter hardware

def test_hardware_off_is_the_old_channel_and_names_are_accepted():
    s = constellations.qam(16)[np.random.default_rng(3).integers(0, 16, 3000)]
    kw = dict(snr_db=12.0, kappa_t=0.01, fading="rayleigh", coherence_len=50, seed=9)
    y0, h0 = apply_impairments(s, **kw)
    # parameters of switched-off parts draw nothing and change nothing
    y1, h1 = apply_impairments(s, **kw, pa_p=5.0, pm_beta=2.0, pn_deg=4.0, pn_corr_len=3.0)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(h0, h1)
    a, _ = apply_impairments(s, **kw, pn_model="wiener", pn_deg=1.0)
    b, _ = apply_impairments(s, **kw, pn_model=1, pn_deg=1.0)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="pn_model"):
        apply_impairments(s, snr_db=10.0, pn_model="colored")
    assert channel.PN_MODEL == {"off": 0, "wiener": 1, "pll": 2}


def test_hardware_reference_chain_is_the_formulas():
    # IQ modulator, then Rapp + Saleh-form PA, written out independently; noise at 300 dB
    rng = np.random.default_rng(4)
    x = rng.standard_normal(5000) + 1j * rng.standard_normal(5000)
    hw = dict(pa_sat=0.8, pa_p=3.0, pm_alpha=0.3, pm_beta=0.7, iq_amp_db=-1.5, iq_phase_deg=7.0, dc_re=-0.02,
              dc_im=0.04)
    y, _ = apply_impairments(x, snr_db=300.0, power=3.0, **hw)
    g, phi = 10 ** (-1.5 / 20), np.deg2rad(7.0)
    u = x.real + 1j * g * (x.imag * np.cos(phi) - x.real * np.sin(phi)) + (-0.02 + 0.04j)
    r = np.abs(u)
    a = r / (1 + (r / 0.8) ** 6) ** (1 / 6)
    v = a * np.exp(1j * (np.angle(u) + 0.3 * r ** 2 / (1 + 0.7 * r ** 2)))
    np.testing.assert_allclose(y, np.sqrt(3.0) * v, rtol=0, atol=1e-12)
    # the Q-branch form and the K1 x + K2 x* form agree; image rejection from the formula
    np.testing.assert_allclose(channel.iq_dc(x, -1.5, 7.0, -0.02, 0.04), u, rtol=0, atol=1e-12)
    k1, k2 = (1 + g * np.exp(-1j * phi)) / 2, (1 - g * np.exp(1j * phi)) / 2
    assert abs(channel.image_rejection_db(-1.5, 7.0) - 10 * np.log10(abs(k1) ** 2 / abs(k2) ** 2)) < 1e-9
