"""Quick settings of every ddpm-eval experiment, through the C++ kernel and the shipped models.

Asserted regardless of model quality: the exact MMSE is never worse than the raw observation; the ML SER in
AWGN equals the closed form within the Monte-Carlo tolerance; no detector beats ML beyond that tolerance; MI
never exceeds capacity and uniform-QAM MI matches its independent anchors; Dask and serial runs give identical
numbers for the same seeds. These tests fail (not skip) when the kernel binding or a model is missing.
"""
import math
import os

import numpy as np
import pytest

from gnuradio.ddpm.evaluation import runner as evaluation
from gnuradio.ddpm.core import estimators as baselines
from gnuradio.ddpm.modelfile.lookup import find_model

_RESULTS = {}


def _need(models):
    try:
        from gnuradio import ddpm
        ddpm.ddpm_sampler
    except (ImportError, AttributeError) as e:
        pytest.fail(f"the DDPM kernel binding (gnuradio.ddpm.ddpm_sampler) is missing: {e}")
    for m in models:
        try:
            find_model(m)
        except FileNotFoundError as e:
            pytest.fail(f"model {m} missing ({e}); run `make models`")


def _quick(name):
    """Run an experiment's quick setting once per session (serial), with plots, into a temp dir."""
    if name not in _RESULTS:
        _need(evaluation.EXPERIMENTS[name].models)
        import tempfile
        out = tempfile.mkdtemp(prefix=f"ddpm-eval-{name}-")
        _RESULTS[name] = evaluation.run_experiment(name, "quick", out=out, serial=True, progress=False)
    return _RESULTS[name]


def _by(rows, **kw):
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def _one(rows, **kw):
    rs = _by(rows, **kw)
    assert len(rs) == 1, (kw, len(rs))
    return rs[0]


def _points(rows, keys):
    return sorted({tuple(r[k] for k in keys) for r in rows if r["method"] == "raw"})


def _check_outputs(res, name):
    assert os.path.getsize(res.csv) > 0 and os.path.getsize(res.png) > 1000
    back = evaluation.read_csv(res.csv)
    assert [r["method"] for r in back] == [r["method"] for r in res.rows]
    assert [r.get("mse") for r in back] == [r.get("mse") for r in res.rows]
    for r in res.rows:
        for k in ("mse", "nmse_db", "cosine", "ser", "ber", "mi"):
            if k in r:
                assert math.isfinite(r[k]), (name, r)
        if "cosine" in r:
            assert -1.0 - 1e-12 <= r["cosine"] <= 1.0 + 1e-12


def _check_mmse_ml(rows, keys, with_ser=True):
    """MMSE <= raw MSE at every point; every detector's SER >= ML SER - 4 sigma (ML is optimal; sigma of a
    SER estimate is sqrt(p(1-p)/n), the difference of two estimates on the same symbols is at most twice that)."""
    for key in _points(rows, keys):
        sel = dict(zip(keys, key))
        raw, opt = _one(rows, method="raw", **sel), _one(rows, method="mmse_ml", **sel)
        assert opt["mse"] <= raw["mse"], sel
        if with_ser:
            n = opt["n"]
            tol = 8.0 * math.sqrt(max(opt["ser"] * (1 - opt["ser"]), 1.0 / n) / n)
            for r in _by(rows, **sel):
                if r["method"] not in ("closed_form", "mmse_ml") and "ser" in r:
                    assert r["ser"] >= opt["ser"] - tol, (sel, r["method"], r["ser"], opt["ser"])


def _check_ml_closed_form(rows):
    """ML SER in AWGN vs the exact closed form: |ser - P| <= 4 sqrt(P(1-P)/n) (binomial std, 4 sigma)."""
    checked = 0
    for r in _by(rows, method="mmse_ml", noise="gaussian"):
        m = int(r["constellation"][3:])
        p = baselines.ser_qam_awgn(m, r["snr_db"])
        assert abs(r["ser"] - p) <= 4.0 * math.sqrt(p * (1 - p) / r["n"]) + 1e-12, (r, p)
        cf = _one(rows, method="closed_form", constellation=r["constellation"], noise="gaussian",
                  snr_db=r["snr_db"])
        assert cf["ser"] == pytest.approx(p)
        checked += 1
    assert checked > 0


def test_mse_quick():
    res = _quick("mse")
    _check_outputs(res, "mse")
    rows = res.rows
    assert {r["noise"] for r in rows} == {"gaussian", "laplacian"}
    _check_mmse_ml(rows, ["constellation", "noise", "snr_db"])
    _check_ml_closed_form(rows)
    # the kernel ran: every DDPM sampler changed the observation
    for key in _points(rows, ["constellation", "noise", "snr_db"]):
        sel = dict(zip(["constellation", "noise", "snr_db"], key))
        raw = _one(rows, method="raw", **sel)["mse"]
        for m in ("ddpm_paper", "ddpm_matched", "ddpm_ddim"):
            assert _one(rows, method=m, **sel)["mse"] != raw


