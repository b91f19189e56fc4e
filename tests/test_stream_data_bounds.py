"""Stream and message data cannot drive unbounded Python work (the GIL would freeze every Python block), and
no exception escapes a Python block: wrapped-around pmf counts, huge block lengths, malformed tags and messages.

Each case that used to hang runs in a subprocess with a deadline, so a regression fails instead of hanging."""
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pmt
import pytest
from gnuradio import blocks, digital, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import shaping
from gnuradio.ddpm.core.ccdm import CCDM, MAX_BLOCK_LENGTH, quantise_pmf

PMF16 = [1 / 16] * 16
#: the int64 sum of these counts wraps around to 64 (4 * 2**62 = 2**64)
WRAPPED = [2**62] * 4 + [64] + [0] * 11


def run_tb(tb, *args, deadline=60):
    """tb.run(*args) with a deadline: a flowgraph torn down by an escaped exception fails instead of hanging."""
    t = threading.Thread(target=tb.run, args=args, daemon=True)
    t.start()
    t.join(deadline)
    if t.is_alive():
        tb.stop()
        pytest.fail(f"flowgraph still running after {deadline} s")


def run_py(code, timeout):
    """Run `code` in a fresh interpreter (same environment); returns CompletedProcess. A hang fails the test."""
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                              timeout=timeout, env=os.environ.copy())
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s (unbounded work driven by the data)")


