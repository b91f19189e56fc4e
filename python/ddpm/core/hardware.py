"""Learned-hardware links (numpy, no torch): the transmitter cases of ``ddpm-eval hardware``, their clean
captures, and the receivers that learn the hardware from a labelled capture (docs/results.md, "Learned
transmitter hardware").

A *case* is a transmitter: the impairment injector's hardware (:mod:`gnuradio.ddpm.core.channel`,
``HARDWARE_PRESETS``, in the injector's order IQ/DC -> PA -> phase noise) applied to unit-power 16-QAM symbols,
optionally on the root-raised-cosine waveform instead of the symbols ("pa_rrc": the PA acts on the oversampled
waveform, the receiver's matched filter and symbol-rate sampling then give a symbol-level distortion with
memory). A receiver sees the transmitter's output times one fixed AGC gain (measured on the clean capture, so
the capture has unit average power), plus complex AWGN: Es/N0 is that of the transmitted (distorted) signal.

The learned receivers, all from one clean labelled capture (labels tx int64 [K], samples x complex128 [K]):

- :func:`learned_centres`: the per-label mean (16 learned points, label order);
- :func:`gaussian_fit` / :func:`gaussian_receiver`: a 2-D Gaussian per label (mean + 2x2 covariance); MAP
  label decision and the posterior mean of the Gaussian mixture under AWGN;
- :func:`empirical_receiver`: the posterior under the empirical distribution of a labelled clean capture
  (posterior mean = ``estimators.mmse_estimate`` with the capture as the prior's support; label posterior = the
  posterior mass of each label's samples). With a fresh, large capture this is the genie of the experiment.

Shapes and dtypes: symbols/samples complex128 [N]; labels int64 [N]; noise variance nv = E|n|^2 (float > 0).
"""
import math

import numpy as np

from gnuradio.ddpm.core import channel, constellations, estimators
from gnuradio.ddpm.core.checks import as_complex, check_noise_var

__all__ = ["CASES", "RRC_BETA", "RRC_SPS", "RRC_SPAN", "transmit", "rrc_pa", "capture", "learned_centres", "gaussian_fit",
           "gaussian_receiver", "empirical_receiver", "evm_db"]

#: root-raised-cosine pulse of the "pa_rrc" case: roll-off, samples per symbol, span in symbols
RRC_BETA, RRC_SPS, RRC_SPAN = 0.35, 4, 10

#: The transmitter cases: name -> dict(title, hw = keyword arguments of the channel's hardware functions
#: (``channel.iq_dc``, ``channel.pa``, ``channel.phase_noise``), rrc = PA on the RRC waveform).
CASES = {
    "pa": dict(title="PA (Rapp p = 2, sat. 1.0 x RMS, AM/PM 5 deg)", hw=dict(channel.HARDWARE_PRESETS["pa"]),
               rrc=False),
    "iq_dc": dict(title="IQ imbalance 1 dB / 5 deg + DC 0.05+0.03j", hw=dict(channel.HARDWARE_PRESETS["iq"]),
                  rrc=False),
    "cheap_sdr": dict(title="cheap SDR: PA + IQ/DC + PLL phase noise 3 deg", rrc=False,
                      hw=dict(channel.HARDWARE_PRESETS["cheap_sdr"])),
    "pa_rrc": dict(title=f"PA on the RRC waveform (beta {RRC_BETA}, {RRC_SPS} sps): memory",
                   hw=dict(channel.HARDWARE_PRESETS["pa"]), rrc=True),
    "strong_pn": dict(title="strong phase noise (PLL, 10 deg RMS, 200-symbol correlation): arcs", rrc=False,
                      hw=dict(pn_model="pll", pn_deg=10.0, pn_corr_len=200.0)),
}

_IQ_KEYS = ("iq_amp_db", "iq_phase_deg", "dc_re", "dc_im")
_PA_KEYS = ("pa_sat", "pa_p", "pm_alpha", "pm_beta")
_PN_KEYS = ("pn_model", "pn_deg", "pn_corr_len")


def _case(case):
    if case not in CASES:
        raise ValueError(f"unknown hardware case {case!r}; choose from {', '.join(CASES)}")
    return CASES[case]


