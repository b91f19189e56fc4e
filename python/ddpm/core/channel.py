"""Numpy reference of the hardware-impairment channel of ``ddpm.impairment_injector_cc``.

MISO with N_t = ``antennas`` transmit antennas and one receive antenna (docs/channel.md), per sample k
(complex baseband)::

    y_k = h_k^T (sqrt(p) w_k q(s_k) + eta_t,k) + eta_r,k + n_k  =  sqrt(p) g_k q(s_k) + h_k^T eta_t,k + eta_r,k + n_k
    g_k = h_k^T w_k  (the effective scalar gain; the block's "h" tag)
    eta_t,k ~ CN(0, (kappa_t p / N_t) I_{N_t})   (each antenna's own distortion; total kappa_t p)
    eta_r,k ~ CN(0, kappa_r p |g_k|^2)
    n ~ CN(0, sigma^2) or Laplacian (independent on I and Q, sigma^2/2 each),  sigma^2 = p 10^(-snr_db/10)
    w_k = conj(h_k)/||h_k|| with transmitter CSI (maximum-ratio transmission, g = ||h||), else (1,...,1)/sqrt(N_t)

q is ``constellations.quantise`` with ``quant_bits`` bits over [-full_scale, +full_scale] (identity for
0 bits), applied before the precoder. With Rayleigh fading h_k has i.i.d. CN(0, 1) entries, held for
``coherence_len`` samples, independent between blocks; otherwise h = (1, ..., 1)/sqrt(N_t) (g = 1). With one
antenna and no CSI (the defaults) this is y_k = h_k (sqrt(p) q(s_k) + eta_t,k) + eta_r,k + n_k, unchanged.

Transmitter hardware (docs/channel.md, "Transmitter hardware"; all off by default) replaces q(s_k) by
H_k(q(s_k)), in the order of a real transmitter: IQ imbalance and DC offset at the modulator
(:func:`iq_dc`), the PA's Rapp AM/AM and Saleh-form AM/PM (:func:`pa`), then LO phase noise
(:func:`phase_noise`: Wiener or PLL-tracked).

The parameters, their defaults and bounds have one definition: the C++ ``gr::ddpm::impairment_params``
(bound as ``ddpm.impairment_params``); this module validates through it, so it rejects exactly what the
block rejects, with the same ValueError messages. The random numbers come from numpy (PCG64 seeded with
``seed``), not from the block's generator: the two agree in distribution, not sample by sample.
"""
import numbers

import numpy as np

from gnuradio.ddpm.core.constellations import quantise
from gnuradio.ddpm.ddpm_python import (FADING_NONE, FADING_RAYLEIGH, NOISE_GAUSSIAN, NOISE_LAPLACIAN, PN_OFF,
                          PN_PLL, PN_WIENER, fading_t, impairment_params, noise_t, pn_model_t)

__all__ = ["apply_impairments", "effective_noise_var", "make_params", "iq_dc", "pa", "phase_noise",
           "image_rejection_db", "FADING", "NOISE", "PN_MODEL", "HARDWARE_PRESETS"]

#: names accepted for ``fading`` and ``noise`` (the ints are the C++ enums fading_t and noise_t)
FADING = {"none": int(FADING_NONE), "rayleigh": int(FADING_RAYLEIGH)}
NOISE = {"gaussian": int(NOISE_GAUSSIAN), "laplacian": int(NOISE_LAPLACIAN)}
PN_MODEL = {"off": int(PN_OFF), "wiener": int(PN_WIENER), "pll": int(PN_PLL)}

#: 16-QAM peak amplitude at unit power (3 sqrt(2) / sqrt(10)), where the AM/PM presets are specified
_QAM16_PEAK = 3.0 * np.sqrt(2.0) / np.sqrt(10.0)
_AMPM_BETA = 1.0
#: Saleh-form AM/PM with beta = 1 and a 5 degree shift at the 16-QAM peak amplitude
_AMPM_ALPHA = np.deg2rad(5.0) * (1.0 + _AMPM_BETA * _QAM16_PEAK ** 2) / _QAM16_PEAK ** 2

