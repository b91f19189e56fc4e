#!/usr/bin/env python3
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-ddpm demo (`make demo`).

Part 1 — the DDPM receiver on two simulated links (the headline): random QAM-16 symbols -> impairment injector
-> ddpm.denoiser_cc (its defaults), once with an ideal transmitter and the shipped 'qam16' model, once with the
injector's "cheap SDR" transmitter hardware (PA + IQ imbalance/DC + phase noise) and 'qam16_cheap_sdr', a model
trained on a clean capture of that transmitter (no torch, no training at run time). Prints MSE and SER of the
textbook receiver (exact MMSE / ML for ideal QAM-16), the DDPM and the block's hard decisions at a few Es/N0, and
writes a constellation picture (received, DDPM output, transmitted) of both links.

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


# ------------------------------------------------------------------------------------------ DDPM links
LINK_ESN0 = (10.0, 15.0, 20.0, 25.0)
LINK_N = 20_000
PICTURE_ESN0 = 20.0
# the two links: (title, injector hardware, model); the hardware model is trained on a clean capture of that
# transmitter (python -m gnuradio.ddpm.evaluation.hardware --make-model models/qam16_cheap_sdr.onnx)
LINKS = (("ideal transmitter", "none", "qam16"),
         ("cheap SDR transmitter", "cheap_sdr", "qam16_cheap_sdr"))


def _db(x):
    return 10.0 * np.log10(max(float(x), 1e-30))


def run_link(hw_name, model_name, esn0_db, seed):
    """One link through the blocks: QAM-16 -> impairment_injector_cc (hardware preset ``hw_name`` or none)
    -> denoiser_cc (its defaults: DDIM, 1 step from the SNR-matched step) with ``model_name``, both outputs
    (denoised samples and hard decisions), and a noiseless twin of the injector for the reference.

    The model's power_scale g is the AGC gain of its training capture (unit power in model units), so the
    injector's SNR (noise relative to the nominal unit-power symbols) is set to Es/N0 + 20 log10 g: Es/N0 of
    the transmitted (distorted) signal. Returns a dict of complex128 [N] arrays in model units (AGC'd):
    ref (transmitted), y (received), den (denoised), hard (the block's hard decisions), plus tx labels
    int64 [N] and the model's constellation (complex128 [M], model units)."""
    from gnuradio import blocks, gr, ddpm
    from gnuradio.ddpm.core import channel, constellations
    mdl = ddpm.model.load(ddpm.model.resolve_path(model_name))
    g = float(mdl.power_scale)
    hw = {} if hw_name == "none" else dict(channel.HARDWARE_PRESETS[hw_name])
    snr_inj = esn0_db + 20.0 * np.log10(g)
    pts = constellations.qam(16)
    tx = np.random.default_rng(seed).integers(0, 16, LINK_N)
    tb = gr.top_block()
    src = blocks.vector_source_c(pts[tx].astype(np.complex64).tolist(), False)
    inj = ddpm.impairment_injector_cc(snr_db=snr_inj, seed=seed, **hw)
    twin = ddpm.impairment_injector_cc(snr_db=300.0, seed=seed, **hw)     # same draws, noise 1e-30
    den = ddpm.denoiser_cc(model_name, snr_db=snr_inj)
    hard = ddpm.denoiser_cc(model_name, snr_db=snr_inj, output=1)
    sinks = {k: blocks.vector_sink_c() for k in ("y", "ref", "den", "hard")}
    tb.connect(src, inj, sinks["y"])
    tb.connect(src, twin, sinks["ref"])
    tb.connect(inj, den, sinks["den"])
    tb.connect(inj, hard, sinks["hard"])
    tb.run()
    out = {k: np.asarray(v.data(), dtype=np.complex128) * g for k, v in sinks.items()}
    out.update(tx=tx, centres=np.asarray(mdl.constellation, dtype=np.complex128), g=g, points=pts)
    return out


