"""Trainer (gnuradio.ddpm.training.train), data sets (gnuradio.ddpm.training.datasets) and the ddpm-train command line."""
import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gnuradio.ddpm.training import datasets  # noqa: E402
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.modelfile.reader import load_model  # noqa: E402
from gnuradio.ddpm.training.train import TrainConfig, train, train_and_export  # noqa: E402


def test_short_training_lowers_loss():
    """300 steps of batch 512 on QAM-16 (~2-4 s).

    At the start the network's output is small and unrelated to eps, so the loss is about E||eps||^2 = 2
    (two real dimensions); a network that ignored x could at best predict E[eps | t] = 0 and stay at 2. The
    smallest achievable loss (exact posterior mean, docs/training.md) is 0.73. We require the mean loss of the
    last 50 steps below 1.8, i.e. at least 15 % of the gap closed (measured ~1.6 here, 0.76 after the
    shipped 8000 steps). The batch loss has a standard deviation of ~0.1 at batch 512, so a 50-step mean is
    known to ~0.015: the threshold is > 10 standard errors from both the x-blind 2.0 and the measured value."""
    ds = datasets.make_dataset("qam16")
    res = train(ds, TrainConfig(steps=300, batch=512, seed=3), progress=False)
    first, last = float(np.mean(res.losses[:10])), float(np.mean(res.losses[-50:]))
    assert 1.8 < first < 2.6, first
    assert last < 1.8, (first, last)
    assert res.final_loss < 1.8
    assert res.betas.shape == (100,) and res.betas.dtype == np.float64


def test_reproducible_seed():
    ds = datasets.make_dataset("qam4")
    cfg = TrainConfig(steps=15, batch=64, hidden=16, depth=2, T=10, seed=5)
    a = train(ds, cfg, progress=False).net.export_weights()
    b = train(ds, cfg, progress=False).net.export_weights()
    c = train(ds, TrainConfig(steps=15, batch=64, hidden=16, depth=2, T=10, seed=6), progress=False)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert any(not np.array_equal(a[k], v) for k, v in c.net.export_weights().items())


def test_train_and_export_metadata(tmp_path):
    ds = datasets.make_dataset("psk8")
    p = tmp_path / "psk8.onnx"
    res, meta = train_and_export(ds, str(p), TrainConfig(steps=5, batch=32, hidden=8, depth=1, T=20,
                                                         schedule="cosine", seed=9), progress=False)
    m = load_model(p)
    assert (m.T, m.hidden, m.depth, m.bits_per_symbol, m.dataset) == (20, 8, 1, 3, "psk8")
    np.testing.assert_allclose(m.constellation, constellations.psk(8), atol=1e-15)
    assert m.metadata["ddpm.train_seed"] == "9" and m.metadata["ddpm.schedule"] == "cosine"
    assert float(m.metadata["ddpm.final_loss"]) == res.final_loss
    np.testing.assert_array_equal(m.betas, res.betas)
    # the exported weights are the EMA weights
    for k, v in res.net.export_weights().items():
        np.testing.assert_array_equal(m.weights[k], v)


# ------------------------------------------------------------------------------------------ data sets
@pytest.mark.parametrize("name,m", [("qam4", 4), ("qam16", 16), ("qam64", 64), ("qam256", 256), ("psk8", 8)])
def test_constellation_datasets(name, m):
    ds = datasets.make_dataset(name)
    assert ds.constellation.shape == (m,) and ds.bits_per_symbol == int(np.log2(m))
    assert abs(np.mean(np.abs(ds.constellation) ** 2) - 1) < 1e-12
    x = ds.sample(5000, np.random.default_rng(0))
    assert x.shape == (5000, 2) and x.dtype == np.float32
    z = x[:, 0].astype(np.float64) + 1j * x[:, 1]
    assert np.all(np.min(np.abs(z[:, None] - ds.constellation[None]), axis=1) < 1e-6)
    assert len(np.unique(constellations.nearest(z, ds.constellation))) == m     # every point is drawn


def test_quantised_dataset():
    ds = datasets.make_dataset("qam16_q4")
    assert ds.name == "qam16_q4" and ds.params == {"order": 16, "bits": 4, "full_scale": 1.0}
    delta = 2.0 / 16
    for v in (ds.constellation.real, ds.constellation.imag):
        np.testing.assert_allclose((v / delta - 0.5) % 1.0, 0.0, atol=1e-12)   # on the quantiser grid
    assert not np.allclose(ds.constellation, constellations.qam(16))
    assert datasets.make_dataset("qam", order=64, bits=5).name == "qam64_q5"


