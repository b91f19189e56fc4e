"""How close a model's posterior mean is to the exact MMSE (issue 13 targets; docs/results.md, "Posterior-mean
accuracy").

The estimate measured is the denoiser block's default: DDIM with one deterministic step (eta = 0) from the
SNR-matched step, i.e. Tweedie's formula, the network's own posterior mean E[s | y~], through the C++ kernel
(``ddpm.ddpm_sampler``). It is compared with the *exact* MMSE of the model's constellation
(:func:`gnuradio.ddpm.core.estimators.mmse_exact`, numerical integration, so rare-event values at high SNR are
resolved), in AWGN and under Rayleigh block fading (h ~ CN(0, 1), zero forcing with the known h, per-sample
noise variance 1/(SNR |h|^2); the exact MMSE is then E_h[mmse(SNR |h|^2)], integrated over |h|^2 ~ Exp(1)).

Command line::

    python -m gnuradio.ddpm.evaluation.accuracy --model qam16                  # AWGN -30..25 dB + fading 0..20 dB
    python -m gnuradio.ddpm.evaluation.accuracy --model qam16 --n 20000 --awgn=-30,-10,0,10,15,20 --fading=0,10,20

Rows (dicts): channel ("awgn" | "rayleigh"), snr_db (Es/N0, the mean for fading), mse_db (the model's MSE),
ci_db (half-width of its 95 % interval in dB), mmse_db (exact), gap_db = mse_db - mmse_db; for fading also
mc_mmse_db, the Monte-Carlo MSE of the exact posterior mean on the same observations (a paired check).
Shapes/dtypes: symbols complex128 [N]; noise variances float32 [N] for the kernel.
"""
import argparse
import math
import sys

import numpy as np

from gnuradio.ddpm.core import estimators
from gnuradio.ddpm.modelfile.lookup import find_model
from gnuradio.ddpm.modelfile.reader import load_model

__all__ = ["posterior_mean", "fading_mmse_exact", "measure", "main"]


def posterior_mean(sampler, y, nv, seed=0):
    """The block default (DDIM, 1 step, eta 0) on equalised observations in model units.

    sampler: ``ddpm.ddpm_sampler``; y: complex [N]; nv: float or float [N] complex noise variance.
    Returns complex128 [N]."""
    y32 = np.ascontiguousarray(y, dtype=np.complex64)
    v = float(nv) if np.ndim(nv) == 0 else np.ascontiguousarray(np.minimum(nv, 3e38), dtype=np.float32)
    return np.asarray(sampler.sample(y32, v, sampler="ddim", steps=1, eta=0.0, seed=int(seed)),
                      dtype=np.complex128)


def fading_mmse_exact(points, snr_db, nodes=400):
    """Exact MMSE under Rayleigh fading with a known gain: E_g[mmse_exact(points, 1/(SNR g))], g = |h|^2 ~ Exp(1),
    by the trapezoid rule in u = ln g over [-30, ln 40] (the integrand g e^-g mmse(...) is smooth in u and
    negligible outside). points complex [M] (unit power); snr_db float. Returns float."""
    snr = 10.0 ** (snr_db / 10.0)
    u = np.linspace(-30.0, math.log(40.0), int(nodes))
    g = np.exp(u)
    vals = np.array([estimators.mmse_exact(points, 1.0 / (snr * gi)) for gi in g])
    f = vals * g * np.exp(-g)
    return float(np.sum((f[1:] + f[:-1]) / 2.0 * np.diff(u)))


def _snr_key(snr_db):
    """Generator key of one point: its SNR in milli-dB (offset to be >= 0), so a point draws the same symbols and
    noise whatever other SNRs are in the list. float -> int."""
    return int(round((float(snr_db) + 1000.0) * 1000.0))


def _db(x):
    return 10.0 * math.log10(x) if x > 0 else float("-inf")


def _ci_db(err):
    """Half-width (dB) of the 95 % interval of 10 log10(mean(err)) from the sample standard error."""
    m = float(np.mean(err))
    se = float(np.std(err, ddof=1)) / math.sqrt(err.shape[0])
    return 10.0 / math.log(10.0) * 1.96 * se / m if m > 0 else float("inf")


