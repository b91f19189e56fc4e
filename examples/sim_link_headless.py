#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Headless twin of examples/sim_link.grc: random symbols -> constellation mapper -> impairment injector
-> DDPM denoiser, measured against the transmitted symbols.

    python examples/sim_link_headless.py --snr-db 10 --kappa-t 0.05 --kappa-r 0.0225 -n 20000
    python examples/sim_link_headless.py --sweep 0,10,20

``run_link(...)`` returns a dict of raw vs denoised figures so the demo, the tests and the evaluation
reuse the same flowgraph. "raw" is the received signal equalised by zero forcing with the injector's own
h tags, ỹ = y / (sqrt(p) h): what a receiver without the denoiser would decide on.
"""
import argparse
import math
import sys
import time

import numpy as np
from gnuradio import blocks, digital, gr
from gnuradio import ddpm
from gnuradio.ddpm import constellations
import pmt

__all__ = ["sim_link_headless", "run_link", "constellation_points"]


def constellation_points(name):
    """Constellation of a short name ('qam16', 'psk8', ...): str -> complex128 [M], unit power, Gray."""
    name = str(name).lower()
    for kind, fn in (("qam", constellations.qam), ("psk", constellations.psk)):
        if name.startswith(kind):
            order = name[len(kind):].split("_")[0]
            if order.isdigit():
                return fn(int(order))
    raise ValueError(f"unknown constellation '{name}' (use qamM or pskM)")


class sim_link_headless(gr.top_block):
    """The link as a top block; after run(): .symbols (int64 [N]), .points (complex128 [M]),
    .raw_sink / .den_sink (vector sinks of the injector and denoiser outputs), .den (the denoiser)."""

    def __init__(self, snr_db=10.0, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0, full_scale=1.5,
                 fading=0, coherence_len=1000, noise=0, model="qam16", constellation="qam16", sampler=2,
                 steps=1, eta=0.0, batch=1024, threads=0, equalize=1, snr_known=True, n_samples=20000,
                 seed=1):
        gr.top_block.__init__(self, "DDPM simulated link (headless)", catch_exceptions=False)
        if int(n_samples) < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        self.points = constellation_points(constellation)
        rng = np.random.default_rng(seed)
        self.symbols = rng.integers(0, self.points.size, int(n_samples))

        self.src = blocks.vector_source_b(self.symbols.astype(np.uint8).tolist(), False)
        self.mapper = digital.chunks_to_symbols_bc(self.points.astype(np.complex64).tolist(), 1)
        self.chan = ddpm.impairment_injector_cc(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, power=power,
                                                quant_bits=quant_bits, full_scale=full_scale, fading=fading,
                                                coherence_len=coherence_len, noise=noise, seed=seed + 1)
        # the injector's tags carry the SNR; the parameter is the fallback (NaN: estimate from the data)
        self.den = ddpm.denoiser_cc(model=model, sampler=sampler, steps=steps, eta=eta, batch=batch,
                                    threads=threads, seed=seed + 2,
                                    snr_db=float(snr_db) if snr_known else float("nan"),
                                    equalize=equalize, output=0)
        self.raw_sink = blocks.vector_sink_c()
        self.den_sink = blocks.vector_sink_c()
        self.connect(self.src, self.mapper, self.chan, self.den, self.den_sink)
        self.connect(self.chan, self.raw_sink)


def _equalise_with_tags(y, tags, n):
    """ZF-equalise y (complex [n]) with the h/power tags of the injector -> complex128 [n]."""
    h = np.ones(n, dtype=np.complex128)
    p = np.ones(n, dtype=np.float64)
    for t in sorted(tags, key=lambda t: t.offset):
        key = pmt.symbol_to_string(t.key)
        if key == "h":
            h[t.offset:] = complex(pmt.to_complex(t.value))
        elif key == "power":
            p[t.offset:] = pmt.to_double(t.value)
    return np.asarray(y, dtype=np.complex128) / (np.sqrt(p) * h)


def run_link(snr_db=10.0, kappa_t=0.0, kappa_r=0.0, n_samples=20000, seed=1, **kwargs):
    """Run the simulated link once and measure it.

    snr_db, kappa_t, kappa_r: float, injector settings; n_samples: int, symbols sent; seed: int (symbols,
    channel and denoiser seeds derive from it); kwargs: any other sim_link_headless argument (power,
    quant_bits, fading, coherence_len, noise, model, constellation, sampler, steps, eta, batch, threads,
    equalize, snr_known).

    Returns dict: n (int, samples out), mse_raw / mse_denoised (float, mean |x - s|^2 against the sent
    symbols s), ser_raw / ser_denoised (float, nearest-point symbol error rates), nan_count (int,
    non-finite denoised samples), seconds (float, wall time of the run), throughput (float, the
    denoiser's samples/s over its work() time), noise_source (str, what the denoiser used).
    """
    tb = sim_link_headless(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, n_samples=n_samples, seed=seed,
                           **kwargs)
    t0 = time.perf_counter()
    tb.run()
    seconds = time.perf_counter() - t0
    n = len(tb.symbols)
    y = np.asarray(tb.raw_sink.data(), dtype=np.complex128)
    xd = np.asarray(tb.den_sink.data(), dtype=np.complex128)
    if y.size != n or xd.size != n:
        raise RuntimeError(f"sent {n} samples, received {y.size} raw and {xd.size} denoised")
    s = tb.points[tb.symbols]
    yr = _equalise_with_tags(y, tb.raw_sink.tags(), n)
    fin = np.isfinite(yr)
    # a deep fade can make the ZF estimate non-finite (h = 0); count those as errors of size |s|^2
    raw_err = np.where(fin, np.abs(np.where(fin, yr, 0) - s) ** 2, np.abs(s) ** 2)
    return {
        "n": int(xd.size),
        "mse_raw": float(np.mean(raw_err)),
        "mse_denoised": float(np.mean(np.abs(xd - s) ** 2)),
        "ser_raw": float(np.mean(constellations.nearest(yr, tb.points) != tb.symbols)),
        "ser_denoised": float(np.mean(constellations.nearest(xd, tb.points) != tb.symbols)),
        "nan_count": int(np.count_nonzero(~np.isfinite(xd))),
        "seconds": seconds,
        "throughput": float(tb.den.throughput()),
        "noise_source": tb.den.noise_source(),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--snr-db", type=float, default=10.0)
    ap.add_argument("--kappa-t", type=float, default=0.0)
    ap.add_argument("--kappa-r", type=float, default=0.0)
    ap.add_argument("--quant-bits", type=int, default=0)
    ap.add_argument("--fading", type=int, default=0, help="0 none, 1 Rayleigh block fading")
    ap.add_argument("--coherence-len", type=int, default=1000)
    ap.add_argument("--model", default="qam16")
    ap.add_argument("--constellation", default="qam16")
    ap.add_argument("--sampler", type=int, default=2, help="0 paper, 1 matched DDPM, 2 DDIM")
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--eta", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--estimate", action="store_true", help="denoiser ignores the SNR parameter (tags only)")
    ap.add_argument("-n", "--n-samples", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sweep", default="", help="comma-separated SNRs in dB (overrides --snr-db)")
    a = ap.parse_args(argv)
    snrs = [float(v) for v in a.sweep.split(",")] if a.sweep else [a.snr_db]
    print(f"{'SNR dB':>7} {'MSE raw':>9} {'MSE ddpm':>9} {'SER raw':>8} {'SER ddpm':>8} {'samples/s':>10}")
    for snr in snrs:
        r = run_link(snr_db=snr, kappa_t=a.kappa_t, kappa_r=a.kappa_r, n_samples=a.n_samples, seed=a.seed,
                     quant_bits=a.quant_bits, fading=a.fading, coherence_len=a.coherence_len, model=a.model,
                     constellation=a.constellation, sampler=a.sampler, steps=a.steps, eta=a.eta,
                     threads=a.threads, snr_known=not a.estimate)
        print(f"{snr:7.1f} {r['mse_raw']:9.4f} {r['mse_denoised']:9.4f} {r['ser_raw']:8.4f} "
              f"{r['ser_denoised']:8.4f} {r['throughput']:10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
