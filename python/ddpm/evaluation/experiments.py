"""The six experiments of ``ddpm-eval`` (see :mod:`gnuradio.ddpm.evaluation.runner` and docs/results.md).

Every experiment is a set of Monte-Carlo *points*. A point is a plain dict of JSON-able parameters (it is shipped
to a Dask worker as is); ``run_<experiment>(point, seed, threads)`` computes it and returns a list of result rows
(dicts of str/int/float). Nothing here depends on where a point runs: the numbers are a function of
(point, seed) only -- numpy generators are seeded from ``seed``, the C++ kernel is keyed by ``seed`` and its
output does not depend on ``threads`` (docs/sampling.md, ``ddpm-rng-v1``).

Receivers compared in every constellation experiment (column ``method``):

- ``raw``: the equalised observation y~ = y / (sqrt(p) g) itself (SER/BER: nearest point).
- ``ddpm_paper``: the C++ kernel, sampler "paper" (x_{T-1} = y~, full 100-step chain).
- ``ddpm_matched``: the kernel, sampler "matched" (SNR-matched start k*, DDPM chain, stochastic).
- ``ddpm_ddim``: the kernel, sampler "ddim", ``ddim_steps`` steps, eta = 0 (deterministic).
- ``ddpm_default``: the denoiser block's default, sampler "ddim" with ONE step, eta = 0: Tweedie's formula, the
  network's posterior mean E[s | y~] (docs/sampling.md).
- ``dnn``: the numpy DNN receiver baseline (``train_dnn_receiver``), trained for this very point (same
  constellation, SNR, impairments and noise law; its MSE uses the soft estimate, SER/BER its hard decision).
- ``mmse_ml``: the exact optimum for the known constellation and noise law: MSE of the posterior mean
  (``estimators.mmse_estimate``), SER/BER of the ML decision (``estimators.ml_decision``).
- ``mmse_exact`` (``mse``/``ber`` experiments, no fading): the same optimum's MSE by numerical integration
  (``estimators.mmse_exact``), which resolves it where a Monte-Carlo mean sees no error at all (high SNR).
DDPM outputs are mapped to the nearest constellation point for SER/BER.

Shapes and dtypes: symbols and observations are complex128 [N]; per-sample noise variances float64 [N];
constellation points complex128 [M]. Results rows: dict str -> (str | int | float).
"""
import math
import threading

import numpy as np

from gnuradio.ddpm.core import estimators, shaping
from gnuradio.ddpm.evaluation.dnn import train_dnn_receiver
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core import metrics
from gnuradio.ddpm.ddpm_python import ddpm_sampler
from gnuradio.ddpm.modelfile.lookup import find_model

__all__ = ["RECEIVERS", "sampler_for", "model_of", "point_rng", "score",
           "run_link", "run_kappa", "run_mimo", "run_swissroll", "run_shaping", "swissroll_snapshots"]

#: receiver names, in plotting order
RECEIVERS = ("raw", "ddpm_paper", "ddpm_matched", "ddpm_ddim", "ddpm_default", "dnn", "mmse_ml")
LABELS = {"raw": "raw received", "ddpm_paper": "DDPM paper chain", "ddpm_matched": "DDPM SNR-matched",
          "ddpm_ddim": "DDPM DDIM", "ddpm_default": "DDPM block default (posterior mean)", "dnn": "DNN receiver",
          "mmse_ml": "exact MMSE / ML", "mmse_exact": "exact MMSE (integrated)", "mmse": "MMSE (empirical prior)"}

_SAMPLERS = {}


# ----------------------------------------------------------------------------------------------- plumbing
def sampler_for(model, threads=1):
    """The C++ kernel (``ddpm.ddpm_sampler``) for a model short name or path, cached per process.

    model: str; threads: int >= 0 (0 = all cores). Returns the bound ``ddpm_sampler`` (one per calling thread).
    Raises FileNotFoundError when the model is missing.
    """
    # one object per thread: the kernel is not thread-safe (Dask workers may be threads of one process)
    key = (str(model), int(threads), threading.get_ident())
    if key not in _SAMPLERS:
        _SAMPLERS[key] = ddpm_sampler(find_model(model), int(threads))
    return _SAMPLERS[key]


