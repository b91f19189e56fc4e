"""``ddpm-eval hardware`` (quick setting: the cheap-SDR case at 10 and 25 dB, short training) and its parts.

Asserted: every receiver gives a row at every Es/N0 with sane metrics; the genie (posterior under a fresh
capture of the transmitter) has the lowest MSE within a tolerance; the receivers that learned the hardware beat
the textbook slicer at 25 dB by more than the Monte-Carlo error; GNU Radio's calcdist decisions are the
nearest learned centre; ``cheap_transmitter`` (shaping) is the PA preset plus a per-symbol phase error.
"""
import math
import os

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.evaluation import hardware as hw
from gnuradio.ddpm.evaluation import runner

_RES = {}


def _quick():
    if "r" not in _RES:
        import tempfile
        out = tempfile.mkdtemp(prefix="ddpm-eval-hardware-")
        _RES["r"] = runner.run_experiment("hardware", "quick", out=out, serial=True, progress=False)
    return _RES["r"]


def _row(rows, **kw):
    rs = [r for r in rows if all(r.get(k) == v for k, v in kw.items())]
    assert len(rs) == 1, (kw, len(rs))
    return rs[0]


def test_quick_run_has_every_receiver_and_writes_outputs():
    res = _quick()
    cfg = runner.EXPERIMENTS["hardware"].settings["quick"]
    assert len(res.rows) == len(cfg["cases"]) * len(cfg["snrs"]) * len(hw.METHODS)
    for r in res.rows:
        assert r["experiment"] == "hardware" and r["method"] in hw.METHODS
        assert 0.0 <= r["ser"] <= 1.0 and 0.0 <= r["ber"] <= 1.0 and math.isfinite(r["mse_db"])
        assert r["ddpm_loss"] > 0 and r["evm_db"] < -10
    assert os.path.getsize(res.csv) > 0 and os.path.getsize(res.png) > 1000
    back = runner.read_csv(res.csv)
    assert len(back) == len(res.rows)
    assert "| genie |" in hw.tables(res.rows).replace("  ", " ")


def test_genie_has_the_lowest_mse_within_tolerance():
    res = _quick()
    for snr in runner.EXPERIMENTS["hardware"].settings["quick"]["snrs"]:
        g = _row(res.rows, case="cheap_sdr", snr_db=snr, method="genie")
        for m in hw.METHODS:
            r = _row(res.rows, case="cheap_sdr", snr_db=snr, method=m)
            # a mean of n exponential-like squared errors: relative standard error ~ 1/sqrt(n) (x2: heavier
            # tails); 5 standard errors of each, plus 0.5 dB for the genie's finite dictionary
            tol_db = 10 * math.log10(1 + 5 * 2 / math.sqrt(r["n"])) * 2 + 0.5
            assert g["mse_db"] <= r["mse_db"] + tol_db, (snr, m, g["mse_db"], r["mse_db"])


def test_learned_receivers_beat_the_textbook_slicer_at_high_snr():
    res = _quick()
    t = _row(res.rows, case="cheap_sdr", snr_db=25.0, method="textbook")
    n = t["n"]
    for m in ("ddpm", "centroids", "gaussian", "genie", "dnn"):
        r = _row(res.rows, case="cheap_sdr", snr_db=25.0, method=m)
        # SER difference beyond 4 binomial standard errors of the textbook's SER
        assert r["ser"] < t["ser"] - 4 * math.sqrt(t["ser"] * (1 - t["ser"]) / n), (m, r["ser"], t["ser"])
        assert r["mse_db"] < t["mse_db"] - 3.0, (m, r["mse_db"], t["mse_db"])


def test_calcdist_decisions_are_the_nearest_learned_centre():
    rng = np.random.default_rng(3)
    centres = constellations.qam(16) * 0.9 * np.exp(0.05j) + 0.03
    y = 1.5 * (rng.standard_normal(5000) + 1j * rng.standard_normal(5000))
    y = y.astype(np.complex64).astype(np.complex128)      # the decoder block sees complex64
    assert np.array_equal(hw.calcdist_decisions(y, centres), constellations.nearest(y, centres))


def test_cheap_transmitter_is_the_pa_preset_plus_phase_error():
    from gnuradio.ddpm.evaluation.experiments import cheap_transmitter
    s = constellations.qam(16)[np.random.default_rng(4).integers(0, 16, 2000)]
    got = cheap_transmitter(s, np.random.default_rng(9))
    # written out independently: Rapp p = 2, A_sat = 1; AM/PM 5 deg at the peak power 1.8 (beta = 1)
    r = np.abs(s)
    phi = np.deg2rad(5.0) * 2.8 / 1.8 * r ** 2 / (1 + r ** 2) + np.deg2rad(3.0) * np.random.default_rng(9).standard_normal(2000)
    want = r / (1 + r ** 4) ** 0.25 * np.exp(1j * (np.angle(s) + phi))
    want /= np.sqrt(np.mean(np.abs(want) ** 2))
    np.testing.assert_allclose(got, want, atol=1e-12)
