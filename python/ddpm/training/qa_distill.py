"""Distillation of a fast student (gnuradio.ddpm.training.distill, ``ddpm-train --distill``).

A tiny teacher trained here on a cosine schedule with T = 12 (not the shipped sigmoid T = 100, so nothing can
pass by assuming those) is distilled into a smaller student; the student file must carry the teacher's
schedule and data metadata, and the distillation must actually bring the student's posterior mean towards
the teacher's. The shipped qam16_fast model's accuracy is tested in tests/test_fast_receiver.py (no torch).
"""
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gnuradio.ddpm.modelfile import schedule as sched  # noqa: E402
from gnuradio.ddpm.modelfile.reader import load_model  # noqa: E402
from gnuradio.ddpm.training import datasets, distill  # noqa: E402
from gnuradio.ddpm.training.train import SHIPPED, TrainConfig, train_and_export  # noqa: E402


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A small trained QAM-4 teacher (H=16, D=2, T=12, cosine schedule): its path."""
    p = tmp_path_factory.mktemp("distill") / "teach.onnx"
    train_and_export(datasets.make_dataset("qam4"), str(p),
                     TrainConfig(T=12, schedule="cosine", hidden=16, depth=2, steps=150, batch=256, seed=2),
                     progress=False)
    return str(p)


def test_noise_cells_follow_the_start_step_rule():
    """Every noise level drawn inside cell t is mapped to t by the one start-step rule, for a non-sigmoid
    schedule; the cells tile the whole range [40 dB, -15 dB] without gaps."""
    for betas in (sched.make_betas("cosine", 37), sched.make_betas("linear", 200)):
        ab = sched.alpha_bar(betas)
        lo, hi = distill.noise_cells(ab)
        assert lo.shape == hi.shape == ab.shape and np.all(lo < hi)
        np.testing.assert_allclose(lo[1:], hi[:-1], rtol=0, atol=0)
        assert lo[0] <= 10 ** -4 / 2 and hi[-1] >= 10 ** 1.5 / 2
        rng = np.random.default_rng(1)
        u = rng.uniform(0.001, 0.999, (50, ab.size))
        s = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))         # per real dimension
        k = sched.start_step(ab, (2 * s).reshape(-1)).reshape(s.shape)
        assert np.array_equal(k, np.broadcast_to(np.arange(ab.size), s.shape))


def test_student_copies_schedule_and_metadata(teacher, tmp_path):
    out = tmp_path / "fast.onnx"
    res, _ = distill.distill_and_export(teacher, str(out), distill.DistillConfig(hidden=6, steps=3, pool=16,
                                                                                 batch=64), progress=False)
    t, s = load_model(teacher), load_model(out)
    assert (s.T, s.hidden, s.depth) == (t.T, 6, t.depth)
    assert np.array_equal(s.betas, t.betas)                 # bit for bit: the teacher's stored schedule
    assert s.metadata["ddpm.schedule"] == t.metadata["ddpm.schedule"] == "cosine"
    assert (s.dataset, s.bits_per_symbol, s.power_scale) == (t.dataset, t.bits_per_symbol, t.power_scale)
    assert np.array_equal(s.constellation, t.constellation)
    assert s.metadata["ddpm.dataset_params"] == t.metadata["ddpm.dataset_params"]
    assert s.metadata["ddpm.distilled_from"] == "teach" and s.metadata["ddpm.teacher_hidden"] == "16"
    assert res.rel_gap.shape == (t.T,) and np.all(np.isfinite(res.rel_gap))


def test_distillation_brings_the_student_to_the_teacher(teacher):
    """The weighted loss falls, and the student's predicted posterior-mean gap to the teacher (validation on
    a fresh draw) shrinks well below that of an untrained student of the same size."""
    cfg = dict(hidden=12, pool=512, batch=512, seed=3)
    short = distill.distill(teacher, distill.DistillConfig(steps=1, **cfg), progress=False)
    res = distill.distill(teacher, distill.DistillConfig(steps=300, **cfg), progress=False)
    assert np.mean(res.losses[-20:]) < 0.2 * np.mean(res.losses[:5])
    assert np.mean(res.rel_gap) < 0.2 * np.mean(short.rel_gap), (res.rel_gap, short.rel_gap)


def test_teacher_without_constellation_is_refused(tmp_path):
    p = tmp_path / "roll.onnx"
    train_and_export(datasets.make_dataset("swissroll"), str(p),
                     TrainConfig(T=5, hidden=4, depth=1, steps=2, batch=16), progress=False)
    m = load_model(p)
    m.dataset = "file"                     # a recording: nothing to draw from
    with pytest.raises(distill.DistillError, match="no constellation"):
        distill._data_sampler(m)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gnuradio.ddpm.training.train", *args], capture_output=True,
                          text=True, timeout=300)


def test_cli(teacher, tmp_path):
    out = tmp_path / "s.onnx"
    r = _cli("--distill", teacher, "--hidden", "5", "--steps", "4", "--batch", "32", "--quiet", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "distilled from" in r.stdout
    m = load_model(out)
    assert m.hidden == 5 and m.metadata["ddpm.train_steps"] == "4"
    for bad in (str(tmp_path / "missing.onnx"), str(out) + "x"):
        r = _cli("--distill", bad, "--hidden", "5", "--steps", "4", "--quiet", "--out", str(tmp_path / "b.onnx"))
        assert r.returncode == 2, r.stderr
        err = r.stderr.strip()
        assert "Traceback" not in err and err.startswith("ddpm-train: error:") and len(err.splitlines()) == 1, err
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    r = _cli("--distill", str(junk), "--hidden", "5", "--steps", "4", "--quiet", "--out", str(tmp_path / "c.onnx"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and str(junk) in r.stderr, r.stderr


def test_shipped_fast_model_is_distilled_after_its_teacher():
    names = list(SHIPPED)
    for n, spec in SHIPPED.items():
        if "distill" in spec:
            assert spec["distill"] in SHIPPED and names.index(spec["distill"]) < names.index(n)
    assert SHIPPED["qam16_fast"]["distill"] == "qam16" and SHIPPED["qam16_fast"]["hidden"] < 128


def test_all_shipped_distils_from_the_teacher_just_made(teacher, tmp_path, monkeypatch, capsys):
    """`ddpm-train --all-shipped` (make models): a recipe with `distill` takes its teacher from --out (where the
    teacher was just remade), so the student follows a retrained teacher."""
    import shutil
    from gnuradio.ddpm.training import train as train_mod
    shutil.copy(teacher, tmp_path / "teach.onnx")
    monkeypatch.setattr(train_mod, "SHIPPED", {"teach_fast": dict(distill="teach", hidden=4, steps=2, pool=16,
                                                                  batch=32)})
    assert train_mod.main(["--all-shipped", "--out", str(tmp_path), "--quiet"]) == 0
    s, t = load_model(tmp_path / "teach_fast.onnx"), load_model(tmp_path / "teach.onnx")
    assert s.metadata["ddpm.distilled_from"] == "teach" and s.hidden == 4
    assert np.array_equal(s.betas, t.betas) and s.metadata["ddpm.schedule"] == "cosine"
    assert "teach_fast" in capsys.readouterr().out
