#!/usr/bin/env python3
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Soak test: a long stream through injector -> denoiser, printing resident memory and rate over time.

Flowgraph: vector source (a fixed block of random QAM-16 symbols, repeated) -> head(n) -> impairment injector
(15 dB, kappa_t 0.01, kappa_r 0.01, Rayleigh blocks of 1000) -> denoiser (DDIM 1 step, batch 4096, threads 2, known
SNR) -> null sink. Every `--every` seconds it prints the samples done, the process's resident memory
(/proc/self/status VmRSS) and the rate over the last interval. At the end it compares, after the warm-up fraction:
  - RSS growth = (last RSS - RSS right after warm-up) / RSS right after warm-up (the target is < 1 %);
  - rate drift = median rate of the last quarter / median rate of the first quarter after warm-up.

Usage (documented figures: docs/reliability.md):
    . scripts/env.sh && python bench/soak.py --samples 1e8 --every 10
The short form runs in tests/test_soak.py (2·10⁶ samples).
"""
import argparse
import sys
import threading
import time

import numpy as np


def rss_bytes():
    """Resident set size of this process in bytes (Linux /proc)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def build(n_samples, model="qam16", batch=4096, threads=2, seed=1):
    """The soak flowgraph: returns (top_block, sink, blocks dict). Samples: int."""
    from gnuradio import blocks, ddpm, gr
    rng = np.random.default_rng(seed)
    lv = np.array([-3.0, -1.0, 1.0, 3.0]) / np.sqrt(10.0)
    x = (rng.choice(lv, 1 << 16) + 1j * rng.choice(lv, 1 << 16)).astype(np.complex64)
    tb = gr.top_block("soak")
    src = blocks.vector_source_c(x.tolist(), True)
    head = blocks.head(gr.sizeof_gr_complex, int(n_samples))
    inj = ddpm.impairment_injector_cc(15.0, 0.01, 0.01, 1.0, 0, 1.5, 1, 1000, 0, seed, 1, 0)
    den = ddpm.denoiser_cc(model, 2, 1, 0.0, batch, threads, seed, 15.0, 1, 0)
    snk = blocks.null_sink(gr.sizeof_gr_complex)
    tb.connect(src, head, inj, den, snk)
    return tb, snk, dict(src=src, head=head, inj=inj, den=den, snk=snk)


def soak(n_samples, every=5.0, warmup=0.1, model="qam16", batch=4096, threads=2, out=sys.stdout):
    """Run the soak; returns dict with 'samples' (int [K]), 't' (s [K]), 'rss' (bytes [K]), 'rate' (samples/s [K],
    over each interval), 'rss_growth' (fraction), 'rate_drift' (last/first quarter), 'mean_rate', 'seconds'.
    """
    tb, snk, blks = build(n_samples, model, batch, threads)
    rows = []
    t0 = time.monotonic()
    tb.start()
    done = threading.Event()

    def waiter():
        tb.wait()
        done.set()

    th = threading.Thread(target=waiter, daemon=True)
    th.start()
    last_n, last_t = 0, t0
    if out:
        print(f"{'t [s]':>8} {'samples':>12} {'RSS [MiB]':>10} {'rate [samples/s]':>17}", file=out, flush=True)
    while not done.wait(every):
        now = time.monotonic()
        n = int(snk.nitems_read(0))
        rows.append((n, now - t0, rss_bytes(), (n - last_n) / (now - last_t)))
        if out:
            print(f"{now - t0:8.1f} {n:12d} {rows[-1][2] / 2**20:10.1f} {rows[-1][3]:17.0f}", file=out, flush=True)
        last_n, last_t = n, now
    th.join()
    seconds = time.monotonic() - t0
    n_total = int(snk.nitems_read(0))
    samples = np.array([r[0] for r in rows], dtype=np.int64)
    ts = np.array([r[1] for r in rows])
    rss = np.array([r[2] for r in rows], dtype=np.int64)
    rate = np.array([r[3] for r in rows])
    res = dict(samples=samples, t=ts, rss=rss, rate=rate, seconds=seconds, n_total=n_total,
               mean_rate=n_total / seconds, rss_growth=float("nan"), rate_drift=float("nan"))
    after = np.nonzero(samples >= warmup * n_samples)[0]
    if after.size >= 2:
        res["rss_growth"] = float(rss[after[-1]] - rss[after[0]]) / float(rss[after[0]])
        q = max(1, after.size // 4)
        res["rate_drift"] = float(np.median(rate[after[-q:]]) / np.median(rate[after[:q]]))
        res["rss_after_warmup"] = int(rss[after[0]])
        res["rss_peak"] = int(rss[after].max())
    if out:
        print(f"samples {n_total}, {seconds:.1f} s, mean rate {res['mean_rate']:.0f} samples/s, "
              f"RSS growth after warm-up {100 * res['rss_growth']:.3f} %, rate drift (last/first quarter) "
              f"{res['rate_drift']:.3f}", file=out, flush=True)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=float, default=1e8, help="samples through the chain (default 1e8)")
    ap.add_argument("--every", type=float, default=10.0, help="seconds between reports (default 10)")
    ap.add_argument("--warmup", type=float, default=0.1, help="fraction of samples before RSS is compared")
    ap.add_argument("--model", default="qam16")
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    res = soak(int(a.samples), a.every, a.warmup, a.model, a.batch, a.threads)
    ok = res["n_total"] == int(a.samples) and res["rss_growth"] < 0.01
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