def test_swissroll_unit_power():
    """Power of 2e5 points within 5 standard errors (the squared norm has relative std ~0.55 here)."""
    ds = datasets.make_dataset("swissroll")
    x = ds.sample(200_000, np.random.default_rng(1)).astype(np.float64)
    p = np.mean(np.sum(x ** 2, axis=1))
    assert abs(p - 1) < 5 * 0.6 / np.sqrt(x.shape[0])
    assert ds.constellation is None and ds.bits_per_symbol == 0


def test_file_dataset(tmp_path):
    r = np.random.default_rng(2)
    z = (2.0 * (r.standard_normal(1000) + 1j * r.standard_normal(1000)) / np.sqrt(2)).astype(np.complex64)
    z[5] = np.nan
    f = tmp_path / "rec.cfile"
    z.tofile(f)
    ds = datasets.make_dataset("file", path=str(f))
    good = z[np.isfinite(z)].astype(np.complex128)
    scale = 1 / np.sqrt(np.mean(np.abs(good) ** 2))
    assert ds.power_scale == pytest.approx(scale, rel=1e-12) and abs(ds.power_scale - 0.5) < 0.05
    assert ds.points.shape == (999,)
    # SigMF cf32_le (read without the sigmf package when it is not installed)
    base = tmp_path / "rec2"
    z[np.isfinite(z)].tofile(str(base) + ".sigmf-data")
    (tmp_path / "rec2.sigmf-meta").write_text(json.dumps({"global": {"core:datatype": "cf32_le"},
                                                          "captures": [], "annotations": []}))
    ds2 = datasets.make_dataset("file", path=str(base) + ".sigmf-meta")
    assert ds2.power_scale == pytest.approx(ds.power_scale, rel=1e-6)
    with pytest.raises(datasets.DatasetError, match="cannot open"):
        datasets.make_dataset("file", path=str(tmp_path / "missing.cfile"))
    empty = tmp_path / "empty.cfile"
    empty.write_bytes(b"")
    with pytest.raises(datasets.DatasetError, match="no finite samples"):
        datasets.make_dataset("file", path=str(empty))
    for bad in ("qam15", "qam8", "foo", "psk1"):
        with pytest.raises(datasets.DatasetError):
            datasets.make_dataset(bad)


# ------------------------------------------------------------------------------------------ command line
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gnuradio.ddpm.training.train", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_errors(tmp_path):
    for args in (["--dataset", "nosuchset", "--out", str(tmp_path / "a.onnx")],
                 ["--dataset", "file", "--file", str(tmp_path / "missing.cfile"), "--out", str(tmp_path / "b.onnx")],
                 ["--dataset", "qam16", "--steps", "0", "--out", str(tmp_path / "c.onnx")],
                 ["--all-shipped", "--only", "qam3", "--out", str(tmp_path)]):
        r = _cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        err = r.stderr.strip()
        assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("ddpm-train: error:"), err
    assert not any(tmp_path.glob("*.onnx"))


def test_cli_tiny_run(tmp_path):
    out = tmp_path / "tiny.onnx"
    r = _cli("--dataset", "qam", "--order", "4", "--steps", "5", "--batch", "32", "--hidden", "8", "--depth", "1",
             "--T", "10", "--seed", "4", "--quiet", "--out", str(out))
    assert r.returncode == 0, r.stderr
    m = load_model(out)
    assert (m.T, m.hidden, m.depth, m.dataset) == (10, 8, 1, "qam4") and m.metadata["ddpm.train_steps"] == "5"


def test_shipped_list_consistent():
    """The recipes of `make models` and the names models.find_model advertises are the same set."""
    from gnuradio.ddpm.modelfile import lookup as models
    from gnuradio.ddpm.training.train import SHIPPED
    assert set(SHIPPED) == set(models.SHIPPED_NAMES)
    for name, spec in SHIPPED.items():
        assert datasets.make_dataset(spec["dataset"]).name == name


def test_console_script(tmp_path):
    """The installed `ddpm-train` script (apps/ddpm-train) is the same command line."""
    import shutil
    exe = shutil.which("ddpm-train")
    if exe is None:
        pytest.skip("ddpm-train is not on PATH (source scripts/env.sh after the build)")
    r = subprocess.run([sys.executable, exe, "--dataset", "qam17", "--out", str(tmp_path / "x.onnx")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("ddpm-train: error:") and "17" in r.stderr, r.stderr
    r = subprocess.run([sys.executable, exe, "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "--all-shipped" in r.stdout
