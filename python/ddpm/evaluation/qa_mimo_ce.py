"""ddpm-eval mimo-ce --quick: the long-format CSV, every method, and model-independent facts (LMMSE beats LS,
LS at 30 dB sits near its floor 10 log10(1 - Np/Nt) for these correlated channels or below, the same seeds give
the same rows)."""
import math

import pytest

from gnuradio.ddpm.evaluation import runner
from gnuradio.ddpm.evaluation.mimo_ce import METHODS, run_point, points, SETTINGS
from gnuradio.ddpm.modelfile.lookup import find_model


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    for m in runner.EXPERIMENTS["mimo-ce"].models:
        try:
            find_model(m)
        except FileNotFoundError as e:
            pytest.fail(f"model {m} missing ({e}); run `make models-mimo`")
    return runner.run_experiment("mimo-ce", "quick", out=str(tmp_path_factory.mktemp("mimo-ce")), serial=True,
                                 progress=False)


def test_csv_long_format_and_methods(res):
    back = runner.read_csv(res.csv)
    assert len(back) == len(res.rows) == len(METHODS) * len(points(SETTINGS["quick"]))
    for r in back:
        assert {"split", "snr_db", "method", "nmse_db", "latency_ms"} <= set(r)
        assert math.isfinite(r["nmse_db"]) and r["latency_ms"] >= 0
    assert {r["method"] for r in back} == set(METHODS)


def test_model_independent_facts(res):
    by = {(r["snr_db"], r["method"]): r["nmse_db"] for r in res.rows}
    for snr in SETTINGS["quick"]["snrs"]:
        assert by[(snr, "lmmse")] < by[(snr, "ls")]
        assert by[(snr, "lmmse_oracle")] < by[(snr, "ls")]
    assert by[(30.0, "ls")] > 10 * math.log10(1 - 16 / 32) - 3.0


def test_same_seed_same_rows(res):
    p = points(SETTINGS["quick"])[0]
    seed = runner.point_seed(runner.DEFAULT_SEED, "mimo-ce", p)
    again = run_point(p, seed)
    first = [r for r in res.rows if r["snr_db"] == p["snr_db"]]
    assert [(r["method"], r["nmse_db"]) for r in again] == [(r["method"], r["nmse_db"]) for r in first]