def test_ber_quick():
    res = _quick("ber")
    _check_outputs(res, "ber")
    _check_mmse_ml(res.rows, ["constellation", "noise", "snr_db"])
    _check_ml_closed_form(res.rows)
    for r in _by(res.rows, method="mmse_ml"):
        # Gray approximation of the BER, accurate to a few % at >= 5 dB; 4 sigma over symbols (bits of one
        # symbol are correlated, so n symbols is the conservative sample size) plus 10 % model error
        p = baselines.ber_qam_awgn_approx(int(r["constellation"][3:]), r["snr_db"])
        assert abs(r["ber"] - p) <= 4.0 * math.sqrt(p / r["n"]) + 0.1 * p, (r, p)


def test_kappa_quick():
    res = _quick("kappa")
    _check_outputs(res, "kappa")
    _check_mmse_ml(res.rows, ["constellation", "kappa_r"])
    krs = sorted({r["kappa_r"] for r in res.rows})
    assert krs[0] == 0.0 and krs[-1] == pytest.approx(0.15 ** 2)


def test_mimo_quick():
    res = _quick("mimo")
    _check_outputs(res, "mimo")
    _check_mmse_ml(res.rows, ["antennas", "csi", "snr_db"])
    # 4 antennas with MRT: array gain and distortion averaging; the equalised raw NMSE must be far better
    # than one antenna at the same SNR (theory: about -16 dB vs about -3 dB here, heavy-tailed 1/|h|^2)
    one = _one(res.rows, method="raw", antennas=1, csi=0, snr_db=10.0)["nmse_db"]
    four = _one(res.rows, method="raw", antennas=4, csi=1, snr_db=10.0)["nmse_db"]
    assert four < one - 6.0


def test_swissroll_quick():
    res = _quick("swissroll")
    _check_outputs(res, "swissroll")
    rows = res.rows
    for b in (4, 8):
        raw, mmse = _one(rows, method="raw", quant_bits=b), _one(rows, method="mmse", quant_bits=b)
        # a Monte-Carlo MMSE (2000-point empirical prior) is not exactly optimal, but at 20 dB it must beat
        # using the observation as is
        assert mmse["mse"] < raw["mse"]
    # coarser quantisation adds error var Delta^2/6 = 0.0067 at 4 bits vs 0.01 noise: visible in the raw MSE
    assert _one(rows, method="raw", quant_bits=4)["mse"] > _one(rows, method="raw", quant_bits=8)["mse"]


def test_shaping_quick():
    res = _quick("shaping")
    _check_outputs(res, "shaping")
    rows = res.rows
    snr = 10.0
    cap = math.log2(1 + 10 ** (snr / 10))
    get = lambda nz, m: _one(rows, constellation="qam16", noise=nz, method=m, snr_db=snr)  # noqa: E731
    for nz in ("gaussian", "laplacian", "hardware"):
        for m in ("uniform", "ddpm", "mb", "ba"):
            r = get(nz, m)
            assert 0 < r["mi"] <= cap and r["gap"] == pytest.approx(cap - r["mi"])
            assert r["net_256"] <= r["net_1024"] + 1e-12 <= r["net_4096"] + 2e-12 <= r["mi"] + 3e-12
        # Blahut-Arimoto is the best PMF for its channel (to its tolerance)
        assert get(nz, "ba")["mi"] >= max(get(nz, m)["mi"] for m in ("uniform", "ddpm", "mb")) - 1e-4
    # independent anchor: uniform 16-QAM at 10 dB, Monte Carlo 2e5 samples: 3.165 +- 0.005
    assert abs(get("gaussian", "uniform")["mi"] - 3.165) < 0.006
    # the target: MB gains >= 0.09 bit over uniform at 10 dB (exact quadrature)
    assert get("gaussian", "mb")["mi"] >= get("gaussian", "uniform")["mi"] + 0.09
    # the DDPM shaper trained on uniform symbols: its PMF is uniform up to sampling error, so is its MI
    assert abs(get("gaussian", "ddpm")["mi"] - get("gaussian", "uniform")["mi"]) < 0.01


def test_dask_and_serial_give_identical_numbers():
    """A tiny threaded LocalCluster vs serial on the same points: identical rows (kernel threads differ too:
    1 on the workers, all cores in serial mode, and the kernel's output must not depend on that)."""
    _need(("qam16",))
    client, cluster = evaluation.make_client(workers=2, processes=False)
    try:
        for name, pts in (("mse", [0, 3]), ("mimo", [1]), ("shaping", [0])):
            a = evaluation.run_experiment(name, "quick", serial=True, progress=False, points=pts)
            b = evaluation.run_experiment(name, "quick", client=client, progress=False, points=pts)
            assert len(a.rows) == len(b.rows) > 0
            for ra, rb in zip(a.rows, b.rows):
                assert ra == rb, name
            # and the seed matters: another base seed changes the Monte-Carlo numbers
            c = evaluation.run_experiment(name, "quick", serial=True, progress=False, points=pts[:1],
                                          base_seed=evaluation.DEFAULT_SEED + 1)
            assert c.rows[0]["seed"] != a.rows[0]["seed"]
    finally:
        client.close()
        cluster.close()