def model_of(point, default):
    """The DDPM model a point evaluates: ``point["model"]`` (a user's model path or name, ``ddpm-eval --model``)
    or the experiment's shipped ``default`` name."""
    return point.get("model") or default


def point_rng(seed, stream):
    """Independent numpy generator for one use (``stream``: small int) of a point's seed. -> numpy Generator."""
    return np.random.default_rng([int(seed), int(stream)])


def _subseed(seed, stream):
    """A 63-bit integer seed derived from (seed, stream): int."""
    return int(point_rng(seed, stream).integers(0, 2 ** 63 - 1))


def score(est, ref, dec=None, tx=None, points=None):
    """Metrics of one receiver output.

    est: complex [N] estimate; ref: complex [N] reference (the transmitted data); dec: int [N] symbol decisions
    (None: no SER/BER); tx: int [N] transmitted indices; points: complex [M].
    Returns dict with mse, mse_db, nmse_db, cosine, and (with dec) ser, ber.
    """
    est = np.asarray(est, dtype=np.complex128)
    m = metrics.mse(est, ref)
    out = {"mse": m, "mse_db": 10.0 * math.log10(max(m, 1e-300)), "nmse_db": metrics.nmse_db(est, ref),
           "cosine": metrics.cosine_similarity(est, ref)}
    if dec is not None:
        rx = points[np.asarray(dec, dtype=np.int64)]
        out["ser"] = metrics.ser(rx, tx, points)
        out["ber"] = metrics.ber(rx, tx, points)
    return out


def _ddpm_outputs(model, ytil, nv, seed, threads, ddim_steps):
    """Run the three kernel samplers on y~ (complex [N]) with noise variance nv (float or float [N]).
    Returns dict name -> complex128 [N]."""
    y32 = np.ascontiguousarray(ytil, dtype=np.complex64)
    v = float(nv) if np.ndim(nv) == 0 else np.ascontiguousarray(np.minimum(nv, 3e38), dtype=np.float32)
    out = {}
    for name, kw in (("ddpm_paper", dict(sampler="paper")), ("ddpm_matched", dict(sampler="matched")),
                     ("ddpm_ddim", dict(sampler="ddim", steps=int(ddim_steps), eta=0.0)),
                     ("ddpm_default", dict(sampler="ddim", steps=1, eta=0.0))):
        smp = sampler_for(model, threads)
        out[name] = np.asarray(smp.sample(y32, v, seed=int(seed), first_index=0, **kw), dtype=np.complex128)
    return out


def _mmse_grouped(ytil, points, nv, noise):
    """Exact posterior mean and ML decisions when the noise variance differs between groups of samples
    (block fading): ``estimators`` per distinct variance. ytil complex [N]; nv float [N] or float.
    Returns (complex128 [N], int64 [N])."""
    nv = np.broadcast_to(np.asarray(nv, dtype=np.float64), ytil.shape)
    est = np.empty(ytil.shape[0], dtype=np.complex128)
    dec = np.empty(ytil.shape[0], dtype=np.int64)
    vals, inv = np.unique(nv, return_inverse=True)
    for j, v in enumerate(vals):
        sel = inv == j
        v = float(min(v, 1e300))
        est[sel] = estimators.mmse_estimate(ytil[sel], points, v, noise=noise)
        dec[sel] = estimators.ml_decision(ytil[sel], points, v, noise=noise)
    return est, dec