#: Transmitter-hardware presets (docs/channel.md): keyword arguments of apply_impairments and of the block.
#: "pa": Rapp p = 2, saturation 1.0 x RMS, Saleh-form AM/PM 5 deg at the 16-QAM peak; "iq": IQ imbalance
#: 1 dB / 5 deg and DC 0.05 + 0.03j; "cheap_sdr": both plus PLL-tracked phase noise, 3 deg RMS, 20-sample
#: correlation length.
HARDWARE_PRESETS = {
    "pa": dict(pa_sat=1.0, pa_p=2.0, pm_alpha=float(_AMPM_ALPHA), pm_beta=_AMPM_BETA),
    "iq": dict(iq_amp_db=1.0, iq_phase_deg=5.0, dc_re=0.05, dc_im=0.03),
}
HARDWARE_PRESETS["cheap_sdr"] = dict(HARDWARE_PRESETS["pa"], **HARDWARE_PRESETS["iq"], pn_model=int(PN_PLL),
                                     pn_deg=3.0, pn_corr_len=20.0)


def _choice(name, value, table):
    """'none'/'rayleigh' (case-insensitive), 0/1 or a bound enum -> int; unknown names -> ValueError."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key not in table:
            raise ValueError(f"impairment_params: {name} = {value!r} is not allowed; allowed "
                             + " or ".join(f"{v} ({k!r})" for k, v in table.items()))
        return table[key]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, fading_t, noise_t,
                                                                      pn_model_t)):
        raise ValueError(f"impairment_params: {name} = {value!r} must be an int or one of {list(table)}")
    return int(value)


def _integer(name, value):
    """Integral value (int, numpy int, or a float with an integral value) -> int, else ValueError."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"impairment_params: {name} = {value!r} must be an integer")
    if isinstance(value, numbers.Integral):
        v = int(value)
    elif isinstance(value, numbers.Real) and np.isfinite(value) and float(value).is_integer():
        v = int(value)
    else:
        raise ValueError(f"impairment_params: {name} = {value!r} must be an integer")
    if not -2**31 <= v < 2**31:  # outside C int: certainly out of range, say so before pybind11 would
        raise ValueError(f"impairment_params: {name} = {v} is out of range")
    return v


def _real(name, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"impairment_params: {name} = {value!r} is not a real number") from None


def _flag(name, value):
    """False/True, numpy bool or an integer (0/1; other integers are rejected by validate()) -> int."""
    if isinstance(value, (bool, np.bool_)):
        return int(bool(value))
    return _integer(name, value)


def make_params(*, snr_db, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0, full_scale=1.5,
                fading="none", coherence_len=1000, noise="gaussian", seed=0, antennas=1, csi=False,
                pa_sat=0.0, pa_p=2.0, pm_alpha=0.0, pm_beta=0.0, iq_amp_db=0.0, iq_phase_deg=0.0, dc_re=0.0,
                dc_im=0.0, pn_model="off", pn_deg=0.0, pn_corr_len=20.0):
    """Build and validate a ``ddpm.impairment_params`` from Python values.

    Accepts the same names as :func:`apply_impairments`. Returns the validated ``ddpm.impairment_params``;
    raises ValueError (message names the parameter, value and allowed range) for a bad value.
    """
    seed = _integer("seed", seed) if not isinstance(seed, numbers.Integral) else int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"impairment_params: seed = {seed} is out of range; allowed 0 <= seed < 2**64")
    p = impairment_params(
        snr_db=_real("snr_db", snr_db), kappa_t=_real("kappa_t", kappa_t), kappa_r=_real("kappa_r", kappa_r),
        power=_real("power", power), quant_bits=_integer("quant_bits", quant_bits),
        full_scale=_real("full_scale", full_scale), fading=_choice("fading", fading, FADING),
        coherence_len=_integer("coherence_len", coherence_len), noise=_choice("noise", noise, NOISE),
        seed=seed, antennas=_integer("antennas", antennas), csi=_flag("csi", csi),
        pa_sat=_real("pa_sat", pa_sat), pa_p=_real("pa_p", pa_p), pm_alpha=_real("pm_alpha", pm_alpha),
        pm_beta=_real("pm_beta", pm_beta), iq_amp_db=_real("iq_amp_db", iq_amp_db),
        iq_phase_deg=_real("iq_phase_deg", iq_phase_deg), dc_re=_real("dc_re", dc_re), dc_im=_real("dc_im", dc_im),
        pn_model=_choice("pn_model", pn_model, PN_MODEL), pn_deg=_real("pn_deg", pn_deg),
        pn_corr_len=_real("pn_corr_len", pn_corr_len))
    p.validate()
    return p


