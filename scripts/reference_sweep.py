#!/usr/bin/env python3
"""Measure the reference samplers on a constellation model against the exact baselines.

For each SNR: transmit uniform symbols of the model's constellation through the numpy channel reference
(gnuradio.ddpm.core.channel: kappa_t, kappa_r, AWGN), equalise, and compare the MSE to the transmitted symbols
(dB) and the SER of nearest-point decisions for
  raw     the equalised observation itself (SER = nearest-point / ML detection),
  mmse    the exact posterior mean E[s | y] (Gaussian noise of the effective variance; lower bound on MSE),
  ddpm    one stochastic SNR-matched DDPM chain (a posterior sample),
  ddpmK   the mean of K such chains (K = --chains),
  ddimS   deterministic DDIM (eta = 0) with S steps from the matched start (S = 1: Tweedie's posterior
          mean x0_hat at k*; more steps: the probability-flow ODE towards a constellation point),
  paper   the paper's full chain from x_{T-1} = y (the noise level is ignored; --paper).

Example (the figures in docs/training.md and the report; ~2 min on 2 busy cores):
    . scripts/env.sh && python scripts/reference_sweep.py --model qam16 --snr 0 5 10 15 --n 10000 --threads 2
"""
import argparse
import sys
import time

import numpy as np

from gnuradio.ddpm.core import channel
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.modelfile import reference
from gnuradio.ddpm.modelfile.reader import load_model
from gnuradio.ddpm.modelfile.lookup import find_model


def mmse(y, pts, nv):
    """Posterior mean for uniform symbols in CN(0, nv) noise: complex [N] -> complex [N]."""
    out = np.empty_like(y)
    for s in range(0, y.size, 8192):
        d = np.abs(y[s:s + 8192, None] - pts[None, :]) ** 2
        w = np.exp(-(d - d.min(1, keepdims=True)) / nv[s:s + 8192, None])
        out[s:s + 8192] = (w @ pts) / w.sum(1)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="qam16", help="model name or path (default qam16)")
    ap.add_argument("--snr", type=float, nargs="+", default=[0, 5, 10, 15], help="SNRs in dB")
    ap.add_argument("--n", type=int, default=20000, help="symbols per SNR")
    ap.add_argument("--kappa-t", type=float, default=0.05)
    ap.add_argument("--kappa-r", type=float, default=0.15 ** 2)
    ap.add_argument("--ddim-steps", type=int, nargs="+", default=[1, 10], help="DDIM step counts (1 = Tweedie posterior mean)")
    ap.add_argument("--chains", type=int, default=4, help="chains averaged for ddpmK (0 = skip)")
    ap.add_argument("--paper", action="store_true", help="also run the paper's full chain")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads")
    args = ap.parse_args(argv)

    m = load_model(find_model(args.model))
    if m.constellation is None:
        print(f"{args.model}: not a constellation model", file=sys.stderr)
        return 2
    pts = m.constellation
    eps = reference.EpsOnnx(m, threads=args.threads)
    print(f"model {m.path} ({m.dataset}, T={m.T}, H={m.hidden}, D={m.depth}, "
          f"final_loss={m.metadata.get('ddpm.final_loss', '?')}); N={args.n} per SNR; "
          f"kappa_t={args.kappa_t}, kappa_r={args.kappa_r:.4g}, AWGN, seed={args.seed}")
    cols = ["raw", "mmse", "ddpm"] + ([f"ddpm{args.chains}"] if args.chains > 0 else []) + \
        [f"ddim{s}" for s in args.ddim_steps] + (["paper"] if args.paper else [])
    print("MSE to the transmitted symbols in dB / SER of nearest-point decisions")
    print(f"{'SNR':>5} {'k*':>3} " + " ".join(f"{c:>15}" for c in cols))
    rng = np.random.default_rng(args.seed)
    for snr in args.snr:
        t0 = time.perf_counter()
        idx = rng.integers(0, pts.size, args.n)
        s = pts[idx]
        kw = dict(snr_db=snr, kappa_t=args.kappa_t, kappa_r=args.kappa_r)
        y, h = channel.apply_impairments(s, seed=int(rng.integers(0, 2 ** 31)), **kw)
        y_eq = y / h
        nv = np.broadcast_to(np.asarray(channel.effective_noise_var(h=h, power=1.0, **kw), dtype=np.float64),
                             y.shape)
        est = {"raw": y_eq, "mmse": mmse(y_eq, pts, nv),
               "ddpm": reference.sample(m, y_eq, nv, "matched", seed=1, eps=eps)}
        if args.chains > 0:
            acc = np.zeros_like(y_eq)
            for c in range(args.chains):
                acc += reference.sample(m, y_eq, nv, "matched", seed=100 + c, eps=eps)
            est[f"ddpm{args.chains}"] = acc / args.chains
        for st in args.ddim_steps:
            est[f"ddim{st}"] = reference.sample(m, y_eq, nv, "ddim", steps=st, eta=0.0, eps=eps)
        if args.paper:
            est["paper"] = reference.sample(m, y_eq, nv, "paper", seed=1, eps=eps)
        k = reference.start_step(m.alpha_bar, nv[:1])[0]
        row = []
        for c in cols:
            e = est[c]
            mse_db = 10 * np.log10(np.mean(np.abs(e - s) ** 2))
            ser = np.mean(constellations.nearest(e, pts) != idx)
            row.append(f"{mse_db:7.2f}/{ser:7.4f}")
        print(f"{snr:5.1f} {k:3d} " + " ".join(f"{r:>15}" for r in row) +
              f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