def _receiver_rows(base, *, channel, points, n, seed, threads, model, ddim_steps, dnn_train, dnn_epochs, noise):
    """Run every receiver of RECEIVERS for one point.

    channel(s complex128 [N], seed int) -> (y~ complex128 [N], nv float64 [N] or float): the equalised
    observation and its complex noise variance in model units. Returns a list of rows (base + method + metrics).
    """
    rng = point_rng(seed, 0)
    tx = rng.integers(0, points.shape[0], size=int(n))
    s = points[tx]
    ytil, nv = channel(s, _subseed(seed, 1))
    ests = {"raw": (ytil, constellations.nearest(ytil, points))}
    for k, v in _ddpm_outputs(model, ytil, nv, _subseed(seed, 2), threads, ddim_steps).items():
        ests[k] = (v, constellations.nearest(v, points))
    dnn = train_dnn_receiver(points, lambda x, r: channel(x, int(r.integers(0, 2 ** 63 - 1)))[0],
                                       n_train=int(dnn_train), epochs=int(dnn_epochs), seed=_subseed(seed, 3))
    ests["dnn"] = (dnn.soft_estimate(ytil), dnn.predict(ytil))
    ests["mmse_ml"] = _mmse_grouped(ytil, points, nv, noise)
    rows = []
    for name in RECEIVERS:
        est, dec = ests[name]
        rows.append({**base, "method": name, **score(est, s, dec, tx, points), "n": int(n), "seed": int(seed)})
    return rows


# ----------------------------------------------------------------------------------------------- experiments
def run_link(point, seed, threads=1):
    """Experiments ``mse`` and ``ber``: square QAM with quantised data over AWGN or Laplacian noise, no fading.

    point keys: order (M), noise, snr_db, n, quant_bits, full_scale, ddim_steps, dnn_train, dnn_epochs.
    The MSE reference is the unquantised symbol; the receivers' prior is the unquantised constellation
    (the models are trained on it). Returns rows (one per receiver) plus ``closed_form`` rows (AWGN SER/BER).
    """
    from gnuradio.ddpm.core.channel import apply_impairments
    m = int(point["order"])
    points = constellations.qam(m)
    snr, noise = float(point["snr_db"]), point["noise"]
    nv = 10.0 ** (-snr / 10.0)

    def channel(s, sd):
        y, _ = apply_impairments(s, snr_db=snr, quant_bits=int(point["quant_bits"]),
                                 full_scale=float(point["full_scale"]), noise=noise, seed=sd)
        return y, nv

    base = {"constellation": f"qam{m}", "noise": noise, "snr_db": snr, "quant_bits": int(point["quant_bits"])}
    rows = _receiver_rows(base, channel=channel, points=points, n=point["n"], seed=seed, threads=threads,
                          model=model_of(point, f"qam{m}"), ddim_steps=point["ddim_steps"],
                          dnn_train=point["dnn_train"],
                          dnn_epochs=point["dnn_epochs"], noise=noise)
    mm = estimators.mmse_exact(points, nv, noise=noise)
    rows.append({**base, "method": "mmse_exact", "mse": mm, "mse_db": 10.0 * math.log10(max(mm, 1e-300)),
                 "nmse_db": 10.0 * math.log10(max(mm, 1e-300)), "n": 0, "seed": int(seed)})
    if noise == "gaussian":
        rows.append({**base, "method": "closed_form", "ser": estimators.ser_qam_awgn(m, snr),
                     "ber": estimators.ber_qam_awgn_approx(m, snr), "n": 0, "seed": int(seed)})
    return rows


