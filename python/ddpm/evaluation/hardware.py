"""Experiment ``ddpm-eval hardware``: 16-QAM through realistic transmitter hardware, receivers that know the
ideal constellation against receivers that learned the hardware from one clean labelled capture
(docs/results.md, "Learned transmitter hardware").

One point = one hardware case (:data:`gnuradio.ddpm.core.hardware.CASES`) and a list of Es/N0 values. Per
point (all from the point's seed):

1. a clean labelled capture of the transmitter (``hardware.capture``; its AGC gain makes it unit power) --
   the training data of every learned receiver;
2. a DDPM trained on that capture (torch, ``training.train`` with the default recipe at ``ddpm_steps`` x
   ``ddpm_batch``, seeded), exported as a model file whose constellation is the learned centres and whose
   power_scale is the AGC gain, and run through the C++ kernel exactly as the denoiser block's default does
   (sampler "ddim", 1 step, eta 0, from the SNR-matched step: the network's posterior-mean estimate);
3. the test symbols: a fresh capture (same AGC gain) plus complex AWGN of variance 10^(-Es/N0 / 10).

Receivers (column ``method``); MSE against the transmitted distorted sample, SER/BER on the labels:

- ``textbook``: the exact MMSE estimate for ideal 16-QAM in AWGN (MSE) and its ML decision, nearest ideal
  point (SER) -- the optimum receiver for a transmitter without hardware;
- ``ddpm``: the block default's posterior mean (MSE); decisions: the nearest learned centre to that estimate
  (the network's decision). The block's own hard-decision output (``output = 1``) is the MAP decision over the
  model's constellation on the equalised input, i.e. with this model the ``centroids`` receiver;
- ``centroids``: GNU Radio's ``digital.constellation_calcdist`` with the 16 learned centres (in label order, so
  the decoded index is the label and carries its Gray bits), through ``digital.constellation_decoder_cb``;
  its estimate is the decided centre;
- ``gaussian``: a 2-D Gaussian per label (``hardware.gaussian_receiver``): MAP label and mixture posterior mean;
- ``genie``: the posterior under the empirical distribution of a fresh ``genie``-sample clean capture
  (``hardware.empirical_receiver``): knows the transmitter, ignores memory;
- ``dnn``: the DNN receiver baseline (``evaluation.dnn``, its default budget unless the setting says
  otherwise) trained on fresh hardware captures plus noise at this very Es/N0; estimate = its posterior over
  labels times the learned centres.

Shapes and dtypes as in :mod:`gnuradio.ddpm.evaluation.experiments`; rows: dict str -> (str | int | float).

Also: ``python -m gnuradio.ddpm.evaluation.hardware --make-model models/qam16_cheap_sdr.onnx`` trains the
cheap-SDR model that ``make demo`` ships (the recipe in :data:`DEMO_MODEL`).
"""
import argparse
import math
import os
import sys
import tempfile

import numpy as np

from gnuradio.ddpm.core import constellations, estimators, hardware
from gnuradio.ddpm.evaluation.dnn import train_dnn_receiver
from gnuradio.ddpm.evaluation.experiments import point_rng, score

__all__ = ["METHODS", "LABELS", "run_hardware", "train_capture_model", "calcdist_decisions", "plot_hardware",
           "tables", "DEMO_MODEL", "main"]

#: receivers in plotting order
METHODS = ("textbook", "ddpm", "centroids", "gaussian", "genie", "dnn")
LABELS = {"textbook": "textbook MMSE / ML (ideal 16-QAM)", "ddpm": "DDPM (block default) + nearest centre",
          "centroids": "learned centroids (calcdist)", "gaussian": "per-symbol Gaussian MAP",
          "genie": "genie (empirical clean distribution)", "dnn": "DNN receiver"}
_STYLE = {"textbook": dict(color="0.4", ls=":", marker="x"), "ddpm": dict(color="C0", marker="o"),
          "centroids": dict(color="C1", ls="--", marker="s"), "gaussian": dict(color="C2", ls="-.", marker="^"),
          "genie": dict(color="k", ls="-", marker="."), "dnn": dict(color="C3", ls="--", marker="v")}

#: the shipped demo model (models/qam16_cheap_sdr.onnx): capture size, training steps x batch, seeds
DEMO_MODEL = dict(case="cheap_sdr", capture=200_000, steps=8000, batch=2048, seed=1, capture_seed=20260601)

M = 16


def _subseed(seed, stream):
    """A 63-bit integer seed for one use (stream: small int) of a point's seed: int."""
    return int(point_rng(seed, stream).integers(0, 2 ** 63 - 1))


