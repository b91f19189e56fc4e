"""Experiment ``mimo-ce``: MIMO channel estimation NMSE vs SNR, diffusion posterior sampling against LS, LMMSE,
OMP, Lasso and a supervised network (docs/mimo.md, docs/results.md).

A point is (split, snr_db). The split fixes the training scene (whose model ``mimo_<scene>`` and training
covariance are used) and the test scene (channels.SPLITS). Methods (column ``method``):

- ``ls``: min-norm least squares; ``lmmse``: LMMSE with the training covariance (the one in the model file);
  ``lmmse_oracle``: LMMSE with the test scene's covariance (reference: not available to a real receiver);
- ``omp``, ``lasso``: on the oversampled 2-D DFT dictionary (estimators.SparseEstimator);
- ``supervised``: the network of the denoiser's size trained to map the LMMSE estimate to the channel;
- ``diffusion``: sampler.DiffusionEstimator with the start scale and steps the trainer chose on validation data
  of the training scene; ``tweedie``: the same denoiser, one step from the LMMSE estimate (K = 1, scale 1).

Rows: experiment, split, train_scene, test_scene, snr_db, method, nmse_db (ratio of sums over ``n`` test
channels), latency_ms (median wall time of one single-slot estimate over ``latency_slots`` slots), n, seed.
"""
import time

import numpy as np

from gnuradio.ddpm.mimo import channels as chan
from gnuradio.ddpm.mimo import estimators as est

__all__ = ["run_point", "points", "plot", "tables", "METHODS", "SETTINGS", "models_for"]

METHODS = ("ls", "lmmse", "lmmse_oracle", "omp", "lasso", "supervised", "tweedie", "diffusion")
LABELS = {"ls": "LS (min-norm)", "lmmse": "LMMSE, training covariance", "lmmse_oracle": "LMMSE, oracle covariance",
          "omp": "OMP (2-D DFT x2)", "lasso": "Lasso (2-D DFT x2)", "supervised": "supervised network",
          "tweedie": "denoiser, 1 step (Tweedie)", "diffusion": "diffusion posterior sampling"}
SPLIT_NAMES = tuple(chan.SPLITS)

_COMMON = dict(pilots=16, pilot_seed=0, oracle_channels=10000)
SETTINGS = {
    "quick": {"splits": ["in_distribution"], "snrs": [0.0, 30.0],
              "common": dict(_COMMON, n=24, latency_slots=2, oracle_channels=4000)},
    "full": {"splits": list(SPLIT_NAMES), "snrs": [float(s) for s in range(-10, 31, 10)],
             "common": dict(_COMMON, n=150, latency_slots=5, oracle_channels=10000)},
}

_CACHE = {}


def models_for(split):
    """(denoiser, supervised) model short names of a split's training scene."""
    scene = chan.SPLITS[split][0]
    return f"mimo_{scene}", f"mimo_{scene}_sup"


def points(cfg):
    """Points of a setting: list of dicts (split, snr_db, common keys)."""
    return [dict(split=s, snr_db=float(snr), **cfg["common"]) for s in cfg["splits"] for snr in cfg["snrs"]]


def _setup(split, pilots, pilot_seed, oracle_channels):
    key = (split, pilots, pilot_seed, oracle_channels)
    if key not in _CACHE:
        from gnuradio.ddpm.mimo.model import load_model
        from gnuradio.ddpm.mimo.sampler import DiffusionEstimator, SupervisedEstimator
        from gnuradio.ddpm.modelfile.lookup import find_model
        den_name, sup_name = models_for(split)
        den = load_model(find_model(den_name))
        sup = load_model(find_model(sup_name))
        arrays = den.arrays
        P = est.pilot_matrix(arrays.nt, pilots, pilot_seed)
        test_scene = chan.SPLITS[split][1]
        # the oracle covariance: a separate stream of the test scene (seed 7, never the test channels' stream)
        Ho = chan.generate(test_scene, oracle_channels, 7, arrays=arrays)
        _CACHE[key] = dict(
            arrays=arrays, P=P, den=den,
            lmmse=est.LMMSE(den.cov, P, arrays.nr), oracle=est.LMMSE(est.covariance(Ho), P, arrays.nr),
            sparse=est.SparseEstimator(arrays.ue, arrays.bs, P), diffusion=DiffusionEstimator(den, P),
            supervised=SupervisedEstimator(sup, P), pinv=np.linalg.pinv(P))
        if len(_CACHE) > 4:
            _CACHE.pop(next(iter(_CACHE)))
    return _CACHE[key]


