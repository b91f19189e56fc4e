"""Model file reader (gnuradio.ddpm.modelfile.reader) and model lookup (gnuradio.ddpm.modelfile.lookup).

Every malformed file must give ModelFormatError with the phrase of docs/model-format.md ("Errors") and the
file name; files are built here with the exporter from random numpy weights (no torch needed).
"""
import os
from pathlib import Path

import numpy as np
import onnx
import pytest

from gnuradio.ddpm.modelfile import writer as export
from gnuradio.ddpm.modelfile import lookup as models
from gnuradio.ddpm.modelfile import schedule
from gnuradio.ddpm.modelfile.reader import ModelFormatError, load_model

REPO = Path(__file__).resolve().parents[3]
T, H, D = 12, 8, 2


def _weights(rng, T=T, H=H, D=D):
    w = {}
    for l in range(D):
        w[f"layers.{l}.weight"] = rng.standard_normal((H, 2 if l == 0 else H)).astype(np.float32)
        w[f"layers.{l}.bias"] = rng.standard_normal(H).astype(np.float32)
        w[f"embeddings.{l}"] = rng.uniform(0.5, 1.5, (T, H)).astype(np.float32)
    w["out.weight"] = rng.standard_normal((2, H)).astype(np.float32)
    w["out.bias"] = rng.standard_normal(2).astype(np.float32)
    return w


@pytest.fixture
def good(tmp_path):
    """A valid small model file (16-QAM metadata) -> path str."""
    from gnuradio.ddpm.core import constellations
    p = str(tmp_path / "good.onnx")
    export.export_onnx(p, _weights(np.random.default_rng(0)), schedule.make_betas("sigmoid", T),
                       schedule="sigmoid", dataset="qam16", dataset_params={"order": 16},
                       constellation=constellations.qam(16), bits_per_symbol=4, train_seed=3)
    return p


def _rewrite(src, dst, edit):
    m = onnx.load(src)
    edit(m)
    with open(dst, "wb") as f:
        f.write(m.SerializeToString())
    return dst


def _set_meta(key, value):
    def edit(m):
        props = {p.key: p.value for p in m.metadata_props}
        if value is None:
            props.pop(key)
        else:
            props[key] = value
        del m.metadata_props[:]
        onnx.helper.set_model_props(m, props)
    return edit


def _expect(path, phrase):
    with pytest.raises(ModelFormatError) as ei:
        load_model(path)
    msg = str(ei.value)
    assert phrase in msg, msg
    assert os.path.basename(path) in msg, msg
    return msg


def test_good_file_loads(good):
    m = load_model(good)
    assert (m.T, m.hidden, m.depth, m.bits_per_symbol, m.dataset) == (T, H, D, 4, "qam16")
    assert m.betas.dtype == np.float64 and m.betas.shape == (T,)
    np.testing.assert_array_equal(m.alpha_bar, np.cumprod(1.0 - m.betas))
    assert m.constellation.shape == (16,) and m.constellation.dtype == np.complex128
    assert set(m.weights) == {"layers.0.weight", "layers.0.bias", "embeddings.0", "layers.1.weight",
                              "layers.1.bias", "embeddings.1", "out.weight", "out.bias"}
    assert m.weights["layers.1.weight"].shape == (H, H) and m.weights["embeddings.0"].dtype == np.float32
    assert issubclass(ModelFormatError, ValueError)


def test_missing_file(tmp_path):
    _expect(str(tmp_path / "nope.onnx"), "cannot open")


