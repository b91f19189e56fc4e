#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure the denoiser's noise estimate (snr_db = NaN) with a model trained on a capture (docs/training.md).

Fresh captures of the transmitter the model was made from (16-QAM through an injector hardware preset at
signal power --power) get complex AWGN at Es/N0 = each --snrs value (Es = the capture's power); the denoiser
estimates the noise per batch of --batch samples; printed: the estimate's error in dB against the true noise
(mean and max |error| over --repeats batches), and the output MSE of the block against the clean sample
next to the input's (both in dB relative to the capture's power).

    python examples/capture_hardware.py --preset cheap_sdr --power 0.2 -n 200000 --out /tmp/cheap
    ddpm-train --file /tmp/cheap.sigmf-meta --steps 4000 --out /tmp/cheap.onnx
    python scripts/capture_noise_estimate.py /tmp/cheap.onnx --preset cheap_sdr --power 0.2
    python scripts/capture_noise_estimate.py --dd-bias      # the decision-directed bias on ideal 16-QAM
"""
import argparse
import sys

import numpy as np
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.channel import HARDWARE_PRESETS, apply_impairments
from gnuradio.ddpm.modelfile.reader import load_model


def measure(model, preset, power, snr, batch, repeats, seed):
    """(errors in dB [repeats], input MSE dB, output MSE dB) at one SNR."""
    qam = constellations.qam(16)
    errs, mse_in, mse_out = [], [], []
    for k in range(repeats):
        s = seed + 1000 * k + int(10 * snr)
        lab = np.random.default_rng(s).integers(0, 16, batch)
        hw = {} if preset == "none" else HARDWARE_PRESETS[preset]
        y, _ = apply_impairments(qam[lab], snr_db=300.0, power=power, seed=s + 1, **hw)
        p = np.mean(np.abs(y) ** 2)
        nv = p * 10 ** (-snr / 10)
        r = np.random.default_rng(s + 2)
        x = y + np.sqrt(nv / 2) * (r.standard_normal(batch) + 1j * r.standard_normal(batch))
        src = blocks.vector_source_c(x.astype(np.complex64).tolist(), False)
        den = ddpm.denoiser_cc(model, snr_db=float("nan"), batch=batch, equalize=0, threads=1)
        snk = blocks.vector_sink_c()
        tb = gr.top_block()
        tb.connect(src, den, snk)
        tb.run()
        out = np.asarray(snk.data())
        ps = load_model(den.model_path()).power_scale
        errs.append(10 * np.log10(den.last_noise_var() / (nv * ps ** 2)))
        mse_in.append(np.mean(np.abs(x - y) ** 2) / p)
        mse_out.append(np.mean(np.abs(out - y) ** 2) / p)
    return np.array(errs), 10 * np.log10(np.mean(mse_in)), 10 * np.log10(np.mean(mse_out))


def dd_bias(totals=(0.01, 0.02, 0.03, 0.04, 0.05, 0.06), n=400000, seed=0):
    """Relative bias of the decision-directed estimate mean |x - nearest|^2 on 16-QAM with complex Gaussian
    clusters of variance t (numpy, independent of the block): list of (t, bias / t)."""
    c = constellations.qam(16)
    r = np.random.default_rng(seed)
    s = c[r.integers(0, 16, n)]
    out = []
    for t in totals:
        x = s + np.sqrt(t / 2) * (r.standard_normal(n) + 1j * r.standard_normal(n))
        d = np.mean(np.abs(x - c[constellations.nearest(x, c)]) ** 2)
        out.append((t, d / t - 1.0))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", help="model file (or name)")
    ap.add_argument("--dd-bias", action="store_true", help="print the decision-directed bias on 16-QAM and exit")
    ap.add_argument("--preset", default="cheap_sdr", choices=sorted(HARDWARE_PRESETS) + ["none"])
    ap.add_argument("--power", type=float, default=0.2, help="the capture's signal power (as recorded)")
    ap.add_argument("--snrs", default="5,10,15,20,25", help="Es/N0 values in dB")
    ap.add_argument("--batch", type=int, default=8192, help="denoiser batch = estimate block (default 8192)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    if a.dd_bias:
        print("16-QAM, clusters CN(0, t): decision-directed estimate / t - 1")
        for t, b in dd_bias():
            print(f"t = {t:.2f}: {100 * b:+.1f} %")
        return 0
    if a.model is None:
        ap.error("a model is needed (or --dd-bias)")
    print(f"model {a.model}, preset {a.preset}, power {a.power}, batch {a.batch}, {a.repeats} batches per SNR")
    print(f"{'Es/N0 dB':>8} {'mean err dB':>11} {'max |err| dB':>12} {'MSE in dB':>9} {'MSE out dB':>10}")
    for snr in [float(v) for v in a.snrs.split(",")]:
        e, mi, mo = measure(a.model, a.preset, a.power, snr, a.batch, a.repeats, a.seed)
        print(f"{snr:8.1f} {np.mean(e):11.2f} {np.max(np.abs(e)):12.2f} {mi:9.2f} {mo:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