def train_capture_model(tx, x, gain, out, *, steps, batch, seed, case, threads=1, progress=False):
    """Train a DDPM on a clean labelled capture and write the model file ``out``.

    tx int [K] labels; x complex [K] capture after the AGC gain (model units); gain: the AGC gain (the model's
    power_scale: model units = gain x the transmitter's physical output); steps, batch, seed: the training
    run (``training.train.TrainConfig``, other fields default); case: name recorded in the metadata.
    The model's constellation is the learned centres (``hardware.learned_centres``, label order, 4 bits).
    Returns (TrainResult, metadata dict).
    """
    from gnuradio.ddpm.training.datasets import Dataset
    from gnuradio.ddpm.training.train import TrainConfig, train_and_export
    x = np.asarray(x, dtype=np.complex128)
    ds = Dataset(name="hardware_capture", params={"case": str(case), "samples": int(x.shape[0]),
                                                  "agc_gain": float(gain)},
                 power_scale=float(gain), constellation=hardware.learned_centres(tx, x, M),
                 bits_per_symbol=int(round(math.log2(M))), points=x)
    cfg = TrainConfig(steps=int(steps), batch=int(batch), seed=int(seed), threads=int(threads))
    return train_and_export(ds, out, cfg, progress=progress, desc=f"ddpm {case}")


def calcdist_decisions(y, centres):
    """Hard decisions of GNU Radio's ``digital.constellation_calcdist`` with the given points (no
    normalisation; pre_diff_code = point index, i.e. the label) through ``constellation_decoder_cb``.

    y: complex [N]; centres: complex [M] in label order. Returns int64 [N] labels.
    """
    from gnuradio import blocks, digital, gr
    c = np.asarray(centres, dtype=np.complex128)
    cons = digital.constellation_calcdist([complex(v) for v in c], list(range(c.shape[0])), 1, 1,
                                          digital.constellation.NO_NORMALIZATION)
    tb = gr.top_block()
    src = blocks.vector_source_c(np.asarray(y, dtype=np.complex64).tolist(), False)
    dec = digital.constellation_decoder_cb(cons.base())
    snk = blocks.vector_sink_b()
    tb.connect(src, dec, snk)
    tb.run()
    out = np.asarray(snk.data(), dtype=np.int64)
    if out.shape[0] != np.asarray(y).shape[0]:
        raise RuntimeError(f"constellation_decoder_cb returned {out.shape[0]} of {np.asarray(y).shape[0]} decisions")
    return out


def _awgn(x, nv, seed):
    rng = np.random.default_rng(int(seed))
    return x + math.sqrt(nv / 2.0) * (rng.standard_normal(x.shape[0]) + 1j * rng.standard_normal(x.shape[0]))


def run_hardware(point, seed, threads=1):
    """Experiment ``hardware``: every receiver of METHODS at every Es/N0 of ``point["snrs"]`` for one case.

    point keys: case, snrs (list of dB), capture (training capture size), n (test symbols), genie (genie
    dictionary size), ddpm_steps, ddpm_batch, dnn_train, dnn_epochs. Returns rows (one per SNR and method,
    with the case's EVM ``evm_db`` and the DDPM's final training loss ``ddpm_loss``).
    """
    from gnuradio.ddpm.ddpm_python import ddpm_sampler
    case = point["case"]
    points = constellations.qam(M)
    tx_c, x_c, gain = hardware.capture(case, point["capture"], _subseed(seed, 1))
    tx_g, x_g, _ = hardware.capture(case, point["genie"], _subseed(seed, 2), gain=gain)
    tx_t, x_t, _ = hardware.capture(case, point["n"], _subseed(seed, 3), gain=gain)
    centres = hardware.learned_centres(tx_c, x_c, M)
    g_mu, g_cov = hardware.gaussian_fit(tx_c, x_c, M)
    evm = hardware.evm_db(x_c, tx_c, points)
    with tempfile.TemporaryDirectory(prefix="ddpm-hw-") as tmp:
        path = os.path.join(tmp, f"{case}.onnx")
        res, _ = train_capture_model(tx_c, x_c, gain, path, steps=point["ddpm_steps"], batch=point["ddpm_batch"],
                                     seed=_subseed(seed, 4) % 2 ** 31, case=case)
        smp = ddpm_sampler(path, int(threads))
    base = {"constellation": "qam16", "noise": "gaussian", "case": case, "evm_db": evm,
            "ddpm_loss": float(res.final_loss)}
    rows = []
    for i, snr in enumerate(point["snrs"]):
        nv = 10.0 ** (-float(snr) / 10.0)
        y = _awgn(x_t, nv, _subseed(seed, 100 + i))
        ests = {"textbook": (estimators.mmse_estimate(y, points, nv), estimators.ml_decision(y, points))}
        pm = np.asarray(smp.sample(y.astype(np.complex64), float(nv), sampler="ddim", steps=1, eta=0.0,
                                   seed=_subseed(seed, 5), first_index=0), dtype=np.complex128)
        ests["ddpm"] = (pm, constellations.nearest(pm, centres))
        dc = calcdist_decisions(y, centres)
        ests["centroids"] = (centres[dc], dc)
        ests["gaussian"] = hardware.gaussian_receiver(y, g_mu, g_cov, nv)
        ests["genie"] = hardware.empirical_receiver(y, x_g, tx_g, nv, M)

        def chan(s, rng, _nv=nv):       # labels -> ideal points -> this transmitter + AGC + AWGN
            x = hardware.transmit(case, s, rng) * gain
            return x + math.sqrt(_nv / 2.0) * (rng.standard_normal(x.shape[0]) + 1j * rng.standard_normal(x.shape[0]))
        dnn = train_dnn_receiver(points, chan, n_train=int(point["dnn_train"]), epochs=int(point["dnn_epochs"]),
                                 seed=_subseed(seed, 200 + i))
        prob = dnn.predict_proba(y)
        ests["dnn"] = (prob @ centres, np.argmax(prob, axis=1).astype(np.int64))
        for name in METHODS:
            est, dec = ests[name]
            rows.append({**base, "snr_db": float(snr), "method": name, **score(est, x_t, dec, tx_t, points),
                         "n": int(point["n"]), "seed": int(seed)})
    return rows