def _cn(rng, n, var):
    """n (an int or a shape) samples of CN(0, var): complex128 [n]."""
    return np.sqrt(var / 2.0) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))


def iq_dc(x, iq_amp_db=0.0, iq_phase_deg=0.0, dc_re=0.0, dc_im=0.0):
    """IQ modulator: K1 x + K2 conj(x) + d, K1 = (1 + g e^{-j phi})/2, K2 = (1 - g e^{j phi})/2,
    g = 10^(iq_amp_db/20), phi in radians from iq_phase_deg, d = dc_re + j dc_im. complex128 like x."""
    g = 10.0 ** (iq_amp_db / 20.0)
    phi = np.deg2rad(iq_phase_deg)
    k1 = (1.0 + g * np.exp(-1j * phi)) / 2.0
    k2 = (1.0 - g * np.exp(1j * phi)) / 2.0
    x = np.asarray(x, dtype=np.complex128)
    return k1 * x + k2 * np.conj(x) + (dc_re + 1j * dc_im)


def image_rejection_db(iq_amp_db, iq_phase_deg):
    """Image rejection ratio |K1|^2/|K2|^2 of :func:`iq_dc` in dB: (1 + g^2 + 2g cos phi)/(1 + g^2 - 2g cos phi)."""
    g = 10.0 ** (iq_amp_db / 20.0)
    c = np.cos(np.deg2rad(iq_phase_deg))
    return 10.0 * np.log10((1.0 + g * g + 2.0 * g * c) / (1.0 + g * g - 2.0 * g * c))


def pa(u, pa_sat=0.0, pa_p=2.0, pm_alpha=0.0, pm_beta=0.0):
    """PA: Rapp AM/AM A(r) = r / (1 + (r/pa_sat)^(2 pa_p))^(1/(2 pa_p)) (pa_sat = 0: linear) and Saleh-form
    AM/PM Phi(r) = pm_alpha r^2/(1 + pm_beta r^2) (radians), r = |u|: A(r) e^{j Phi(r)} u/r. complex128."""
    u = np.asarray(u, dtype=np.complex128)
    r2 = np.abs(u) ** 2
    gain = np.ones_like(r2)
    if pa_sat > 0:
        gain = (1.0 + (np.sqrt(r2) / pa_sat) ** (2.0 * pa_p)) ** (-1.0 / (2.0 * pa_p))
    return u * gain * np.exp(1j * pm_alpha * r2 / (1.0 + pm_beta * r2))


def phase_noise(n, rng, pn_model="off", pn_deg=0.0, pn_corr_len=20.0):
    """LO phase theta_k (radians, float64 [n]) from n standard normals of ``rng``.

    "wiener": theta_k = theta_{k-1} + N(0, pn_deg^2), theta_0 = 0 before the first sample.
    "pll": theta_k = a theta_{k-1} + sqrt(1 - a^2) pn_deg w_k, a = exp(-1/pn_corr_len), theta_1 ~ N(0, pn_deg^2)
    (stationary: RMS pn_deg, autocorrelation pn_deg^2 a^|m|). "off" (or pn_deg = 0): zeros, no draws.
    """
    model = _choice("pn_model", pn_model, PN_MODEL)
    if model == PN_MODEL["off"] or pn_deg <= 0:
        return np.zeros(n)
    sd = np.deg2rad(pn_deg)
    w = rng.standard_normal(n)
    if model == PN_MODEL["wiener"]:
        return np.cumsum(sd * w)
    a = np.exp(-1.0 / pn_corr_len)
    b = sd * np.sqrt(-np.expm1(-2.0 / pn_corr_len))
    theta = np.empty(n)
    t = 0.0
    for k in range(n):             # first-order recursion (no scipy dependency)
        t = sd * w[k] if k == 0 else a * t + b * w[k]
        theta[k] = t
    return theta


