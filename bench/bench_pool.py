#!/usr/bin/env python
"""Small batches and short chains, 1 vs 2 threads (DDIM, repeated calls; medians of 7): the cost of handing
work to the other threads per call. Not a test. Usage: bench/bench_pool.py"""
import time, numpy as np, statistics, sys
from gnuradio import ddpm
print(ddpm.__file__)
m = ddpm.model.load(__import__("os").path.join(__import__("os").path.dirname(__import__("os").path.dirname(__import__("os").path.abspath(__file__))), "models", "qam16.onnx"))
rng = np.random.default_rng(0)
S = {t: ddpm.ddpm_sampler(m, threads=t) for t in (1, 2)}
for n in (96, 480, 4800):
    y = (rng.normal(size=n) + 1j*rng.normal(size=n)).astype(np.complex64)
    for steps, nv in ((1, 0.02), (10, 0.1)):
        res = {1: [], 2: []}
        for rep in range(7):
            for t, s in S.items():
                reps = max(1, 20000 // (n * steps))
                t0 = time.perf_counter()
                for _ in range(reps):
                    s.sample(y, nv, sampler="ddim", steps=steps)
                res[t].append(n * reps / (time.perf_counter() - t0))
        r1, r2 = statistics.median(res[1]), statistics.median(res[2])
        print(f"N={n:5d} steps={steps:2d}: 1T {r1/1e3:8.1f}k/s  2T {r2/1e3:8.1f}k/s  2T/1T {r2/r1:.2f}")
