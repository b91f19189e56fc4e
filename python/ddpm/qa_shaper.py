"""Flowgraph tests of ddpm.shaper and ddpm.ccdm_dematcher, and of the DDPM PMF (shaping.ddpm_pmf), with explicit
PMFs, with stand-in reverse processes that have the kernel's call signature, and with the real kernel and a
shipped model when both exist."""
import math
import time

import numpy as np
import pmt
import pytest
from gnuradio import blocks, digital, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core import shaping
from gnuradio.ddpm.core import metrics as M
from gnuradio.ddpm.core.ccdm import CCDM, entropy_bits, quantise_pmf
from gnuradio.ddpm.modelfile.lookup import find_model


def mb(points, lam):
    p = np.exp(-lam * np.abs(points) ** 2)
    return p / p.sum()


class ScaleSampler:
    """Stand-in for ddpm.ddpm_sampler with the same sample() signature: returns factor·y and records the calls."""

    def __init__(self, constellation, factor=1.0):
        self.constellation = np.asarray(constellation, dtype=np.complex64)
        self.factor = factor
        self.calls = []

    def sample(self, y, noise_var, sampler="matched", steps=10, eta=0.0, seed=0, first_index=0):
        self.calls.append(dict(n=len(y), dtype=y.dtype, noise_var=noise_var, sampler=sampler, steps=steps,
                               seed=seed, first_index=first_index))
        return (np.asarray(y) * self.factor).astype(np.complex64)


def decision(sh):
    """GNU Radio hard decision onto the shaper's output points (no renormalisation by GR)."""
    return digital.constellation_calcdist(list(sh.points()), [], 4, 1,
                                          digital.constellation.NO_NORMALIZATION).base()


def run_roundtrip(pmf, n, data, *, input_type=0, model="qam16", shaper_kw=None, dem_kw=None):
    """vector_source_b -> shaper -> (ideal channel) -> constellation_decoder_cb [-> int32] -> dematcher.
    Returns (output bytes uint8 [*], shaped symbols complex64 [*], shaper, dematcher)."""
    shaper_kw = dict(shaper_kw or {})
    dem_kw = dict(dem_kw or {})
    if pmf is not None:
        shaper_kw.setdefault("pmf", list(pmf))
        dem_kw.setdefault("pmf", list(pmf))
    sh = ddpm.shaper(model=model, n=n, **shaper_kw)
    dm = ddpm.ccdm_dematcher(model=model, n=n, input_type=input_type, **dem_kw)
    tb = gr.top_block()
    src = blocks.vector_source_b(np.asarray(data, dtype=np.uint8).tolist())
    const = decision(sh)
    dec = digital.constellation_decoder_cb(const)
    snk = blocks.vector_sink_b()
    sym = blocks.vector_sink_c()
    if input_type == 0:
        u2f, f2i = blocks.uchar_to_float(), blocks.float_to_int()
        tb.connect(src, sh, dec, u2f, f2i, dm, snk)
    else:
        tb.connect(src, sh, dec, dm, snk)
    tb.connect(sh, sym)
    tb.run()
    return np.array(snk.data(), dtype=np.uint8), np.array(sym.data()), sh, dm


def whole_block_bytes(k, blocks_per_8=1, seed=0):
    """k bytes = 8 blocks of k bits: an input that fills whole blocks exactly."""
    return np.random.default_rng(seed).integers(0, 256, k * blocks_per_8).astype(np.uint8)


ROUNDTRIP = [
    ("qam4-skewed-n32-int", "qam4", [0.4, 0.3, 0.2, 0.1], 32, 0),
    ("qam16-mb-n64-int", "qam16", mb(constellations.qam(16), 1.0), 64, 0),
    ("qam16-mb-n256-byte", "qam16", mb(constellations.qam(16), 2.0), 256, 1),
    ("qam64-mb-n1024-byte", "qam64", mb(constellations.qam(64), 1.5), 1024, 1),
]


@pytest.mark.parametrize("name,model,pmf,n,itype", ROUNDTRIP, ids=[r[0] for r in ROUNDTRIP])
def test_roundtrip_returns_the_input_bytes(name, model, pmf, n, itype):
    k = CCDM(quantise_pmf(pmf, n)).k
    data = whole_block_bytes(k, 2, seed=n)
    out, sym, sh, dm = run_roundtrip(pmf, n, data, input_type=itype, model=model)
    assert sh.bits_per_block() == k and dm.bits_per_block() == k
    assert sym.size == 16 * n                     # 2·k bytes = 16 blocks
    assert np.array_equal(out, data)
    assert dm.block_errors() == 0 and dm.blocks() == 16


