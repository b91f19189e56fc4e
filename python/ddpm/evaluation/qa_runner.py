"""Unit tests of the ddpm-eval framework that need no model: seeds, CSV, tables, the MISO channel, the CLI's
error handling. The experiments themselves are tested in python/ddpm/evaluation/qa_experiments.py."""
import subprocess
import sys

import pytest

from gnuradio.ddpm.evaluation import runner as evaluation


def test_point_seed_depends_on_every_part_only():
    p = {"order": 16, "snr_db": 0.0}
    s = evaluation.point_seed(1, "mse", p)
    assert 0 <= s < 2 ** 63
    # key order does not matter (canonical JSON), every component does
    assert evaluation.point_seed(1, "mse", {"snr_db": 0.0, "order": 16}) == s
    others = {evaluation.point_seed(2, "mse", p), evaluation.point_seed(1, "ber", p),
              evaluation.point_seed(1, "mse", {"order": 16, "snr_db": 5.0})}
    assert s not in others and len(others) == 3


def test_every_experiment_has_quick_and_full_with_distinct_seeds():
    for name, e in evaluation.EXPERIMENTS.items():
        for setting in ("quick", "full"):
            pts = e.points(e.settings[setting])
            assert pts, (name, setting)
            seeds = [evaluation.point_seed(evaluation.DEFAULT_SEED, name, p) for p in pts]
            assert len(set(seeds)) == len(seeds), f"{name}/{setting}: two points share a seed"


def test_csv_round_trip(tmp_path):
    rows = [{"experiment": "x", "method": "raw", "mse": 0.1 + 1e-17 * 3, "n": 5, "snr_db": -30.0},
            {"experiment": "x", "method": "dnn", "mse": 1 / 3, "ser": 0.25, "n": 7, "snr_db": 2.5}]
    p = evaluation.write_csv(rows, str(tmp_path / "a.csv"))
    back = evaluation.read_csv(p)
    assert back == rows                        # repr floats: exact round trip; missing cells dropped


def test_markdown_table_pivots():
    rows = [{"m": "a", "x": 1, "v": 0.5}, {"m": "a", "x": 2, "v": 0.25}, {"m": "b", "x": 1, "v": float("nan")}]
    t = evaluation.markdown_table(rows, ["m"], "x", "v", "{:.2f}").splitlines()
    assert t[0] == "| m | 1 | 2 |"
    assert t[2] == "| a | 0.50 | 0.25 |"
    assert t[3] == "| b | – | – |"


def test_unknown_experiment_and_setting():
    with pytest.raises(ValueError, match="unknown experiment"):
        evaluation.run_experiment("nope")
    with pytest.raises(ValueError, match="unknown setting"):
        evaluation.run_experiment("mse", "medium")


def test_cli_usage_errors():
    r = subprocess.run([sys.executable, "-m", "gnuradio.ddpm.evaluation.runner", "nope", "--serial"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown experiment" in r.stderr
    r = subprocess.run([sys.executable, "-m", "gnuradio.ddpm.evaluation.runner", "mse", "--workers", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--workers" in r.stderr


def test_markdown_table_floor():
    rows = [{"m": "a", "x": 1, "v": -3000.0}, {"m": "a", "x": 2, "v": -12.34}]
    t = evaluation.markdown_table(rows, ["m"], "x", "v", "{:.1f}", floor=-100).splitlines()
    assert t[2] == "| a | < -100 | -12.3 |"
