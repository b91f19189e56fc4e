"""training.capture and ddpm-train on a capture: checks, normalisation, learned constellation, option conflicts."""
import json

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.capacity import capture_centres
from gnuradio.ddpm.core.recording import write_recording
from gnuradio.ddpm.training import capture, datasets, train

QAM16 = constellations.qam(16)


def _distorted(n, seed=0, power=0.3):
    """Labelled capture of a made-up transmitter: compressed amplitude, rotation, spread; power ~ ``power``."""
    r = np.random.default_rng(seed)
    lab = r.integers(0, 16, n)
    s = QAM16[lab]
    y = np.tanh(1.2 * np.abs(s)) * np.exp(1j * (np.angle(s) + 0.1)) + 0.02 * (r.standard_normal(n)
                                                                           + 1j * r.standard_normal(n))
    return y * np.sqrt(power / np.mean(np.abs(y) ** 2)), lab


def test_labelled_capture_gives_the_learned_constellation(tmp_path):
    y, lab = _distorted(5000)
    meta = write_recording(tmp_path / "cap", y, labels=lab, constellation="qam16")
    ds = datasets.make_dataset("file", path=meta)
    z = y.astype(np.complex64).astype(np.complex128)            # what was stored
    ps = 1.0 / np.sqrt(np.mean(np.abs(z) ** 2))
    assert ds.name == "file" and ds.power_scale == pytest.approx(ps, rel=1e-12)
    np.testing.assert_allclose(ds.points, z * ps, rtol=1e-12)
    # centre i = mean of the normalised samples labelled i (independent computation), index order kept
    want = np.array([np.mean(z[lab == i] * ps) for i in range(16)])
    np.testing.assert_allclose(ds.constellation, want, atol=1e-9)
    assert ds.bits_per_symbol == 4 and ds.params["labels"] == "qam16" and ds.params["samples"] == 5000
    np.testing.assert_allclose(ds.constellation, capture_centres(lab, z * ps, QAM16, per_symbol=1)[0][:, 0])
    # the estimator statistics, computed here directly
    a = np.abs(ds.points) ** 2
    assert float(ds.extra_metadata["ddpm.signal_kurtosis"]) == pytest.approx(np.mean(a * a) / np.mean(a) ** 2,
                                                                             rel=1e-12)
    floor = np.mean(np.min(np.abs(ds.points[:, None] - want[None, :]) ** 2, axis=1))
    assert float(ds.extra_metadata["ddpm.dd_floor"]) == pytest.approx(floor, rel=1e-9)
    # without labels: no constellation, only the kurtosis
    write_recording(tmp_path / "plain", y)
    ds2 = datasets.make_dataset(str(tmp_path / "plain.sigmf-data"))
    assert ds2.constellation is None and ds2.bits_per_symbol == 0
    assert set(ds2.extra_metadata) == {"ddpm.signal_kurtosis"}


def _edit_meta(tmp_path, change):
    p = tmp_path / "cap.sigmf-meta"
    md = json.loads(p.read_text())
    md["global"].pop("core:sha512", None)
    change(md["global"])
    p.write_text(json.dumps(md))


