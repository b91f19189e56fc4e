#!/usr/bin/env python3
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-ddpm demo (`make demo`).

Part 1 — the DDPM receiver on a simulated link (the headline): random QAM-16 symbols -> impairment injector
-> ddpm.denoiser_cc with the shipped QAM-16 model, through the hier block gnuradio.ddpm.flowgraphs.sim_link, at a
few SNRs. Prints MSE and SER of the raw (zero-forcing equalised) observation, the DDPM SNR-matched chain, DDIM
from the matched step, and the exact MMSE estimate / ML decision for the known constellation; writes a
constellation before/after PNG.

Part 2 — the impairment injector measured against its formula. Compiles examples/impairments_headless.grc with grcc, runs it at several channel settings (random QAM-16
symbols -> ddpm.impairment_injector_cc -> vector sinks) and prints a table of configured vs measured SNR
and EVM. The configured (effective) error variance after the channel is

    sigma_eff^2 = kappa_t + kappa_r + 10^(-snr_db/10)          (no fading, unit-power symbols)

so SNR_eff = -10 log10(sigma_eff^2) and EVM = sqrt(sigma_eff^2). Measured: e = y/sqrt(p) - s,
SNR = -10 log10(mean |e|^2), EVM = sqrt(mean |e|^2).

Tolerance: the measured mean |e|^2 of N independent samples has relative standard error
std(|e|^2) / (mean |e|^2 sqrt(N)) (estimated from the samples themselves); a row passes when it is within
5 standard errors. Exits 1 when a row fails (or the flowgraph cannot be built). Needs the environment of
scripts/env.sh (GRC_BLOCKS_PATH, PYTHONPATH), which `make demo` sets.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GRC = os.path.join(HERE, "impairments_headless.grc")
N = 100_000
Z = 5.0

# (snr_db, kappa_t, kappa_r, power, noise) ; noise 0 Gaussian, 1 Laplacian
SETTINGS = [
    (0.0, 0.0, 0.0, 1.0, 0),
    (10.0, 0.0, 0.0, 1.0, 0),
    (20.0, 0.0, 0.0, 1.0, 0),
    (20.0, 0.01, 0.0, 1.0, 0),
    (20.0, 0.0, 0.01, 2.0, 0),
    (25.0, 0.005, 0.005, 1.0, 0),
    (10.0, 0.0, 0.0, 1.0, 1),
]


def compile_flowgraph(outdir):
    """grcc the headless flowgraph into outdir; returns its top-block class."""
    grcc = shutil.which("grcc")
    if grcc is None:
        sys.exit("demo: grcc not found (install GNU Radio and source scripts/env.sh)")
    r = subprocess.run([grcc, "-o", outdir, GRC], capture_output=True, text=True)
    path = os.path.join(outdir, "impairments_headless.py")
    if r.returncode != 0 or not os.path.exists(path):
        sys.stderr.write(r.stdout[-3000:] + r.stderr[-3000:])
        sys.exit("demo: grcc could not compile %s (is GRC_BLOCKS_PATH set by scripts/env.sh?)" % GRC)
    spec = importlib.util.spec_from_file_location("impairments_headless", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.impairments_headless


def measure(cls, snr_db, kappa_t, kappa_r, power, noise, seed):
    """Run the flowgraph once; returns (configured sigma_eff^2, measured mean |e|^2, rel. std. error)."""
    tb = cls(n_samples=N, snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, power=power, noise=noise,
             seed=seed)
    tb.run()
    s = np.array(tb.tx_sink.data(), dtype=np.complex128)
    y = np.array(tb.rx_sink.data(), dtype=np.complex128)
    if s.size != N or y.size != N:
        raise RuntimeError(f"expected {N} samples, got {s.size} sent and {y.size} received")
    e2 = np.abs(y / np.sqrt(power) - s) ** 2
    expected = kappa_t + kappa_r + 10 ** (-snr_db / 10)
    return expected, float(np.mean(e2)), float(np.std(e2) / np.mean(e2) / np.sqrt(N))


def injector_check():
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="ddpm-demo-") as tmp:
        cls = compile_flowgraph(tmp)
        rows, ok_all = [], True
        for i, (snr_db, kt, kr, p, noise) in enumerate(SETTINGS):
            expected, measured, rel_se = measure(cls, snr_db, kt, kr, p, noise, seed=100 + i)
            ok = abs(measured / expected - 1) <= Z * rel_se
            ok_all &= ok
            rows.append((snr_db, kt, kr, p, "laplace" if noise else "gauss",
                         0.0 - 10 * np.log10(expected), 0.0 - 10 * np.log10(measured),
                         100 * np.sqrt(expected), 100 * np.sqrt(measured),
                         10 / np.log(10) * Z * rel_se, ok))

    print(f"Impairment injector: QAM-16, {N} symbols per row, no fading; "
          "configured sigma_eff^2 = kappa_t + kappa_r + 10^(-SNR/10)")
    hdr = ("SNR cfg", "kappa_t", "kappa_r", "power", "noise", "SNReff cfg", "SNR meas", "EVM cfg", "EVM meas",
           "tol (dB)", "")
    print("{:>8} {:>8} {:>8} {:>6} {:>8} {:>11} {:>9} {:>8} {:>9} {:>9} {:>5}".format(*hdr))
    for r in rows:
        print("{:>6.1f}dB {:>8.3f} {:>8.3f} {:>6.1f} {:>8} {:>9.2f}dB {:>7.2f}dB {:>7.2f}% {:>8.2f}% {:>9.3f} {:>5}"
              .format(*r[:-1], "ok" if r[-1] else "FAIL"))
    print(f"{sum(r[-1] for r in rows)}/{len(rows)} settings within tolerance (5 standard errors of the "
          f"measured error power); {time.time() - t0:.1f} s")
    return ok_all


