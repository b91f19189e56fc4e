#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Benchmark (not a test): ddpm.denoiser_cc inside a flowgraph vs the bare C++ kernel, same run.

    python bench/bench_flowgraph.py                       # default: DDIM 1 step and 10 steps
    python bench/bench_flowgraph.py --steps 10 -n 131072 --repeats 7 --json out.json

Flowgraph: vector source (n noisy QAM-16 samples, 10 dB) -> denoiser_cc -> null sink, timed around
tb.run() (start-up and shutdown included). Kernel: ddpm.ddpm_sampler(...).sample() on the same samples, in
the same batches (one call per `batch` samples, first_index advancing as in the block), and once as a
single call on the whole array. Repeats are interleaved (block, kernel, kernel-whole, block, ...) and
medians reported, because the machines are shared and noisy. Target: block >= 90 % of the bare kernel.
"""
import argparse
import json
import math
import statistics
import sys
import time

import numpy as np
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.modelfile.lookup import find_model


def make_input(n, snr_db, seed=1):
    """n noisy unit-power QAM-16 samples: -> complex64 [n]."""
    rng = np.random.default_rng(seed)
    s = constellations.qam(16)[rng.integers(0, 16, n)]
    nv = 10 ** (-snr_db / 10)
    return (s + math.sqrt(nv / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)


def run_block(model, y, y_list, snr_db, steps, batch, threads):
    """Seconds for the whole flowgraph run, and the block's own work()-time throughput (samples/s)."""
    tb = gr.top_block()
    src = blocks.vector_source_c(y_list, False)
    den = ddpm.denoiser_cc(model, sampler=2, steps=steps, eta=0.0, batch=batch, threads=threads, seed=1,
                           snr_db=snr_db)
    snk = blocks.null_sink(gr.sizeof_gr_complex)
    tb.connect(src, den, snk)
    t0 = time.perf_counter()
    tb.run()
    dt = time.perf_counter() - t0
    return dt, den.throughput()


def run_kernel(kernel, x, nv, steps, batch):
    """Seconds for the kernel on x (model units) in calls of `batch` samples (batch=0: one call)."""
    n = x.size
    step = n if batch <= 0 else batch
    t0 = time.perf_counter()
    for i in range(0, n, step):
        kernel.sample(x[i:i + step], nv, sampler="ddim", steps=steps, eta=0.0, seed=1, first_index=i)
    return time.perf_counter() - t0


def bench(model, n, snr_db, steps, batch, threads, repeats):
    y = make_input(n, snr_db)
    y_list = y.tolist()
    kernel = ddpm.ddpm_sampler(model, threads=threads)
    ps = kernel.model.power_scale
    x = (y * np.float32(ps)).astype(np.complex64)
    nv = float(10 ** (-snr_db / 10) * ps * ps)
    # warm-up (page faults, thread pools)
    run_kernel(kernel, x[: 4 * batch], nv, steps, batch)
    run_block(model, y[: 4 * batch], y_list[: 4 * batch], snr_db, steps, batch, threads)
    t_block, t_kern, t_whole, work_rate = [], [], [], []
    for _ in range(repeats):
        dt, wr = run_block(model, y, y_list, snr_db, steps, batch, threads)
        t_block.append(dt)
        work_rate.append(wr)
        t_kern.append(run_kernel(kernel, x, nv, steps, batch))
        t_whole.append(run_kernel(kernel, x, nv, steps, 0))
    med = statistics.median
    ratios = [k / b for b, k in zip(t_block, t_kern)]  # per interleaved pair
    return {
        "steps": steps, "n": n, "batch": batch, "threads": threads, "repeats": repeats,
        "block_rate": n / med(t_block),
        "block_work_rate": med(work_rate),
        "kernel_rate": n / med(t_kern),
        "kernel_whole_rate": n / med(t_whole),
        "ratio_block_to_kernel": n / med(t_block) / (n / med(t_kern)),
        "ratio_median_of_pairs": med(ratios),
        "ratio_block_to_kernel_whole": med(t_whole) / med(t_block),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="qam16")
    ap.add_argument("-n", type=int, default=0, help="samples per run (default: 2^19 for 1 step, 2^17 otherwise)")
    ap.add_argument("--snr-db", type=float, default=10.0)
    ap.add_argument("--steps", default="1,10", help="comma-separated DDIM step counts")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default="", help="also write the results here")
    a = ap.parse_args(argv)
    gr.logging().set_default_level(gr.log_levels.warn)   # keep the table free of the blocks' info lines
    model = find_model(a.model)
    results = []
    print(f"model {model}, SNR {a.snr_db} dB, batch {a.batch}, threads {a.threads or 'all'}, "
          f"{a.repeats} interleaved repeats (medians)")
    print(f"{'steps':>5} {'n':>8} {'block/s':>10} {'work()/s':>10} {'kernel/s':>10} {'whole/s':>10} "
          f"{'block/kernel':>12} {'block/whole':>11}")
    for steps in [int(s) for s in a.steps.split(",")]:
        n = a.n or (1 << 19 if steps == 1 else 1 << 17)
        r = bench(model, n, a.snr_db, steps, a.batch, a.threads, a.repeats)
        results.append(r)
        print(f"{steps:5d} {n:8d} {r['block_rate']:10.0f} {r['block_work_rate']:10.0f} {r['kernel_rate']:10.0f} "
              f"{r['kernel_whole_rate']:10.0f} {100 * r['ratio_block_to_kernel']:11.1f}% "
              f"{100 * r['ratio_block_to_kernel_whole']:10.1f}%")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
