#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Benchmark (not a test): the denoiser block's rate in a flowgraph for the default model and the fast
(distilled) one, and the fast model's MSE beside its teacher's, in one run.

    python bench/bench_denoiser.py                                  # qam16 and qam16_fast, 1 and 2 threads
    python bench/bench_denoiser.py --isa all --repeats 5 --json out.json
    python bench/bench_denoiser.py --no-mse -n 4194304 --models qam16_fast

Rate: vector source (n noisy 16-QAM symbols, unit power, `--snr-db`) -> ddpm.denoiser_cc (the default
receiver: DDIM, 1 step, eta 0 = the one-step posterior mean) -> null sink, timed around tb.run() (start-up
and shutdown included), in symbols/s of wall time and per CPU-second of the whole process (all threads; less
sensitive to other load on a shared machine). Every (ISA, model, threads) case is run once per repeat, the
repeats interleaved, medians reported. --isa sets DDPM_KERNEL_ISA before each block is made (auto: the
best this CPU has; all: every ISA it has).

MSE: 16-QAM over AWGN at each Es/N0 of --mse-snr (default -10 ... 25 dB), `--mse-n` symbols each (seed
fixed), through the same block (2 threads, auto ISA) for every model; the same symbols and noise for every
model, so the fast model's gap to its teacher, 10 log10(MSE_fast / MSE_teacher), comes with the standard
error of the paired per-symbol differences (delta method), not of each MSE separately.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.modelfile.lookup import find_model


