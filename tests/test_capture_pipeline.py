"""Capture -> train -> deploy (docs/training.md): a model made from a labelled capture of power != 1 works in the
blocks. The noise estimate of the denoiser is within 1 dB of the truth from 5 to 25 dB, its hard decisions are
the learned constellation, the shaper takes that constellation, the example records a SigMF capture with
labels, and ddpm-eval --model evaluates a model file.

The model files here are written with the package's writer (``modelfile.writer.export_onnx``) from random
weights and a capture's statistics (what ``ddpm-train`` stores): the noise estimate and the decisions do not
depend on the network, so no training and no torch are needed.
"""
import json
import os
import sys

import numpy as np
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.channel import HARDWARE_PRESETS, apply_impairments
from gnuradio.ddpm.core.recording import read_recording, write_recording
from gnuradio.ddpm.modelfile import schedule
from gnuradio.ddpm.modelfile.writer import export_onnx
from gnuradio.ddpm.training.capture import load_capture

import ddpm_fixtures  # tests/fixtures

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QAM16 = constellations.qam(16)


def _hardware(n, seed, preset="cheap_sdr", power=0.2):
    """(labels int [n], clean capture complex128 [n]) of 16-QAM through the injector's hardware preset at
    signal power ``power`` (the recording's physical power)."""
    lab = np.random.default_rng(seed).integers(0, 16, n)
    y, _ = apply_impairments(QAM16[lab], snr_db=300.0, power=power, seed=seed + 1, **HARDWARE_PRESETS[preset])
    return lab, y


def _model_from_capture(tmp_path, preset="cheap_sdr", power=0.2, n=60000, name="cap"):
    lab, y = _hardware(n, 1, preset, power)
    meta = write_recording(tmp_path / name, y, labels=lab, constellation="qam16")
    cap = load_capture(meta)
    betas = schedule.make_betas("sigmoid", 100)
    path = str(tmp_path / f"{name}.onnx")
    export_onnx(path, ddpm_fixtures.random_weights(H=16, D=2, T=100, seed=3), betas, schedule="sigmoid",
                dataset="file", dataset_params=cap.params, power_scale=cap.power_scale,
                constellation=cap.constellation, bits_per_symbol=cap.bits_per_symbol, train_seed=0,
                extra_metadata=cap.extra_metadata)
    return path, cap


def _run_denoiser(model, x, **kw):
    src = blocks.vector_source_c(np.asarray(x, np.complex64).tolist(), False)
    den = ddpm.denoiser_cc(model, **kw)
    snk = blocks.vector_sink_c()
    tb = gr.top_block()
    tb.connect(src, den, snk)
    tb.run()
    return den, np.asarray(snk.data(), dtype=np.complex128)


@pytest.mark.parametrize("preset, power", [("cheap_sdr", 0.2), ("pa", 7.0)])
def test_noise_estimate_with_a_file_trained_model_of_power_not_one(tmp_path, preset, power):
    """snr_db = NaN: the estimate handed to the kernel (model units) is within 1 dB of the noise added to a
    fresh capture of the same transmitter, Es/N0 = 5..25 dB relative to the capture's power. One batch of
    B = 32768 samples per SNR: the decision-directed estimate minus the clean floor has a relative standard
    deviation of about sqrt(var|e|^2 / B) / N ~ 6 % at 25 dB for the cheap SDR (floor ~ 10 x N), so 1 dB
    (26 %) is > 4 sigma."""
    path, cap = _model_from_capture(tmp_path, preset, power)
    ps = cap.power_scale
    B = 32768
    for k, snr in enumerate((5.0, 10.0, 15.0, 20.0, 25.0)):
        _, y = _hardware(B, 100 + k, preset, power)
        nv = np.mean(np.abs(y) ** 2) * 10 ** (-snr / 10)                       # physical units
        r = np.random.default_rng(200 + k)
        x = y + np.sqrt(nv / 2) * (r.standard_normal(B) + 1j * r.standard_normal(B))
        den, _ = _run_denoiser(path, x, snr_db=float("nan"), batch=B, equalize=0, threads=1)
        assert den.noise_source() == "estimate"
        err_db = 10 * np.log10(den.last_noise_var() / (nv * ps ** 2))
        assert abs(err_db) <= 1.0, f"{preset} at {snr} dB: estimate off by {err_db:.2f} dB"


def test_hard_decisions_use_the_learned_constellation(tmp_path):
    """output = 1 with a file-trained model: every output is a learned centre (physical units) and the
    decisions beat the textbook slicer on the cheap SDR at 20 dB (learned-hardware note: 15x fewer errors;
    asserted: fewer than half, with about 900 textbook errors in 20 000 symbols)."""
    path, cap = _model_from_capture(tmp_path)
    n = 20000
    lab, y = _hardware(n, 50)
    nv = np.mean(np.abs(y) ** 2) * 10 ** (-20 / 10)
    r = np.random.default_rng(51)
    x = y + np.sqrt(nv / 2) * (r.standard_normal(n) + 1j * r.standard_normal(n))
    _, out = _run_denoiser(path, x, snr_db=float("nan"), batch=4096, equalize=0, output=1, threads=1)
    centres = cap.constellation / cap.power_scale
    idx = constellations.nearest(out, centres)
    np.testing.assert_allclose(out, centres[idx], rtol=0, atol=1e-5 * np.abs(centres).max())
    ser_learned = np.mean(idx != lab)
    ser_textbook = np.mean(constellations.nearest(x * cap.power_scale, QAM16) != lab)
    assert ser_textbook > 0.02 and ser_learned < 0.5 * ser_textbook, (ser_learned, ser_textbook)


