"""Tests of the numpy DNN receiver baseline (gnuradio.ddpm.evaluation.dnn) against the exact ML and MMSE."""
import math

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations as C
from gnuradio.ddpm.core import estimators as B
from gnuradio.ddpm.evaluation.dnn import awgn_channel, train_dnn_receiver

QAM16 = C.qam(16)


def paired(a, b):
    """Mean of a - b and its standard error (paired samples). a, b: float [N] -> (float, float)."""
    d = a - b
    return float(np.mean(d)), float(np.std(d, ddof=1) / math.sqrt(d.shape[0]))


def test_dnn_receiver_close_to_ml_at_10db():
    rx = train_dnn_receiver(QAM16, awgn_channel(10.0), n_train=20_000, epochs=10, seed=1)
    assert rx.loss_history[-1] < rx.loss_history[0]
    rng = np.random.default_rng(12345)
    n = 50_000
    idx = rng.integers(0, 16, n)
    y = awgn_channel(10.0)(QAM16[idx], rng)
    dnn = rx.predict(y)
    ml = B.ml_decision(y, QAM16)
    ser_dnn = float(np.mean(dnn != idx))
    ser_ml = float(np.mean(ml != idx))
    # The two decisions are paired on the same samples: the difference of the error indicators is non-zero only
    # where they disagree, so its standard error is at most sqrt(p_disagree / n). ML is optimal: the DNN can only
    # look better by chance (4 standard errors), and must be within 1 % absolute of ML.
    tol = 4 * math.sqrt(max(np.mean(dnn != ml), 1 / n) / n)
    assert ser_dnn >= ser_ml - tol
    assert ser_dnn <= ser_ml + 0.01
    # soft output: E over the softmax is a reasonable MMSE proxy, never better than the exact MMSE
    nv = 10 ** -1
    e_soft = np.abs(rx.soft_estimate(y) - QAM16[idx]) ** 2
    e_mmse = np.abs(B.mmse_estimate(y, QAM16, nv) - QAM16[idx]) ** 2
    diff, se = paired(e_mmse, e_soft)
    assert diff <= 3 * se
    assert np.mean(e_soft) <= 1.1 * np.mean(e_mmse)
    proba = rx.predict_proba(y[:10])
    assert proba.shape == (10, 16) and np.allclose(proba.sum(axis=1), 1.0)


def test_dnn_receiver_is_deterministic_and_checks_args():
    a = train_dnn_receiver(C.qam(4), awgn_channel(5.0), n_train=2000, epochs=2, seed=4)
    b = train_dnn_receiver(C.qam(4), awgn_channel(5.0), n_train=2000, epochs=2, seed=4)
    for (wa, ba), (wb, bb) in zip(a.weights, b.weights):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)
    assert [w.shape for w, _ in a.weights] == [(2, 64), (64, 64), (64, 64), (64, 4)]
    with pytest.raises(ValueError):
        train_dnn_receiver(QAM16, awgn_channel(5.0), n_train=0)
    with pytest.raises(ValueError):
        train_dnn_receiver(QAM16, lambda s, rng: s[:-1])
    with pytest.raises(ValueError):
        a.predict(np.array([np.nan + 0j]))