def make_input(n, snr_db, seed=1):
    """n noisy unit-power 16-QAM symbols: (s complex128 [n], y complex64 [n])."""
    rng = np.random.default_rng(seed)
    s = constellations.qam(16)[rng.integers(0, 16, n)]
    nv = 10 ** (-snr_db / 10)
    y = (s + math.sqrt(nv / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)
    return s, y


def run_block(model, y_list, snr_db, threads, batch, isa, keep=True):
    """One flowgraph run: (wall seconds, process CPU seconds, output complex64 [n] or None). keep=False: into a
    null sink (the rate measurement), output None."""
    if isa == "auto":
        os.environ.pop("DDPM_KERNEL_ISA", None)
    else:
        os.environ["DDPM_KERNEL_ISA"] = isa
    tb = gr.top_block()
    src = blocks.vector_source_c(y_list, False)
    den = ddpm.denoiser_cc(model, sampler=2, steps=1, eta=0.0, batch=batch, threads=threads, seed=1,
                           snr_db=snr_db)
    snk = blocks.vector_sink_c() if keep else blocks.null_sink(gr.sizeof_gr_complex)
    tb.connect(src, den, snk)
    c0, t0 = time.process_time(), time.perf_counter()
    tb.run()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return dt, dc, (np.asarray(snk.data(), dtype=np.complex64) if keep else None)


def isa_list(spec):
    have = ["generic"] + (["avx2"] if ddpm.ddpm_sampler.cpu_has_avx2() else []) + \
        (["avx512"] if ddpm.ddpm_sampler.cpu_has_avx512() else [])
    if spec == "all":
        return have
    out = [s.strip() for s in spec.split(",") if s.strip()]
    for s in out:
        if s != "auto" and s not in have:
            raise SystemExit(f"bench_denoiser: ISA '{s}' not available here (have {', '.join(have)})")
    return out


def rates(models, n, snr_db, threads_list, batch, isas, repeats):
    """{(isa, model, threads): dict(wall=[...], cpu=[...])} over interleaved repeats."""
    _, y = make_input(n, snr_db)
    y_list = y.tolist()
    warm = y_list[: 8 * batch]
    res = {}
    for isa in isas:                       # warm-up: page faults, model files, thread pools
        for m in models:
            run_block(m, warm, snr_db, max(threads_list), batch, isa, keep=False)
    for _ in range(repeats):
        for isa in isas:
            for m in models:
                for th in threads_list:
                    dt, dc, _ = run_block(m, y_list, snr_db, th, batch, isa, keep=False)
                    r = res.setdefault((isa, m, th), {"wall": [], "cpu": []})
                    r["wall"].append(dt)
                    r["cpu"].append(dc)
    return res


def mse_sweep(models, snrs, n, batch):
    """Per Es/N0: the MSE of every model's block output against the sent symbols, and per model after the
    first the paired gap in dB to the first (the teacher) with its standard error."""
    rows = []
    for k, snr in enumerate(snrs):
        s, y = make_input(n, snr, seed=1000 + k)
        y_list = y.tolist()
        errs = []
        for m in models:
            _, _, out = run_block(m, y_list, snr, 2, batch, "auto")
            if out.shape[0] != n:
                raise SystemExit(f"bench_denoiser: {m} gave {out.shape[0]} of {n} samples")
            errs.append(np.abs(out.astype(np.complex128) - s) ** 2)
        row = {"snr_db": snr, "n": n, "mse": [float(e.mean()) for e in errs], "gap_db": [], "gap_se_db": []}
        e0 = errs[0]
        for e in errs[1:]:
            d = e - e0
            m0, m1 = e0.mean(), e.mean()
            gap = 10 * math.log10(m1 / m0)
            # delta method on log(m1) - log(m0) with paired samples
            g = e / m1 - e0 / m0
            se = 10 / math.log(10) * float(np.std(g, ddof=1)) / math.sqrt(n)
            row["gap_db"].append(gap)
            row["gap_se_db"].append(se)
            del d
        rows.append(row)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="qam16,qam16_fast", help="comma-separated; the first is the teacher "
                    "of the MSE comparison (default qam16,qam16_fast)")
    ap.add_argument("-n", type=int, default=1 << 21, help="symbols per rate run (default 2^21)")
    ap.add_argument("--snr-db", type=float, default=10.0, help="Es/N0 of the rate runs (default 10)")
    ap.add_argument("--threads", default="1,2", help="kernel threads of the block (default 1,2)")
    ap.add_argument("--batch", type=int, default=1024, help="the block's batch parameter (default 1024)")
    ap.add_argument("--isa", default="auto", help="auto, all, or a list of generic,avx2,avx512")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-mse", action="store_true", help="skip the MSE sweep")
    ap.add_argument("--no-rate", action="store_true", help="skip the rate runs")
    ap.add_argument("--mse-snr", default="-10,-5,0,5,10,15,20,25", help="Es/N0 values (dB) of the MSE sweep")
    ap.add_argument("--mse-n", type=int, default=200000, help="symbols per Es/N0 of the MSE sweep")
    ap.add_argument("--json", default="", help="also write the results here")
    a = ap.parse_args(argv)
    gr.logging().set_default_level(gr.log_levels.warn)
    names = [s.strip() for s in a.models.split(",") if s.strip()]
    models = [find_model(m) for m in names]
    threads = [int(t) for t in a.threads.split(",")]
    isas = isa_list(a.isa)
    load0 = os.getloadavg()[0]
    print(f"models {', '.join(names)}; n = {a.n}, {a.snr_db} dB, batch {a.batch}, {a.repeats} interleaved "
          f"repeats (medians); {os.cpu_count()} CPUs, load average {load0:.1f} at start")
    out = {"n": a.n, "snr_db": a.snr_db, "batch": a.batch, "repeats": a.repeats, "load_start": load0,
           "rates": [], "mse": []}
    res = {} if a.no_rate else rates(models, a.n, a.snr_db, threads, a.batch, isas, a.repeats)
    med = statistics.median
    print(f"\n{'isa':<8} {'model':<12} {'thr':>3} {'symbols/s':>12} {'per CPU-s':>12} {'CPU/wall':>8}")
    for (isa, m, th), r in res.items():
        name = names[models.index(m)]
        wall, cpu = med(r["wall"]), med(r["cpu"])
        print(f"{isa:<8} {name:<12} {th:3d} {a.n / wall / 1e6:10.2f} M {a.n / cpu / 1e6:10.2f} M {cpu / wall:8.2f}")
        out["rates"].append({"isa": isa, "model": name, "threads": th, "rate": a.n / wall,
                             "rate_per_cpu_s": a.n / cpu, "walls": r["wall"], "cpus": r["cpu"]})
    for isa in isas:
        for th in threads:
            for k in range(1, len(models)):
                r0, r1 = res.get((isa, models[0], th)), res.get((isa, models[k], th))
                if r0 and r1:
                    print(f"{isa:<8} {names[k]} / {names[0]} at {th} thread(s): "
                          f"{med(r0['wall']) / med(r1['wall']):.1f}x wall, "
                          f"{med(r0['cpu']) / med(r1['cpu']):.1f}x per CPU-second")
    if not a.no_mse:
        snrs = [float(v) for v in a.mse_snr.split(",")]
        rows = mse_sweep(models, snrs, a.mse_n, a.batch)
        out["mse"] = rows
        print(f"\nMSE of the block's output (16-QAM, AWGN, {a.mse_n} symbols per Es/N0, same symbols for every model)")
        head = " ".join(f"{n + ' MSE':>16}" for n in names)
        gaps = " ".join(f"{n + ' gap dB (±SE)':>22}" for n in names[1:])
        print(f"{'Es/N0 dB':>8} {head} {gaps}")
        for r in rows:
            ms = " ".join(f"{v:16.4e}" for v in r["mse"])
            gs = " ".join(f"{g:+14.4f} ± {se:.4f}" for g, se in zip(r["gap_db"], r["gap_se_db"]))
            print(f"{r['snr_db']:8.1f} {ms} {gs}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