def test_shaper_takes_the_learned_constellation(tmp_path):
    path, cap = _model_from_capture(tmp_path, n=20000)
    sh = ddpm.shaper(model=path, pmf_source="uniform")
    pts = np.asarray(sh.points(), dtype=np.complex128)
    c = cap.constellation / np.sqrt(np.mean(np.abs(cap.constellation) ** 2))   # uniform PMF, unit power
    np.testing.assert_allclose(pts, c, atol=1e-6)


def test_example_records_a_labelled_sigmf_capture(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import capture_hardware
    finally:
        sys.path.pop(0)
    meta = capture_hardware.record(str(tmp_path / "ex"), n=3000, preset="cheap_sdr", power=0.5, seed=4)
    md = json.loads(open(meta).read())["global"]
    assert md["core:datatype"] == "cf32_le" and md["ddpm:hardware"]["preset"] == "cheap_sdr"
    rec = read_recording(meta)
    assert rec.samples.shape == (3000,) and rec.constellation == "qam16"
    np.testing.assert_array_equal(rec.labels, np.random.default_rng(4).integers(0, 16, 3000))
    cap = load_capture(meta)
    assert cap.constellation.shape == (16,) and cap.power_scale == pytest.approx(1 / np.sqrt(
        np.mean(np.abs(rec.samples) ** 2)), rel=1e-12)
    # the recording is the injector's output for those symbols: with the deterministic PA preset, the same
    # hardware in numpy gives the same samples
    rec = read_recording(capture_hardware.record(str(tmp_path / "pa"), n=3000, preset="pa", power=0.5, seed=4))
    y, _ = apply_impairments(QAM16[rec.labels], snr_db=300.0, power=0.5, seed=4, **HARDWARE_PRESETS["pa"])
    np.testing.assert_allclose(rec.samples, y, atol=1e-5)
    assert np.max(np.abs(y - np.sqrt(0.5) * QAM16[rec.labels])) > 0.05          # the PA did distort


def test_ddpm_eval_model_path(tmp_path, capsys):
    """ddpm-eval --model PATH evaluates that file (recorded with its hash); bad paths are clear errors."""
    from gnuradio.ddpm.evaluation import runner
    path, _ = _model_from_capture(tmp_path, n=20000)
    out = tmp_path / "eval"
    code = runner.main(["mse", "--quick", "--serial", "--no-progress", "--model", path, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    meta = json.loads((out / "mse.json").read_text())
    assert list(meta["models"]) == [path] and len(meta["models"][path]["sha256"]) == 64
    assert meta["config"]["common"]["model"] == path and meta["config"]["orders"] == [16]
    rows = runner.read_csv(str(out / "mse.csv"))
    assert {r["method"] for r in rows} >= {"ddpm_ddim", "mmse_ml"}
    # bad paths and a model that does not fit: exit 2, one line, no traceback
    not_model = tmp_path / "x.onnx"
    not_model.write_bytes(b"not a model")
    for args, expect in ((["--model", str(tmp_path / "missing.onnx")], "not found"),
                         (["--model", str(not_model)], "not a usable gr-ddpm model file"),
                         (["--model", "swissroll"], "has no constellation")):
        code = runner.main(["mse", "--quick", "--serial", "--no-progress", "--out", str(out), *args])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("ddpm-eval: error: --model") and expect in err, err
    # all: the experiments the model fits run, the others are skipped with a line each (--replot: nothing
    # runs; it then stops at the first experiment without a CSV, ber)
    code = runner.main(["all", "--replot", "--model", path, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "skipping swissroll" in err and "skipping mse" not in err and "ber.csv" in err, err


@pytest.mark.parametrize("key, value", [("ddpm.dd_floor", "-0.1"), ("ddpm.dd_floor", "nan"),
                                        ("ddpm.signal_kurtosis", "0.5"), ("ddpm.signal_kurtosis", "1e7")])
def test_bad_estimator_metadata_is_refused_at_load(tmp_path, key, value):
    from gnuradio.ddpm.modelfile.reader import ModelFormatError, load_model
    path = str(tmp_path / "m.onnx")
    export_onnx(path, ddpm_fixtures.random_weights(H=8, D=1, T=10, seed=0), schedule.make_betas("sigmoid", 10),
                schedule="sigmoid", dataset="file", power_scale=2.0, train_seed=0, extra_metadata={key: value})
    with pytest.raises(ModelFormatError, match=f"bad metadata '{key}'"):
        load_model(path)
    with pytest.raises(Exception, match=f"bad metadata '{key}'"):
        ddpm.denoiser_cc(path)
