"""The native model reader (C++ gr::ddpm::model through pybind11): gnuradio.ddpm.model / load_model_native.

Valid files must read back exactly what was written; every kind of malformed file must raise
gnuradio.ddpm.ModelError (a ValueError) whose message contains the text documented in
docs/model-format.md ("Errors") and names the file.
"""
import os

import numpy as np
import pytest

from gnuradio import ddpm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


import ddpm_fixtures as F  # tests/fixtures, on sys.path via the root conftest.py


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A random-weight model (H=24, D=3, T=30) written to a tmp file: (path, weights, betas)."""
    d = tmp_path_factory.mktemp("loader")
    betas = F.sigmoid_betas(30)
    w = F.random_weights(24, 3, 30, seed=5)
    path = str(d / "m.onnx")
    F.write(path, F.build(w, F.metadata(24, 3, betas)))
    return path, w, betas


def test_reads_back_what_was_written(written):
    path, w, betas = written
    m = ddpm.model.load(path)
    assert (m.T, m.hidden, m.depth) == (30, 24, 3)
    assert m.path == path and m.dataset == "qam16"
    # betas are written with repr (shortest round trip) and must read back bit-exactly
    assert m.betas.dtype == np.float64 and np.array_equal(m.betas, betas)
    np.testing.assert_allclose(m.alpha_bar, np.cumprod(1.0 - betas), rtol=1e-14)
    np.testing.assert_allclose(m.levels, (1 - m.alpha_bar) / m.alpha_bar, rtol=1e-14)
    for l in range(3):
        assert np.array_equal(m.weight(l), w[f"layers.{l}.weight"])
        assert np.array_equal(m.bias(l), w[f"layers.{l}.bias"])
        assert np.array_equal(m.embedding(l), w[f"embeddings.{l}"])
    assert np.array_equal(m.out_weight, w["out.weight"])
    assert np.array_equal(m.out_bias, w["out.bias"])
    c = m.constellation
    assert c.dtype == np.complex64 and c.shape == (16,)
    np.testing.assert_allclose(c, F.qam16_points(), atol=1e-7)
    assert m.bits_per_symbol == 4 and m.power_scale == 1.0
    assert m.metadata("ddpm.arch") == "mlp_stepemb_softplus"
    assert m.metadata("nope", "dflt") == "dflt"
    assert m.metadata_map["ddpm.T"] == "30"
    assert ddpm.load_model_native(path).T == 30
    with open(path, "rb") as f:
        assert ddpm.model.from_bytes(f.read()).hidden == 24


def test_float_data_reads_like_raw_data(tmp_path):
    m1, w = F.valid_model(H=16, D=2, T=12, seed=9, raw=True)
    m2, _ = F.valid_model(H=16, D=2, T=12, seed=9, raw=False)
    a = ddpm.model.load(F.write(str(tmp_path / "raw.onnx"), m1))
    b = ddpm.model.load(F.write(str(tmp_path / "fd.onnx"), m2))
    for l in range(2):
        assert np.array_equal(a.weight(l), b.weight(l))
        assert np.array_equal(b.embedding(l), w[f"embeddings.{l}"])


def test_agrees_with_python_reader(written):
    """gnuradio.ddpm.modelfile.reader (the trainer's reader) sees the same file identically."""
    modelfile = pytest.importorskip("gnuradio.ddpm.modelfile.reader")
    path, _, _ = written
    py = modelfile.load_model(path)
    m = ddpm.model.load(path)
    assert (py.T, py.hidden, py.depth) == (m.T, m.hidden, m.depth)
    assert np.array_equal(py.betas, m.betas)
    assert np.array_equal(py.weights["layers.2.weight"], m.weight(2))


def test_start_step_matches_reference(written):
    reference = pytest.importorskip("gnuradio.ddpm.modelfile.reference")
    path, _, _ = written
    m = ddpm.model.load(path)
    rng = np.random.default_rng(4)
    nv = np.concatenate([10 ** rng.uniform(-7, 1, 3000), 2 * m.levels, [0.0, -1.0, np.nan, np.inf, 1e9]])
    want = reference.start_step(m.alpha_bar, nv)
    assert np.array_equal(m.start_steps(nv), want)
    assert all(m.start_step(float(v)) == int(k) for v, k in zip(nv[::97], want[::97]))
    assert m.start_step(float("nan")) == m.T - 1


@pytest.mark.parametrize("name,data,expect", F.malformed_variants(), ids=lambda v: v if isinstance(v, str) else "")
def test_malformed_file_is_rejected(tmp_path, name, data, expect):
    path = str(tmp_path / (name + ".onnx"))
    with open(path, "wb") as f:
        f.write(data)
    for call in (lambda: ddpm.model.load(path), lambda: ddpm.model.from_bytes(data, name=path),
                 lambda: ddpm.ddpm_sampler(path)):
        with pytest.raises(ddpm.ModelError) as e:
            call()
        msg = str(e.value)
        assert any(x in msg for x in expect), f"{name}: '{msg}' lacks {expect}"
        assert path in msg
    assert issubclass(ddpm.ModelError, ValueError)


def test_cannot_open(tmp_path):
    for p in (str(tmp_path / "missing.onnx"), str(tmp_path)):
        with pytest.raises(ValueError, match="cannot open"):
            ddpm.model.load(p)


def test_too_large_is_refused_before_reading(tmp_path):
    p = tmp_path / "huge.onnx"
    with open(p, "wb") as f:
        f.truncate((256 << 20) + 1)  # sparse: no disk space used, and never read
    with pytest.raises(ddpm.ModelError, match="too large"):
        ddpm.model.load(str(p))


def test_shipped_models_load():
    """Every model in models/ reads natively and agrees with the Python reader."""
    files = sorted(f for f in os.listdir(os.path.join(ROOT, "models")) if f.endswith(".onnx")) \
        if os.path.isdir(os.path.join(ROOT, "models")) else []
    if not files:
        pytest.skip("no models in models/ yet")
    modelfile = pytest.importorskip("gnuradio.ddpm.modelfile.reader")
    for f in files:
        path = os.path.join(ROOT, "models", f)
        if f.startswith("mimo_"):      # the MIMO denoiser's own contract (docs/model-format.md): its numpy reader
            from gnuradio.ddpm.mimo.model import load_model as load_mimo
            assert load_mimo(path).M > 0
            with pytest.raises(ddpm.ModelError, match="unsupported architecture"):
                ddpm.model.load(path)
            continue
        m = ddpm.model.load(path)
        py = modelfile.load_model(path)
        assert (m.T, m.hidden, m.depth, m.dataset) == (py.T, py.hidden, py.depth, py.dataset)
        assert np.array_equal(m.betas, py.betas)
        if py.constellation is not None:
            np.testing.assert_allclose(m.constellation, py.constellation, atol=1e-6)
            assert m.bits_per_symbol == py.bits_per_symbol


def test_error_quoting_invalid_utf8_bytes_keeps_its_message(tmp_path):
    """A metadata value with bytes that are not UTF-8 (possible in a damaged file): the C++ message quotes it;
    Python must still get the message (escaped), naming the key, not an empty one."""
    w = F.random_weights(8, 2, 10, seed=1)
    meta = F.metadata(8, 2, F.sigmoid_betas(10))
    meta["ddpm.bits_per_symbol"] = "\u00e9\u00e9"                 # UTF-8 C3 A9 C3 A9, then damaged below
    data = F.build(w, meta, check=False).SerializeToString()
    assert data.count(b"\xc3\xa9\xc3\xa9") == 1
    path = tmp_path / "bad_utf8.onnx"
    path.write_bytes(data.replace(b"\xc3\xa9\xc3\xa9", b"\x80\x80\x80\x80"))
    with pytest.raises(ddpm.ModelError) as ei:
        ddpm.model.load(str(path))
    msg = str(ei.value)
    assert "bits_per_symbol" in msg and "\\x80" in msg, msg
