#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Start and stop a flowgraph with every gr-ddpm block 100 times in one process: no hang, no leak.

Flowgraph: random bytes -> shaper (CCDM, explicit PMF) -> injector -> denoiser -> link_metrics (rx), with the
shaper's symbols also into link_metrics (ref). Each cycle is start(), a run until new samples have reached the
sink (waited for with a deadline, never a fixed sleep: a slow CPU or a loaded CI machine only makes the cycle
longer), stop(), wait(); each must end within a bound, and the resident memory after the last cycle must stay
within a bound of the memory after the warm-up cycles. Then 20 whole flowgraphs are built, run and dropped
(blocks made anew each time).
"""
import time

import numpy as np
from gnuradio import blocks, ddpm, gr

CYCLES = 100
WARMUP = 10
CYCLE_LIMIT_S = 10.0          # one start/stop; the median is ~0.05 s
POLL_S = 0.001


def _run_until_samples_reach(tb, met, deadline_s=CYCLE_LIMIT_S):
    """start(); wait until link_metrics has counted more samples than before (or the deadline passes); stop();
    wait(). Returns (seconds taken, samples counted in this cycle)."""
    before = met.n_samples()
    t0 = time.monotonic()
    tb.start()
    while met.n_samples() <= before and time.monotonic() - t0 < deadline_s:
        time.sleep(POLL_S)
    tb.stop()
    tb.wait()
    return time.monotonic() - t0, met.n_samples() - before


def _rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _flowgraph(seed=0):
    tb = gr.top_block()
    data = np.random.default_rng(seed).integers(0, 256, 1 << 14, dtype=np.uint8)
    src = blocks.vector_source_b(data.tolist(), True)
    shp = ddpm.shaper(model="qam16", n=64, pmf=np.full(16, 1 / 16).tolist())
    inj = ddpm.impairment_injector_cc(15.0, 0.01, 0.0, 1.0, 0, 1.5, 1, 500, 0, seed, 1, 0)
    den = ddpm.denoiser_cc("qam16", 2, 1, 0.0, 1024, 2, seed, 15.0, 1, 0)
    met = ddpm.link_metrics("qam16", 0, 0)
    tb.connect(src, shp, inj, den)
    tb.connect(shp, (met, 0))
    tb.connect(den, (met, 1))
    return tb, (src, shp, inj, den, met)


def test_start_stop_100_times():
    tb, blks = _flowgraph()
    met = blks[-1]
    times, counted = [], []
    rss_warm = None
    for i in range(CYCLES):
        dt, n = _run_until_samples_reach(tb, met)
        times.append(dt)
        counted.append(n)
        if i == WARMUP - 1:
            rss_warm = _rss()
    rss_end = _rss()
    # every cycle ended in time, and in every cycle the flowgraph really ran: new samples reached the sink
    assert max(times) < CYCLE_LIMIT_S + 1.0, max(times)
    assert min(counted) > 0, counted
    # 90 cycles after warm-up: growth bounded by 16 MiB (a leaked set of stream buffers per cycle, ~1 MiB,
    # would exceed it)
    assert rss_end - rss_warm < 16 << 20, (rss_warm, rss_end)


def test_build_run_drop_20_flowgraphs():
    rss = []
    for i in range(20):
        tb, blks = _flowgraph(i)
        dt, n = _run_until_samples_reach(tb, blks[-1])
        assert dt < CYCLE_LIMIT_S + 1.0 and n > 0, (dt, n)
        del tb, blks
        rss.append(_rss())
    assert rss[-1] - rss[4] < 32 << 20, rss