def measure(model="qam16", awgn_snrs=(), fading_snrs=(), n=20000, coherence=10, seed=1, threads=1):
    """Measure the posterior-mean gap of ``model`` (short name or path; it must have a constellation).

    awgn_snrs, fading_snrs: iterables of Es/N0 in dB; n: symbols per point; coherence: fading block length.
    Returns a list of row dicts (module docstring)."""
    from gnuradio import ddpm
    path = find_model(model)
    info = load_model(path)
    if info.constellation is None:
        raise ValueError(f"model {model} has no constellation: the exact MMSE needs one")
    ps = float(info.power_scale)
    pts = np.asarray(info.constellation, dtype=np.complex128) / ps          # physical units (unit power)
    smp = ddpm.ddpm_sampler(path, int(threads))
    rows = []
    for snr in awgn_snrs:
        rng = np.random.default_rng([int(seed), 0, _snr_key(snr)])
        s = pts[rng.integers(0, pts.shape[0], int(n))]
        nv = 10.0 ** (-float(snr) / 10.0)
        y = s + math.sqrt(nv / 2.0) * (rng.standard_normal(s.shape[0]) + 1j * rng.standard_normal(s.shape[0]))
        est = posterior_mean(smp, y * ps, nv * ps * ps, seed) / ps
        err = np.abs(est - s) ** 2
        mm = estimators.mmse_exact(pts, nv)
        rows.append({"channel": "awgn", "snr_db": float(snr), "mse_db": _db(float(np.mean(err))),
                     "ci_db": _ci_db(err), "mmse_db": _db(mm), "gap_db": _db(float(np.mean(err))) - _db(mm)})
    for snr in fading_snrs:
        rng = np.random.default_rng([int(seed), 1, _snr_key(snr)])
        s = pts[rng.integers(0, pts.shape[0], int(n))]
        nb = -(-int(n) // int(coherence))
        h = np.repeat((rng.standard_normal(nb) + 1j * rng.standard_normal(nb)) / math.sqrt(2.0), coherence)[:n]
        sig2 = 10.0 ** (-float(snr) / 10.0)
        y = h * s + math.sqrt(sig2 / 2.0) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
        yt, nv = y / h, sig2 / np.abs(h) ** 2
        est = posterior_mean(smp, yt * ps, nv * ps * ps, seed) / ps
        err = np.abs(est - s) ** 2
        # the exact posterior mean on the same observations (one noise variance per fading block)
        ex = np.concatenate([estimators.mmse_estimate(yt[a:a + coherence], pts, float(nv[a]))
                             for a in range(0, n, coherence)])
        mm = fading_mmse_exact(pts, float(snr))
        rows.append({"channel": "rayleigh", "snr_db": float(snr), "mse_db": _db(float(np.mean(err))),
                     "ci_db": _ci_db(err), "mmse_db": _db(mm), "gap_db": _db(float(np.mean(err))) - _db(mm),
                     "mc_mmse_db": _db(float(np.mean(np.abs(ex - s) ** 2)))})
    return rows


def _floats(text):
    return [float(v) for v in text.split(",") if v.strip()]


def main(argv=None):
    """Entry point: prints a Markdown table of the rows. Returns 0 (2 on a bad option)."""
    p = argparse.ArgumentParser(prog="python -m gnuradio.ddpm.evaluation.accuracy",
                                description="Posterior-mean (block default) MSE of a model vs the exact MMSE.")
    p.add_argument("--model", default="qam16", help="model short name or path (default qam16)")
    p.add_argument("--awgn", type=_floats, default=_floats("-30,-25,-20,-15,-10,-5,0,5,10,15,20,25"),
                   help="AWGN Es/N0 values in dB, comma-separated")
    p.add_argument("--fading", type=_floats, default=_floats("0,5,10,15,20"),
                   help="Rayleigh mean Es/N0 values in dB, comma-separated")
    p.add_argument("--n", type=int, default=20000, help="symbols per point (default 20000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    if a.n < 100:
        print("accuracy: error: --n must be >= 100", file=sys.stderr)
        return 2
    rows = measure(a.model, a.awgn, a.fading, n=a.n, seed=a.seed, threads=a.threads)
    print(f"model {a.model} ({find_model(a.model)}), n = {a.n} symbols per point, seed {a.seed}\n")
    print("| channel | Es/N0 (dB) | posterior mean MSE (dB) | ±95 % | exact MMSE (dB) | gap (dB) "
          "| exact posterior mean, same samples (dB) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        mc = f"{r['mc_mmse_db']:.2f}" if "mc_mmse_db" in r else "–"
        print(f"| {r['channel']} | {r['snr_db']:g} | {r['mse_db']:.2f} | {r['ci_db']:.2f} | {r['mmse_db']:.2f} "
              f"| {r['gap_db']:+.2f} | {mc} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
