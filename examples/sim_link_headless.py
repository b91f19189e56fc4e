#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Headless twin of examples/sim_link.grc: random symbols -> constellation mapper -> impairment injector
-> DDPM denoiser, measured against the transmitted symbols (gnuradio.ddpm.flowgraphs.sim_link).

    python examples/sim_link_headless.py --snr-db 10 --kappa-t 0.05 --kappa-r 0.0225 -n 20000
    python examples/sim_link_headless.py --sweep 0,10,20
"""
import argparse
import sys

from gnuradio.ddpm.flowgraphs.sim_link import run_link


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