def _methods(S, seed):
    d = S["diffusion"]
    return {
        "ls": lambda Y, snr: Y @ S["pinv"],
        "lmmse": lambda Y, snr: S["lmmse"].estimate(Y, snr),
        "lmmse_oracle": lambda Y, snr: S["oracle"].estimate(Y, snr),
        "omp": lambda Y, snr: S["sparse"].omp(Y, snr),
        "lasso": lambda Y, snr: S["sparse"].lasso(Y, snr),
        "supervised": lambda Y, snr: S["supervised"].estimate(Y, snr),
        "tweedie": lambda Y, snr: d.estimate(Y, snr, seed=seed, start_scale=1.0, steps=1)[0],
        "diffusion": lambda Y, snr: d.estimate(Y, snr, seed=seed)[0],
    }


def run_point(point, seed, threads=1):
    """One (split, snr_db) point: every method on ``n`` test channels of the split's test scene.

    Test channels: channels.split_channels(split, 'test', n, seed); noise default_rng([seed, 1]).
    Returns a list of rows (dict), one per method.
    """
    split, snr = point["split"], float(point["snr_db"])
    S = _setup(split, int(point["pilots"]), int(point["pilot_seed"]), int(point["oracle_channels"]))
    H = chan.split_channels(split, "test", int(point["n"]), seed % (2 ** 31), arrays=S["arrays"])
    Y = est.observe(H, S["P"], snr, np.random.default_rng([seed, 1]))
    train_scene, test_scene = chan.SPLITS[split]
    rows = []
    for name, fn in _methods(S, seed % (2 ** 31)).items():
        Hh = fn(Y, snr)
        lat = []
        for i in range(int(point["latency_slots"])):
            t0 = time.perf_counter()
            fn(Y[i:i + 1], snr)
            lat.append(1e3 * (time.perf_counter() - t0))
        rows.append({"split": split, "train_scene": train_scene, "test_scene": test_scene, "snr_db": snr,
                     "method": name, "nmse_db": est.nmse_db(Hh, H), "latency_ms": float(np.median(lat)),
                     "n": int(point["n"]), "seed": int(seed)})
    return rows


def _sel(rows, **kw):
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def plot(rows, png, cfg=None):
    """NMSE vs SNR, one panel per split, one curve per method. Returns png."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    splits = [s for s in SPLIT_NAMES if _sel(rows, split=s)]
    fig, axes = plt.subplots(1, max(len(splits), 1), figsize=(5.2 * max(len(splits), 1), 4.4), squeeze=False)
    styles = {"diffusion": dict(lw=2.2, color="C3"), "lmmse": dict(color="C0"), "lmmse_oracle": dict(color="C0", ls="--"),
              "tweedie": dict(color="C3", ls=":"), "supervised": dict(color="C2"), "omp": dict(color="C1"),
              "lasso": dict(color="C4"), "ls": dict(color="0.5")}
    for ax, s in zip(axes[0], splits):
        for m in METHODS:
            rs = sorted(_sel(rows, split=s, method=m), key=lambda r: r["snr_db"])
            if rs:
                ax.plot([r["snr_db"] for r in rs], [r["nmse_db"] for r in rs], marker="o", ms=3,
                        label=LABELS[m], **styles.get(m, {}))
        tr, te = chan.SPLITS[s]
        ax.set_title(f"{s}: train {tr}, test {te}")
        ax.set_xlabel("SNR (dB)")
        ax.set_ylabel("NMSE (dB)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def tables(rows):
    """Markdown: NMSE per split (rows: methods, columns: SNR), then median latency per method (ms)."""
    out = []
    for s in SPLIT_NAMES:
        rs = _sel(rows, split=s)
        if not rs:
            continue
        snrs = sorted({r["snr_db"] for r in rs})
        out.append(f"**{s}** (train {chan.SPLITS[s][0]}, test {chan.SPLITS[s][1]}): NMSE in dB, columns SNR in dB\n")
        out.append("| method | " + " | ".join(f"{v:g}" for v in snrs) + " |")
        out.append("|---|" + "---|" * len(snrs))
        for m in METHODS:
            vals = {r["snr_db"]: r["nmse_db"] for r in _sel(rs, method=m)}
            if vals:
                out.append(f"| {m} | " + " | ".join(f"{vals[v]:.2f}" if v in vals else "" for v in snrs) + " |")
        out.append("")
    out.append("**latency per single-slot estimate** (median ms over all points)\n")
    out.append("| method | ms |")
    out.append("|---|---|")
    for m in METHODS:
        v = [r["latency_ms"] for r in _sel(rows, method=m) if "latency_ms" in r]
        if v:
            out.append(f"| {m} | {np.median(v):.2f} |")
    return "\n".join(out) + "\n"
