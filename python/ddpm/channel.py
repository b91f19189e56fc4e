"""Numpy reference of the hardware-impairment channel of ``ddpm.impairment_injector_cc``.

Per sample k (complex baseband)::

    y_k = h_k (sqrt(p) q(s_k) + eta_t,k) + eta_r,k + n_k
    eta_t ~ CN(0, kappa_t p),  eta_r ~ CN(0, kappa_r p |h_k|^2),
    n ~ CN(0, sigma^2) or Laplacian (independent on I and Q, sigma^2/2 each),  sigma^2 = p 10^(-snr_db/10)

q is ``constellations.quantise`` with ``quant_bits`` bits over [-full_scale, +full_scale] (identity for
0 bits). With Rayleigh fading h ~ CN(0, 1) is held for ``coherence_len`` samples, independent between
blocks; otherwise h = 1.

The parameters, their defaults and bounds have one definition: the C++ ``gr::ddpm::impairment_params``
(bound as ``ddpm.impairment_params``); this module validates through it, so it rejects exactly what the
block rejects, with the same ValueError messages. The random numbers come from numpy (PCG64 seeded with
``seed``), not from the block's generator: the two agree in distribution, not sample by sample.
"""
import numbers

import numpy as np

from .constellations import quantise
from .ddpm_python import (FADING_NONE, FADING_RAYLEIGH, NOISE_GAUSSIAN, NOISE_LAPLACIAN, fading_t,
                          impairment_params, noise_t)

__all__ = ["apply_impairments", "effective_noise_var", "make_params", "FADING", "NOISE"]

#: names accepted for ``fading`` and ``noise`` (the ints are the C++ enums fading_t and noise_t)
FADING = {"none": int(FADING_NONE), "rayleigh": int(FADING_RAYLEIGH)}
NOISE = {"gaussian": int(NOISE_GAUSSIAN), "laplacian": int(NOISE_LAPLACIAN)}


def _choice(name, value, table):
    """'none'/'rayleigh' (case-insensitive), 0/1 or a bound enum -> int; unknown names -> ValueError."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key not in table:
            raise ValueError(f"impairment_params: {name} = {value!r} is not allowed; allowed "
                             + " or ".join(f"{v} ({k!r})" for k, v in table.items()))
        return table[key]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, fading_t, noise_t)):
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


def make_params(*, snr_db, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0, full_scale=1.5,
                fading="none", coherence_len=1000, noise="gaussian", seed=0):
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
        seed=seed)
    p.validate()
    return p


def _cn(rng, n, var):
    """n samples of CN(0, var): complex128 [n]."""
    return np.sqrt(var / 2.0) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))


def apply_impairments(s, *, snr_db, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0, full_scale=1.5,
                      fading="none", coherence_len=1000, noise="gaussian", seed=0):
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

    Returns
    -------
    y : complex128 [N]
        Channel output.
    h : complex128 [N]
        The channel gain applied to each sample (all ones without fading).

    Raises ValueError for a bad parameter (validated by ``ddpm.impairment_params``).
    """
    prm = make_params(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, power=power, quant_bits=quant_bits,
                      full_scale=full_scale, fading=fading, coherence_len=coherence_len, noise=noise,
                      seed=seed)
    fading_i = _choice("fading", fading, FADING)
    noise_i = _choice("noise", noise, NOISE)
    coherence_len = _integer("coherence_len", coherence_len)
    quant_bits = _integer("quant_bits", quant_bits)
    p = float(power)

    s = np.asarray(s).reshape(-1).astype(np.complex128)
    n = s.shape[0]
    rng = np.random.default_rng(int(seed))

    if fading_i == FADING["rayleigh"]:
        n_blocks = -(-n // coherence_len)
        h = np.repeat(_cn(rng, n_blocks, 1.0), coherence_len)[:n]
    else:
        h = np.ones(n, dtype=np.complex128)

    x = np.sqrt(p) * quantise(s, quant_bits, full_scale)
    if kappa_t > 0:
        x = x + _cn(rng, n, float(kappa_t) * p)
    y = h * x
    if kappa_r > 0:
        y = y + np.sqrt(float(kappa_r) * p * np.abs(h) ** 2 / 2.0) * (rng.standard_normal(n)
                                                                        + 1j * rng.standard_normal(n))
    sigma2 = prm.noise_var()
    if noise_i == NOISE["laplacian"]:
        b = np.sqrt(sigma2 / 2.0 / 2.0)  # variance sigma^2/2 per real dimension = 2 b^2
        y = y + rng.laplace(0.0, b, n) + 1j * rng.laplace(0.0, b, n)
    else:
        y = y + _cn(rng, n, sigma2)
    return y.astype(np.complex128), h


def effective_noise_var(snr_db, kappa_t, kappa_r, power, h):
    """Complex noise variance of the equalised observation y/(sqrt(p) h), in unit-signal units.

    kappa_t + kappa_r + sigma^2/(p |h|^2) with sigma^2 = p 10^(-snr_db/10).

    snr_db, kappa_t, kappa_r, power: floats (validated like the channel's parameters); h: complex scalar
    or array [...]. Returns float64 of the shape of h (a Python float for a scalar h); inf where h = 0 or h
    is not finite (an unusable channel estimate: docs/sampling.md starts such samples at T - 1).
    Raises ValueError for bad snr_db, kappa_t, kappa_r or power.
    """
    make_params(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, power=power)
    h2 = np.abs(np.asarray(h, dtype=np.complex128)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        v = float(kappa_t) + float(kappa_r) + 10.0 ** (-float(snr_db) / 10.0) / h2
    v = np.where(np.isfinite(h2), v, np.inf)
    return float(v) if v.ndim == 0 else v