def run_kappa(point, seed, threads=1):
    """Experiment ``kappa``: MSE vs receive impairment kappa_r at fixed kappa_t, Rayleigh block fading,
    zero-forcing equalisation with the known h, per-sample sigma^2_eff = kappa_t + kappa_r + sigma^2/(p|h|^2).

    point keys: order, snr_db, kappa_t, kappa_r, coherence_len, n, ddim_steps, dnn_train, dnn_epochs.
    """
    from gnuradio.ddpm.core.channel import apply_impairments, effective_noise_var
    m = int(point["order"])
    points = constellations.qam(m)
    snr, kt, kr = float(point["snr_db"]), float(point["kappa_t"]), float(point["kappa_r"])

    def channel(s, sd):
        y, h = apply_impairments(s, snr_db=snr, kappa_t=kt, kappa_r=kr, fading="rayleigh",
                                 coherence_len=int(point["coherence_len"]), seed=sd)
        return y / h, effective_noise_var(snr, kt, kr, 1.0, h)

    base = {"constellation": f"qam{m}", "noise": "gaussian", "snr_db": snr, "kappa_t": kt, "kappa_r": kr}
    return _receiver_rows(base, channel=channel, points=points, n=point["n"], seed=seed, threads=threads,
                          model=model_of(point, f"qam{m}"), ddim_steps=point["ddim_steps"],
                          dnn_train=point["dnn_train"],
                          dnn_epochs=point["dnn_epochs"], noise="gaussian")


def run_mimo(point, seed, threads=1):
    """Experiment ``mimo``: NMSE and cosine similarity vs SNR for the MISO channel of ``channel.apply_impairments``
    (N_t = ``antennas`` transmit antennas, transmitter CSI or not, Rayleigh block fading; docs/channel.md),
    zero-forcing with the effective gain g, per-sample sigma^2_eff from ``channel.effective_noise_var`` with the
    exact ||h||^2 (the receiver knows the channel vector).

    point keys: order, antennas, csi, snr_db, kappa_t, kappa_r, coherence_len, n, ddim_steps, dnn_train,
    dnn_epochs.
    """
    from gnuradio.ddpm.core.channel import apply_impairments, effective_noise_var
    m = int(point["order"])
    points = constellations.qam(m)
    snr, kt, kr = float(point["snr_db"]), float(point["kappa_t"]), float(point["kappa_r"])
    nt, csi = int(point["antennas"]), bool(point["csi"])

    def channel(s, sd):
        y, g, hv = apply_impairments(s, snr_db=snr, kappa_t=kt, kappa_r=kr, fading="rayleigh",
                                     coherence_len=int(point["coherence_len"]), antennas=nt, csi=csi, seed=sd,
                                     return_channel=True)
        nv = effective_noise_var(snr, kt, kr, 1.0, g, antennas=nt, csi=csi, fading="rayleigh",
                                 h_norm2=np.sum(np.abs(hv) ** 2, axis=1))
        return y / g, nv

    base = {"constellation": f"qam{m}", "noise": "gaussian", "snr_db": snr, "antennas": nt, "csi": int(csi),
            "kappa_t": kt, "kappa_r": kr}
    return _receiver_rows(base, channel=channel, points=points, n=point["n"], seed=seed, threads=threads,
                          model=model_of(point, f"qam{m}"), ddim_steps=point["ddim_steps"],
                          dnn_train=point["dnn_train"],
                          dnn_epochs=point["dnn_epochs"], noise="gaussian")


def _swissroll_data(n, rng):
    from gnuradio.ddpm.training.datasets import make_dataset
    z = make_dataset("swissroll").sample(int(n), rng)
    return z[:, 0].astype(np.float64) + 1j * z[:, 1].astype(np.float64)


def _swissroll_channel(x, bits, full_scale, snr_db, seed):
    """Quantise (bits) and add CN(0, 10^(-snr/10)) noise. Returns (xq, y, nv) where nv adds the quantiser's
    error variance Delta^2/6 (uniform error on I and Q) so the receivers are told the total distortion."""
    xq = constellations.quantise(x, int(bits), float(full_scale))
    sigma2 = 10.0 ** (-float(snr_db) / 10.0)
    rng = np.random.default_rng(int(seed))
    y = xq + math.sqrt(sigma2 / 2.0) * (rng.standard_normal(x.shape[0]) + 1j * rng.standard_normal(x.shape[0]))
    delta = 2.0 * float(full_scale) / 2 ** int(bits)
    return xq, y, sigma2 + delta ** 2 / 6.0


