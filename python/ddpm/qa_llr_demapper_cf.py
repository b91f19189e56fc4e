#!/usr/bin/env python
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ddpm.llr_demapper_cf against a numpy brute force (every point's likelihood summed directly), its tag handling
(snr_db / h tags, tags of any PMT type), and GNU Radio's rate-1/2 K = 7 convolutional decoder behind it."""
import numpy as np
import pmt
import pytest
from gnuradio import blocks, fec, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations

NAMES = ["bpsk", "qpsk", "psk8", "qam16", "qam64", "psk16", "qam256", " QAM16 "]


def brute_llr(x, points, labels, v, maxlog=False):
    """LLR ln P(b=1|x)/P(b=0|x), complex x [N], complex points [M], int labels [M], v float or [N] -> [N, k]."""
    x = np.asarray(x, dtype=np.complex128).reshape(-1, 1)
    v = np.broadcast_to(np.asarray(v, dtype=np.float64), (x.shape[0],)).reshape(-1, 1)
    k = int(round(np.log2(len(points))))
    d2 = np.abs(x - np.asarray(points)[None, :]) ** 2
    out = np.empty((x.shape[0], k))
    for b in range(k):
        bit = (np.asarray(labels) >> (k - 1 - b)) & 1
        if maxlog:
            out[:, b] = (d2[:, bit == 0].min(axis=1) - d2[:, bit == 1].min(axis=1)) / v[:, 0]
        else:
            l1 = np.log(np.sum(np.exp(-d2[:, bit == 1] / v), axis=1))
            l0 = np.log(np.sum(np.exp(-d2[:, bit == 0] / v), axis=1))
            out[:, b] = l1 - l0
    return out


def run(x, tags=(), **kw):
    """Run the block on complex x [N] with the tags [(offset, key, value)]: (float32 [N k] output, block)."""
    tb = gr.top_block()
    src = blocks.vector_source_c(np.asarray(x, dtype=np.complex64).tolist(), False, 1,
                                 [gr.tag_utils.python_to_tag((o, pmt.intern(k) if isinstance(k, str) else k, v,
                                                              pmt.intern("qa"))) for o, k, v in tags])
    dem = ddpm.llr_demapper_cf(**kw)
    snk = blocks.vector_sink_f()
    tb.connect(src, dem, snk)
    tb.run()
    return np.asarray(snk.data(), dtype=np.float64), dem


def noisy(points, n, v, seed):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, len(points), n)
    w = np.sqrt(v / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    return points[s] + w, s


@pytest.mark.parametrize("name", NAMES)
def test_named_points_are_gr_ddpm_constellations(name):
    dem = ddpm.llr_demapper_cf(constellation=name)
    ref = constellations.by_name(name)
    np.testing.assert_allclose(np.asarray(dem.points()), ref, atol=2e-7)
    assert list(dem.labels()) == list(range(len(ref)))
    assert dem.bits_per_symbol() == int(np.log2(len(ref)))


@pytest.mark.parametrize("name", ["bpsk", "qpsk", "psk8", "qam16", "qam64"])
@pytest.mark.parametrize("method", [0, 1])
def test_fixed_snr_matches_brute_force(name, method):
    pts = constellations.by_name(name)
    snr = 8.0
    v = 10 ** (-snr / 10)
    x, _ = noisy(pts, 400, v, seed=3)
    out, dem = run(x, constellation=name, method=method, snr_db=snr, use_tags=False)
    ref = brute_llr(x.astype(np.complex64), pts.astype(np.complex64), np.arange(len(pts)), v, maxlog=method == 1)
    np.testing.assert_allclose(out, ref.reshape(-1), rtol=1e-4, atol=1e-4)
    assert dem.last_noise_var() == pytest.approx(v, rel=1e-12)


def test_snr_and_h_tags_are_followed():
    pts = constellations.by_name("qam16")
    n = 600
    rng = np.random.default_rng(5)
    s = pts[rng.integers(0, 16, n)]
    # three segments: (h, snr) = (1, param 12 dB), (0.5 - 0.8j, 6 dB), (2j, 15 dB); noise sigma^2 = 10^(-snr/10)
    seg = [(0, 1.0 + 0j, 12.0), (200, 0.5 - 0.8j, 6.0), (450, 2j, 15.0)]
    h = np.ones(n, complex)
    snr = np.empty(n)
    for i, (o, hh, sn) in enumerate(seg):
        e = seg[i + 1][0] if i + 1 < len(seg) else n
        h[o:e], snr[o:e] = hh, sn
    sig2 = 10 ** (-snr / 10)
    y = h * s + np.sqrt(sig2 / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    tags = [(200, "h", pmt.from_complex(0.5 - 0.8j)), (200, "snr_db", pmt.from_double(6.0)),
            (450, "h", pmt.from_complex(2j)), (450, "snr_db", pmt.from_long(15))]
    out, dem = run(y, tags, constellation="qam16", snr_db=12.0)
    yq = y.astype(np.complex64)
    x = yq / h.astype(np.complex64)
    v = sig2 / np.abs(h.astype(np.complex64)) ** 2
    ref = brute_llr(x, pts.astype(np.complex64), np.arange(16), v)
    np.testing.assert_allclose(out, ref.reshape(-1), rtol=2e-4, atol=2e-4)
    assert dem.last_noise_var() == pytest.approx(10 ** -1.5 / 4, rel=1e-6)
    # use_tags = False ignores all of them
    out2, _ = run(y, tags, constellation="qam16", snr_db=12.0, use_tags=False)
    ref2 = brute_llr(yq, pts.astype(np.complex64), np.arange(16), 10 ** -1.2)
    np.testing.assert_allclose(out2, ref2.reshape(-1), rtol=2e-4, atol=2e-4)


BAD_VALUES = [pmt.intern("x"), pmt.PMT_T, pmt.PMT_NIL, pmt.from_uint64(3), pmt.make_dict(),
              pmt.init_f32vector(2, [1, 2]), pmt.cons(pmt.intern("a"), pmt.from_long(1)), pmt.make_vector(1, pmt.PMT_NIL),
              pmt.from_double(float("nan")), pmt.from_double(float("inf")), pmt.from_complex(0j),
              pmt.from_complex(1 + 1j), pmt.PMT_F, pmt.make_tuple(pmt.from_long(1))]


def test_bad_tags_of_any_type_are_ignored():
    pts = constellations.by_name("qam16")
    x, _ = noisy(pts, 300, 0.05, seed=9)
    good = [(0, "snr_db", pmt.from_double(13.0)), (100, "h", pmt.from_complex(0.9 + 0.1j))]
    ref, _ = run(x, good, constellation="qam16")
    bad = [(o, k, v) for o in (0, 50, 120) for k in ("snr_db", "h", "power", "kappa_t") for v in BAD_VALUES
           if not (k == "h" and pmt.is_complex(v) and pmt.to_complex(v) == 1 + 1j)]
    bad += [(80, "other", pmt.intern("y")), (90, "antennas", pmt.from_double(0.5))]  # (GNU Radio itself refuses non-symbol keys)
    out, _ = run(x, good + bad, constellation="qam16")
    np.testing.assert_array_equal(out, ref)


def test_custom_points_and_labels():
    pts = constellations.by_name("qam16")
    perm = np.random.default_rng(1).permutation(16)
    x, _ = noisy(pts, 200, 0.1, seed=2)
    ref, _ = run(x, constellation="qam16", snr_db=10.0)
    out, dem = run(x, constellation="custom", points=pts[perm].astype(np.complex64).tolist(),
                   labels=perm.tolist(), snr_db=10.0)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    assert list(dem.labels()) == perm.tolist()
    # an arbitrary 4-point constellation with its own labels, against the brute force
    cp = np.array([1.2, 0.3j, -0.8 - 0.1j, 0.2 - 0.9j])
    lab = [2, 0, 3, 1]
    out, _ = run(x, constellation="", points=cp.tolist(), labels=lab, snr_db=7.0, use_tags=False)
    refc = brute_llr(x.astype(np.complex64), cp.astype(np.complex64), np.array(lab), 10 ** -0.7)
    np.testing.assert_allclose(out, refc.reshape(-1), rtol=1e-4, atol=1e-4)


def test_nonfinite_samples_give_zero_llrs():
    pts = constellations.by_name("qpsk")
    x = np.array([pts[0], np.nan, np.inf * 1j, pts[3], complex(np.nan, 1)])
    out, _ = run(x, constellation="qpsk", snr_db=10.0)
    out = out.reshape(-1, 2)
    assert np.all(np.isfinite(out))
    assert np.all(out[[1, 2, 4]] == 0) and np.all(out[[0, 3]] != 0)
    # point 0 carries 00: both LLRs negative (positive means 1); point 3 carries 11
    assert np.all(out[0] < 0) and np.all(out[3] > 0)


@pytest.mark.parametrize("kw", [dict(constellation="qam8"), dict(constellation="foo"),
                                dict(constellation="custom", points=[1, 1j, -1]),
                                dict(constellation="custom", points=[1, 1, -1, -1j]),
                                dict(constellation="custom", points=[1, 1j, -1, -1j], labels=[0, 0, 1, 2]),
                                dict(method=2), dict(snr_db=float("nan")), dict(snr_db=float("inf"))])
def test_bad_parameters_raise(kw):
    with pytest.raises((ValueError, RuntimeError)):
        ddpm.llr_demapper_cf(**kw)


def test_setters():
    dem = ddpm.llr_demapper_cf()
    dem.set_snr_db(3.5)
    dem.set_method(1)
    assert dem.snr_db() == 3.5 and dem.method() == 1
    with pytest.raises((ValueError, RuntimeError)):
        dem.set_snr_db(float("inf"))
    with pytest.raises((ValueError, RuntimeError)):
        dem.set_method(-1)


def _coded_link(snr_db, sign, n_frames=4, frame=2042, seed=11):
    """Rate-1/2 K=7 terminated convolutional code -> gr-ddpm 16-QAM -> AWGN -> LLR demapper -> cc_decoder.
    Returns (decoded bit errors, info bits, uncoded hard-decision coded-bit error rate)."""
    pts = constellations.by_name("qam16")
    rng = np.random.default_rng(seed)
    info = rng.integers(0, 2, n_frames * frame).astype(np.uint8)
    polys = [109, 79]
    enc = fec.cc_encoder_make(frame, 7, 2, polys, 0, fec.CC_TERMINATED, False)
    dec = fec.cc_decoder.make(frame, 7, 2, polys, 0, -1, fec.CC_TERMINATED, False)
    tb = gr.top_block()
    src = blocks.vector_source_b(info.tolist())
    xenc = fec.extended_encoder(encoder_obj_list=enc, threading=None, puncpat="11")
    csnk = blocks.vector_sink_b()
    tb.connect(src, xenc, csnk)
    tb.run()
    coded = np.asarray(csnk.data(), dtype=np.uint8)
    assert coded.size == n_frames * 2 * (frame + 6) and coded.size % 4 == 0
    sym = constellations.bits_to_symbols(coded, 4)
    v = 10 ** (-snr_db / 10)
    y = pts[sym] + np.sqrt(v / 2) * (rng.standard_normal(sym.size) + 1j * rng.standard_normal(sym.size))
    hard = constellations.symbols_to_bits(constellations.nearest(y, pts), 4)
    tb = gr.top_block()
    src = blocks.vector_source_c(y.astype(np.complex64).tolist())
    dem = ddpm.llr_demapper_cf(constellation="qam16", snr_db=snr_db)
    scale = blocks.multiply_const_ff(0.25 * sign)     # the decoder's byte input saturates at |s| = 2.67
    xdec = fec.extended_decoder(decoder_obj_list=dec, threading=None, ann=None, puncpat="11",
                                integration_period=10000)
    snk = blocks.vector_sink_b()
    tb.connect(src, dem, scale, xdec, snk)
    tb.run()
    out = np.asarray(snk.data(), dtype=np.uint8)
    assert out.size == info.size
    return int(np.count_nonzero(out != info)), info.size, float(np.mean(hard != coded))


def test_convolutional_code_decodes_behind_the_demapper():
    # Es/N0 9 dB: 16-QAM hard decisions err on ~8 % of the coded bits; the soft Viterbi decoder fixes them all
    errors, n, raw = _coded_link(9.0, +1.0)
    assert raw > 0.05, raw                     # the channel really corrupts the coded bits
    assert errors == 0, (errors, n, raw)
    # the sign matters: inverted LLRs (positive = 0) decode to garbage
    errors_inv, n, _ = _coded_link(9.0, -1.0, n_frames=1)
    assert errors_inv > 0.3 * n, errors_inv


def test_grc_make_template_builds_the_block():
    import os
    import yaml
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    y = yaml.safe_load(open(os.path.join(root, "grc", "ddpm_llr_demapper_cf.block.yml")))
    assert "cpp_templates" in y and "llr_demapper_cf::make" in y["cpp_templates"]["make"]
    assert y["outputs"][0]["dtype"] == "float" and y["inputs"][0]["dtype"] == "complex"


def test_help_shows_the_sign_convention_and_tags():
    doc = ddpm.llr_demapper_cf.__doc__
    for word in ("POSITIVE MEANS BIT 1", "snr_db", '"h"', "max-log", "log2(M)"):
        assert word in doc, word


def test_follows_the_impairment_injectors_fading_tags():
    # injector (block fading: an h tag per coherence block, snr_db tag) -> demapper; the reference applies the tags
    # the injector wrote, read back from a tag-keeping sink, to the injector's output with the numpy brute force
    pts = constellations.by_name("qam16")
    rng = np.random.default_rng(21)
    s = pts[rng.integers(0, 16, 3000)]
    tb = gr.top_block()
    src = blocks.vector_source_c(s.astype(np.complex64).tolist())
    inj = ddpm.impairment_injector_cc(snr_db=14.0, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0,
                                      full_scale=1.5, fading=1, coherence_len=250, noise=0, seed=4)
    ysnk = blocks.vector_sink_c()
    dem = ddpm.llr_demapper_cf(constellation="qam16", snr_db=0.0)    # the parameter would be wrong: tags rule
    lsnk = blocks.vector_sink_f()
    tb.connect(src, inj, ysnk)
    tb.connect(inj, dem, lsnk)
    tb.run()
    y = np.asarray(ysnk.data())
    out = np.asarray(lsnk.data())
    h = np.ones(y.size, complex)
    snr = np.full(y.size, np.nan)
    tags = sorted(ysnk.tags(), key=lambda t: t.offset)
    n_h = 0
    for t in tags:
        key = pmt.symbol_to_string(t.key)
        if key == "h":
            h[t.offset:] = pmt.to_complex(t.value)
            n_h += 1
        elif key == "snr_db":
            snr[t.offset:] = pmt.to_double(t.value)
    assert n_h >= 12 and np.all(np.isfinite(snr)) and np.all(snr == 14.0)
    hq = h.astype(np.complex64)
    x = y.astype(np.complex64) / hq
    v = 10 ** (-snr / 10) / np.abs(hq) ** 2
    ref = brute_llr(x, pts.astype(np.complex64), np.arange(16), v)
    np.testing.assert_allclose(out, ref.reshape(-1), rtol=2e-4, atol=2e-4)
