"""Flowgraph tests of ddpm.link_metrics: vector sources -> block, compared with gnuradio.ddpm.core.metrics on the
same (complex64) data; sliding window, message port, non-finite samples, reset, parameters, GRC template."""
import math
import os

import numpy as np
import pmt
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations as C
from gnuradio.ddpm.core import metrics as M

QAM16 = C.qam(16)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_data(n, snr_db, seed, points=QAM16):
    """(idx int64 [n], tx complex64 [n], rx complex64 [n]) for uniform symbols over AWGN at snr_db."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, points.shape[0], n)
    nv = 10 ** (-snr_db / 10)
    rx = points[idx] + math.sqrt(nv / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    return idx, points[idx].astype(np.complex64), rx.astype(np.complex64)


def run_block(tx, rx, **kw):
    """Run vector sources -> link_metrics (+ message debug). Returns (block, message_debug)."""
    tb = gr.top_block()
    s0 = blocks.vector_source_c(tx.tolist())
    s1 = blocks.vector_source_c(rx.tolist())
    lm = ddpm.link_metrics(**kw)               # kept in variables until the flowgraph has run
    dbg = blocks.message_debug()
    tb.connect(s0, (lm, 0))
    tb.connect(s1, (lm, 1))
    tb.msg_connect(lm, "metrics", dbg, "store")
    tb.run()
    return lm, dbg


def reference(tx, rx):
    """The metrics.py values on complex128 copies of the same complex64 data."""
    t, r = tx.astype(np.complex128), rx.astype(np.complex128)
    pct, db = M.evm(r, t)
    return dict(mse=M.mse(r, t), nmse_db=M.nmse_db(r, t), cosine=M.cosine_similarity(t, r), evm_percent=pct,
                evm_db=db, ser=M.ser(r, t, QAM16), ber=M.ber(r, t, QAM16), mi=M.mi_estimate(t, r, QAM16))


def test_cumulative_matches_metrics_module():
    n = 30_000
    idx, tx, rx = make_data(n, 8.0, 1)
    lm, dbg = run_block(tx, rx, constellation="qam16", window=0, update_period=7000)
    ref = reference(tx, rx)
    got = lm.metrics()
    assert got["n_samples"] == n and got["n_nonfinite"] == 0
    for k in ("mse", "nmse_db", "cosine", "evm_percent", "evm_db", "ser", "ber"):
        assert got[k] == pytest.approx(ref[k], rel=1e-9, abs=1e-12), k
    assert lm.mse() == got["mse"] and lm.ser() == got["ser"] and lm.ber() == got["ber"]
    assert lm.cosine() == got["cosine"] and lm.evm() == got["evm_percent"] and lm.nmse_db() == got["nmse_db"]
    # cumulative MI is accumulated per work call with the running variance estimate: it agrees with the
    # whole-record estimate within the 95 % CI of a Monte-Carlo MI estimate of the same size
    _, ci = M.mi_awgn_discrete(QAM16, snr_db=8.0, n_samples=n, seed=2)
    assert abs(lm.mi() - ref["mi"]) <= ci
    # messages: one per 7000 samples, each one the state after exactly k * 7000 samples
    assert dbg.num_messages() == n // 7000
    for k in range(dbg.num_messages()):
        msg = pmt.to_python(dbg.get_message(k))
        m = (k + 1) * 7000
        assert msg["n_total"] == m and msg["n_samples"] == m
        assert msg["mse"] == pytest.approx(M.mse(rx[:m], tx[:m]), rel=1e-9)
        assert msg["ser"] == pytest.approx(M.ser(rx[:m], tx[:m], QAM16), rel=1e-12)
        assert set(msg) >= {"mse", "nmse_db", "cosine", "evm_percent", "evm_db", "ser", "ber", "mi"}


def test_sliding_window_forgets_old_data():
    # first 20000 samples at 0 dB, then 5000 at 20 dB; a 5000-sample window must see only the clean part
    _, tx1, rx1 = make_data(20_000, 0.0, 3)
    _, tx2, rx2 = make_data(5_000, 20.0, 4)
    tx, rx = np.concatenate([tx1, tx2]), np.concatenate([rx1, rx2])
    lm, _ = run_block(tx, rx, constellation="qam16", window=5000, update_period=0)
    ref = reference(tx2, rx2)
    got = lm.metrics()
    assert got["n_samples"] == 5000
    for k, v in ref.items():              # a window is exactly metrics.py over the window, MI included
        assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-12), k
    whole = reference(tx, rx)
    assert got["mse"] < 0.1 * whole["mse"]      # the noisy past is gone
    assert got["mi"] > whole["mi"] + 0.5


def test_sliding_window_partially_filled_and_wraps():
    _, tx, rx = make_data(12_345, 6.0, 5)
    lm, dbg = run_block(tx, rx, constellation="qam16", window=4000, update_period=3000)
    assert lm.n_samples() == 4000
    assert lm.mse() == pytest.approx(M.mse(rx[-4000:], tx[-4000:]), rel=1e-9)
    # first message after 3000 samples: window not full yet
    msg = pmt.to_python(dbg.get_message(0))
    assert msg["n_samples"] == 3000
    assert msg["mse"] == pytest.approx(M.mse(rx[:3000], tx[:3000]), rel=1e-9)
    # second message after 6000 samples: the window holds samples 2000..5999
    msg = pmt.to_python(dbg.get_message(1))
    assert msg["ber"] == pytest.approx(M.ber(rx[2000:6000], tx[2000:6000], QAM16), rel=1e-9)


def test_nonfinite_samples_are_counted_and_excluded():
    _, tx, rx = make_data(10_000, 10.0, 6)
    rx_bad = rx.copy()
    tx_bad = tx.copy()
    bad_rx = np.arange(5, 10_000, 97)
    bad_tx = np.arange(11, 10_000, 331)
    rx_bad[bad_rx] = np.nan
    tx_bad[bad_tx] = np.inf
    lm, _ = run_block(tx_bad, rx_bad, constellation="qam16", window=0, update_period=2500)
    keep = np.ones(10_000, bool)
    keep[bad_rx] = False
    keep[bad_tx] = False
    got = lm.metrics()
    assert got["n_nonfinite"] == 10_000 - keep.sum()
    assert got["n_samples"] == keep.sum()
    ref = reference(tx[keep], rx[keep])
    for k in ("mse", "nmse_db", "cosine", "evm_percent", "ser", "ber"):
        assert np.isfinite(got[k])
        assert got[k] == pytest.approx(ref[k], rel=1e-9), k


@pytest.mark.parametrize("window", [0, 5000])
def test_runs_of_nonfinite_samples_keep_the_counters_going(window):
    """Defect: after a run of NaN pairs the cached metrics were not invalidated, so 20 000 good then 30 000
    NaN pairs reported n_total = 20000 and n_nonfinite = 0 (in the getters and in the published messages)."""
    _, tx, rx = make_data(50_000, 10.0, 9)
    rx = rx.copy()
    rx[20_000:] = np.nan
    lm, dbg = run_block(tx, rx, constellation="qam16", window=window, update_period=10_000)
    got = lm.metrics()
    assert got["n_total"] == 50_000 and got["n_nonfinite"] == 30_000
    assert got["n_samples"] == (20_000 if window == 0 else 5000)
    assert lm.n_nonfinite() == 30_000
    msgs = [pmt.to_python(dbg.get_message(i)) for i in range(dbg.num_messages())]
    assert [m["n_total"] for m in msgs] == [10_000 * (i + 1) for i in range(5)]
    assert [m["n_nonfinite"] for m in msgs] == [0, 0, 10_000, 20_000, 30_000]


def test_reset_and_empty_state():
    _, tx, rx = make_data(2000, 10.0, 7)
    lm, _ = run_block(tx, rx, constellation="qam16", window=0, update_period=0)
    assert lm.n_samples() == 2000
    lm.reset()
    assert lm.n_samples() == 0
    assert math.isnan(lm.mse()) and math.isnan(lm.ser()) and math.isnan(lm.mi())


def test_custom_constellation_and_psk_names():
    pts = np.array([1 + 0j, -0.5 + 0.8660254j, -0.5 - 0.8660254j])       # 3 points: SER yes, BER undefined
    rng = np.random.default_rng(8)
    idx = rng.integers(0, 3, 3000)
    rx = (pts[idx] + 0.3 * (rng.standard_normal(3000) + 1j * rng.standard_normal(3000))).astype(np.complex64)
    lm, _ = run_block(pts[idx].astype(np.complex64), rx, constellation=list(pts), window=0, update_period=0)
    assert lm.ser() == pytest.approx(M.ser(rx, idx, pts), rel=1e-12)
    assert math.isnan(lm.ber())
    np.testing.assert_allclose(ddpm.link_metrics("psk8").points(), C.psk(8))
    np.testing.assert_allclose(ddpm.link_metrics("qpsk").points(), C.qam(4))


@pytest.mark.parametrize("kw", [
    dict(constellation="qam15"), dict(constellation="foo"), dict(constellation=[1 + 0j]),
    dict(constellation=[1, np.nan]), dict(constellation=[1, 1]), dict(window=-1), dict(window=2.5),
    dict(update_period=-3), dict(update_period=1.5),
])
def test_bad_parameters_raise_value_error(kw):
    with pytest.raises(ValueError):
        ddpm.link_metrics(**kw)


def test_grc_make_template_builds_the_block():
    yaml = pytest.importorskip("yaml")
    mako = pytest.importorskip("mako.template")
    with open(os.path.join(ROOT, "grc", "ddpm_link_metrics.block.yml")) as f:
        desc = yaml.safe_load(f)
    ids = [p["id"] for p in desc["parameters"]]
    assert ids == ["constellation", "custom_points", "window", "update_period"]
    assert [p["id"] for p in desc["outputs"]] == ["metrics"]
    opts = desc["parameters"][0]["options"]
    assert len(opts) == len(desc["parameters"][0]["option_labels"])
    make = mako.Template(desc["templates"]["make"])
    for opt in opts:
        code = make.render(constellation=opt, custom_points="[1j, -1j]", window="100", update_period="10")
        blk = eval(code, {"ddpm": ddpm})
        if opt == "custom":
            np.testing.assert_allclose(blk.points(), [1j, -1j])
        else:
            np.testing.assert_allclose(blk.points(), ddpm.link_metrics(eval(opt)).points())
