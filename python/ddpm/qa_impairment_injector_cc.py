#!/usr/bin/env python
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Flowgraph tests of ddpm.impairment_injector_cc.

Statistical tolerances: every check of a measured mean of N independent samples uses 5 standard errors,
where the standard error is derived from the sample size (the relative std of a variance estimate from N
complex Gaussian samples is 1/sqrt(N), because |n|^2 is exponential with std = mean; per real dimension
it is sqrt(2/N)). Fixed seeds make each run deterministic.
"""
import inspect

import numpy as np
import pmt
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import channel
from gnuradio.ddpm.core import constellations

N = 100_000          # samples per statistical run
Z = 5.0              # tolerance in standard errors


def qam16(n, seed=1):
    """n random unit-power QAM-16 symbols: complex128 [n]."""
    rng = np.random.default_rng(seed)
    return constellations.qam(16)[rng.integers(0, 16, n)]


def run_block(x, blk=None, **kw):
    """Run x (complex [N]) through an injector (given, or made from kw). Returns (y complex64 [N], tags)
    with tags a list of (offset, key, python value)."""
    if blk is None:
        blk = ddpm.impairment_injector_cc(**kw)
    tb = gr.top_block()
    src = blocks.vector_source_c(np.asarray(x, dtype=np.complex64).tolist(), False)
    snk = blocks.vector_sink_c()
    tb.connect(src, blk, snk)
    tb.run()
    y = np.array(snk.data(), dtype=np.complex64)
    tags = [(t.offset, pmt.symbol_to_string(t.key), pmt.to_python(t.value)) for t in snk.tags()]
    return y, tags


def h_per_sample(tags, n):
    """Expand the 'h' tags into the per-sample channel: complex128 [n]."""
    ht = sorted((o, v) for o, k, v in tags if k == "h")
    assert ht and ht[0][0] == 0, "no h tag at sample 0"
    h = np.empty(n, dtype=np.complex128)
    for i, (o, v) in enumerate(ht):
        end = ht[i + 1][0] if i + 1 < len(ht) else n
        h[o:end] = v
    return h


def close_rel(measured, expected, n, rel_std_per_sample=1.0):
    """|measured/expected - 1| <= Z * rel_std_per_sample / sqrt(n)."""
    tol = Z * rel_std_per_sample / np.sqrt(n)
    assert abs(measured / expected - 1.0) <= tol, f"measured {measured}, expected {expected}, rel tol {tol}"


# ------------------------------------------------------------------------------------------------------
# Deterministic behaviour
# ------------------------------------------------------------------------------------------------------

def test_identity_at_high_snr():
    # kappa = 0, 200 dB, no fading, no quantisation: y = sqrt(p) s to float precision
    x = qam16(20_000)
    for p in (1.0, 3.7):
        y, tags = run_block(x, snr_db=200.0, power=p, seed=3)
        np.testing.assert_allclose(y, np.sqrt(p) * x, rtol=0, atol=2e-6 * np.sqrt(p))
        # h = 1 once at the start, every parameter tag once at sample 0
        assert [(o, v) for o, k, v in tags if k == "h"] == [(0, 1 + 0j)]
        start = {k: v for o, k, v in tags if o == 0}
        assert start == {"h": 1 + 0j, "snr_db": 200.0, "kappa_t": 0.0, "kappa_r": 0.0, "power": p}


def test_quant_bits_zero_is_identity_and_quantiser_matches_reference():
    rng = np.random.default_rng(5)
    # inside and outside the range [-1.5, 1.5] (clipping)
    x = rng.uniform(-2.5, 2.5, 20_000) + 1j * rng.uniform(-2.5, 2.5, 20_000)
    y0, _ = run_block(x, snr_db=300.0, quant_bits=0)
    np.testing.assert_allclose(y0, x.astype(np.complex64), rtol=0, atol=1e-6)
    for bits in (1, 3, 8):
        y, _ = run_block(x, snr_db=300.0, quant_bits=bits, full_scale=1.5)
        ref = constellations.quantise(x.astype(np.complex64).astype(np.complex128), bits, 1.5)
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-6)
        levels = (np.arange(2 ** bits) - 2 ** (bits - 1) + 0.5) * (3.0 / 2 ** bits)
        # every output value is one of the 2^bits levels
        assert np.max(np.min(np.abs(np.unique(y.real)[:, None] - levels[None, :]), axis=1)) <= 1e-6
        # clipping: everything beyond +-full_scale lands on the outermost level
        assert np.allclose(y.real[x.real > 1.5], levels[-1], atol=1e-6)
        assert np.allclose(y.imag[x.imag < -1.5], levels[0], atol=1e-6)


def test_quantiser_error_variance():
    # uniform input inside the range: the error is uniform over a cell, variance Delta^2/12 per real
    # dimension. For a uniform error, var(e^2)/E[e^2]^2 = (1/80)/(1/144) - 1 = 0.8: rel std sqrt(0.8/n).
    rng = np.random.default_rng(6)
    fs, bits = 1.5, 4
    x = rng.uniform(-fs, fs, N) + 1j * rng.uniform(-fs, fs, N)
    y, _ = run_block(x, snr_db=300.0, quant_bits=bits, full_scale=fs)
    e = np.concatenate([(y - x).real, (y - x).imag])
    delta = 2 * fs / 2 ** bits
    close_rel(np.mean(e ** 2), delta ** 2 / 12, e.size, np.sqrt(0.8))
    assert np.max(np.abs(e)) <= delta / 2 + 1e-6


def test_same_seed_same_output_different_seed_different():
    x = qam16(5000)
    kw = dict(snr_db=5.0, kappa_t=0.02, kappa_r=0.01, fading=1, coherence_len=50, noise=1)
    y1, t1 = run_block(x, seed=11, **kw)
    y2, t2 = run_block(x, seed=11, **kw)
    y3, _ = run_block(x, seed=12, **kw)
    assert np.array_equal(y1, y2) and t1 == t2
    assert not np.allclose(y1, y3)
    # and the seed is kept (and reported) by the block
    assert ddpm.impairment_injector_cc(seed=2**63 + 5).seed() == 2**63 + 5


def test_input_tags_pass_through():
    x = qam16(1000)
    tag = gr.tag_utils.python_to_tag((123, pmt.intern("upstream"), pmt.from_long(7), pmt.intern("src")))
    tb = gr.top_block()
    src = blocks.vector_source_c(x.astype(np.complex64).tolist(), False, 1, [tag])
    inj = ddpm.impairment_injector_cc(snr_db=30.0)
    snk = blocks.vector_sink_c()
    tb.connect(src, inj, snk)
    tb.run()
    up = [(t.offset, pmt.to_python(t.value)) for t in snk.tags() if pmt.symbol_to_string(t.key) == "upstream"]
    assert up == [(123, 7)]


# ------------------------------------------------------------------------------------------------------
# Powers of the impairments, each isolated, and the total SNR / EVM
# ------------------------------------------------------------------------------------------------------

def test_additive_noise_power():
    x = qam16(N)
    for snr_db, p in ((10.0, 1.0), (0.0, 2.0), (25.0, 0.5)):
        y, _ = run_block(x, snr_db=snr_db, power=p, seed=21)
        sigma2 = p * 10 ** (-snr_db / 10)
        close_rel(np.mean(np.abs(y - np.sqrt(p) * x) ** 2), sigma2, N)


def test_kappa_t_power():
    x = qam16(N)
    p, kt = 2.0, 0.05
    y, _ = run_block(x, snr_db=300.0, kappa_t=kt, power=p, seed=22)
    close_rel(np.mean(np.abs(y - np.sqrt(p) * x) ** 2), kt * p, N)


def test_kappa_r_and_kappa_t_scale_with_h():
    # with Rayleigh fading, eta_r has variance kappa_r p |h|^2 and h eta_t has kappa_t p |h|^2:
    # |e|^2 / (kappa p |h|^2) is exponential(1) per sample, so its mean has rel std 1/sqrt(N).
    x = qam16(N)
    p = 1.5
    for kt, kr in ((0.0, 0.04), (0.03, 0.0)):
        y, tags = run_block(x, snr_db=300.0, kappa_t=kt, kappa_r=kr, power=p, fading=1, coherence_len=100,
                            seed=23)
        h = h_per_sample(tags, N)
        e = y - h * np.sqrt(p) * x
        close_rel(np.mean(np.abs(e) ** 2 / np.abs(h) ** 2), (kt + kr) * p, N)


def test_total_snr_and_evm():
    # all three at once, no fading: error variance kappa_t p + kappa_r p + sigma^2; EVM = sqrt(.../p)
    x = qam16(N)
    p, snr_db, kt, kr = 1.0, 15.0, 0.02, 0.01
    y, _ = run_block(x, snr_db=snr_db, kappa_t=kt, kappa_r=kr, power=p, seed=24)
    err = np.mean(np.abs(y - np.sqrt(p) * x) ** 2)
    expected = channel.effective_noise_var(snr_db, kt, kr, p, 1.0)  # in unit-signal units
    close_rel(err / p, expected, N)
    snr_total_db = 10 * np.log10(p / err)
    evm = np.sqrt(err / p)
    # dB and sqrt propagate the relative tolerance: 10/ln10 * rel and rel/2
    assert abs(snr_total_db + 10 * np.log10(expected)) <= 10 / np.log(10) * Z / np.sqrt(N)
    assert abs(evm / np.sqrt(expected) - 1) <= 0.5 * Z / np.sqrt(N)


# ------------------------------------------------------------------------------------------------------
# Rayleigh fading and the h tags
# ------------------------------------------------------------------------------------------------------

def test_rayleigh_blocks_and_h_tags():
    x = qam16(N)
    L = 25
    y, tags = run_block(x, snr_db=300.0, fading=ddpm.FADING_RAYLEIGH, coherence_len=L, seed=31)
    h_tags = sorted((o, v) for o, k, v in tags if k == "h")
    offsets = np.array([o for o, _ in h_tags])
    assert np.array_equal(offsets, np.arange(0, N, L)), "one h tag at the first sample of every block"
    h_est = y.astype(np.complex128) / x            # noise off: y = h s
    h_tag = h_per_sample(tags, N)
    # the tags carry the h that was applied (float precision)
    assert np.all(np.abs(h_est - h_tag) <= 1e-5 * (1 + np.abs(h_tag)))
    # constant inside a block, different between blocks
    blocks_h = h_est.reshape(-1, L)
    assert np.max(np.abs(blocks_h - blocks_h[:, :1])) <= 1e-5 * (1 + np.max(np.abs(blocks_h)))
    hb = np.array([v for _, v in h_tags])
    assert np.all(np.abs(np.diff(hb)) > 0)
    # E|h|^2 = 1: |h|^2 is exponential(1), B blocks -> rel std 1/sqrt(B)
    close_rel(np.mean(np.abs(hb) ** 2), 1.0, hb.size)
    # circular: E h = 0 (std of the mean of each real part is sqrt(1/2 / B))
    assert abs(np.mean(hb.real)) <= Z * np.sqrt(0.5 / hb.size)
    assert abs(np.mean(hb.imag)) <= Z * np.sqrt(0.5 / hb.size)
    # adjacent blocks independent: correlation coefficient within Z/sqrt(B)
    c = np.abs(np.mean(hb[1:] * np.conj(hb[:-1]))) / np.mean(np.abs(hb) ** 2)
    assert c <= Z / np.sqrt(hb.size)


# ------------------------------------------------------------------------------------------------------
# Laplacian noise
# ------------------------------------------------------------------------------------------------------

def test_laplacian_noise_variance_and_kurtosis():
    x = qam16(N)
    p, snr_db = 1.0, 3.0
    y, _ = run_block(x, snr_db=snr_db, power=p, noise=ddpm.NOISE_LAPLACIAN, seed=41)
    e = y.astype(np.complex128) - np.sqrt(p) * x
    sigma2 = p * 10 ** (-snr_db / 10)
    r = np.concatenate([e.real, e.imag])
    n = r.size
    # per real dimension: variance sigma^2/2; for a Laplacian var(r^2)/E[r^2]^2 = 24/4 - 1 = 5
    close_rel(np.mean(r ** 2), sigma2 / 2, n, np.sqrt(5.0))
    # I and Q together have the right complex variance and are uncorrelated
    assert abs(np.mean(e.real * e.imag)) <= Z * (sigma2 / 2) / np.sqrt(N)
    # excess kurtosis 3. Delta method for the kurtosis m4/m2^2 of a symmetric law:
    # var ~ (mu8 - 4 mu4 mu6 / mu2 + 4 mu4^3 / mu2^3 - mu4^2) / (mu2^4 n); Laplace(b=1): mu2=2, mu4=24,
    # mu6=720, mu8=40320 -> 756 / n.
    kurt = np.mean(r ** 4) / np.mean(r ** 2) ** 2 - 3.0
    assert abs(kurt - 3.0) <= Z * np.sqrt(756.0 / n), kurt
    # the Gaussian noise of the same block has excess kurtosis 0 (var 24 / n)
    yg, _ = run_block(x, snr_db=snr_db, power=p, noise=ddpm.NOISE_GAUSSIAN, seed=41)
    rg = np.concatenate([(yg - x).real, (yg - x).imag]).astype(np.float64)
    kg = np.mean(rg ** 4) / np.mean(rg ** 2) ** 2 - 3.0
    assert abs(kg) <= Z * np.sqrt(24.0 / n), kg


# ------------------------------------------------------------------------------------------------------
# Setters while the flowgraph runs
# ------------------------------------------------------------------------------------------------------

def test_setters_while_running_take_effect_and_tag():
    # Deterministic: run exactly n1 samples through a head block, call the setters, run n2 more (the head
    # is reset, the source rewound). The new values apply from sample n1 and are tagged there.
    # GNU Radio restarts the item counters at 0 on the second run, so each run's data and tags are read
    # separately (offsets of the second run are relative to sample n1).
    n1, n2 = 40_000, 40_000
    x = qam16(n1)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.astype(np.complex64).tolist(), True)
    head = blocks.head(gr.sizeof_gr_complex, n1)
    inj = ddpm.impairment_injector_cc(snr_db=20.0, kappa_t=0.0, seed=51)
    snk = blocks.vector_sink_c()
    tb.connect(src, head, inj, snk)

    def read():
        y = np.array(snk.data(), dtype=np.complex128)
        tags = [(t.offset, pmt.symbol_to_string(t.key), pmt.to_python(t.value)) for t in snk.tags()]
        snk.reset()
        return y, tags

    tb.run()
    y1, tags1 = read()
    inj.set_snr_db(10.0)
    inj.set_kappa_t(0.05)
    inj.set_fading(ddpm.FADING_RAYLEIGH)
    inj.set_coherence_len(1000)   # unchanged value
    inj.set_power(1.0)            # unchanged value: no new tag
    head.reset()
    head.set_length(n2)
    src.rewind()                  # the second run sees x[:n2] again
    tb.run()
    y2, tags2 = read()
    assert y1.size == n1 and y2.size == n2
    assert {k for o, k, v in tags1} == {"snr_db", "kappa_t", "kappa_r", "power", "h"}
    assert all(o == 0 for o, _, _ in tags1)           # nothing between the start and the change
    at_change = {k: v for o, k, v in tags2 if o == 0}
    assert at_change.keys() == {"snr_db", "kappa_t", "h"}
    assert at_change["snr_db"] == 10.0 and at_change["kappa_t"] == 0.05
    assert [o for o, k, _ in tags2 if k == "h"] == list(range(0, n2, 1000))
    assert inj.params().to_string().startswith("snr_db=10 kappa_t=0.05")
    # powers before and after the change
    close_rel(np.mean(np.abs(y1 - x) ** 2), 0.01, n1)
    h = h_per_sample(tags2, n2)
    e2 = y2 - h * x[:n2]
    # per sample |e|^2 / (kappa_t |h|^2 + sigma^2) is exponential(1)
    close_rel(np.mean(np.abs(e2) ** 2 / (0.05 * np.abs(h) ** 2 + 0.1)), 1.0, n2)


# ------------------------------------------------------------------------------------------------------
# Parameters: defaults shared with impairment_params and the numpy reference; bad values
# ------------------------------------------------------------------------------------------------------

def test_defaults_are_the_impairment_params_defaults():
    blk = ddpm.impairment_injector_cc()
    ref = ddpm.impairment_params()
    sig = inspect.signature(channel.apply_impairments).parameters
    for name in ddpm.impairment_params.names():
        assert float(getattr(blk, name)()) == ref.value(name), name
        if name in sig and sig[name].default is not inspect.Parameter.empty:
            d = sig[name].default
            d = {"none": 0, "gaussian": 0, "off": 0}.get(d, d)
            assert float(d) == ref.value(name), name
    assert blk.params().value("snr_db") == 20.0


BAD = [
    ("snr_db", float("nan")), ("snr_db", float("inf")), ("snr_db", 1e3), ("kappa_t", -0.1),
    ("kappa_t", float("nan")), ("kappa_r", -1.0), ("power", 0.0), ("power", -1.0), ("quant_bits", -1),
    ("quant_bits", 17), ("full_scale", 0.0), ("full_scale", float("inf")), ("fading", 2), ("fading", -1),
    ("coherence_len", 0), ("noise", 2), ("antennas", 0), ("antennas", 65), ("antennas", -4), ("csi", 2),
    ("csi", -1), ("pa_sat", 0.001), ("pa_sat", -1.0), ("pa_sat", float("nan")), ("pa_p", 0.0), ("pm_alpha", 11.0),
    ("pm_beta", -1.0), ("iq_amp_db", 21.0), ("iq_phase_deg", -46.0), ("dc_re", 11.0), ("dc_im", float("inf")),
    ("pn_model", 3), ("pn_model", -1), ("pn_deg", -0.1), ("pn_deg", 181.0), ("pn_corr_len", 0.5),
]


@pytest.mark.parametrize("name,value", BAD)
def test_bad_parameter_raises_valueerror(name, value):
    with pytest.raises(ValueError, match=name):
        ddpm.impairment_injector_cc(**{name: value})
    blk = ddpm.impairment_injector_cc(fading=1)
    before = blk.params().to_string()
    with pytest.raises(ValueError, match=name):
        getattr(blk, "set_" + name)(value)
    assert blk.params().to_string() == before  # a rejected setter changes nothing
    with pytest.raises(ValueError, match=name):
        channel.apply_impairments(np.ones(4), **{"snr_db": 10.0, name: value})


def test_set_params_keeps_seed_and_validates():
    blk = ddpm.impairment_injector_cc(seed=9)
    blk.set_params(ddpm.impairment_params(snr_db=7.0, kappa_r=0.1, fading=1, coherence_len=7, seed=123))
    assert (blk.snr_db(), blk.kappa_r(), blk.fading(), blk.coherence_len(), blk.seed()) == (7.0, 0.1, 1, 7, 9)
    with pytest.raises(ValueError, match="power"):
        blk.set_params(ddpm.impairment_params(power=-2.0))
    assert blk.snr_db() == 7.0


# ------------------------------------------------------------------------------------------------------
# The C++ block and the numpy reference agree in distribution
# ------------------------------------------------------------------------------------------------------

CONFIGS = [
    dict(snr_db=10.0),
    dict(snr_db=5.0, kappa_t=0.03, kappa_r=0.02, power=2.0),
    dict(snr_db=12.0, kappa_t=0.01, kappa_r=0.05, fading="rayleigh", coherence_len=1),
    dict(snr_db=0.0, noise="laplacian", quant_bits=3, full_scale=1.2),
    # MISO, 4 antennas, with and without transmitter CSI (docs/channel.md)
    dict(snr_db=8.0, kappa_t=0.2, kappa_r=0.03, fading="rayleigh", coherence_len=1, antennas=4, csi=False),
    dict(snr_db=8.0, kappa_t=0.2, kappa_r=0.03, fading="rayleigh", coherence_len=1, antennas=4, csi=True,
         power=0.5, quant_bits=4),
    dict(snr_db=6.0, kappa_t=0.3, antennas=3, csi=True, noise="laplacian"),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_block_matches_numpy_reference_in_distribution(cfg):
    # Two-sample z-tests on per-sample statistics (i.i.d. samples: coherence_len = 1 when fading), with the
    # standard error of each mean estimated from its own samples: |m1 - m2| <= Z sqrt(v1/n + v2/n).
    n = 50_000
    x = qam16(n, seed=7)
    p = cfg.get("power", 1.0)
    kw = dict(cfg)
    blk_kw = dict(kw, fading=channel.FADING[kw.get("fading", "none")], noise=channel.NOISE[kw.get("noise", "gaussian")],
                  csi=int(kw.get("csi", False)))
    yb, tags = run_block(x, seed=61, **blk_kw)
    hb = h_per_sample(tags, n)
    yr, hr = channel.apply_impairments(x, seed=61, **kw)
    qx = constellations.quantise(x, kw.get("quant_bits", 0), kw.get("full_scale", 1.5))
    stats = {
        "|y|^2": (np.abs(yb) ** 2, np.abs(yr) ** 2),
        "Re y^2": (yb.real.astype(np.float64) ** 2, yr.real ** 2),
        "|e|^2": (np.abs(yb - hb * np.sqrt(p) * qx) ** 2, np.abs(yr - hr * np.sqrt(p) * qx) ** 2),
        "|e|^4": (np.abs(yb - hb * np.sqrt(p) * qx) ** 4, np.abs(yr - hr * np.sqrt(p) * qx) ** 4),
        "|h|^2": (np.abs(hb) ** 2, np.abs(hr) ** 2),
    }
    for name, (a, b) in stats.items():
        se = np.sqrt(np.var(a) / a.size + np.var(b) / b.size)
        if se == 0:
            assert np.mean(a) == pytest.approx(np.mean(b)), name
        else:
            assert abs(np.mean(a) - np.mean(b)) <= Z * se, (name, np.mean(a), np.mean(b), se)


# ------------------------------------------------------------------------------------------------------
# Multi-antenna (MISO) transmit model, docs/channel.md
# ------------------------------------------------------------------------------------------------------

def tag_values(tags, key):
    """Values of the tags called key, in offset order."""
    return [v for o, k, v in sorted(tags, key=lambda t: t[0]) if k == key]


def test_one_antenna_is_the_single_antenna_channel():
    # antennas = 1, csi = 0 given explicitly: the same samples and tags as a block made without them
    x = qam16(20_000)
    kw = dict(snr_db=4.0, kappa_t=0.05, kappa_r=0.02, fading=1, coherence_len=9, noise=1, quant_bits=5, seed=71)
    y0, t0 = run_block(x, **kw)
    y1, t1 = run_block(x, antennas=1, csi=0, **kw)
    assert np.array_equal(y0, y1) and t0 == t1
    assert not any(k in ("antennas", "h_norm2") for _, k, _ in t0)
    # one antenna with CSI: w = conj(h)/|h| only rotates the signal, g = |h| (real). With the same seed
    # the random draws are the same, so the impairment terms y - sqrt(p) g s agree sample by sample.
    x = qam16(20_000)
    kw = dict(snr_db=10.0, kappa_t=0.05, kappa_r=0.02, power=2.0, fading=1, coherence_len=9, seed=72)
    ya, ta = run_block(x, **kw)
    yb, tb_ = run_block(x, csi=1, **kw)
    ga, gb = h_per_sample(ta, x.size), h_per_sample(tb_, x.size)
    np.testing.assert_allclose(gb.real, np.abs(ga), rtol=1e-6)
    assert np.all(gb.imag == 0)
    ea = ya - np.sqrt(2.0) * ga * x
    eb = yb - np.sqrt(2.0) * gb * x
    np.testing.assert_allclose(eb, ea, rtol=0, atol=1e-5)
    assert np.mean(np.abs(ea) ** 2) > 0.05  # the errors compared are not trivially zero


@pytest.mark.parametrize("csi", [0, 1])
def test_miso_array_gain_and_tags(csi):
    # N_t = 4, Rayleigh blocks of L samples, no noise: y = sqrt(p) g s with g the "h" tag (one per block)
    # and ||h||^2 the "h_norm2" tag. ||h||^2 ~ Gamma(N_t, 1): mean N_t, relative std 1/sqrt(N_t) per block.
    # With CSI g = ||h|| (array gain: E|g|^2 = N_t); without, g = sum(h)/sqrt(N_t) ~ CN(0, 1) (|g|^2
    # exponential: E|g|^2 = 1, relative std 1). B blocks: standard errors from these per-block stds.
    nt, L, p = 4, 10, 1.5
    x = qam16(N)
    y, tags = run_block(x, snr_db=300.0, power=p, fading=1, coherence_len=L, antennas=nt, csi=csi, seed=73)
    start = {k: v for o, k, v in tags if o == 0}
    assert start["antennas"] == nt and "h_norm2" in start
    assert [o for o, k, _ in tags if k == "h"] == [o for o, k, _ in tags if k == "h_norm2"] == list(range(0, N, L))
    g = np.array(tag_values(tags, "h"))
    n2 = np.array(tag_values(tags, "h_norm2"))
    B = g.size
    np.testing.assert_allclose(y, np.sqrt(p) * h_per_sample(tags, N) * x, rtol=0, atol=1e-5 * np.sqrt(p) * 10)
    close_rel(np.mean(n2), nt, B, 1 / np.sqrt(nt))
    if csi:
        assert np.all(g.imag == 0) and np.all(g.real > 0)
        np.testing.assert_allclose(np.abs(g) ** 2, n2, rtol=1e-6)
        close_rel(np.mean(np.abs(g) ** 2), nt, B, 1 / np.sqrt(nt))
    else:
        close_rel(np.mean(np.abs(g) ** 2), 1.0, B)
        # Cauchy-Schwarz: |sum h|^2 / N_t <= ||h||^2, with equality only for equal entries
        assert np.all(np.abs(g) ** 2 <= n2 * (1 + 1e-6))
        assert abs(np.mean(g.real)) <= Z * np.sqrt(0.5 / B)  # circular, E g = 0


@pytest.mark.parametrize("csi", [0, 1])
def test_miso_per_antenna_tx_distortion_power(csi):
    # Fading off: h = w = (1,...,1)/sqrt(N_t), g = 1. Only kappa_t: e = y - sqrt(p) s = h^T eta_t with
    # independent eta_t,i ~ CN(0, kappa_t p / N_t), so E|e|^2 = kappa_t p ||h||^2 / N_t = kappa_t p / N_t
    # (the distortions add incoherently, the signal coherently). |e|^2 / E|e|^2 is exponential(1): rel std
    # 1/sqrt(N).
    nt, p, kt = 4, 2.0, 0.08
    x = qam16(N)
    y, tags = run_block(x, snr_db=300.0, kappa_t=kt, power=p, antennas=nt, csi=csi, seed=74)
    assert tag_values(tags, "h") == [1 + 0j]
    assert tag_values(tags, "h_norm2") == [pytest.approx(1.0)]
    close_rel(np.mean(np.abs(y - np.sqrt(p) * x) ** 2), kt * p / nt, N)


@pytest.mark.parametrize("csi", [0, 1])
def test_miso_effective_noise_var_of_equalised_output(csi):
    # Rayleigh, all impairments on: y~ = y / (sqrt(p) g) - s has variance
    # kappa_t ||h||^2 / (N_t |g|^2) + kappa_r + sigma^2/(p |g|^2) given h (docs/channel.md), which
    # channel.effective_noise_var gives (through the C++ impairment_params.effective_noise_var); the
    # ratio |e|^2 / var is exponential(1) per sample (rel std 1/sqrt(N)).
    nt, p, kw = 4, 1.5, dict(snr_db=6.0, kappa_t=0.1, kappa_r=0.02)
    x = qam16(N)
    y, tags = run_block(x, power=p, fading=1, coherence_len=20, antennas=nt, csi=csi, seed=75, **kw)
    g = h_per_sample(tags, N)
    n2_tags = sorted((o, v) for o, k, v in tags if k == "h_norm2")
    n2 = np.repeat([v for _, v in n2_tags], np.diff([o for o, _ in n2_tags] + [N]))
    v = channel.effective_noise_var(kw["snr_db"], kw["kappa_t"], kw["kappa_r"], p, g, antennas=nt, csi=bool(csi),
                                    fading="rayleigh", h_norm2=n2)
    g2 = np.abs(g) ** 2       # the formula above, written out independently of the C++ definition
    np.testing.assert_allclose(v, kw["kappa_t"] * n2 / (nt * g2) + kw["kappa_r"] + 10 ** (-kw["snr_db"] / 10) / g2,
                               rtol=1e-12)
    e = y / (np.sqrt(p) * g) - x
    close_rel(np.mean(np.abs(e) ** 2 / v), 1.0, N)


def test_antennas_and_csi_setters_while_running():
    # Start with one antenna; between two runs switch to 4 antennas with CSI: "antennas" is tagged at the
    # change, a new coherence block starts there, and the array gain shows. Then switching csi off keeps
    # h (same h_norm2) but changes g.
    n1 = 20_000
    x = qam16(n1)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.astype(np.complex64).tolist(), True)
    head = blocks.head(gr.sizeof_gr_complex, n1)
    inj = ddpm.impairment_injector_cc(snr_db=300.0, fading=1, coherence_len=10, seed=76)
    snk = blocks.vector_sink_c()
    tb.connect(src, head, inj, snk)

    def again():
        head.reset()
        src.rewind()
        tb.run()
        y = np.array(snk.data(), dtype=np.complex128)
        tags = [(t.offset, pmt.symbol_to_string(t.key), pmt.to_python(t.value)) for t in snk.tags()]
        snk.reset()
        return y, tags

    _, t1 = again()
    assert not any(k in ("antennas", "h_norm2") for _, k, _ in t1)
    inj.set_antennas(4)
    inj.set_csi(True)
    assert (inj.antennas(), inj.csi()) == (4, 1)
    y2, t2 = again()
    assert {k: v for o, k, v in t2 if o == 0}.keys() == {"antennas", "h", "h_norm2"}
    assert tag_values(t2, "antennas") == [4]
    g2 = np.array(tag_values(t2, "h"))
    close_rel(np.mean(np.abs(g2) ** 2), 4.0, g2.size, 0.5)        # Gamma(4,1) blocks: rel std 1/2
    np.testing.assert_allclose(y2, h_per_sample(t2, n1) * x, rtol=0, atol=1e-4)
    # csi off in the middle of a (long) coherence block: same h, new g, tagged
    inj.set_coherence_len(10 ** 6)
    _, t3 = again()
    h_norm2_before = tag_values(t3, "h_norm2")
    inj.set_csi(0)
    _, t4 = again()
    assert {k for o, k, v in t4} == {"h", "h_norm2"} and all(o == 0 for o, _, _ in t4)
    assert tag_values(t4, "h_norm2") == h_norm2_before
    assert abs(tag_values(t4, "h")[0]) ** 2 < h_norm2_before[0]  # lost the array gain (strictly, a.s.)
    with pytest.raises(ValueError, match="antennas"):
        inj.set_antennas(65)
    assert inj.antennas() == 4


def test_antennas_non_finite_or_non_integer_rejected():
    # the bound constructor takes C ints: a float is refused by the binding (TypeError); the numpy
    # reference converts and says which parameter is wrong
    for bad in (float("nan"), float("inf"), 2.5):
        with pytest.raises((TypeError, ValueError)):
            ddpm.impairment_injector_cc(antennas=bad)
        with pytest.raises(ValueError, match="antennas"):
            channel.apply_impairments(np.ones(4), snr_db=10.0, antennas=bad)
    with pytest.raises(ValueError, match="csi"):
        channel.apply_impairments(np.ones(4), snr_db=10.0, csi="yes")


@pytest.mark.parametrize("csi", [0, 1])
def test_miso_receive_distortion_scales_with_effective_gain(csi):
    # only kappa_r, Rayleigh, 4 antennas: eta_r ~ CN(0, kappa_r p |g|^2) with g the tagged effective gain,
    # so |e|^2 / (kappa_r p |g|^2) is exponential(1) per sample (rel std of the mean 1/sqrt(N)).
    nt, p, kr = 4, 1.2, 0.05
    x = qam16(N)
    y, tags = run_block(x, snr_db=300.0, kappa_r=kr, power=p, fading=1, coherence_len=4, antennas=nt, csi=csi,
                        seed=77)
    g = h_per_sample(tags, N)
    close_rel(np.mean(np.abs(y - np.sqrt(p) * g * x) ** 2 / (kr * p * np.abs(g) ** 2)), 1.0, N)


# ------------------------------------------------------------------------------------------------------
# Transmitter hardware (docs/channel.md, "Transmitter hardware"): IQ imbalance + DC, Rapp AM/AM,
# Saleh-form AM/PM, Wiener / PLL-tracked phase noise. Checked against the formulas written out here
# (not through channel.pa etc.), and the block against the numpy reference.
# ------------------------------------------------------------------------------------------------------

CHEAP_SDR = channel.HARDWARE_PRESETS["cheap_sdr"]
NO_PN = {k: v for k, v in CHEAP_SDR.items() if not k.startswith("pn_")}


def rapp(r, sat, p):
    return r / (1.0 + (r / sat) ** (2 * p)) ** (1.0 / (2 * p))


def saleh_phase(r, alpha, beta):
    return alpha * r ** 2 / (1.0 + beta * r ** 2)


def test_hardware_presets_are_the_documented_values():
    # 5 degrees of AM/PM at the unit-power 16-QAM peak amplitude 3 sqrt(2)/sqrt(10)
    peak = np.max(np.abs(constellations.qam(16)))
    hw = channel.HARDWARE_PRESETS["pa"]
    assert abs(np.rad2deg(saleh_phase(peak, hw["pm_alpha"], hw["pm_beta"])) - 5.0) < 1e-12
    assert (hw["pa_sat"], hw["pa_p"]) == (1.0, 2.0)
    assert CHEAP_SDR["iq_amp_db"] == 1.0 and CHEAP_SDR["iq_phase_deg"] == 5.0
    assert (CHEAP_SDR["dc_re"], CHEAP_SDR["dc_im"]) == (0.05, 0.03)
    assert (CHEAP_SDR["pn_model"], CHEAP_SDR["pn_deg"], CHEAP_SDR["pn_corr_len"]) == (2, 3.0, 20.0)


def test_hardware_off_by_default_and_inert_values_change_nothing():
    x = qam16(5000)
    base = dict(snr_db=10.0, kappa_t=0.01, kappa_r=0.02, fading=1, coherence_len=37, seed=4)
    y0, t0 = run_block(x, **base)
    # parameters that do nothing while their part is off (pa_p without pa_sat, pm_beta without pm_alpha,
    # pn_corr_len / pn_deg without a phase-noise model): same samples, same tags, no "hardware" tag
    y1, t1 = run_block(x, **base, pa_p=7.0, pm_beta=3.0, pn_corr_len=99.0, pn_deg=5.0)
    np.testing.assert_array_equal(y0, y1)
    assert t0 == t1
    assert not [t for t in t0 if t[1] == "hardware"]
    assert not ddpm.impairment_params().hardware_on()
    assert set(ddpm.impairment_params.hardware_names()) <= set(ddpm.impairment_params.names())


@pytest.mark.parametrize("power", [1.0, 2.5])
def test_hardware_block_equals_reference_without_noise(power):
    # deterministic part (IQ, DC, PA, AM/PM) with the noise at 300 dB: the block equals the reference's
    # distortion to float32 precision
    rng = np.random.default_rng(7)
    x = np.concatenate([qam16(4000), (rng.standard_normal(4000) + 1j * rng.standard_normal(4000))])
    y, tags = run_block(x, snr_db=300.0, power=power, **NO_PN)
    yr, _ = channel.apply_impairments(x.astype(np.complex64), snr_db=300.0, power=power, **NO_PN)
    np.testing.assert_allclose(y, yr, rtol=0, atol=4e-6 * np.sqrt(power) * max(1.0, np.max(np.abs(yr))))
    hw = [v for o, k, v in tags if k == "hardware"]
    assert len(hw) == 1 and [o for o, k, v in tags if k == "hardware"] == [0]
    for name, v in NO_PN.items():
        assert hw[0][name] == v, name
    # the chain by hand: IQ imbalance (Q branch gain g, phase error phi) and DC, then Rapp + Saleh form
    g, phi = 10 ** (1.0 / 20), np.deg2rad(5.0)
    xc = x.astype(np.complex64).astype(np.complex128)
    u = xc.real + 1j * g * (xc.imag * np.cos(phi) - xc.real * np.sin(phi)) + (0.05 + 0.03j)
    r = np.abs(u)
    v = rapp(r, 1.0, 2.0) * np.exp(1j * (np.angle(u) + saleh_phase(r, NO_PN["pm_alpha"], NO_PN["pm_beta"])))
    np.testing.assert_allclose(y, np.sqrt(power) * v, rtol=0, atol=4e-6 * np.sqrt(power) * 4)


def _conditional_gain(y, x, sigma2, m):
    """mean of y conj(x)/|x| (= A(r) e^{j Phi(r)} + noise) and its standard error per real component."""
    z = y.astype(np.complex128) * np.conj(x) / np.abs(x)
    return np.mean(z), np.sqrt(sigma2 / 2 / m)


AMPS = [0.25, 0.5, 1.0, 1.5, 2.0, 3.0]


def test_pa_am_am_is_rapp():
    # per amplitude r, m samples with random phases; E[y conj(x)/|x|] = A(r) exactly (AM/PM off), the
    # additive noise (sigma^2 = 0.01) gives each real component a standard error sqrt(sigma^2/2/m)
    m, sigma2 = 20_000, 0.01
    rng = np.random.default_rng(11)
    for sat, p in [(1.0, 2.0), (0.7, 0.8), (1.5, 10.0)]:
        x = np.concatenate([r * np.exp(2j * np.pi * rng.random(m)) for r in AMPS])
        y, _ = run_block(x, snr_db=20.0, pa_sat=sat, pa_p=p, seed=3)
        for i, r in enumerate(AMPS):
            sl = slice(i * m, (i + 1) * m)
            mu, se = _conditional_gain(y[sl], x[sl].astype(np.complex64), sigma2, m)
            assert abs(mu.real - rapp(r, sat, p)) <= Z * se + 1e-6, (sat, p, r, mu, rapp(r, sat, p))
            assert abs(mu.imag) <= Z * se + 1e-6, (sat, p, r, mu)


def test_pa_am_pm_is_saleh_form():
    # with AM/AM on as well: E[y conj(x)/|x|] = A(r) e^{j Phi(r)}; the phase of the mean has standard error
    # se/A(r) (small-angle), the amplitude se
    m, sigma2 = 20_000, 0.01
    rng = np.random.default_rng(12)
    alpha, beta = 0.4, 0.5
    x = np.concatenate([r * np.exp(2j * np.pi * rng.random(m)) for r in AMPS])
    y, _ = run_block(x, snr_db=20.0, pa_sat=1.0, pa_p=2.0, pm_alpha=alpha, pm_beta=beta, seed=5)
    for i, r in enumerate(AMPS):
        sl = slice(i * m, (i + 1) * m)
        mu, se = _conditional_gain(y[sl], x[sl].astype(np.complex64), sigma2, m)
        a = rapp(r, 1.0, 2.0)
        assert abs(np.angle(mu) - saleh_phase(r, alpha, beta)) <= Z * se / a + 1e-6, (r, np.angle(mu))
        assert abs(abs(mu) - a) <= Z * se + 1e-6, (r, abs(mu), a)


def test_iq_imbalance_image_rejection_ratio():
    # y = sqrt(p)(K1 x + K2 conj(x)) + n: least squares on [x, conj(x)] (circular Gaussian input)
    # estimates K1, K2 with standard error sqrt(sigma^2/2/(N p E|x|^2)) per real component
    n, sigma2 = N, 1e-3
    rng = np.random.default_rng(13)
    x = ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(np.complex64)
    for amp_db, ph in [(1.0, 5.0), (-2.0, 0.0), (0.0, -10.0)]:
        y, _ = run_block(x, snr_db=30.0, iq_amp_db=amp_db, iq_phase_deg=ph, seed=6)
        xc = x.astype(np.complex128)
        (k1, k2), *_ = np.linalg.lstsq(np.stack([xc, np.conj(xc)], axis=1), y.astype(np.complex128), rcond=None)
        g, phi = 10 ** (amp_db / 20), np.deg2rad(ph)
        k1_f, k2_f = (1 + g * np.exp(-1j * phi)) / 2, (1 - g * np.exp(1j * phi)) / 2
        se = np.sqrt(sigma2 / 2 / np.sum(np.abs(xc) ** 2))
        for est, f in [(k1, k1_f), (k2, k2_f)]:
            assert abs(est.real - f.real) <= Z * se and abs(est.imag - f.imag) <= Z * se, (amp_db, ph, est, f)
        irr_f = 10 * np.log10((1 + g * g + 2 * g * np.cos(phi)) / (1 + g * g - 2 * g * np.cos(phi)))
        assert abs(channel.image_rejection_db(amp_db, ph) - irr_f) < 1e-9
        irr = 10 * np.log10(abs(k1) ** 2 / abs(k2) ** 2)
        # dB error ~ (20/ln 10)(|dK2|/|K2| + |dK1|/|K1|), each |dK| <= sqrt(2) Z se
        tol = 20 / np.log(10) * np.sqrt(2) * Z * se * (1 / abs(k2_f) + 1 / abs(k1_f))
        assert abs(irr - irr_f) <= tol, (amp_db, ph, irr, irr_f, tol)


def test_dc_offset_mean():
    # y - sqrt(p) x = sqrt(p) d + n: its mean has standard error sqrt(sigma^2/2/N) per component
    p, x = 2.0, qam16(N)
    y, _ = run_block(x, snr_db=20.0, power=p, dc_re=0.05, dc_im=-0.03, seed=8)
    e = np.mean(y.astype(np.complex128) - np.sqrt(p) * x.astype(np.complex64))
    se = np.sqrt(p * 0.01 / 2 / N)
    assert abs(e.real - np.sqrt(p) * 0.05) <= Z * se and abs(e.imag + np.sqrt(p) * 0.03) <= Z * se, e


def _phase(model, deg, corr, n, seed, source):
    x = np.ones(n, dtype=np.complex64)
    kw = dict(snr_db=300.0, pn_model=model, pn_deg=deg, pn_corr_len=corr, seed=seed)
    if source == "block":
        y, _ = run_block(x, **kw)
    else:
        y, _ = channel.apply_impairments(x, **kw)
    return np.angle(y.astype(np.complex128))


@pytest.mark.parametrize("source", ["block", "reference"])
def test_phase_noise_wiener_increments(source):
    # increments d = theta_k - theta_{k-1} i.i.d. N(0, s^2): mean(d^2) has rel std sqrt(2/n); mean(d) has
    # standard error s/sqrt(n); lag-1 correlation of the increments standard error 1/sqrt(n)
    s = np.deg2rad(0.5)
    th = _phase(1, 0.5, 20.0, N, 21, source)
    d = np.angle(np.exp(1j * np.diff(th)))
    close_rel(np.mean(d ** 2), s ** 2, d.size, np.sqrt(2.0))
    assert abs(np.mean(d)) <= Z * s / np.sqrt(d.size)
    assert abs(np.mean(d[1:] * d[:-1])) / s ** 2 <= Z / np.sqrt(d.size)
    assert abs(th[0]) <= Z * s            # theta starts at 0: the first sample is one increment away


@pytest.mark.parametrize("source", ["block", "reference"])
def test_phase_noise_pll_rms_and_correlation(source):
    # stationary AR(1) theta_k = a theta_{k-1} + ..., a = exp(-1/L), RMS s. For n samples (Bartlett):
    #   mean(theta^2): rel std sqrt(2 (1 + a^2)/(1 - a^2)/n);
    #   lag-m autocorrelation: var ((1 + a^2)(1 - a^(2m))/(1 - a^2) - 2 m a^(2m))/n.
    n, deg, L = 2 * N, 3.0, 20.0
    s, a = np.deg2rad(deg), np.exp(-1.0 / L)
    th = _phase(2, deg, L, n, 22, source)
    close_rel(np.mean(th ** 2), s ** 2, n, np.sqrt(2 * (1 + a * a) / (1 - a * a)))
    c0 = np.mean(th * th)
    for m in (1, int(L), 3 * int(L)):
        rho = np.mean(th[m:] * th[:-m]) / c0
        var = ((1 + a * a) * (1 - a ** (2 * m)) / (1 - a * a) - 2 * m * a ** (2 * m)) / n
        assert abs(rho - a ** m) <= Z * np.sqrt(var), (m, rho, a ** m)


def test_hardware_setters_tag_and_validate():
    x = qam16(2000)
    blk = ddpm.impairment_injector_cc(snr_db=300.0)
    y0, t0 = run_block(x, blk)
    assert not [t for t in t0 if t[1] == "hardware"]
    blk.set_iq_amp_db(1.0)
    blk.set_dc_re(0.05)
    blk.set_pn_model(2)
    blk.set_pn_deg(3.0)
    assert (blk.iq_amp_db(), blk.dc_re(), blk.pn_model(), blk.pn_deg()) == (1.0, 0.05, 2, 3.0)
    assert blk.params().hardware_on()
    y1, t1 = run_block(x, blk)
    hw = [(o, v) for o, k, v in t1 if k == "hardware"]
    assert len(hw) == 1 and hw[0][0] == 0
    assert hw[0][1]["iq_amp_db"] == 1.0 and hw[0][1]["pn_model"] == 2 and hw[0][1]["pn_deg"] == 3.0
    assert np.max(np.abs(y1 - y0)) > 0.01          # the hardware acts
    y2, t2 = run_block(x, blk)                      # unchanged: no new tag
    assert not [t for t in t2 if t[1] == "hardware"]
    before = blk.params().to_string()
    for name, bad in [("pa_sat", 0.001), ("pn_model", 3), ("pn_corr_len", 0.5), ("iq_phase_deg", 46.0)]:
        with pytest.raises(ValueError, match=name):
            getattr(blk, "set_" + name)(bad)
    assert blk.params().to_string() == before
    blk.set_pn_model(0)                             # switching off is announced too
    blk.set_iq_amp_db(0.0)
    blk.set_dc_re(0.0)
    y3, t3 = run_block(x, blk)
    hw = [v for o, k, v in t3 if k == "hardware"]
    assert len(hw) == 1 and hw[0]["pn_model"] == 0 and not blk.params().hardware_on()
    np.testing.assert_allclose(y3, x, rtol=0, atol=2e-6)     # hardware off again: y = x at 300 dB
