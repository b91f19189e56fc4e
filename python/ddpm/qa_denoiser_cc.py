#!/usr/bin/env python
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ddpm.denoiser_cc in small seeded flowgraphs, checked against the C++ kernel called directly
(``ddpm.ddpm_sampler(...).sample(...)``): whatever the block adds (tags, equalisation, noise derivation,
units, batching, random-number indexing) must reproduce the kernel on hand-equalised data."""

import math
from pathlib import Path

import numpy as np
import pmt
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import channel, constellations
from gnuradio.ddpm.modelfile.lookup import find_model


@pytest.fixture(scope="module")
def qam16():
    """Path of the shipped QAM-16 model (str)."""
    return find_model("qam16")


@pytest.fixture(scope="module")
def kernel(qam16):
    return ddpm.ddpm_sampler(qam16, threads=1)


def noisy_qam16(n, noise_var, seed):
    """Unit-power QAM-16 symbols plus CN(0, noise_var): -> (s complex128 [n], y complex64 [n])."""
    rng = np.random.default_rng(seed)
    s = constellations.qam(16)[rng.integers(0, 16, n)]
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    return s, (s + math.sqrt(noise_var / 2) * z).astype(np.complex64)


def tag(offset, key, value):
    t = gr.tag_t()
    t.offset = offset
    t.key = pmt.intern(key)
    t.value = value
    return t


def run(den, y, tags=(), min_buffer=None):
    """y complex64 [N] (+ tags) -> den -> (output complex64 [N], output tags)."""
    tb = gr.top_block()
    src = blocks.vector_source_c(y.tolist(), False, 1, list(tags))
    if min_buffer:
        src.set_min_output_buffer(min_buffer)
    snk = blocks.vector_sink_c()
    tb.connect(src, den, snk)
    tb.run()
    return np.asarray(snk.data(), dtype=np.complex64), snk.tags()


# The block equalises with float32 arithmetic of its own (multiplying by 1/(sqrt(p) h)); rounding of
# ~1e-7 there grows through the network to ~1e-5 at most, so outputs are compared to ATOL = 1e-4. Any
# wiring error (a wrong noise level, sample index or scale) changes outputs by 1e-3 or far more.
ATOL = 1e-4


def reference(kernel, x, noise_var, **kw):
    """The kernel on equalised physical-unit x (complex [N]) with noise_var (float or [N]) -> complex [N]."""
    ps = kernel.model.power_scale
    nv = np.asarray(noise_var, dtype=np.float32) * np.float32(ps * ps)
    out = kernel.sample(np.asarray(x, dtype=np.complex64) * np.float32(ps), nv if nv.ndim else float(nv), **kw)
    return np.asarray(out) / ps


# --------------------------------------------------------------------------- block == kernel
def test_block_equals_kernel_on_equalised_data(qam16, kernel):
    """Channel h and power p from tags, ZF: the block equals the kernel on y/(sqrt(p) h)."""
    n, p, h, snr = 4000, 0.5, 0.6 - 0.9j, 12.0
    _, y0 = noisy_qam16(n, 10 ** (-snr / 10), seed=1)
    y = (y0 * np.sqrt(p) * h).astype(np.complex64)
    tags = [tag(0, "h", pmt.from_complex(h)), tag(0, "power", pmt.from_double(p)),
            tag(0, "snr_db", pmt.from_double(snr))]
    den = ddpm.denoiser_cc(qam16, sampler=2, steps=8, eta=0.0, batch=512, threads=1, seed=3, snr_db=30.0)
    out, _ = run(den, y, tags)
    x = y.astype(np.complex64) / (np.float32(math.sqrt(p)) * np.complex64(h))
    ref = reference(kernel, x, 10 ** (-snr / 10) / abs(h) ** 2, sampler="ddim", steps=8, eta=0.0, seed=3)
    assert out.shape == (n,)
    np.testing.assert_allclose(out, ref, atol=ATOL)


def test_snr_tag_takes_effect_from_its_sample(qam16, kernel):
    """A snr_db tag at sample m changes the noise from m on: the output matches the kernel with the
    switch at m, and differs from it with the switch one sample later (m+1) or earlier (m-1)."""
    n, m = 3000, 1234
    _, y = noisy_qam16(n, 0.05, seed=2)
    tags = [tag(0, "snr_db", pmt.from_double(25.0)), tag(m, "snr_db", pmt.from_double(3.0))]
    den = ddpm.denoiser_cc(qam16, sampler=1, batch=256, threads=1, seed=9, snr_db=15.0)
    out, _ = run(den, y, tags)

    def ref_switch_at(k):
        nv = np.where(np.arange(n) < k, 10 ** -2.5, 10 ** -0.3)
        return reference(kernel, y, nv, sampler="matched", seed=9)

    exact = ref_switch_at(m)
    np.testing.assert_allclose(out, exact, atol=ATOL)
    assert abs(out[m] - ref_switch_at(m + 1)[m]) > 1e-3       # sample m used the new SNR
    assert abs(out[m - 1] - ref_switch_at(m - 1)[m - 1]) > 1e-3  # sample m-1 still the old one
    assert den.noise_source() == "tags"
    assert den.last_noise_var() == pytest.approx(10 ** -0.3 * kernel.model.power_scale ** 2, rel=1e-5)


@pytest.mark.parametrize("csi", [0, 1])
def test_multi_antenna_tags_set_the_transmit_distortion_term(qam16, csi):
    """4 transmit antennas, Rayleigh fading: the injector tags g = h^T w, ||h||^2 and N_t; the block's noise
    for the last sample equals the injector's own effective_noise_var(|g|^2, ||h||^2) of that coherence
    block (kappa_t ||h||^2/(N_t |g|^2) + kappa_r + 10^(-snr/10)/|g|^2), not the one-antenna formula."""
    n, snr, kt, kr = 3000, 15.0, 0.05, 0.01
    s, _ = noisy_qam16(n, 0.0, seed=4)
    src = blocks.vector_source_c(s.astype(np.complex64).tolist(), False)
    inj = ddpm.impairment_injector_cc(snr_db=snr, kappa_t=kt, kappa_r=kr, fading=1, coherence_len=500,
                                      antennas=4, csi=csi, seed=5)
    den = ddpm.denoiser_cc(qam16, sampler=2, steps=1, batch=512, threads=1, seed=1, snr_db=30.0)
    snk, tsnk = blocks.null_sink(gr.sizeof_gr_complex), blocks.vector_sink_c()
    tb = gr.top_block()
    tb.connect(src, inj, den, snk)
    tb.connect(inj, tsnk)
    tb.run()
    last = {}
    for t in sorted(tsnk.tags(), key=lambda t: t.offset):
        last[pmt.symbol_to_string(t.key)] = t.value
    g2 = abs(pmt.to_complex(last["h"])) ** 2
    hn2 = pmt.to_double(last["h_norm2"])
    params = ddpm.impairment_params(snr_db=snr, kappa_t=kt, kappa_r=kr, fading=1, antennas=4, csi=csi)
    expected = params.effective_noise_var(g2, hn2)
    one_antenna = kt + kr + 10 ** (-snr / 10) / g2
    ps = ddpm.model.load(qam16).power_scale
    assert den.last_noise_var() / ps ** 2 == pytest.approx(expected, rel=1e-5)
    assert abs(expected - one_antenna) > 1e-3 * one_antenna      # the test can tell the two apart


def test_tags_pass_through_on_same_samples(qam16):
    n = 2000
    _, y = noisy_qam16(n, 0.1, seed=3)
    sent = [tag(0, "snr_db", pmt.from_double(10.0)), tag(700, "h", pmt.from_complex(1 + 0j)),
            tag(1999, "foo", pmt.from_long(42))]
    den = ddpm.denoiser_cc(qam16, batch=128, threads=1)
    _, got = run(den, y, sent)
    assert sorted((t.offset, pmt.symbol_to_string(t.key)) for t in got) == \
        [(0, "snr_db"), (700, "h"), (1999, "foo")]


def test_many_batches_per_work_and_ragged_tail(qam16, kernel):
    """Large work() calls (a 64k-item buffer, batch 100: hundreds of batches per call) and a length that
    is not a multiple of the batch: every sample comes out, equal to one kernel call on the stream."""
    n, batch = 50_003, 100
    _, y = noisy_qam16(n, 0.1, seed=4)
    den = ddpm.denoiser_cc(qam16, sampler=2, steps=4, batch=batch, threads=2, seed=5, snr_db=10.0)
    out, _ = run(den, y, min_buffer=1 << 16)
    assert out.shape == (n,)
    ref = reference(kernel, y, 0.1, sampler="ddim", steps=4, seed=5)
    np.testing.assert_allclose(out, ref, atol=ATOL)


def test_nonfinite_input_gives_zero_and_spares_neighbours(qam16, kernel):
    n = 1000
    _, y = noisy_qam16(n, 0.1, seed=6)
    y[[10, 500]] = [np.nan, np.inf]
    den = ddpm.denoiser_cc(qam16, sampler=2, steps=5, batch=256, threads=1, seed=1, snr_db=10.0)
    out, _ = run(den, y)
    assert out[10] == 0 and out[500] == 0
    ok = np.isfinite(y)
    ref = reference(kernel, np.where(ok, y, 0), 0.1, sampler="ddim", steps=5, seed=1)
    np.testing.assert_allclose(out[ok], ref[ok], atol=ATOL)


def test_noise_estimate_without_tags_or_snr(qam16):
    """snr_db = NaN and no tags: the block estimates the noise (M2M4 / decision-directed) per batch.
    Tolerance: the M2M4 estimate of N/S from B = 8192 samples at 7 dB has a relative standard deviation
    of 5.1 % (measured over 40 seeds; it scales as 1/sqrt(B)); we allow 20 % (about 4 sigma)."""
    n, nv = 8192, 0.2
    _, y = noisy_qam16(n, nv, seed=7)
    den = ddpm.denoiser_cc(qam16, sampler=2, batch=n, threads=1, snr_db=float("nan"))
    run(den, y)
    assert den.noise_source() == "estimate"
    ps = ddpm.model.load(qam16).power_scale
    assert den.last_noise_var() / ps ** 2 == pytest.approx(nv, rel=0.20)


def test_noise_estimate_high_snr_decision_directed(qam16):
    """At 25 dB the decision-directed branch estimates |y - nearest|^2: with B = 8192 samples its relative
    standard deviation is sqrt(1/B) ~ 1.1 % (chi-square with 2B degrees of freedom: sqrt(2/(2B))); allow
    10 %: measured over 40 seeds the spread is 2.0 % (the M2M4 signal-power normalisation adds to the
    chi-square part), so 10 % is 5 sigma and also covers rare wrong decisions (SER ~ 1e-7 here)."""
    n, nv = 8192, 10 ** -2.5
    _, y = noisy_qam16(n, nv, seed=8)
    den = ddpm.denoiser_cc(qam16, sampler=2, batch=n, threads=1, snr_db=float("nan"))
    run(den, y)
    ps = ddpm.model.load(qam16).power_scale
    assert den.last_noise_var() / ps ** 2 == pytest.approx(nv, rel=0.10)


# --------------------------------------------------------------------------- errors
def test_bad_model_path_raises_loader_message(tmp_path):
    with pytest.raises((RuntimeError, ValueError), match="cannot open"):
        ddpm.denoiser_cc(str(tmp_path / "missing.onnx"))
    with pytest.raises((RuntimeError, ValueError), match="cannot open model 'no_such_model'"):
        ddpm.denoiser_cc("no_such_model")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07garbage" * 10)
    with pytest.raises((RuntimeError, ValueError), match="not an ONNX model"):
        ddpm.denoiser_cc(str(junk))


@pytest.mark.parametrize("kwargs, word", [
    (dict(sampler=3), "sampler"), (dict(steps=0), "steps"), (dict(eta=1.5), "eta"),
    (dict(eta=float("nan")), "eta"), (dict(batch=0), "batch"), (dict(threads=-1), "threads"),
    (dict(snr_db=float("inf")), "snr_db"), (dict(equalize=3), "equalize"), (dict(output=2), "output"),
])
def test_bad_parameters_raise_value_error(qam16, kwargs, word):
    with pytest.raises(ValueError, match=word):
        ddpm.denoiser_cc(qam16, **kwargs)


def test_bad_setter_values_raise_and_keep_state(qam16):
    den = ddpm.denoiser_cc(qam16, steps=7)
    for setter, value in (("set_steps", 0), ("set_eta", 2.0), ("set_sampler", -1),
                          ("set_snr_db", float("-inf"))):
        with pytest.raises(ValueError):
            getattr(den, setter)(value)
    assert den.steps() == 7
    den.set_steps(3)
    den.set_snr_db(float("nan"))
    assert den.steps() == 3 and math.isnan(den.snr_db())


def test_hard_decisions_need_a_constellation(qam16, tmp_path):
    """A model file without ddpm.constellation (as for swissroll) cannot give hard decisions."""
    onnx = pytest.importorskip("onnx")
    m = onnx.load(qam16)
    keep = [p for p in m.metadata_props if p.key not in ("ddpm.constellation", "ddpm.bits_per_symbol")]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)
    path = tmp_path / "noconst.onnx"
    onnx.save(m, str(path))
    ddpm.denoiser_cc(str(path), output=0)  # soft output is fine
    with pytest.raises(ValueError, match="constellation"):
        ddpm.denoiser_cc(str(path), output=1)


def test_unconvertible_tag_values_are_ignored(qam16, kernel):
    """A uint64 PMT passes pmt.is_number() but pmt.to_double() rejects it: such a tag (like a symbol) is
    ignored with one warning, and the block keeps running on the state in force before it."""
    s, y = noisy_qam16(512, 0.1, 21)
    den = ddpm.denoiser_cc(qam16, sampler=1, batch=256, threads=1, seed=4, snr_db=10.0)
    tags = [tag(0, "snr_db", pmt.from_uint64(3)), tag(0, "power", pmt.from_uint64(2)),
            tag(100, "h", pmt.from_uint64(1)), tag(200, "kappa_t", pmt.intern("x"))]
    out, _ = run(den, y, tags)
    assert den.noise_source() == "snr_db"
    ref = reference(kernel, y, 0.1, sampler="matched", seed=4)
    np.testing.assert_allclose(out, ref, atol=ATOL)


# --------------------------------------------------------------------------- sampler vocabulary
def test_sampler_vocabulary():
    """One table (lib/sampler_type.cc): enum value <-> name, bound to Python."""
    assert ddpm.sampler_names() == ["paper", "matched", "ddim"]
    for i, name in enumerate(ddpm.sampler_names()):
        t = ddpm.sampler_from_name(name)
        assert int(t) == i and ddpm.sampler_name(t) == name
        assert t == getattr(ddpm.sampler_type, name.upper())
    assert ddpm.sampler_from_name("DDIM") == ddpm.sampler_type.DDIM
    with pytest.raises(ValueError, match="choose paper, matched or ddim"):
        ddpm.sampler_from_name("ddpm")
    with pytest.raises(ValueError, match=r"0 \(paper\), 1 \(matched\) or 2 \(ddim\)"):
        ddpm.denoiser_cc("qam16", sampler=3)


def test_kernel_sample_takes_the_vocabulary(kernel):
    y = np.full(8, 0.3 + 0.1j, dtype=np.complex64)
    by_name = kernel.sample(y, 0.1, sampler="ddim", steps=2, seed=1)
    by_enum = kernel.sample(y, 0.1, sampler=ddpm.sampler_type.DDIM, steps=2, seed=1)
    np.testing.assert_array_equal(by_name, by_enum)
    with pytest.raises(ValueError, match="choose paper, matched or ddim"):
        kernel.sample(y, 0.1, sampler="ddpm")


def test_grc_sampler_options_match_the_vocabulary():
    """grc/ddpm_denoiser_cc.block.yml keeps the block's int values; its options and labels must be the
    bound table's values and labels in enum order."""
    yaml = pytest.importorskip("yaml")
    root = Path(__file__).resolve().parents[2]
    block = yaml.safe_load((root / "grc" / "ddpm_denoiser_cc.block.yml").read_text())
    param = next(p for p in block["parameters"] if p["id"] == "sampler")
    names = ddpm.sampler_names()
    assert [int(o) for o in param["options"]] == [int(ddpm.sampler_from_name(n)) for n in names]
    assert param["option_labels"] == ddpm.sampler_labels()
    assert int(param["default"]) in range(len(names))