def _rrc_taps():
    """Unit-energy RRC taps (GNU Radio's firdes.root_raised_cosine): float64 [RRC_SPAN * RRC_SPS + 1]."""
    from gnuradio import filter as gr_filter
    h = np.asarray(gr_filter.firdes.root_raised_cosine(1.0, RRC_SPS, 1.0, RRC_BETA, RRC_SPAN * RRC_SPS + 1))
    return h / math.sqrt(float(np.sum(h * h)))


def rrc_pa(s, hw):
    """PA on the RRC waveform of s (cyclically extended, so every symbol sees full filter tails), matched
    filter, symbol-rate samples. s complex [N]; hw: dict with (some of) pa_sat, pa_p, pm_alpha, pm_beta
    (``channel.pa``; the waveform has unit RMS, so pa_sat is relative to it). Returns complex128 [N]; with a
    linear PA ({}) s itself up to the truncated pulse's residual ISI."""
    s = as_complex(s, "s")
    h = _rrc_taps()
    n, pad = s.shape[0], RRC_SPAN
    ext = np.concatenate([s[-pad:], s, s[:pad]]) if n >= pad else np.tile(s, 2 * pad // max(n, 1) + 3)
    off = pad if n >= pad else (ext.shape[0] - n) // 2
    up = np.zeros(ext.shape[0] * RRC_SPS, dtype=np.complex128)
    up[::RRC_SPS] = ext * math.sqrt(RRC_SPS)         # unit-power waveform (unit-energy taps)
    w = np.convolve(up, h)
    w = channel.pa(w, **{k: hw[k] for k in _PA_KEYS if k in hw})
    r = np.convolve(w, h) / math.sqrt(RRC_SPS)
    d = h.shape[0] - 1                                # delay of the two filters
    return r[d + off * RRC_SPS: d + (off + n) * RRC_SPS: RRC_SPS]


def transmit(case, s, rng):
    """The transmitter of ``case`` (no AGC, no noise): IQ/DC -> PA -> phase noise, or the PA on the RRC
    waveform for an ``rrc`` case.

    case: key of CASES; s: complex [N] unit-power symbols (a sequence: phase noise and the RRC memory run
    along it); rng: numpy Generator (phase noise draws). Returns complex128 [N].
    """
    c = _case(case)
    hw = c["hw"]
    x = as_complex(s, "s")
    if c["rrc"]:
        return rrc_pa(x, hw)
    x = channel.iq_dc(x, **{k: hw[k] for k in _IQ_KEYS if k in hw})
    x = channel.pa(x, **{k: hw[k] for k in _PA_KEYS if k in hw})
    pn = {k: hw[k] for k in _PN_KEYS if k in hw}
    if pn:
        x = x * np.exp(1j * channel.phase_noise(x.shape[0], rng, **pn))
    return x


def capture(case, n, seed, order=16, gain=None):
    """A clean labelled capture of ``case``: n uniform random 16-QAM (``order``) symbols through
    :func:`transmit`, times the AGC gain.

    n: int >= 1; seed: int (numpy generator seed); gain: float AGC gain, or None to measure it on this capture
    (1 / RMS, so the capture has unit average power). Returns (tx int64 [n], x complex128 [n], gain float).
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"capture needs n >= 1 symbols, got {n}")
    points = constellations.qam(order)
    rng = np.random.default_rng(int(seed))
    tx = rng.integers(0, points.shape[0], size=n).astype(np.int64)
    x = transmit(case, points[tx], rng)
    if gain is None:
        gain = 1.0 / math.sqrt(float(np.mean(np.abs(x) ** 2)))
    return tx, x * float(gain), float(gain)


def evm_db(x, tx, points):
    """EVM of samples x (complex [N]) against the ideal points of their labels tx (int [N]), in dB: float."""
    e = np.mean(np.abs(as_complex(x, "x") - np.asarray(points)[np.asarray(tx)]) ** 2)
    return 10.0 * math.log10(max(float(e), 1e-300))


def _labels(tx, x, m):
    tx = np.asarray(tx, dtype=np.int64).reshape(-1)
    x = as_complex(x, "x")
    if tx.shape[0] != x.shape[0]:
        raise ValueError(f"labels and samples differ in length ({tx.shape[0]} vs {x.shape[0]})")
    if tx.size and (tx.min() < 0 or tx.max() >= m):
        raise ValueError(f"labels must be in 0..{m - 1}")
    counts = np.bincount(tx, minlength=m)
    if np.any(counts < 3):
        raise ValueError(f"every label needs >= 3 samples in the capture (fewest: {int(counts.min())})")
    return tx, x, counts


def learned_centres(tx, x, m=16):
    """Per-label mean of a labelled capture: complex128 [m] (entry i = mean of the samples labelled i)."""
    tx, x, counts = _labels(tx, x, m)
    return (np.bincount(tx, x.real, m) + 1j * np.bincount(tx, x.imag, m)) / counts


def gaussian_fit(tx, x, m=16):
    """A 2-D Gaussian per label: (means complex128 [m], covariances float64 [m, 2, 2] of (I, Q))."""
    tx, x, _ = _labels(tx, x, m)
    mu = learned_centres(tx, x, m)
    cov = np.empty((m, 2, 2))
    for i in range(m):
        d = x[tx == i] - mu[i]
        z = np.stack([d.real, d.imag])
        cov[i] = z @ z.T / (z.shape[1] - 1)
    return mu, cov


def gaussian_receiver(y, means, covs, nv):
    """Per-symbol Gaussian receiver: prior x ~ sum_i (1/m) N(mu_i, C_i) on (I, Q), y = x + CN(0, nv).

    y: complex [N]; means complex [m]; covs float [m, 2, 2]; nv > 0. Returns (posterior mean E[x | y]
    complex128 [N], MAP label int64 [N]); S_i = C_i + (nv/2) I, E[x | y, i] = mu_i + C_i S_i^-1 (y - mu_i).
    """
    y = as_complex(y, "y")
    nv = check_noise_var(nv)
    mu = np.asarray(means, dtype=np.complex128)
    c = np.asarray(covs, dtype=np.float64)
    s = c + (nv / 2.0) * np.eye(2)[None]
    det = s[:, 0, 0] * s[:, 1, 1] - s[:, 0, 1] * s[:, 1, 0]
    inv = np.stack([np.stack([s[:, 1, 1], -s[:, 0, 1]], -1), np.stack([-s[:, 1, 0], s[:, 0, 0]], -1)], 1)
    inv /= det[:, None, None]
    k = np.einsum("mij,mjk->mik", c, inv)                  # C S^-1, [m, 2, 2]
    est = np.empty(y.shape[0], dtype=np.complex128)
    dec = np.empty(y.shape[0], dtype=np.int64)
    for a in range(0, y.shape[0], 4096):
        d = y[a:a + 4096, None] - mu[None, :]               # [n, m]
        dr, di = d.real, d.imag
        q = inv[:, 0, 0] * dr * dr + (inv[:, 0, 1] + inv[:, 1, 0]) * dr * di + inv[:, 1, 1] * di * di
        ll = -0.5 * q - 0.5 * np.log(det)[None, :]
        dec[a:a + 4096] = np.argmax(ll, axis=1)
        w = np.exp(ll - ll.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        cond = mu[None, :] + (k[:, 0, 0] * dr + k[:, 0, 1] * di) + 1j * (k[:, 1, 0] * dr + k[:, 1, 1] * di)
        est[a:a + 4096] = np.sum(w * cond, axis=1)
    return est, dec


def empirical_receiver(y, dict_x, dict_tx, nv, m=16, chunk=256):
    """Posterior under the empirical distribution of a labelled clean capture (uniform over its samples).

    y: complex [N]; dict_x complex [K] (the capture), dict_tx int [K] its labels; nv > 0. Returns (posterior
    mean complex128 [N] = ``estimators.mmse_estimate`` over dict_x, MAP label int64 [N] = argmax over labels
    of the posterior mass of that label's samples). Costs N x K exponentials (chunked; memory chunk x K).
    """
    y = as_complex(y, "y")
    dict_tx, dict_x, _ = _labels(dict_tx, dict_x, m)
    onehot = np.zeros((dict_x.shape[0], m))
    onehot[np.arange(dict_x.shape[0]), dict_tx] = 1.0
    est = np.empty(y.shape[0], dtype=np.complex128)
    dec = np.empty(y.shape[0], dtype=np.int64)
    for a in range(0, y.shape[0], int(chunk)):
        w = estimators.posterior(y[a:a + chunk], dict_x, nv)   # [n, K], rows sum to 1
        est[a:a + chunk] = w @ dict_x
        dec[a:a + chunk] = np.argmax(w @ onehot, axis=1)
    return est, dec