def apply_impairments(s, *, snr_db, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0, full_scale=1.5,
                      fading="none", coherence_len=1000, noise="gaussian", seed=0, antennas=1, csi=False,
                      pa_sat=0.0, pa_p=2.0, pm_alpha=0.0, pm_beta=0.0, iq_amp_db=0.0, iq_phase_deg=0.0,
                      dc_re=0.0, dc_im=0.0, pn_model="off", pn_deg=0.0, pn_corr_len=20.0,
                      return_channel=False):
    """Pass ``s`` through the impairment channel.

    Parameters
    ----------
    s : complex array [N]
        Input samples (any shape is flattened; real input is treated as complex).
    snr_db : float
        SNR of the additive noise in dB, sigma^2 = power 10^(-snr_db/10); [-100, 300].
    kappa_t, kappa_r : float
        Transmitter / receiver impairment levels; [0, 100].
    power : float
        Signal power p, (0, 1e6].
    quant_bits : int
        Quantiser bits, 0 (none) .. 16. full_scale : float, quantiser range, (0, 1e6].
    fading : "none" | "rayleigh" | 0 | 1
        Rayleigh block fading with ``coherence_len`` (int >= 1) samples per block.
    noise : "gaussian" | "laplacian" | 0 | 1
    seed : int
        Seed of numpy's default generator (0 <= seed < 2**64).
    antennas : int
        Number of transmit antennas N_t, 1 .. 64.
    csi : bool (or 0/1)
        Transmitter CSI: maximum-ratio precoding w = conj(h)/||h||; without: equal power (1,...,1)/sqrt(N_t).
    pa_sat, pa_p, pm_alpha, pm_beta, iq_amp_db, iq_phase_deg, dc_re, dc_im : float
        Transmitter hardware (:func:`iq_dc`, then :func:`pa`), on q(s) before the sqrt(p) scaling; off by default.
    pn_model : "off" | "wiener" | "pll" | 0 | 1 | 2;  pn_deg, pn_corr_len : float
        LO phase noise after the PA (:func:`phase_noise`). See HARDWARE_PRESETS for the documented presets.
    return_channel : bool
        Also return the channel vectors.

    Returns
    -------
    y : complex128 [N]
        Channel output.
    h : complex128 [N]
        The effective scalar gain g = h^T w applied to each sample (= the channel gain h for one antenna
        without CSI; all ones without fading).
    h_vec : complex128 [N, antennas]
        Only with ``return_channel``: each sample's channel vector (||h_vec||^2 is the ``h_norm2`` of
        :func:`effective_noise_var`).

    Raises ValueError for a bad parameter (validated by ``ddpm.impairment_params``).
    """
    prm = make_params(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, power=power, quant_bits=quant_bits,
                      full_scale=full_scale, fading=fading, coherence_len=coherence_len, noise=noise,
                      seed=seed, antennas=antennas, csi=csi, pa_sat=pa_sat, pa_p=pa_p, pm_alpha=pm_alpha,
                      pm_beta=pm_beta, iq_amp_db=iq_amp_db, iq_phase_deg=iq_phase_deg, dc_re=dc_re, dc_im=dc_im,
                      pn_model=pn_model, pn_deg=pn_deg, pn_corr_len=pn_corr_len)
    fading_i, noise_i, coherence_len, quant_bits, nt = (int(prm.value(k)) for k in (
        "fading", "noise", "coherence_len", "quant_bits", "antennas"))
    csi = bool(prm.value("csi"))
    p, kt, kr = (prm.value(k) for k in ("power", "kappa_t", "kappa_r"))

    s = np.asarray(s).reshape(-1).astype(np.complex128)
    n = s.shape[0]
    rng = np.random.default_rng(int(seed))

    # channel vectors per coherence block hb [B, N_t] and the effective gain gb [B]
    if fading_i == FADING["rayleigh"]:
        hb = _cn(rng, (-(-n // coherence_len), nt), 1.0)
        if csi:
            gb = np.sqrt(np.sum(np.abs(hb) ** 2, axis=1)).astype(np.complex128)   # ||h||
        else:
            gb = np.sum(hb, axis=1) * (1.0 / np.sqrt(nt))                        # = h for one antenna
        block = np.arange(n) // coherence_len
    else:
        hb = np.full((1, nt), 1.0 / np.sqrt(nt), dtype=np.complex128)
        gb = np.ones(1, dtype=np.complex128)
        block = np.zeros(n, dtype=np.int64)
    h = gb[block]

    x = quantise(s, quant_bits, full_scale)
    if prm.hardware_on():
        hwv = {k: prm.value(k) for k in impairment_params.hardware_names()}
        x = pa(iq_dc(x, hwv["iq_amp_db"], hwv["iq_phase_deg"], hwv["dc_re"], hwv["dc_im"]),
               hwv["pa_sat"], hwv["pa_p"], hwv["pm_alpha"], hwv["pm_beta"])
        theta = phase_noise(n, rng, int(hwv["pn_model"]), hwv["pn_deg"], hwv["pn_corr_len"])
        if np.any(theta):
            x = x * np.exp(1j * theta)
    x = np.sqrt(p) * x
    if nt == 1 and not csi:
        # the single-antenna channel h (x + eta_t), in exactly its former arithmetic
        if kt > 0:
            x = x + _cn(rng, n, kt * p)
        y = h * x
    else:
        y = h * x
        if kt > 0:
            y = y + np.sum(hb[block] * _cn(rng, (n, nt), kt * p / nt), axis=1)
    if kr > 0:
        y = y + np.sqrt(kr * p * np.abs(h) ** 2 / 2.0) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    sigma2 = prm.noise_var()
    if noise_i == NOISE["laplacian"]:
        b = np.sqrt(sigma2 / 2.0 / 2.0)  # variance sigma^2/2 per real dimension = 2 b^2
        y = y + rng.laplace(0.0, b, n) + 1j * rng.laplace(0.0, b, n)
    else:
        y = y + _cn(rng, n, sigma2)
    if return_channel:
        return y.astype(np.complex128), h, hb[block]
    return y.astype(np.complex128), h


def effective_noise_var(snr_db, kappa_t, kappa_r, power, h, *, antennas=1, csi=False, fading="none",
                        h_norm2=None):
    """Complex noise variance of the equalised observation y/(sqrt(p) g), in unit-signal units.

    One antenna: kappa_t + kappa_r + sigma^2/(p |h|^2) with sigma^2 = p 10^(-snr_db/10).
    N_t antennas (docs/channel.md), g = the effective gain (``h`` here, the block's "h" tag)::

        kappa_t ||h_vec||^2 / (N_t |g|^2) + kappa_r + sigma^2 / (p |g|^2)

    exact given ``h_norm2`` = ||h_vec||^2. Without ``h_norm2`` (only g known) ||h_vec||^2 is replaced by its
    conditional mean given g: |g|^2 with ``csi`` (exact), 1 with ``fading`` "none" (exact), |g|^2 + N_t - 1
    without CSI under Rayleigh fading (the variance of the equalised noise given g alone).

    snr_db, kappa_t, kappa_r, power: floats; antennas int, csi bool, fading "none" | "rayleigh" | 0 | 1
    (validated like the channel's parameters); h: complex scalar or array [...]; h_norm2: None or float
    (array) broadcastable to h's shape, >= 0. Returns float64 of the broadcast shape (a Python float for
    scalars); inf where h = 0 or h (or h_norm2) is not finite (an unusable channel estimate:
    docs/sampling.md starts such samples at T - 1). Computed by ``impairment_params.effective_noise_var`` (C++).
    Raises ValueError for bad snr_db, kappa_t, kappa_r, power, antennas, csi, fading or a negative h_norm2.
    """
    prm = make_params(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, power=power, antennas=antennas, csi=csi,
                      fading=fading)
    h2 = np.abs(np.asarray(h, dtype=np.complex128)) ** 2
    if h_norm2 is None:
        n2 = np.full_like(h2, -1.0)          # unknown: the C++ definition uses its conditional mean given g
    else:
        n2 = np.asarray(h_norm2, dtype=np.float64)
        if np.any(n2 < 0):
            raise ValueError(f"effective_noise_var: h_norm2 must be >= 0 (got min {np.nanmin(n2)})")
    # the one definition: impairment_params::effective_noise_var (C++), element by element
    with np.errstate(invalid="ignore"):           # NaN h: the C++ definition returns inf for it
        v = np.vectorize(prm.effective_noise_var, otypes=[np.float64])(*np.broadcast_arrays(h2, n2))
    v = np.where(np.isfinite(v), v, np.inf)
    return float(v) if v.ndim == 0 else v
