"""The MIMO blocks in flowgraphs against the numpy reference (mimo.blocks.make_estimator, channels, estimators),
tags, pilots on a second input, NaN slots, bad vector lengths and parameters."""
import math

import numpy as np
import pmt
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.mimo import channels as chan
from gnuradio.ddpm.mimo import estimators as est
from gnuradio.ddpm.mimo.blocks import make_estimator
from gnuradio.ddpm.mimo.model import load_model
from gnuradio.ddpm.modelfile.lookup import find_model

A = chan.DEFAULT_ARRAYS
NP = 16


def _model():
    try:
        return load_model(find_model("mimo_street"))
    except FileNotFoundError as e:
        pytest.fail(f"shipped model mimo_street missing ({e}); run `make models-mimo`")


def _run(src_items, est_block, n_slots, tags=(), pilots=None, vlen_in=A.nr * NP, with_var=False):
    tb = gr.top_block()
    src = blocks.vector_source_c(np.asarray(src_items, np.complex64).reshape(-1).tolist(), False, vlen_in, list(tags))
    snk = blocks.vector_sink_c(A.dim)
    tb.connect(src, (est_block, 0))
    keep = [src, snk]
    if pilots is not None:
        psrc = blocks.vector_source_c(np.tile(pilots.reshape(-1), n_slots).astype(np.complex64).tolist(), False,
                                      A.nt * NP)
        tb.connect(psrc, (est_block, 1))
        keep.append(psrc)
    tb.connect((est_block, 0), snk)
    vs = None
    if with_var:
        vs = blocks.vector_sink_f(A.dim)
        tb.connect((est_block, 1), vs)
        keep.append(vs)
    tb.run()
    H = np.array(snk.data(), dtype=np.complex64).reshape(-1, A.nr, A.nt)
    V = np.array(vs.data(), dtype=np.float32).reshape(-1, A.nr, A.nt) if vs is not None else None
    return H, V


@pytest.mark.parametrize("method", ["diffusion", "lmmse", "ls", "omp"])
def test_estimator_block_matches_numpy_reference(method):
    m = _model()
    n = 3
    H = chan.generate("street", n, 5)
    P = est.pilot_matrix(A.nt, NP, 0)
    Y = est.observe(H, P, 15.0, np.random.default_rng(1)).astype(np.complex64)
    b = ddpm.mimo_channel_estimator(method, "mimo_street", "4x8", "2x2", NP, 0, False, 15.0, 2, 9,
                                    variance_output=True)
    got, var = _run(Y, b, n, with_var=True)
    ref = make_estimator(method, A, P, m if method in ("diffusion", "lmmse") else None, 2)
    for i in range(n):
        h, v = ref(Y[i:i + 1].astype(np.complex128), 15.0, seed=9 + i)
        np.testing.assert_allclose(got[i], h[0], atol=1e-4 * np.abs(h).max())
        if method in ("diffusion", "lmmse"):
            np.testing.assert_allclose(var[i], v[0], rtol=1e-4, atol=1e-7)
        else:
            assert np.all(np.isnan(var[i]))
    assert est.nmse_db(got, H) < 0


def test_snr_tag_and_pilot_input_and_nan_slot():
    n = 3
    H = chan.generate("street", n, 6)
    P = est.pilot_matrix(A.nt, NP, 3)          # not the parameter's pilot_seed: they come on input 1
    Y = est.observe(H, P, 25.0, np.random.default_rng(2)).astype(np.complex64)
    Y[2, 0, 0] = np.nan
    tag = gr.tag_utils.python_to_tag((1, pmt.intern("snr_db"), pmt.from_long(25)))
    junk = gr.tag_utils.python_to_tag((0, pmt.intern("snr_db"), pmt.intern("loud")))
    b = ddpm.mimo_channel_estimator("lmmse", "mimo_street", pilots=NP, pilot_input=True, snr_db=0.0)
    got, _ = _run(Y, b, n, tags=[tag, junk], pilots=P)
    lm = est.LMMSE(_model().cov, P, A.nr)
    np.testing.assert_allclose(got[0], lm.estimate(Y[0].astype(complex), 0.0), atol=1e-5)
    np.testing.assert_allclose(got[1], lm.estimate(Y[1].astype(complex), 25.0), atol=1e-5)
    assert np.all(np.isnan(got[2]))
    assert b.snr_db() == 25.0


def test_pilot_source_and_nmse_sink():
    src = ddpm.mimo_pilot_source("blockage", 10.0, "4x8", "2x2", NP, 0, 4)
    head = blocks.head(gr.sizeof_gr_complex * A.nr * NP, 5)
    head2 = blocks.head(gr.sizeof_gr_complex * A.dim, 5)
    ysnk = blocks.vector_sink_c(A.nr * NP)
    ls = ddpm.mimo_channel_estimator("ls", pilots=NP)
    sink = ddpm.mimo_nmse_sink("4x8", "2x2", 2)
    hsnk = blocks.vector_sink_c(A.dim)
    tb = gr.top_block()
    tb.connect((src, 0), head, ysnk)
    tb.connect(head, ls, (sink, 0))
    tb.connect((src, 1), head2, (sink, 1))
    tb.connect(head2, hsnk)
    tb.run()
    Yr, Hr = src.reference(0, 5)
    np.testing.assert_allclose(np.array(ysnk.data()).reshape(5, A.nr, NP), Yr, atol=1e-5)
    np.testing.assert_allclose(np.array(hsnk.data()).reshape(5, A.nr, A.nt), Hr, atol=1e-5)
    np.testing.assert_allclose(Hr, chan.generate("blockage", 5, 4), atol=0)
    tags = ysnk.tags()
    assert tags and pmt.symbol_to_string(tags[0].key) == "snr_db" and pmt.to_double(tags[0].value) == 10.0
    Hls = est.ls_estimate(Yr.astype(np.complex64).astype(complex), est.pilot_matrix(A.nt, NP, 0))
    per = [est.nmse_db(Hls[i], Hr[i].astype(np.complex64).astype(complex)) for i in range(5)]
    np.testing.assert_allclose(sink.nmse_db_per_slot(), per, atol=1e-3)
    assert sink.n_slots() == 5 and math.isfinite(sink.mean_nmse_db())


