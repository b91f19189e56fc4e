#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Smallest achievable training loss of a data set (docs/training.md, "What a good loss is"), by Monte Carlo.

The trainer's loss at step t is ||eps - eps_theta(x_t, t)||^2 (sum over I/Q); the best network predicts
E[eps | x_t], whose loss is abar_t / (1 - abar_t) * |x0 - E[x0 | x_t]|^2. E[x0 | x_t] is the posterior mean
under the data's distribution (``core.estimators.mmse_estimate``): exact for a constellation. For a capture
(continuous clusters) the posterior mean under the empirical distribution of --dictionary samples, disjoint
from the --n test samples, is one estimator among others, so its loss, or 2 (the loss of predicting 0) where
that is smaller, bounds the smallest loss of each step from above: the printed value is then an upper bound.
The loss is averaged over all T steps (t uniform, as in training).

    python scripts/loss_floor.py qam16
    python scripts/loss_floor.py /tmp/capwork/cheap_sdr.sigmf-meta      # a capture (ddpm-train --file)
"""
import argparse
import sys

import numpy as np

from gnuradio.ddpm.core import estimators
from gnuradio.ddpm.modelfile import schedule
from gnuradio.ddpm.training.datasets import make_dataset


def loss_floor(ds, T=100, sched="sigmoid", n=2000, dictionary=16384, seed=1):
    """Mean over t of the best achievable loss (exact prior for constellation data sets; an upper bound for
    others). ds: a datasets.Dataset. Returns float."""
    rng = np.random.default_rng(seed)
    abar = schedule.alpha_bar(schedule.make_betas(sched, T))
    if ds.constellation is not None and ds.name != "file":
        prior = np.asarray(ds.constellation, dtype=np.complex128)      # exact: the points themselves
    else:
        z = ds.sample(dictionary, rng)
        prior = z[:, 0].astype(np.float64) + 1j * z[:, 1]
    exact = ds.constellation is not None and ds.name != "file"
    total = 0.0
    for t in range(T):
        z = ds.sample(n, rng)
        x0 = z[:, 0].astype(np.float64) + 1j * z[:, 1]
        nv = 2.0 * (1.0 - abar[t]) / abar[t]                            # complex noise of x_t / sqrt(abar)
        y = x0 + np.sqrt(nv / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
        est = estimators.mmse_estimate(y, prior, nv)
        step = abar[t] / (1.0 - abar[t]) * np.mean(np.abs(x0 - est) ** 2)
        total += step if exact else min(step, 2.0)
    return total / T


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", help="data set name (qam16, ...) or a capture path")
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--schedule", default="sigmoid")
    ap.add_argument("-n", type=int, default=2000, help="test samples per step")
    ap.add_argument("--dictionary", type=int, default=16384, help="empirical-prior size for a capture")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    ds = make_dataset(a.dataset)
    v = loss_floor(ds, a.T, a.schedule, a.n, a.dictionary, a.seed)
    exact = ds.constellation is not None and ds.name != "file"
    print(f"{a.dataset}: smallest achievable loss {'~' if exact else '<='} {v:.3f} (T {a.T}, {a.schedule}, {a.n} "
          f"samples per step, " + ("exact prior)" if exact else f"empirical prior of {a.dictionary} samples)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