def _nearest(x, points):
    return points[np.argmin(np.abs(np.asarray(x)[:, None] - points[None, :]), axis=1)]


@pytest.mark.parametrize("equalize", [1, 2])
def test_hard_decisions_are_map_never_worse_than_nearest_on_the_input(qam16, equalize):
    """output = 1: MAP decision over the model's constellation given the equalised input and its noise
    variance (docs/denoiser.md). At -10 dB, 16-QAM, AWGN: SER(block) <= SER(nearest point of the raw input)
    + 3 standard errors, the standard error sqrt(p (1 - p)/n) of a proportion from n symbols."""
    n, snr_db = 20_000, -10.0
    s, y = noisy_qam16(n, 10 ** (-snr_db / 10), seed=31)
    pts = constellations.qam(16)
    den = ddpm.denoiser_cc(qam16, sampler=2, steps=1, batch=1024, threads=1, snr_db=snr_db, equalize=equalize,
                           output=1)
    d, _ = run(den, y)
    ser_map = np.mean(np.abs(d - s) > 1e-3)
    ser_nn = np.mean(np.abs(_nearest(y, pts) - s) > 1e-3)
    se = np.sqrt(ser_nn * (1 - ser_nn) / n)
    assert ser_map <= ser_nn + 3 * se, (ser_map, ser_nn, se)
    # with the model's uniform prior the MAP decision is the nearest point to the equalised input
    assert np.mean(np.abs(d - _nearest(y, pts)) < 1e-3) >= 0.999


def test_hardware_tag_of_the_injector_is_ignored(qam16):
    """The injector's "hardware" tag (a PMT dict, docs/tags.md) is not a channel key: same output as without it,
    and the tags pass through."""
    _, y = noisy_qam16(3000, 0.05, seed=41)
    hw = ddpm.impairment_injector_cc(**channel.HARDWARE_PRESETS["cheap_sdr"])
    d = pmt.make_dict()
    for k in ddpm.impairment_params.hardware_names():
        d = pmt.dict_add(d, pmt.intern(k), pmt.from_double(hw.params().value(k)))
    kw = dict(sampler=2, steps=1, batch=512, threads=1, snr_db=13.0, seed=3)
    a, _ = run(ddpm.denoiser_cc(qam16, **kw), y)
    b, tags = run(ddpm.denoiser_cc(qam16, **kw), y, tags=[tag(0, "hardware", d), tag(1700, "hardware", d)])
    np.testing.assert_array_equal(a, b)
    assert sum(pmt.symbol_to_string(t.key) == "hardware" for t in tags) == 2     # passed through