def test_wrapped_counts_are_rejected_before_any_arithmetic():
    r = run_py(f"""
        import pmt
        from gnuradio.ddpm.core import shaping
        d = pmt.make_dict()
        d = pmt.dict_add(d, pmt.intern("counts"), pmt.init_s64vector(16, {WRAPPED}))
        try:
            shaping.pmt_to_composition(d, 64)
        except ValueError as e:
            print("rejected:", e)
        """, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "rejected:" in r.stdout


def test_dematcher_survives_wrapped_counts_in_a_message_and_a_tag():
    """Both the message handler and a stream tag carry the wrapped counts; the flowgraph keeps decoding with
    the old composition and tb.stop() returns."""
    r = run_py(f"""
        import time
        import numpy as np, pmt
        from gnuradio import blocks, gr
        from gnuradio import ddpm
        from gnuradio.ddpm.core.ccdm import CCDM, quantise_pmf
        pmf = [1 / 16] * 16
        c = CCDM(quantise_pmf(np.array(pmf), 64))
        blk = c.encode(np.zeros(c.k, np.uint8)).astype(np.int32)
        d = pmt.make_dict()
        d = pmt.dict_add(d, pmt.intern("counts"), pmt.init_s64vector(16, {WRAPPED}))
        tag = gr.tag_utils.python_to_tag((64, pmt.intern("pmf"), d, pmt.intern("test")))
        dm = ddpm.ccdm_dematcher(model="qam16", n=64, pmf=pmf)
        tb = gr.top_block()
        src = blocks.vector_source_i(np.tile(blk, 200).tolist(), False, 1, [tag])
        snk = blocks.vector_sink_b()
        tb.connect(src, dm, snk)
        dm.to_basic_block()._post(pmt.intern("pmf"), d)
        tb.start()
        deadline = time.monotonic() + 30
        while len(snk.data()) < 200 * c.k // 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        tb.stop(); tb.wait()
        print("blocks", dm.blocks(), "errors", dm.block_errors(), "bytes", len(snk.data()))
        """, timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"blocks 200 errors 0 bytes {200 * CCDM(quantise_pmf(np.array(PMF16), 64)).k // 8}" in r.stdout, \
        r.stdout + r.stderr


@pytest.mark.parametrize("cls", ["shaper", "ccdm_dematcher"])
def test_huge_block_length_is_refused_at_once(cls):
    r = run_py(f"""
        from gnuradio import ddpm
        try:
            ddpm.{cls}(model="qam16", n=2**31, pmf=[1 / 16] * 16)
        except ValueError as e:
            print("rejected:", e)
        """, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "rejected:" in r.stdout and str(MAX_BLOCK_LENGTH) in r.stdout


# ----------------------------------------------------------------- no exception escapes a Python block
def _blocks(pmf, n, nblocks):
    c = CCDM(quantise_pmf(np.array(pmf), n))
    return c, np.tile(c.encode(np.zeros(c.k, np.uint8)).astype(np.int32), nblocks)


def _tag(offset, value):
    return gr.tag_utils.python_to_tag((offset, pmt.intern("pmf"), value, pmt.intern("test")))


def _generic_vector(items):
    v = pmt.make_vector(len(items), pmt.PMT_NIL)
    for i, x in enumerate(items):
        pmt.vector_set(v, i, x)
    return v


def _dict(**kv):
    d = pmt.make_dict()
    for k, v in kv.items():
        d = pmt.dict_add(d, pmt.intern(k), v)
    return d


#: tag / message values that are not a composition for n = 64, M = 16: every one is refused with a warning
BAD_VALUES = {
    "uint64": pmt.from_uint64(3), "long": pmt.from_long(-1), "double": pmt.from_double(0.5),
    "complex": pmt.from_complex(1j), "bool": pmt.PMT_T, "symbol": pmt.intern("qam16"), "nil": pmt.PMT_NIL,
    "pair": pmt.cons(pmt.from_long(1), pmt.from_long(2)), "tuple": pmt.make_tuple(pmt.from_long(1)),
    "empty dict": pmt.make_dict(), "short f64vector": pmt.init_f64vector(3, [0.2, 0.3, 0.5]),
    "NaN pmf": pmt.init_f64vector(16, [float("nan")] * 16), "zero pmf": pmt.init_f64vector(16, [0.0] * 16),
    "complex pmf": pmt.init_c64vector(16, [1j] * 16), "vector of symbols": _generic_vector([pmt.intern("x")] * 16),
    "wrapped counts": _dict(counts=pmt.init_s64vector(16, WRAPPED)),
    "negative counts": _dict(counts=pmt.init_s64vector(16, [-1, 65] + [0] * 14)),
    "u64 huge counts": _dict(counts=pmt.init_u64vector(16, [2**64 - 1] * 16)),
    "counts a symbol": _dict(counts=pmt.intern("x")),
    "long vector": pmt.init_f64vector(1 << 20, [1.0] * (1 << 20)),
    "single-symbol pmf (k = 0)": pmt.init_f64vector(16, [1.0] + [0.0] * 15),
}


def test_dematcher_ignores_every_malformed_value_and_keeps_decoding(capfd):
    """Each bad value arrives both as a tag (on its own block) and as a message: all refused, the composition in
    use stays, every block decodes without error, and each kind of problem is logged once, not per value."""
    c, sym = _blocks(PMF16, 64, len(BAD_VALUES) + 4)
    tags = [_tag(64 * (i + 1), v) for i, v in enumerate(BAD_VALUES.values())]
    dm = ddpm.ccdm_dematcher(model="qam16", n=64, pmf=PMF16)
    for v in BAD_VALUES.values():
        dm.to_basic_block()._post(pmt.intern("pmf"), v)
    tb = gr.top_block()
    src = blocks.vector_source_i(sym.tolist(), False, 1, tags)
    snk = blocks.vector_sink_b()
    tb.connect(src, dm, snk)
    run_tb(tb)
    assert dm.blocks() == len(BAD_VALUES) + 4 and dm.block_errors() == 0
    assert np.array_equal(dm.counts(), c.counts)
    assert len(snk.data()) == c.k * (len(BAD_VALUES) + 4) // 8 and set(snk.data()) == {0}
    err = "".join(capfd.readouterr())
    assert "ignored pmf tag" in err and "ignored pmf message" in err
    assert err.count("ignored pmf tag:") <= 6 and err.count("ignored pmf message:") <= 6   # rate-limited


class _Boom:
    """Wraps a CCDM; raises RuntimeError on calls number `when` (a set) of its encode / decode_best_effort."""

    def __init__(self, inner, when):
        self._inner, self._when, self.calls = inner, when, 0

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _maybe(self):
        self.calls += 1
        if self.calls in self._when:
            raise RuntimeError("injected fault")

    def encode(self, bits):
        self._maybe()
        return self._inner.encode(bits)

    def decode_best_effort(self, s):
        self._maybe()
        return self._inner.decode_best_effort(s)


def test_an_exception_in_the_dematcher_work_is_logged_and_the_stream_goes_on(capfd):
    c, sym = _blocks(PMF16, 64, 400)
    dm = ddpm.ccdm_dematcher(model="qam16", n=64, pmf=PMF16)
    dm._ccdm = _Boom(dm._ccdm, {3, 50, 51})
    tb = gr.top_block()
    src = blocks.vector_source_i(sym.tolist())
    snk = blocks.vector_sink_b()
    tb.connect(src, dm, snk)
    run_tb(tb)                                          # returns: the flowgraph was not torn down
    err = "".join(capfd.readouterr())
    assert err.count("injected fault") == 2             # logged at the 1st and 2nd occurrence only
    assert dm.blocks() == 400 and dm.block_errors() == 3
    assert len(snk.data()) == 400 * c.k // 8            # the rate (and so the byte alignment) is kept
    assert set(snk.data()) == {0}


def test_an_exception_in_the_shaper_work_is_logged_and_the_stream_goes_on(capfd):
    sh = ddpm.shaper(model="qam16", n=64, pmf=PMF16)
    sh._shape.ccdm = _Boom(sh._shape.ccdm, {2})
    k = sh.bits_per_block()
    tb = gr.top_block()
    src = blocks.vector_source_b([0] * (k * 50))
    snk = blocks.vector_sink_c()
    tb.connect(src, sh, snk)
    run_tb(tb, 64 * 4)                                    # several work calls
    assert "injected fault" in "".join(capfd.readouterr())
    assert 0 < len(snk.data()) < 50 * 8 * 64


def test_an_exception_in_link_metrics_work_is_logged_and_the_stream_goes_on(capfd):
    lm = ddpm.link_metrics(constellation="qam16", window=0, update_period=1000)
    calls = {"n": 0}
    real = lm._ingest

    def ingest(ref, rx):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("injected fault")
        real(ref, rx)

    lm._ingest = ingest
    x = (np.ones(20_000) * (1 + 1j)).astype(np.complex64)
    tb = gr.top_block()
    s0, s1 = blocks.vector_source_c(x.tolist()), blocks.vector_source_c(x.tolist())
    tb.connect(s0, (lm, 0))
    tb.connect(s1, (lm, 1))
    run_tb(tb)
    assert "injected fault" in "".join(capfd.readouterr())
    assert 0 < lm.n_samples() < 20_000


# ----------------------------------------------------------------- the documented bound on n, in GRC too
@pytest.mark.parametrize("block_id", ["ddpm_shaper", "ddpm_ccdm_dematcher"])
def test_grc_asserts_bound_the_block_length(block_id):
    paths = [p for p in os.environ.get("GRC_BLOCKS_PATH", "").split(os.pathsep) if p]
    assert any(os.path.exists(os.path.join(p, f"{block_id}.block.yml")) for p in paths), \
        "GRC_BLOCKS_PATH lacks the gr-ddpm blocks: source scripts/env.sh first"
    from gnuradio.grc.core.platform import Platform
    platform = Platform(name="gr-ddpm n bound", prefs=gr.prefs(), version=gr.version(),
                        version_parts=(gr.major_version(), gr.api_version(), gr.minor_version()))
    platform.build_library()

    def errors(value):
        fg = platform.make_flow_graph()
        b = fg.new_block(block_id)
        b.params["id"].set_value("blk")
        b.params["n"].set_value(value)
        fg.rewrite()
        fg.validate()
        return [m for m in b.get_error_messages() if "Assertion" in m]

    assert not errors("1") and not errors(str(MAX_BLOCK_LENGTH))
    assert errors("0") and errors(str(MAX_BLOCK_LENGTH + 1)) and errors(str(2**31))


def test_one_block_at_the_bound_is_encoded_and_decoded_quickly():
    """The worst case the bound allows (n = MAX_BLOCK_LENGTH, a large alphabet so that k is near log2(n!)):
    measured < 0.1 s per encode or decode on one core; asserted with a 20x margin for loaded CI machines."""
    import time
    c = CCDM(quantise_pmf(np.ones(4096), MAX_BLOCK_LENGTH))
    bits = np.random.default_rng(0).integers(0, 2, c.k).astype(np.uint8)
    t0 = time.perf_counter()
    sym = c.encode(bits)
    t1 = time.perf_counter()
    dec, ok = c.decode_best_effort(sym)
    t2 = time.perf_counter()
    assert ok and np.array_equal(dec, bits)
    assert t1 - t0 < 2.0 and t2 - t1 < 2.0, (t1 - t0, t2 - t1)