def test_bad_parameters_and_vector_lengths():
    with pytest.raises(ValueError, match="method"):
        ddpm.mimo_channel_estimator("mmse")
    with pytest.raises(ValueError, match="ROWSxCOLS"):
        ddpm.mimo_channel_estimator("ls", bs="4-8")
    with pytest.raises(ValueError, match="pilots"):
        ddpm.mimo_channel_estimator("ls", pilots=0)
    with pytest.raises(ValueError, match="snr_db"):
        ddpm.mimo_channel_estimator("ls", snr_db=float("inf"))
    with pytest.raises(ValueError, match="BS 4x8"):
        ddpm.mimo_channel_estimator("lmmse", "mimo_street", bs="8x8")
    with pytest.raises(FileNotFoundError):
        ddpm.mimo_channel_estimator("diffusion", "no_such_model")
    with pytest.raises(ValueError, match="chains"):
        ddpm.mimo_channel_estimator("diffusion", chains=100)
    with pytest.raises(ValueError, match="scene"):
        ddpm.mimo_pilot_source("moon")
    with pytest.raises(ValueError, match="update_period"):
        ddpm.mimo_nmse_sink(update_period=-1)
    b = ddpm.mimo_channel_estimator("ls", pilots=NP)
    with pytest.raises(ValueError, match="snr_db"):
        b.set_snr_db("loud")
    tb = gr.top_block()
    src = blocks.vector_source_c([0j] * 60, False, 60)       # 60 != Nr * Np = 64
    with pytest.raises((ValueError, RuntimeError)):
        tb.connect(src, b)


def test_headless_example_matches_numpy(tmp_path):
    """examples/mimo_ce_headless.grc compiles and runs; its LMMSE sink's per-slot NMSE is the numpy LMMSE's."""
    import importlib.util
    from grc_tools import grcc               # tests/fixtures, on sys.path via the root conftest.py
    _model()
    out = grcc("mimo_ce_headless", tmp_path)
    spec = importlib.util.spec_from_file_location("mimo_ce_headless", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tb = mod.mimo_ce_headless(n_slots=4, snr_db=20.0, seed=1)
    tb.run()
    Y, H = tb.source.reference(0, 4)
    Y = Y.astype(np.complex64).astype(complex)
    H = H.astype(np.complex64).astype(complex)
    lm = est.LMMSE(_model().cov, est.pilot_matrix(A.nt, NP, 0), A.nr)
    want = [est.nmse_db(lm.estimate(Y[i], 20.0), H[i]) for i in range(4)]
    np.testing.assert_allclose(tb.nmse_lmmse.nmse_db_per_slot(), want, atol=1e-3)
    assert tb.nmse_diffusion.n_slots() == 4 and math.isfinite(tb.nmse_diffusion.mean_nmse_db())


def test_grc_yaml_matches_the_blocks():
    """The GRC method enum is the block's METHODS; every YAML names a make() argument the block accepts."""
    import inspect
    import os
    import yaml
    from gnuradio.ddpm.mimo import blocks as mb
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "grc")
    est_yml = yaml.safe_load(open(os.path.join(root, "ddpm_mimo_channel_estimator.block.yml")))
    method = next(p for p in est_yml["parameters"] if p["id"] == "method")
    assert [o.strip('"') for o in method["options"]] == list(mb.METHODS)
    assert len(method["option_labels"]) == len(mb.METHODS)
    for name, cls in (("ddpm_mimo_channel_estimator", mb.mimo_channel_estimator),
                      ("ddpm_mimo_pilot_source", mb.mimo_pilot_source), ("ddpm_mimo_nmse_sink", mb.mimo_nmse_sink)):
        y = yaml.safe_load(open(os.path.join(root, f"{name}.block.yml")))
        params = [p["id"] for p in y["parameters"]]
        args = list(inspect.signature(cls.__init__).parameters)[1:]
        assert set(params) <= set(args) and y.get("asserts") and y.get("documentation")


def test_qt_example_starts_and_the_slider_reaches_the_source(tmp_path):
    import os
    import subprocess
    import sys
    pytest.importorskip("PyQt5")
    from grc_tools import grcc
    _model()
    out = grcc("mimo_ce", tmp_path)
    code = (
        "import sys, importlib.util\n"
        "from PyQt5 import Qt, QtCore\n"
        f"spec = importlib.util.spec_from_file_location('m', {out!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "app = Qt.QApplication(sys.argv)\n"
        "tb = m.mimo_ce(); tb.start(); tb.show()\n"
        "def later():\n"
        "    tb.set_snr_db(7.0)\n"
        "    assert tb.source.snr_db() == 7.0 and tb.est_diffusion.snr_db() == 7.0\n"
        "    tb.stop(); tb.wait(); print('GUI-OK'); app.quit()\n"
        "QtCore.QTimer.singleShot(1500, later)\n"
        "app.exec_()\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0 and "GUI-OK" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