def link_table(png_path):
    """The ideal and the cheap-SDR link side by side (table, and the constellation picture at PICTURE_ESN0).
    Returns True when every run delivered all samples without NaN (the figures are reported, not judged)."""
    from gnuradio.ddpm.core import constellations
    from gnuradio.ddpm.core import estimators as baselines
    t0 = time.time()
    print(f"QAM-16, {LINK_N} symbols per Es/N0 (of the transmitted signal), complex AWGN. Receivers:")
    print("  textbook = exact MMSE estimate (MSE) / ML decision (SER) for ideal QAM-16;")
    print("  DDPM     = ddpm.denoiser_cc default (DDIM 1 step = the network's posterior mean); SER: nearest "
          "point of the model's constellation to it;")
    print("  hard     = the block's hard-decision output (output=1): MAP over the model's constellation -- for "
          "the hardware model the 16 centres learned from its capture (learned centroids).")
    print("MSE in dB to the transmitted (distorted) sample; docs/results.md (ddpm-eval hardware) has the DNN, "
          "Gaussian and genie receivers too.")
    ok, pics = True, {}
    for title, hw_name, model_name in LINKS:
        print(f"\n{title} (injector hardware: {hw_name}; model '{model_name}')")
        print("{:>7} | {:>8} {:>8} | {:>8} {:>8} {:>8}".format("Es/N0", "MSE txt", "MSE DDPM", "SER txt",
                                                               "SER DDPM", "SER hard"))
        for esn0 in LINK_ESN0:
            r = run_link(hw_name, model_name, esn0, seed=11)
            n = r["tx"].shape[0]
            ok &= all(r[k].shape[0] == n and bool(np.all(np.isfinite(r[k]))) for k in ("y", "den", "hard"))
            nv = 10.0 ** (-esn0 / 10.0)
            pts, cen, tx = r["points"], r["centres"], r["tx"]
            mmse = baselines.mmse_estimate(r["y"], pts, nv)
            mse_t, mse_d = (_db(np.mean(np.abs(e - r["ref"]) ** 2)) for e in (mmse, r["den"]))
            ser_t = float(np.mean(constellations.nearest(r["y"], pts) != tx))
            ser_d = float(np.mean(constellations.nearest(r["den"], cen) != tx))
            ser_h = float(np.mean(constellations.nearest(r["hard"], cen) != tx))
            print("{:>5.0f}dB | {:>8.2f} {:>8.2f} | {:>8.4f} {:>8.4f} {:>8.4f}".format(
                esn0, mse_t, mse_d, ser_t, ser_d, ser_h))
            if esn0 == PICTURE_ESN0:
                pics[title] = r
    print(f"({time.time() - t0:.1f} s)")
    if pics and png_path:
        write_picture(pics, png_path)
        print(f"wrote {png_path}")
    return ok


def write_picture(pics, png_path, n_show=4000):
    """2 x 3 scatter plots: per link, the received samples, the DDPM's output and the transmitted samples,
    with the ideal points (red x) and the model's constellation (green +)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(pics), 3, figsize=(11.5, 3.9 * len(pics)), sharex=True, sharey=True,
                             squeeze=False)
    for row, (title, r) in zip(axes, pics.items()):
        for ax, key, what in zip(row, ("y", "den", "ref"), ("received (AGC)", "DDPM denoiser (block default)",
                                                            "transmitted (noiseless)")):
            d = r[key][:n_show]
            ax.scatter(d.real, d.imag, s=1, alpha=0.3)
            ax.scatter(r["points"].real, r["points"].imag, s=22, c="red", marker="x", label="ideal 16-QAM")
            ax.scatter(r["centres"].real, r["centres"].imag, s=30, c="green", marker="+",
                       label="model constellation")
            ax.set_title(f"{title}: {what}", fontsize=9)
            ax.set_xlim(-1.7, 1.7)
            ax.set_ylim(-1.7, 1.7)
            ax.set_aspect("equal")
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"QAM-16 at Es/N0 = {PICTURE_ESN0:.0f} dB: ideal transmitter vs cheap SDR "
                 "(PA + IQ/DC + phase noise), DDPM trained on a clean capture")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    os.makedirs(os.path.dirname(os.path.abspath(png_path)), exist_ok=True)
    fig.savefig(png_path, dpi=80)
    plt.close(fig)


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
