#!/usr/bin/env python3
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-ddpm demo (`make demo`): the impairment injector measured against its formula.

Compiles examples/impairments_headless.grc with grcc, runs it at several channel settings (random QAM-16
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
N = 200_000
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


def main():
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
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