# ------------------------------------------------------------------------------------------ DDPM link
LINK_SNRS = (0.0, 5.0, 10.0, 15.0, 20.0)
LINK_KAPPA_T = 0.01
LINK_KAPPA_R = 0.01
LINK_N = 20_000


def _db(x):
    return 10.0 * np.log10(max(float(x), 1e-30))


def link_table(png_path):
    """Run the simulated link through the blocks; print the table; write the constellation PNG.

    Returns True when every run delivered all samples without NaN (the figures are reported, not judged).
    """
    from gnuradio.ddpm.flowgraphs import sim_link as sim
    from gnuradio.ddpm.core import estimators as baselines
    from gnuradio.ddpm.core import constellations

    t0 = time.time()
    print(f"DDPM receiver, shipped model 'qam16': QAM-16, {LINK_N} symbols per SNR, AWGN plus hardware "
          f"impairments kappa_t = {LINK_KAPPA_T}, kappa_r = {LINK_KAPPA_R}, no fading.")
    print("MSE in dB to the sent symbols; SER after nearest-point decision. 'raw' = y/(sqrt(p) h); "
          "ML = nearest point on raw; MMSE = exact E[s|y] for the known constellation.")
    print("{:>6} | {:>8} {:>8} {:>8} {:>8} | {:>7} {:>7} {:>7} {:>7}".format(
        "SNR", "raw", "matched", "DDIM-10", "MMSE", "ML", "matched", "DDIM-10", "MMSE"))
    ok = True
    snapshot = None
    variants = (("matched", dict(sampler=1)), ("ddim", dict(sampler=2, steps=10, eta=0.0)))
    for snr in LINK_SNRS:
        out = {}
        for name, kw in variants:
            tb = sim.sim_link_top(snr_db=snr, kappa_t=LINK_KAPPA_T, kappa_r=LINK_KAPPA_R,
                                       n_samples=LINK_N, seed=7, **kw)
            tb.run()
            n = len(tb.symbols)
            y = np.asarray(tb.raw_sink.data(), dtype=np.complex128)
            xd = np.asarray(tb.den_sink.data(), dtype=np.complex128)
            ok &= (y.size == n and xd.size == n and bool(np.all(np.isfinite(xd))))
            out[name] = xd
            out["raw"] = sim.equalise_with_tags(y, tb.raw_sink.tags(), n)
            s_idx, pts = tb.symbols, tb.points
        s = pts[s_idx]
        nv = LINK_KAPPA_T + LINK_KAPPA_R + 10 ** (-snr / 10)
        out["mmse"] = baselines.mmse_estimate(out["raw"], pts, nv)
        mse = {k: _db(np.mean(np.abs(v - s) ** 2)) for k, v in out.items()}
        ser = {k: float(np.mean(constellations.nearest(v, pts) != s_idx)) for k, v in out.items()}
        print("{:>4.0f}dB | {:>8.2f} {:>8.2f} {:>8.2f} {:>8.2f} | {:>7.4f} {:>7.4f} {:>7.4f} {:>7.4f}".format(
            snr, mse["raw"], mse["matched"], mse["ddim"], mse["mmse"],
            ser["raw"], ser["matched"], ser["ddim"], ser["mmse"]))
        if snr == 10.0:
            snapshot = (out["raw"][:3000], out["ddim"][:3000], out["mmse"][:3000], pts)
    print(f"({time.time() - t0:.1f} s)")
    if snapshot is not None and png_path:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        raw, den, mm, pts = snapshot
        fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), sharex=True, sharey=True)
        for ax, data, title in zip(axes, (raw, den, mm),
                                   ("received (ZF-equalised)", "DDPM denoiser (DDIM 10 steps)",
                                    "exact MMSE estimate")):
            ax.scatter(data.real, data.imag, s=1, alpha=0.35)
            ax.scatter(pts.real, pts.imag, s=18, c="red", marker="x")
            ax.set_title(title)
            ax.set_xlim(-1.8, 1.8)
            ax.set_ylim(-1.8, 1.8)
            ax.set_aspect("equal")
            ax.grid(alpha=0.3)
        fig.suptitle(f"QAM-16 at 10 dB, kappa_t = {LINK_KAPPA_T}, kappa_r = {LINK_KAPPA_R}")
        fig.tight_layout(rect=(0, 0, 1, 0.94))
        os.makedirs(os.path.dirname(os.path.abspath(png_path)), exist_ok=True)
        fig.savefig(png_path, dpi=90)
        print(f"wrote {png_path}")
    return ok


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="gr-ddpm demo: DDPM receiver link table and injector check")
    ap.add_argument("--png", default=os.path.join(os.path.dirname(HERE), "results", "demo_constellation.png"),
                    help="where to write the constellation before/after picture ('' = none)")
    a = ap.parse_args(argv)
    from gnuradio import gr
    gr.logging().set_default_level(gr.log_levels.warn)   # the blocks' info lines would break up the table
    t0 = time.time()
    ok_link = link_table(a.png)
    print()
    ok_inj = injector_check()
    print(f"demo finished in {time.time() - t0:.1f} s")
    return 0 if (ok_link and ok_inj) else 1


if __name__ == "__main__":
    sys.exit(main())