@pytest.mark.parametrize("case, expect", [
    ("too_short", f"too short: 1000 samples, at least {capture.MIN_CAPTURE_SAMPLES}"),
    ("nan", "2 NaN/Inf sample\\(s\\), the first at index 7"),
    ("inf", "1 NaN/Inf sample\\(s\\), the first at index 3"),
    ("zero", "zero"),
    ("real", "real-valued"),
    ("datatype", "unknown core:datatype|malformed SigMF metadata"),
    ("channels", "num_channels = 2"),
    ("missing", "cannot open SigMF data file"),
    ("malformed", "malformed SigMF metadata"),
    ("raw_missing", "cannot open IQ file"),
    ("raw_truncated", "not a whole number of complex64 samples"),
    ("few_of_a_symbol", "symbol\\(s\\) \\[5\\] of qam16 have fewer than 16 samples"),
])
def test_bad_captures_give_clear_errors(tmp_path, case, expect):
    y, lab = _distorted(2000)
    path = str(tmp_path / "cap.sigmf-meta")
    if case == "too_short":
        write_recording(tmp_path / "cap", y[:1000])
    elif case in ("nan", "inf"):
        if case == "nan":
            y[[7, 11]] = np.nan
        else:
            y[3] = complex(np.inf, 0)
        write_recording(tmp_path / "cap", y)
    elif case == "zero":
        write_recording(tmp_path / "cap", 0 * y)
    elif case in ("real", "datatype", "channels"):
        write_recording(tmp_path / "cap", y)
        _edit_meta(tmp_path, lambda g: g.update({"real": {"core:datatype": "rf32_le"},
                                                 "datatype": {"core:datatype": "cf33_le"},
                                                 "channels": {"core:num_channels": 2}}[case]))
    elif case == "missing":
        write_recording(tmp_path / "cap", y)
        (tmp_path / "cap.sigmf-data").unlink()
    elif case == "malformed":
        write_recording(tmp_path / "cap", y)
        (tmp_path / "cap.sigmf-meta").write_text('{"global": {"core:datatype": "cf32_le"}')   # cut short
    elif case == "raw_missing":
        path = str(tmp_path / "none.cfile")
    elif case == "raw_truncated":
        path = str(tmp_path / "cut.cfile")
        (tmp_path / "cut.cfile").write_bytes(y.astype(np.complex64).tobytes()[:-3])
    elif case == "few_of_a_symbol":
        lab[lab == 5] = 6
        lab[:15] = 5
        write_recording(tmp_path / "cap", y, labels=lab, constellation="qam16")
    with pytest.raises(datasets.DatasetError, match=expect) as e:
        datasets.make_dataset("file", path=path)
    assert ("cap." in str(e.value)) or ("none.cfile" in str(e.value)) or ("cut.cfile" in str(e.value))


def _train_cli(capsys, *args):
    code = train.main(list(args))
    return code, capsys.readouterr().err


def test_file_and_dataset_options_conflict(tmp_path, capsys):
    y, lab = _distorted(2000)
    meta = write_recording(tmp_path / "cap", y, labels=lab, constellation="qam16")
    out = str(tmp_path / "m.onnx")
    for args, expect in (
            (["--file", meta, "--dataset", "qam16"], "contradicts --dataset qam16"),
            (["--file", meta, "--dataset", "swissroll"], "contradicts --dataset swissroll"),
            (["--file", meta, "--order", "16"], "--order"),
            (["--file", meta, "--bits", "4"], "--bits"),
            (["--file", meta, "--full-scale", "1.0"], "--full-scale"),
            (["--dataset", "file"], "needs the capture: --file PATH"),
            (["--all-shipped", "--file", meta], "contradicts --file/--dataset"),
            (["--file", str(tmp_path / "nothing.sigmf-meta")], "cannot open SigMF metadata file")):
        code, err = _train_cli(capsys, *args, "--out", out if "--all-shipped" not in args else str(tmp_path))
        assert code == 2, (args, err)
        assert err.startswith("ddpm-train: error:") and expect in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "m.onnx").exists()


def test_file_implies_the_file_dataset_and_the_model_keeps_the_capture(tmp_path, capsys):
    """--file alone trains on the capture (not 16-QAM): the model file has the learned constellation, the
    power scale and the estimator statistics, and the C++ reader reads them back."""
    pytest.importorskip("torch")
    from gnuradio.ddpm.modelfile.reader import load_model
    y, lab = _distorted(3000, power=0.05)
    meta = write_recording(tmp_path / "cap", y, labels=lab, constellation="qam16")
    out = tmp_path / "mine.onnx"
    code = train.main(["--file", meta, "--steps", "20", "--batch", "64", "--hidden", "8", "--depth", "1", "--T", "10",
                       "--quiet", "--out", str(out)])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    assert "capture cap.sigmf-meta: 3000 samples, power 0.05" in cap.out and "labels qam16" in cap.out, cap.out
    m = load_model(out)
    ds = datasets.make_dataset("file", path=meta)
    assert m.dataset == "file" and m.bits_per_symbol == 4
    assert m.power_scale == pytest.approx(ds.power_scale, rel=1e-12) and abs(m.power_scale - np.sqrt(20)) < 0.1
    np.testing.assert_allclose(m.constellation, ds.constellation, atol=1e-6)         # complex64 in the reader
    assert json.loads(m.metadata["ddpm.dataset_params"])["labels"] == "qam16"
    for k in ("ddpm.signal_kurtosis", "ddpm.dd_floor"):
        assert float(m.metadata[k]) == pytest.approx(float(ds.extra_metadata[k]), rel=1e-12)