def test_partial_block_bits_stay_buffered():
    """Bytes that do not fill a block produce no symbols yet; whole blocks still decode."""
    pmf = mb(constellations.qam(16), 1.0)
    k = CCDM(quantise_pmf(pmf, 64)).k
    data = whole_block_bytes(k, 1, seed=3)
    extra = np.arange(k // 8 - 1, dtype=np.uint8)   # fewer than k bits more
    out, sym, _, _ = run_roundtrip(pmf, 64, np.r_[data, extra])
    assert sym.size == 8 * 64
    assert np.array_equal(out, data)


def test_ccdm_blocks_have_unit_power_and_the_composition():
    pmf = mb(constellations.qam(16), 1.5)
    n = 128
    counts = quantise_pmf(pmf, n)
    k = CCDM(counts).k
    _, sym, sh, _ = run_roundtrip(pmf, n, whole_block_bytes(k, 1, seed=4))
    blocks_ = sym.reshape(-1, n)
    # float32 points: each block's mean power is 1 to float32 rounding
    assert np.allclose(np.mean(np.abs(blocks_) ** 2, axis=1), 1.0, atol=1e-5)
    idx = constellations.nearest(sym, sh.points())
    for b in idx.reshape(-1, n):
        assert np.array_equal(np.bincount(b, minlength=16), counts)
    # shaping really happened: the inner points are more frequent than the corners
    assert counts[np.argmin(np.abs(sh.points()))] > counts[np.argmax(np.abs(sh.points()))]


def run_iid(pmf, n, nbytes, seed=0):
    sh = ddpm.shaper(model="qam16", n=n, mode=1, pmf=list(pmf), seed=seed)
    tb = gr.top_block()
    src = blocks.vector_source_b([0] * nbytes)
    snk = blocks.vector_sink_c()
    tb.connect(src, sh, snk)
    tb.run()
    return np.array(snk.data()), sh


def test_iid_symbol_frequencies_match_the_pmf():
    """Pearson chi-square with M - 1 = 15 degrees of freedom; threshold = 99.9 % quantile from the
    Wilson-Hilferty approximation (37.7), so a correct sampler fails with probability 1e-3 (fixed seed)."""
    pmf = mb(constellations.qam(16), 1.0)
    y, sh = run_iid(pmf, 256, 40000)
    idx = constellations.nearest(y, sh.points())
    N = idx.size
    assert N == 40000 * 8 // sh.bits_per_block() * 256
    obs = np.bincount(idx, minlength=16)
    chi2 = float(np.sum((obs - N * pmf) ** 2 / (N * pmf)))
    df, z = 15, 3.090
    q = df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3
    assert chi2 < q


def test_iid_power_is_one_under_the_pmf():
    """Mean of |x|^2 over N i.i.d. draws: standard error = std(|x|^2)/sqrt(N) under the PMF; allow 5 of them."""
    pmf = mb(constellations.qam(16), 1.0)
    y, sh = run_iid(pmf, 256, 20000, seed=2)
    e = np.abs(sh.points().astype(np.complex128)) ** 2
    assert abs(np.sum(pmf * e) - 1) < 1e-6         # the configured scale
    sd = math.sqrt(np.sum(pmf * (e - 1) ** 2))
    assert abs(np.mean(np.abs(y) ** 2) - 1) < 5 * sd / math.sqrt(y.size)


def test_iid_consumes_input_at_the_ccdm_rate():
    pmf = mb(constellations.qam(16), 1.0)
    k = CCDM(quantise_pmf(pmf, 64)).k
    y, _ = run_iid(pmf, 64, 3 * k)       # 24 blocks' worth of bits
    assert y.size == 24 * 64


def test_iid_is_reproducible_with_a_seed_and_varies_without():
    pmf = mb(constellations.qam(16), 1.0)
    a, _ = run_iid(pmf, 64, 500, seed=7)
    b, _ = run_iid(pmf, 64, 500, seed=7)
    c, _ = run_iid(pmf, 64, 500, seed=8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


class TriggerSource(gr.sync_block):
    """Emits `data` in chunks of at most 64 bytes; once `at` bytes have gone out it waits until `ready()` (the
    shaper has produced output) and then calls `action()` once, so the change really happens mid-stream."""

    def __init__(self, data, at, action, ready):
        gr.sync_block.__init__(self, "trigger_source", in_sig=None, out_sig=[np.uint8])
        self.data, self.at, self.action, self.ready = np.asarray(data, np.uint8), at, action, ready
        self.pos, self.fired = 0, False

    def work(self, input_items, output_items):
        if self.pos >= self.data.size:
            return -1
        if not self.fired and self.pos >= self.at:
            t0 = time.monotonic()
            while not self.ready() and time.monotonic() - t0 < 20:
                time.sleep(0.001)
            self.fired = True
            self.action()
        m = min(len(output_items[0]), 64, self.data.size - self.pos)
        output_items[0][:m] = self.data[self.pos:self.pos + m]
        self.pos += m
        return m


def run_with_midstream_change(sh, dm, data, at, action):
    tb = gr.top_block()
    src = TriggerSource(data, at, action, lambda: sh.nitems_written(0) > 0)
    const = decision(sh)
    dec = digital.constellation_decoder_cb(const)
    snk, sym = blocks.vector_sink_b(), blocks.vector_sink_c()
    tb.connect(src, sh, dec, dm, snk)
    tb.connect(sh, sym)
    tb.run()
    return np.array(snk.data(), dtype=np.uint8), [t for t in sym.tags() if pmt.symbol_to_string(t.key) == "pmf"]


def test_dematcher_follows_a_midstream_pmf_change_through_tags():
    pts = constellations.qam(16)
    a, b = mb(pts, 0.5), mb(pts, 2.5)
    n = 64
    sh = ddpm.shaper(model="qam16", n=n, pmf=list(a))
    dm = ddpm.ccdm_dematcher(model="qam16", n=n, pmf=list(a), input_type=1)
    data = np.random.default_rng(9).integers(0, 256, 6000).astype(np.uint8)
    out, tags = run_with_midstream_change(sh, dm, data, 3000, lambda: sh.set_pmf(list(b)))
    assert len(tags) == 2 and tags[0].offset == 0 and tags[1].offset % n == 0 and tags[1].offset > 0
    assert np.array_equal(dm.counts(), quantise_pmf(b, n))
    ka, kb = CCDM(quantise_pmf(a, n)).k, CCDM(quantise_pmf(b, n)).k
    assert ka != kb
    # all bytes up to the last whole block come back
    assert out.size >= data.size - (max(ka, kb) + 7) // 8
    assert np.array_equal(out, data[:out.size])
    assert dm.block_errors() == 0


def test_without_tags_a_midstream_change_breaks_the_dematcher():
    """Control for the test above: the same change with follow_tags=False must produce errors."""
    pts = constellations.qam(16)
    a, b = mb(pts, 0.5), mb(pts, 2.5)
    sh = ddpm.shaper(model="qam16", n=64, pmf=list(a))
    dm = ddpm.ccdm_dematcher(model="qam16", n=64, pmf=list(a), input_type=1, follow_tags=False)
    data = np.random.default_rng(9).integers(0, 256, 6000).astype(np.uint8)
    out, _ = run_with_midstream_change(sh, dm, data, 3000, lambda: sh.set_pmf(list(b)))
    assert dm.block_errors() > 0 and not np.array_equal(out, data[:out.size])


def test_pmf_message_sets_the_dematcher_composition():
    pts = constellations.qam(16)
    right, wrong = mb(pts, 1.5), mb(pts, 0.3)
    sh0 = ddpm.shaper(model="qam16", n=64, pmf=list(right))
    k = sh0.bits_per_block()
    data = whole_block_bytes(k, 1, seed=11)
    results = {}
    for post in (False, True):
        sh = ddpm.shaper(model="qam16", n=64, pmf=list(right))
        dm = ddpm.ccdm_dematcher(model="qam16", n=64, pmf=list(wrong), input_type=1, follow_tags=False)
        if post:   # queued before the run: handled before the first work call
            dm.to_basic_block()._post(pmt.intern("pmf"),
                                      shaping.composition_to_pmt(right, quantise_pmf(right, 64)))
        tb = gr.top_block()
        src = blocks.vector_source_b(data.tolist())
        dec = digital.constellation_decoder_cb(decision(sh))
        snk = blocks.vector_sink_b()
        tb.connect(src, sh, dec, dm, snk)
        tb.run()
        results[post] = (np.array(snk.data(), np.uint8), dm.block_errors())
    assert np.array_equal(results[True][0], data) and results[True][1] == 0
    assert results[False][1] > 0


def test_pmt_composition_forms():
    pmf = mb(constellations.qam(16), 1.0)
    counts = quantise_pmf(pmf, 100)
    p, c = shaping.pmt_to_composition(shaping.composition_to_pmt(pmf, counts), 100)
    assert np.array_equal(c, counts) and np.allclose(p, pmf)
    p, c = shaping.pmt_to_composition(pmt.init_f64vector(16, pmf.tolist()), 100)
    assert np.array_equal(c, counts)
    with pytest.raises(ValueError):
        shaping.pmt_to_composition(pmt.from_long(3), 100)


def test_dematcher_counts_errors_and_keeps_the_output_rate():
    pmf = mb(constellations.qam(16), 1.0)
    n = 64
    c = CCDM(quantise_pmf(pmf, n))
    good = c.encode(np.zeros(c.k, np.uint8))
    bad = good.copy()
    bad[0] = (bad[0] + 1) % 16                   # wrong composition
    sym = np.concatenate([good, bad, good, bad, good, good, good, good]).astype(np.int32)
    dm = ddpm.ccdm_dematcher(model="qam16", n=n, pmf=list(pmf))
    tb = gr.top_block()
    src, snk = blocks.vector_source_i(sym.tolist()), blocks.vector_sink_b()
    tb.connect(src, dm, snk)
    tb.run()
    assert dm.blocks() == 8 and dm.block_errors() == 2
    assert len(snk.data()) == 8 * c.k // 8


def test_named_constellation_is_used_with_an_explicit_pmf_and_no_model_file():
    """No model file 'psk16' ships: with an explicit pmf the shaper uses the named constellation itself."""
    with pytest.raises(FileNotFoundError):
        find_model("psk16")
    pmf = np.full(16, 1 / 16)
    sh = ddpm.shaper(model="psk16", n=64, pmf=list(pmf))
    ratio = sh.points() / constellations.psk(16)
    assert np.allclose(ratio, ratio[0]) and abs(ratio[0].imag) < 1e-6


# ------------------------------------------------------------------------------ bad parameters
PMF16 = list(np.full(16, 1 / 16))


@pytest.mark.parametrize("kw,match", [
    (dict(n=0), "n must be"), (dict(n=-5), "n must be"), (dict(n=2.5), "n must be"),
    (dict(n=1), "k = 0"), (dict(mode=2), "unknown mode"), (dict(floor=-0.1), "floor"),
    (dict(floor=1 / 16), r"1/M"), (dict(floor=float("nan")), "floor"),
    (dict(pmf=[0.5, 0.5]), "M = 16"), (dict(pmf=[-0.1] + [1.1 / 15] * 15), "negative"),
    (dict(pmf=[float("nan")] * 16), "NaN"), (dict(pmf="abc"), "pmf"),
    (dict(snr_db=float("inf")), "snr_db"), (dict(threads=-1), "threads"), (dict(seed=-1), "seed"),
])
def test_shaper_rejects_bad_parameters(kw, match):
    args = dict(model="qam16", n=64, pmf=PMF16)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        ddpm.shaper(**args)


@pytest.mark.parametrize("kw,match", [(dict(n=0), "n must be"), (dict(input_type=3), "input_type"),
                                      (dict(pmf=[1.0, float("inf")]), "NaN or Inf"), (dict(n=1), "k = 0")])
def test_dematcher_rejects_bad_parameters(kw, match):
    args = dict(model="qam16", n=64, pmf=PMF16)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        ddpm.ccdm_dematcher(**args)


def test_set_snr_db_rejects_non_finite_and_keeps_the_pmf():
    sh = ddpm.shaper(model="qam16", n=64, pmf=PMF16)
    with pytest.raises(ValueError, match="snr_db"):
        sh.set_snr_db(float("nan"))
    assert np.allclose(sh.pmf(), 1 / 16)


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="not found"):
        ddpm.shaper(model="no_such_model_xyz", n=64)


def test_model_without_constellation_is_a_clear_error():
    with pytest.raises(ValueError, match="has no constellation; the shaper needs a constellation model"):
        ddpm.shaper(model=ScaleSampler([]), n=64)


def test_model_file_without_constellation_is_a_clear_error(tmp_path):
    export = pytest.importorskip("gnuradio.ddpm.modelfile.writer")   # test-only: writes a tiny ONNX model (needs onnx)
    H, T = 4, 3
    rng = np.random.default_rng(0)
    w = {"layers.0.weight": rng.standard_normal((H, 2)).astype(np.float32),
         "layers.0.bias": np.zeros(H, np.float32),
         "embeddings.0": np.ones((T, H), np.float32),
         "out.weight": rng.standard_normal((2, H)).astype(np.float32),
         "out.bias": np.zeros(2, np.float32)}
    path = str(tmp_path / "swiss.onnx")
    export.export_onnx(path, w, np.linspace(1e-4, 1e-2, T), schedule="linear", dataset="swissroll")
    with pytest.raises(ValueError, match="has no constellation; the shaper needs a constellation model"):
        ddpm.shaper(model=path, n=64)


# ------------------------------------------------------------------- the DDPM PMF with stand-ins
QAM16 = constellations.qam(16)


def test_ddpm_pmf_of_an_identity_chain_at_high_snr_is_uniform():
    """At 40 dB the nearest-point decision of every noisy point is right (error probability ~exp(-500)), so an
    identity 'reverse process' returns exactly the uniform histogram."""
    smp = ScaleSampler(QAM16, 1.0)
    pmf = shaping.ddpm_pmf(smp, 40.0, points_per_symbol=64, floor=1e-3)
    assert np.array_equal(pmf, np.full(16, 1 / 16))


def test_ddpm_pmf_passes_the_link_noise_to_the_sampler():
    smp = ScaleSampler(QAM16, 1.0)
    shaping.ddpm_pmf(smp, 7.0, points_per_symbol=10, sampler="ddim", steps=5, seed=3)
    call = smp.calls[-1]
    es = np.mean(np.abs(QAM16.astype(np.complex64)) ** 2)
    assert call["n"] == 160 and call["dtype"] == np.complex64
    assert abs(call["noise_var"] / (es * 10 ** -0.7) - 1) < 1e-6   # es of float32 points
    assert call["sampler"] == "ddim" and call["steps"] == 5 and call["seed"] == 3 and call["first_index"] == 0


def test_ddpm_pmf_applies_the_floor():
    """Shrinking by 0.5 maps every point into the inner four decision regions, so the twelve outer symbols have
    zero mass before the floor and exactly the floor after it."""
    smp = ScaleSampler(QAM16, 0.5)
    pmf = shaping.ddpm_pmf(smp, 30.0, points_per_symbol=64, floor=2e-3)
    inner = np.abs(QAM16) < 0.5
    assert abs(pmf.sum() - 1) < 1e-12
    assert np.all(pmf[~inner] == 2e-3)
    assert np.allclose(pmf[inner], (1 - 12 * 2e-3) / 4)


def test_ddpm_pmf_changes_with_snr_and_is_deterministic():
    smp = ScaleSampler(QAM16, 1.0)
    lo = shaping.ddpm_pmf(smp, 0.0, points_per_symbol=256, seed=1)
    lo2 = shaping.ddpm_pmf(smp, 0.0, points_per_symbol=256, seed=1)
    hi = shaping.ddpm_pmf(smp, 20.0, points_per_symbol=256, seed=1)
    assert np.array_equal(lo, lo2)
    assert np.max(np.abs(lo - hi)) > 0.01
    # at 0 dB the unbounded decision regions of the corners collect more points than the inner ones: with
    # 4096 samples an entry's standard error is ~0.004, a mean of four ~0.002; margins of 0.005 are > 2.5 sigma
    # from 1/16 while the expected deviations are ~0.01-0.015
    e = np.abs(QAM16)
    inner, corner = e < 0.5, e > 1.2
    assert lo[inner].mean() < 1 / 16 - 0.005 and lo[corner].mean() > 1 / 16 + 0.005


@pytest.mark.parametrize("kw,match", [(dict(points_per_symbol=0), "points_per_symbol"),
                                      (dict(sampler="magic"), "sampler"), (dict(floor=0.1), "floor"),
                                      (dict(eta=2.0), "eta"), (dict(steps=0), "steps")])
def test_ddpm_pmf_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        shaping.ddpm_pmf(ScaleSampler(QAM16), 10.0, **kw)


def test_shaper_and_dematcher_agree_through_a_standin_ddpm_and_follow_set_snr_db():
    """Both recompute the PMF from the same (stand-in) DDPM; a run-time set_snr_db on the shaper changes the
    composition, and the dematcher follows through the stream tag."""
    smp = ScaleSampler(QAM16, 0.8)
    n = 128
    sh = ddpm.shaper(model=smp, snr_db=12.0, n=n, points_per_symbol=64, floor=1e-3)
    dm = ddpm.ccdm_dematcher(model=smp, snr_db=12.0, n=n, points_per_symbol=64, floor=1e-3, input_type=1)
    assert np.array_equal(sh.counts(), dm.counts())
    before = sh.counts()
    data = np.random.default_rng(12).integers(0, 256, 4000).astype(np.uint8)
    out, tags = run_with_midstream_change(sh, dm, data, 2000, lambda: sh.set_snr_db(3.0))
    assert len(tags) == 2
    assert not np.array_equal(before, sh.counts())
    assert np.array_equal(dm.counts(), sh.counts())
    assert out.size > data.size - 200 and np.array_equal(out, data[:out.size])


# ----------------------------------------------------- the C++ kernel with a tiny random-weight model


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 16-QAM model file with random weights (H = 16, one layer, the papers' T = 100 sigmoid schedule): its
    PMF is meaningless, but it exercises the real loader and kernel quickly."""
    export = pytest.importorskip("gnuradio.ddpm.modelfile.writer")
    H, T = 16, 100
    rng = np.random.default_rng(0)
    w = {"layers.0.weight": (0.3 * rng.standard_normal((H, 2))).astype(np.float32),
         "layers.0.bias": np.zeros(H, np.float32),
         "embeddings.0": np.ones((T, H), np.float32),
         "out.weight": (0.3 * rng.standard_normal((2, H))).astype(np.float32),
         "out.bias": np.zeros(2, np.float32)}
    betas = 1 / (1 + np.exp(-np.linspace(-6, 6, T))) * (1e-2 - 1e-5) + 1e-5
    path = str(tmp_path_factory.mktemp("models") / "tiny16.onnx")
    export.export_onnx(path, w, betas, schedule="sigmoid", dataset="qam16", constellation=QAM16,
                       bits_per_symbol=4)
    return path


def test_kernel_pmf_is_normalised_floored_deterministic_and_snr_dependent(tiny_model):
    a = shaping.ddpm_pmf(tiny_model, 3.0, points_per_symbol=128, floor=2e-3, seed=4)
    a2 = shaping.ddpm_pmf(tiny_model, 3.0, points_per_symbol=128, floor=2e-3, seed=4, threads=2)
    b = shaping.ddpm_pmf(tiny_model, 15.0, points_per_symbol=128, floor=2e-3, seed=4)
    assert np.array_equal(a, a2)                 # same seed, any thread count: same PMF
    for p in (a, b):
        assert p.shape == (16,) and abs(p.sum() - 1) < 1e-12 and p.min() >= 2e-3
    # 2048 samples: an entry's standard error is <= sqrt(0.25/2048) ~ 0.011; 12 dB apart the histograms of
    # this model differ by several times that
    assert np.max(np.abs(a - b)) > 0.033


def test_kernel_shaper_and_dematcher_recompute_the_same_composition(tiny_model):
    kw = dict(snr_db=8.0, points_per_symbol=64, seed=2)
    sh = ddpm.shaper(model=tiny_model, n=128, **kw)
    k = sh.bits_per_block()
    data = whole_block_bytes(k, 1, seed=14)
    out, _, sh, dm = run_roundtrip(None, 128, data, input_type=1, model=tiny_model, shaper_kw=kw, dem_kw=kw)
    assert np.array_equal(sh.counts(), dm.counts())
    assert np.array_equal(out, data) and dm.block_errors() == 0


def test_kernel_set_snr_db_midstream_is_followed_by_the_dematcher(tiny_model):
    kw = dict(points_per_symbol=64, seed=2)
    sh = ddpm.shaper(model=tiny_model, snr_db=3.0, n=128, **kw)
    dm = ddpm.ccdm_dematcher(model=tiny_model, snr_db=3.0, n=128, input_type=1, **kw)
    before = sh.counts()
    data = np.random.default_rng(15).integers(0, 256, 4000).astype(np.uint8)
    out, tags = run_with_midstream_change(sh, dm, data, 2000, lambda: sh.set_snr_db(15.0))
    assert len(tags) == 2 and not np.array_equal(before, sh.counts())
    assert np.array_equal(dm.counts(), sh.counts())
    assert out.size > data.size - 200 and np.array_equal(out, data[:out.size])


# ------------------------------------------------------------------------- the real kernel and model
REAL_MODEL = find_model("qam16")   # shipped: a missing model is a failure, not a skip


def test_real_ddpm_pmf_sums_to_one_has_the_floor_and_changes_with_snr():
    a = shaping.ddpm_pmf(REAL_MODEL, 3.0, points_per_symbol=128, floor=2e-3, seed=0)
    b = shaping.ddpm_pmf(REAL_MODEL, 15.0, points_per_symbol=128, floor=2e-3, seed=0)
    for p in (a, b):
        assert p.shape == (16,) and abs(p.sum() - 1) < 1e-12 and p.min() >= 2e-3
    # recomputed for the SNR (how much it moves depends on the model: a perfect posterior sampler would give a
    # uniform histogram at every SNR, so only "not identical" is a model-independent claim)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("snr_db", [5.0, 15.0])
def test_real_roundtrip_at_two_snrs(snr_db):
    kw = dict(snr_db=snr_db, points_per_symbol=64, seed=1)
    sh = ddpm.shaper(model=REAL_MODEL, n=256, **kw)
    k = sh.bits_per_block()
    data = whole_block_bytes(k, 1, seed=13)
    out, _, _, dm = run_roundtrip(None, 256, data, input_type=1, model=REAL_MODEL, shaper_kw=kw, dem_kw=kw)
    assert np.array_equal(out, data) and dm.block_errors() == 0


# ------------------------------------------------------------------------- PMF sources
@pytest.mark.parametrize("source", ["uniform", "ddpm", "mb", "ba"])
def test_each_pmf_source_round_trips_bytes_and_publishes_its_figures(source):
    """Every pmf_source: the PMF against an independent computation, H(P), expected MI <= log2(1 + SNR), the rate
    loss H(P) - k/n, the message keys, and a lossless byte round trip shaper -> decisions -> dematcher."""
    snr, n = 10.0, 256
    probe = ddpm.shaper(model="qam16", snr_db=snr, n=n, pmf_source=source)
    p = probe.pmf()
    pts = constellations.qam(16)
    if source == "uniform":
        np.testing.assert_allclose(p, np.full(16, 1 / 16))
    elif source == "ddpm":                      # a DDPM trained on uniform symbols: uniform up to sampling error
        assert np.max(np.abs(p - 1 / 16)) < 0.02
    elif source == "mb":                        # lambda by brute force on a grid, MI by Gauss-Hermite
        grid = np.linspace(0.0, 3.0, 301)
        mis = [M.mi_gauss_hermite(pts, shaping.maxwell_boltzmann_pmf(pts, lam), snr_db=snr, order=24)
               for lam in grid]
        np.testing.assert_allclose(p, shaping.maxwell_boltzmann_pmf(pts, grid[int(np.argmax(mis))]), atol=2e-3)
    else:                                       # Blahut-Arimoto: at least the MB MI (AWGN)
        assert M.mi_gauss_hermite(pts, p, snr_db=snr) >= M.mi_gauss_hermite(
            pts, shaping.mb_pmf_for_snr(pts, snr)[0], snr_db=snr) - 1e-3
    assert probe.entropy() == pytest.approx(entropy_bits(p))
    assert 0 < probe.expected_mi() <= math.log2(1 + 10 ** (snr / 10))
    assert probe.expected_mi() == pytest.approx(M.mi_gauss_hermite(pts, p, snr_db=snr), abs=2e-3)
    assert probe.rate_loss() == pytest.approx(probe.entropy() - probe.rate(), abs=1e-12) and probe.rate_loss() > 0
    assert probe.pmf_source() == source
    data = whole_block_bytes(probe.bits_per_block(), seed=3)
    out, sym, sh, dm = run_roundtrip(None, n, data, shaper_kw={"pmf_source": source, "snr_db": snr},
                                     dem_kw={"pmf": list(p)})
    np.testing.assert_array_equal(out, data)


def test_pmf_message_carries_entropy_mi_and_rate_loss():
    sh = ddpm.shaper(model="qam16", snr_db=10.0, n=64, pmf_source="mb")
    d = sh._latest_shape().msg
    for key, want in (("entropy", sh.entropy()), ("mi", sh.expected_mi()), ("rate_loss", sh.rate_loss())):
        assert pmt.to_double(pmt.dict_ref(d, pmt.intern(key), pmt.PMT_NIL)) == pytest.approx(want)


def test_mb_source_follows_the_snr_and_bad_source_is_rejected():
    sh = ddpm.shaper(model="qam16", snr_db=5.0, n=256, pmf_source="mb")
    h5 = sh.entropy()
    sh.set_snr_db(20.0)
    assert sh.entropy() > h5                    # less shaping at high SNR
    with pytest.raises(ValueError, match="pmf_source"):
        ddpm.shaper(model="qam16", pmf_source="best")
    with pytest.raises(ValueError, match="ba_noise"):
        ddpm.shaper(model="qam16", pmf_source="ba", ba_noise="cauchy")


def test_ba_source_with_a_capture():
    """A capture of a transmitter whose quantiser clips the outer points: the BA PMF is a valid PMF for it, its
    expected MI is computed on the captured channel, and no worse than uniform on it."""
    from gnuradio.ddpm.core import capacity
    from gnuradio.ddpm.core.channel import apply_impairments
    pts = constellations.qam(16)
    tx = np.random.default_rng(1).integers(0, 16, 4000)
    rx, h = apply_impairments(pts[tx], snr_db=80.0, quant_bits=3, full_scale=1.0, seed=2)
    sh = ddpm.shaper(model="qam16", snr_db=10.0, n=256, pmf_source="ba", capture=(tx, rx / h))
    cen, w = capacity.capture_centres(tx, rx / h, pts)
    assert sh.expected_mi() >= capacity.shaped_mi(pts, None, 10.0, centres=cen, centre_weights=w) - 1e-4


@pytest.mark.parametrize("source", ['"mb"', '"ba"'])
def test_grc_block_with_a_pmf_source_compiles_and_runs(tmp_path, source):
    """The GRC YAML's make template passes pmf_source/ba_noise: a flowgraph with the block compiles with grcc and
    runs (bytes -> shaper -> head -> null sink)."""
    import subprocess
    import sys
    from grc_tools import grcc   # tests/fixtures, on sys.path via the root conftest.py
    grc = tmp_path / "shaper_source.grc"
    grc.write_text(f"""options:
  parameters: {{id: shaper_source, generate_options: no_gui, output_language: python, run: 'True',
    run_options: run, title: shaper source, catch_exceptions: 'True'}}
  states: {{coordinate: [8, 8], rotation: 0, state: enabled}}
blocks:
- name: src
  id: blocks_vector_source_x
  parameters: {{type: byte, vector: 'list(range(256)) * 64', repeat: 'False', vlen: '1', tags: '[]'}}
  states: {{coordinate: [8, 120], rotation: 0, state: enabled}}
- name: shp
  id: ddpm_shaper
  parameters: {{model: qam16, snr_db: '10.0', n: '256', mode: '0', pmf_source: '{source}',
    ba_noise: '"laplacian"'}}
  states: {{coordinate: [200, 120], rotation: 0, state: enabled}}
- name: snk
  id: blocks_null_sink
  parameters: {{type: complex, vlen: '1', num_inputs: '1'}}
  states: {{coordinate: [400, 120], rotation: 0, state: enabled}}
connections:
- [src, '0', shp, '0']
- [shp, '0', snk, '0']
metadata: {{file_format: 1}}
""")
    py = grcc(str(grc), tmp_path)
    assert f"pmf_source={source}" in open(py).read()
    r = subprocess.run([sys.executable, py], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