def test_empty_truncated_and_non_onnx(good, tmp_path):
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    _expect(str(empty), "not an ONNX model")
    data = Path(good).read_bytes()
    trunc = tmp_path / "trunc.onnx"
    trunc.write_bytes(data[: len(data) // 2])       # cut inside the initializers
    _expect(str(trunc), "not an ONNX model")
    text = tmp_path / "text.onnx"
    text.write_text("this is a text file, not a model\n" * 20)
    _expect(str(text), "not an ONNX model")
    rnd = tmp_path / "random.onnx"
    rnd.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _expect(str(rnd), "not an ONNX model")


@pytest.mark.parametrize("key", ["format_version", "arch", "T", "betas", "hidden", "depth", "prediction",
                                 "power_scale", "commit"])
def test_missing_metadata(good, tmp_path, key):
    p = _rewrite(good, str(tmp_path / f"no_{key}.onnx"), _set_meta("ddpm." + key, None))
    _expect(p, f"missing metadata 'ddpm.{key}'")


@pytest.mark.parametrize("key,value,phrase", [
    ("ddpm.format_version", "2", "unsupported format version"),
    ("ddpm.arch", "unet", "unsupported architecture"),
    ("ddpm.prediction", "x0", "unsupported prediction"),
    ("ddpm.T", "ten", "bad metadata 'ddpm.T'"),
    ("ddpm.T", "0", "bad metadata 'ddpm.T'"),
    ("ddpm.hidden", "0", "bad metadata 'ddpm.hidden'"),
    ("ddpm.depth", "-1", "bad metadata 'ddpm.depth'"),
    ("ddpm.betas", "[0.1, 0.2", "bad metadata 'ddpm.betas'"),
    ("ddpm.betas", "[" + ", ".join(["0.01"] * (T - 1)) + ", 1.0]", "bad metadata 'ddpm.betas'"),
    ("ddpm.betas", "[" + ", ".join(["0.01"] * (T - 1)) + ", NaN]", "bad metadata 'ddpm.betas'"),
    ("ddpm.power_scale", "-1", "bad metadata 'ddpm.power_scale'"),
    ("ddpm.constellation", "[[1, 2], [3]]", "bad metadata 'ddpm.constellation'"),
    ("ddpm.bits_per_symbol", "3", "bad metadata 'ddpm.bits_per_symbol'"),
])
def test_bad_metadata(good, tmp_path, key, value, phrase):
    p = _rewrite(good, str(tmp_path / "bad.onnx"), _set_meta(key, value))
    _expect(p, phrase)


def test_betas_length_named(good, tmp_path):
    betas = export.float_list_json(schedule.make_betas("sigmoid", T + 3))
    p = _rewrite(good, str(tmp_path / "len.onnx"), _set_meta("ddpm.betas", betas))
    msg = _expect(p, "bad metadata 'ddpm.betas'")
    assert str(T + 3) in msg and str(T) in msg


def _edit_init(name, fn):
    def edit(m):
        for i, ini in enumerate(m.graph.initializer):
            if ini.name == name:
                fn(m, i, ini)
                return
        raise AssertionError(name)
    return edit


def test_missing_initializer(good, tmp_path):
    p = _rewrite(good, str(tmp_path / "mi.onnx"),
                 _edit_init("embeddings.1", lambda m, i, ini: m.graph.initializer.pop(i)))
    _expect(p, "missing initializer 'embeddings.1'")


def test_wrong_shape_and_length(good, tmp_path):
    def reshape(m, i, ini):
        a = onnx.numpy_helper.to_array(ini).reshape(-1)[: H * 2]
        m.graph.initializer[i].CopyFrom(onnx.numpy_helper.from_array(a.reshape(2, H).copy(), ini.name))
    msg = _expect(_rewrite(good, str(tmp_path / "ws.onnx"), _edit_init("layers.1.weight", reshape)),
                  "bad initializer 'layers.1.weight'")
    assert f"[{H}, {H}]" in msg and f"[2, {H}]" in msg

    def shorten(m, i, ini):
        ini.raw_data = ini.raw_data[:-4]
    _expect(_rewrite(good, str(tmp_path / "short.onnx"), _edit_init("out.bias", shorten)),
            "bad initializer 'out.bias'")

    def to_double(m, i, ini):
        a = onnx.numpy_helper.to_array(ini).astype(np.float64)
        m.graph.initializer[i].CopyFrom(onnx.numpy_helper.from_array(a, ini.name))
    _expect(_rewrite(good, str(tmp_path / "dt.onnx"), _edit_init("out.weight", to_double)),
            "bad initializer 'out.weight'")


def test_float_data_accepted(good, tmp_path):
    """Readers accept float_data as well as raw_data."""
    def to_float_data(m, i, ini):
        a = onnx.numpy_helper.to_array(ini)
        m.graph.initializer[i].CopyFrom(onnx.helper.make_tensor(ini.name, onnx.TensorProto.FLOAT, a.shape,
                                                                a.reshape(-1).tolist(), raw=False))
    p = _rewrite(good, str(tmp_path / "fd.onnx"), _edit_init("layers.0.bias", to_float_data))
    a, b = load_model(p), load_model(good)
    assert not a.weights["layers.0.bias"] is b.weights["layers.0.bias"]
    np.testing.assert_array_equal(a.weights["layers.0.bias"], b.weights["layers.0.bias"])


def test_non_finite_weight(good, tmp_path):
    def poison(m, i, ini):
        a = onnx.numpy_helper.to_array(ini).copy()
        a[3, 1] = np.nan
        m.graph.initializer[i].CopyFrom(onnx.numpy_helper.from_array(a, ini.name))
    _expect(_rewrite(good, str(tmp_path / "nan.onnx"), _edit_init("embeddings.0", poison)),
            "non-finite value in initializer 'embeddings.0'")


def test_find_model(tmp_path, monkeypatch, good):
    assert models.find_model(good) == os.path.abspath(good)
    d1, d2 = tmp_path / "a", tmp_path / "b"
    d1.mkdir()
    d2.mkdir()
    (d2 / "mine.onnx").write_bytes(Path(good).read_bytes())
    monkeypatch.setenv("DDPM_MODEL_PATH", f"{d1}:{d2}")
    assert models.find_model("mine") == str(d2 / "mine.onnx")
    assert models.find_model("mine.onnx") == str(d2 / "mine.onnx")
    (d1 / "mine.onnx").write_bytes(b"x")              # earlier directory wins
    assert models.find_model("mine") == str(d1 / "mine.onnx")
    with pytest.raises(FileNotFoundError) as ei:
        models.find_model("no_such_model_xyz")
    assert str(d1) in str(ei.value) and str(d2) in str(ei.value)


@pytest.mark.parametrize("name", models.SHIPPED_NAMES)
def test_shipped_models_valid(name, monkeypatch):
    """Every shipped model is in the repo, loads, and is found by its short name."""
    path = REPO / "models" / f"{name}.onnx"
    assert path.is_file(), f"{path} missing: run `make models`"
    m = load_model(path)
    assert m.T == 100 and m.metadata["ddpm.schedule"] == "sigmoid" and m.dataset == name
    # The stored schedule is the artefact; a recomputation goes through numpy's vectorised exp, whose last bit
    # differs between CPUs (AVX-512 vs AVX2: up to 3.5e-18 absolute), so it is compared with a tolerance of
    # 1e-13 relative (a few hundred ulp; any real change of schedule moves betas by > 1e-6 relative).
    np.testing.assert_allclose(m.betas, schedule.make_betas("sigmoid", 100), rtol=1e-13, atol=0)
    assert m.betas.dtype == np.float64 and np.all(np.diff(m.betas) > 0)
    monkeypatch.setenv("DDPM_MODEL_PATH", str(REPO / "models"))
    assert models.find_model(name) == str(path)


# ------------------------------------------------------------------ not a regular file; one reader
def _load_in_subprocess(path, timeout=60):
    """load_model(path) in a fresh interpreter: (outcome line, stderr). A hang or a huge read fails the test."""
    import subprocess
    import sys
    code = ("import sys\nfrom gnuradio.ddpm.modelfile.reader import load_model, ModelFormatError\n"
            "try:\n    load_model(sys.argv[1])\nexcept ModelFormatError as e:\n    print('ModelFormatError:', e)\n")
    try:
        r = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"load_model({path!r}) still running after {timeout} s")
    return r.stdout.strip(), r.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory", "symlink_to_fifo"])
def test_non_regular_files_are_refused_before_any_read(tmp_path, kind):
    """A named pipe used to block the reader forever, /dev/zero was read without limit (getsize is 0)."""
    if kind == "fifo":
        path = str(tmp_path / "pipe.onnx")
        os.mkfifo(path)
    elif kind == "symlink_to_fifo":
        os.mkfifo(tmp_path / "pipe")
        path = str(tmp_path / "link.onnx")
        os.symlink(tmp_path / "pipe", path)
    elif kind == "dev_zero":
        path = "/dev/zero"
    else:
        path = str(tmp_path)
    out, err = _load_in_subprocess(path)
    assert out.startswith("ModelFormatError:") and "cannot open" in out and path in out, out + err


def test_python_reader_is_the_cpp_reader(good):
    """Every field of the Model is the C++ model's (same values, documented dtypes)."""
    from gnuradio.ddpm import model as native
    m, n = load_model(good), native.load(good)
    assert (m.T, m.hidden, m.depth, m.bits_per_symbol, m.dataset, m.path) == (n.T, n.hidden, n.depth,
                                                                               n.bits_per_symbol, n.dataset, n.path)
    assert m.betas.dtype == np.float64 and np.array_equal(m.betas, n.betas)
    assert np.array_equal(m.alpha_bar, n.alpha_bar) and m.power_scale == n.power_scale
    assert m.constellation.dtype == np.complex128 and np.array_equal(m.constellation, n.constellation)
    assert m.metadata == dict(n.metadata_map)
    for l in range(D):
        assert np.array_equal(m.weights[f"layers.{l}.weight"], n.weight(l))
        assert np.array_equal(m.weights[f"embeddings.{l}"], n.embedding(l))
    assert all(w.dtype == np.float32 for w in m.weights.values())


def test_duplicate_metadata_key_and_non_decimal_integer_follow_the_cpp_reader(good, tmp_path):
    """Files on which the two readers used to disagree: whatever the C++ reader says, Python says the same."""
    from gnuradio.ddpm import model as native

    def dup(m):
        m.metadata_props.insert(0, onnx.StringStringEntryProto(key="ddpm.T", value="-5"))
    cases = [_rewrite(good, str(tmp_path / "dup.onnx"), dup),
             _rewrite(good, str(tmp_path / "us.onnx"), _set_meta("ddpm.format_version", "1_0")),
             _rewrite(good, str(tmp_path / "bigT.onnx"), _set_meta("ddpm.T", "2000000"))]
    for p in cases:
        try:
            native.load(p)
            cpp = None
        except ValueError as e:
            cpp = str(e)
        try:
            load_model(p)
            py = None
        except ModelFormatError as e:
            py = str(e)
        assert py == cpp, p