def run_swissroll(point, seed, threads=1):
    """Experiment ``swissroll``: cosine similarity (and MSE) vs quantiser bits on the swiss-roll data.

    point keys: bits, full_scale, snr_db, n, ddim_steps, dnn_train, dnn_epochs, prototypes, dictionary.
    Baselines: ``mmse`` = posterior mean under an empirical prior of ``dictionary`` fresh draws of the data
    distribution (``estimators.mmse_estimate`` over those points: a Monte-Carlo MMSE); ``dnn`` = the DNN receiver
    classifier over ``prototypes`` draws, soft output. No ML row (continuous data).
    """
    bits, fs, snr = int(point["bits"]), float(point["full_scale"]), float(point["snr_db"])
    x = _swissroll_data(point["n"], point_rng(seed, 0))
    _, ytil, nv = _swissroll_channel(x, bits, fs, snr, _subseed(seed, 1))
    ests = {"raw": ytil}
    ests.update(_ddpm_outputs(model_of(point, "swissroll"), ytil, nv, _subseed(seed, 2), threads,
                              point["ddim_steps"]))
    protos = _swissroll_data(point["prototypes"], point_rng(seed, 4))
    dnn = train_dnn_receiver(
        protos, lambda s, r: _swissroll_channel(s, bits, fs, snr, int(r.integers(0, 2 ** 63 - 1)))[1],
        n_train=int(point["dnn_train"]), epochs=int(point["dnn_epochs"]), seed=_subseed(seed, 3))
    ests["dnn"] = dnn.soft_estimate(ytil)
    ests["mmse"] = estimators.mmse_estimate(ytil, _swissroll_data(point["dictionary"], point_rng(seed, 5)), nv)
    base = {"constellation": "swissroll", "noise": "gaussian", "snr_db": snr, "quant_bits": bits}
    return [{**base, "method": k, **score(v, x), "n": int(point["n"]), "seed": int(seed)} for k, v in ests.items()]


def swissroll_snapshots(snrs, bits, full_scale, n, seed, every=10):
    """Reverse-process pictures for the swiss roll: the numpy/ONNX Runtime reference sampler's trajectory
    (``reference.sample(..., sampler="paper", return_trajectory=True)``), the same chain definition and random
    numbers as the kernel (docs/sampling.md).

    snrs: list of float dB; bits, full_scale: quantiser; n: points; every: snapshot period in steps.
    Returns list (one per SNR) of dicts: x, xq, y (complex [n]), t int64 [K], traj complex [K, n] (model
    units, x_t), out complex [n] (final), kernel complex [n] (the C++ kernel's output for the same input/seed).
    """
    from gnuradio.ddpm.modelfile import reference
    path = find_model("swissroll")
    res = []
    for i, snr in enumerate(snrs):
        x = _swissroll_data(n, point_rng(seed, 10 + i))
        xq, y, nv = _swissroll_channel(x, bits, full_scale, snr, _subseed(seed, 20 + i))
        out, tr = reference.sample(path, y, nv, sampler="paper", seed=int(seed), return_trajectory=True,
                                   trajectory_every=int(every))
        ker = np.asarray(sampler_for("swissroll", 0).sample(y.astype(np.complex64), float(nv), sampler="paper",
                                                             seed=int(seed)), dtype=np.complex128)
        res.append({"snr_db": float(snr), "x": x, "xq": xq, "y": y, "t": tr["t"], "traj": tr["x"], "out": out,
                    "kernel": ker})
    return res


def cheap_transmitter(s, rng, phase_noise_deg=3.0):
    """The "cheap transmitter" of docs/shaping.md (case C of the learned-hardware notes without IQ imbalance): the
    injector's PA preset (``channel.HARDWARE_PRESETS["pa"]``: Rapp p = 2, saturation at 1.0 x the input RMS,
    Saleh-form AM/PM of 5 degrees at the 16-QAM peak) and a residual phase error N(0, phase_noise_deg^2) per
    symbol, then a gain back to unit average power. (``ddpm-eval hardware`` uses the injector's own cases,
    ``core.hardware.CASES``.)
    s: complex [N] unit-power symbols; rng: numpy Generator. Returns complex128 [N]."""
    from gnuradio.ddpm.core.channel import HARDWARE_PRESETS, pa
    s = np.asarray(s, dtype=np.complex128)
    y = pa(s, **HARDWARE_PRESETS["pa"]) * np.exp(1j * np.deg2rad(phase_noise_deg) * rng.standard_normal(s.shape[0]))
    return y / math.sqrt(float(np.mean(np.abs(y) ** 2)))