# ----------------------------------------------------------------------------------------------- plot, tables
def plot_hardware(rows, path, setting=None):
    """SER (top) and MSE (bottom) vs Es/N0, one column per case. Writes the PNG ``path``; returns it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cases = list(dict.fromkeys(r["case"] for r in rows))
    fig, ax = plt.subplots(2, len(cases), figsize=(4.2 * len(cases), 7.4), squeeze=False)
    for j, c in enumerate(cases):
        for m in METHODS:
            rs = sorted((r for r in rows if r["case"] == c and r["method"] == m), key=lambda r: r["snr_db"])
            if not rs:
                continue
            x = np.array([r["snr_db"] for r in rs])
            ser = np.array([r["ser"] for r in rs], dtype=float)
            ok = ser > 0
            ax[0][j].semilogy(x[ok], ser[ok], label=LABELS[m], ms=4, **_STYLE[m])
            ax[1][j].plot(x, [r["mse_db"] for r in rs], label=LABELS[m], ms=4, **_STYLE[m])
        title = hardware.CASES[c]["title"] if c in hardware.CASES else c
        ax[0][j].set_title(title, fontsize=8)
        for a, yl in ((ax[0][j], "SER"), (ax[1][j], "MSE (dB) to the transmitted sample")):
            a.set_xlabel("Es/N0 (dB)")
            a.set_ylabel(yl)
            a.grid(alpha=0.3)
        lo, hi = ax[1][j].get_ylim()
        if lo < -60.0:          # a deterministic cloud decoded without error: MSE ~ -300 dB (in the CSV)
            ax[1][j].set_ylim(-60.0, hi)
    ax[0][0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def tables(rows):
    """Markdown tables (SER and MSE in dB; rows: method, columns: Es/N0) per case: str."""
    from gnuradio.ddpm.evaluation.tables import markdown_table
    out = []
    for c in dict.fromkeys(r["case"] for r in rows):
        rs = [r for r in rows if r["case"] == c]
        evm = rs[0].get("evm_db")
        out.append(f"**{c}: {hardware.CASES.get(c, {}).get('title', c)}** (EVM {evm:.1f} dB; SER, columns: "
                   "Es/N0 in dB)\n")
        out.append(markdown_table(rs, ["method"], "snr_db", "ser", "{:.2g}") + "\n")
        out.append(f"**{c}: MSE (dB)**\n")
        out.append(markdown_table(rs, ["method"], "snr_db", "mse_db", "{:.1f}") + "\n")
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------- demo model
def make_demo_model(out, progress=True):
    """Train the shipped cheap-SDR model (:data:`DEMO_MODEL`) into ``out``. Returns (TrainResult, metadata)."""
    d = DEMO_MODEL
    tx, x, gain = hardware.capture(d["case"], d["capture"], d["capture_seed"])
    return train_capture_model(tx, x, gain, out, steps=d["steps"], batch=d["batch"], seed=d["seed"],
                               case=d["case"], progress=progress)


def main(argv=None):
    """``python -m gnuradio.ddpm.evaluation.hardware --make-model PATH``. Returns the exit status."""
    p = argparse.ArgumentParser(description="Train the learned-hardware demo model (cheap SDR, 16-QAM).")
    p.add_argument("--make-model", required=True, metavar="PATH", help="output .onnx file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    res, _ = make_demo_model(a.make_model, progress=not a.quiet)
    print(f"{a.make_model}: final loss {res.final_loss:.4f}, {res.steps} steps in {res.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