def run_shaping(point, seed, threads=1):
    """Experiment ``shaping``: mutual information of shaped QAM vs SNR, as the gap to capacity log2(1 + SNR).

    point keys: order, snr_db, points_per_symbol, block_lengths (CCDM n for the net rates), capture (symbols in
    the hardware capture). Channels: "gaussian" and "laplacian" noise, and (16-QAM) "hardware": a capture of
    :func:`cheap_transmitter` (4 k-means centres per symbol) followed by Gaussian noise. PMFs: uniform; "ddpm" (the
    shipped model's regenerated-symbol histogram, ``shaping.ddpm_pmf``); "mb" (Maxwell-Boltzmann, lambda optimal for
    Gaussian noise at this SNR); "ba" (Blahut-Arimoto for that very channel, ``capacity.shaped_capacity``).
    Every PMF is sent at unit average power (SNR = Es/N0 with Es under the PMF). MI by numerical integration of
    the channel's law (``capacity.shaped_mi``; the hardware channel is a known Gaussian mixture), so ci = 0.
    Net rate at block length n: MI - (H(P) - k/n), the CCDM rate loss of the PMF's n-type (uniform needs no DM).
    """
    from gnuradio.ddpm.core import capacity
    from gnuradio.ddpm.core.ccdm import CCDM, entropy_bits, quantise_pmf
    from gnuradio.ddpm.core.shaping import ddpm_pmf
    m, snr = int(point["order"]), float(point["snr_db"])
    points = constellations.qam(m)
    lam, _ = shaping.mb_optimal_lambda(points, snr)
    channels = {"gaussian": dict(noise="gaussian"), "laplacian": dict(noise="laplacian")}
    if m == 16:                                            # the transmitter model is calibrated for 16-QAM
        rng = point_rng(seed, 8)
        tx = rng.integers(0, m, int(point["capture"]))
        cen, wts = capacity.capture_centres(tx, cheap_transmitter(points[tx], rng), points, per_symbol=4)
        channels["hardware"] = dict(noise="gaussian", centres=cen, centre_weights=wts)
    fixed = {"uniform": np.full(m, 1.0 / m), "mb": shaping.maxwell_boltzmann_pmf(points, lam),
             "ddpm": ddpm_pmf(model_of(point, f"qam{m}"), snr, points_per_symbol=int(point["points_per_symbol"]),
                              seed=_subseed(seed, 6) % 2 ** 31, threads=threads)}
    base = {"constellation": f"qam{m}", "snr_db": snr}
    cap = metrics.capacity_awgn(snr)
    rows = []
    for noise, kw in channels.items():
        rows.append({**base, "noise": noise, "method": "capacity", "mi": cap, "gap": 0.0, "ci": 0.0,
                     "seed": int(seed)})
        pmfs = dict(fixed, ba=capacity.shaped_capacity(points, snr, **kw)[0])
        for k, pmf in pmfs.items():
            mi = capacity.shaped_mi(points, pmf, snr, **kw)
            row = {**base, "noise": noise, "method": k, "mi": mi, "gap": cap - mi, "ci": 0.0,
                   "entropy": entropy_bits(pmf), "n": 0, "seed": int(seed), **({"lam": lam} if k == "mb" else {})}
            for n in point["block_lengths"]:
                loss = 0.0 if k == "uniform" else entropy_bits(pmf) - CCDM(quantise_pmf(pmf, int(n))).rate
                row[f"net_{int(n)}"] = mi - loss
            rows.append(row)
    return rows
