"""Diffusion schedules and the one parameterisation shared by training and sampling.

All schedule arrays are float64 and 0-based (t = 0 ... T-1), as in docs/model-format.md:
beta_t, alpha_t = 1 - beta_t, alpha_bar_t = prod_{s<=t} alpha_s (accumulated in float64).

The forward process and its inversion (``q_sample`` and ``x0_from_eps``) live here only; the trainer
(torch tensors) and the numpy reference samplers both call these functions, which are written with plain
arithmetic so they work on numpy arrays and torch tensors alike.
"""
import numpy as np

__all__ = ["SCHEDULES", "make_betas", "sigmoid_betas", "linear_betas", "cosine_betas", "logsnr_betas",
           "LOGSNR_RANGE_DB", "step_esn0_db", "alpha_bar", "noise_level", "q_sample", "x0_from_eps", "eps_from_x0", "start_step", "linear_fallback", "ddim_taus"]


def sigmoid_betas(T=100, beta_min=1e-5, beta_max=1e-2):
    """The receiver paper's schedule: beta = sigmoid(linspace(-6, 6, T)) * (beta_max - beta_min) + beta_min.

    Returns float64 [T].
    """
    s = np.linspace(-6.0, 6.0, int(T), dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-s)) * (beta_max - beta_min) + beta_min


def linear_betas(T=100, beta_min=1e-4, beta_max=2e-2):
    """Ho et al.'s linear schedule (scaled for T steps): linspace(beta_min, beta_max, T). float64 [T]."""
    return np.linspace(beta_min, beta_max, int(T), dtype=np.float64)


def cosine_betas(T=100, s=0.008, max_beta=0.999):
    """Nichol & Dhariwal's cosine schedule: alpha_bar(t) = cos^2(((t/T + s)/(1 + s)) * pi/2).

    beta_t = min(1 - f(t+1)/f(t), max_beta). Returns float64 [T].
    """
    T = int(T)
    steps = np.arange(T + 1, dtype=np.float64) / T
    f = np.cos((steps + s) / (1.0 + s) * np.pi / 2.0) ** 2
    return np.minimum(1.0 - f[1:] / f[:-1], max_beta)


#: default Es/N0 range (dB) of the log-SNR schedule: step T-1 at the first value, step 0 at the second
LOGSNR_RANGE_DB = (-30.0, 45.0)


def logsnr_betas(T=200, snr_min_db=LOGSNR_RANGE_DB[0], snr_max_db=LOGSNR_RANGE_DB[1]):
    """Noise levels spaced evenly in log-SNR over the receiver's operating range (docs/model-format.md).

    With unit-power complex data (variance 1/2 per real dimension) step t's Es/N0 is
    abar_t / (2 (1 - abar_t)) = 1 / (2 L_t). This schedule puts those Es/N0 values evenly in dB from
    ``snr_max_db`` (t = 0) down to ``snr_min_db`` (t = T-1): L_t = 10^(-snr_t/10) / 2, abar_t = 1/(1 + L_t),
    beta_t = 1 - abar_t/abar_{t-1} (beta_0 = 1 - abar_0). Requires snr_max_db > snr_min_db (T = 1: the
    single step sits at snr_min_db). Returns float64 [T].
    """
    T = int(T)
    lo, hi = float(snr_min_db), float(snr_max_db)
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"log-SNR schedule needs finite snr_max_db > snr_min_db, got {hi}, {lo}")
    snr_db = np.linspace(hi, lo, T, dtype=np.float64) if T > 1 else np.array([lo])
    level = 0.5 * 10.0 ** (-snr_db / 10.0)
    abar = 1.0 / (1.0 + level)
    prev = np.concatenate([[1.0], abar[:-1]])
    return 1.0 - abar / prev


def step_esn0_db(alpha_bar_):
    """Es/N0 in dB of each step for unit-power complex data: 10 log10(abar / (2 (1 - abar))).

    float64 [T] -> float64 [T] (decreasing with t).
    """
    return -10.0 * np.log10(2.0 * noise_level(alpha_bar_))


SCHEDULES = {"sigmoid": sigmoid_betas, "linear": linear_betas, "cosine": cosine_betas, "logsnr": logsnr_betas}


def make_betas(name="sigmoid", T=100):
    """Schedule by name ('sigmoid', 'linear', 'cosine', 'logsnr') -> float64 [T], every value in (0, 1).

    Raises ValueError for an unknown name or T < 1.
    """
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule '{name}' (choose from {', '.join(SCHEDULES)})")
    T = int(T)
    if T < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    betas = np.asarray(SCHEDULES[name](T), dtype=np.float64)
    if not (np.all(np.isfinite(betas)) and np.all(betas > 0) and np.all(betas < 1)):
        raise ValueError(f"schedule '{name}' with T={T} gives betas outside (0, 1)")
    return betas


def alpha_bar(betas):
    """float64 [T] betas -> float64 [T] alpha_bar_t = prod_{s<=t}(1 - beta_s), accumulated in float64."""
    return np.cumprod(1.0 - np.asarray(betas, dtype=np.float64))


def noise_level(alpha_bar_):
    """Noise variance per real dimension relative to the signal, L_t = (1 - alpha_bar_t)/alpha_bar_t.

    float64 [T] -> float64 [T].
    """
    a = np.asarray(alpha_bar_, dtype=np.float64)
    return (1.0 - a) / a


def q_sample(x0, eps, abar_t):
    """Forward process x_t = sqrt(abar_t) * x0 + sqrt(1 - abar_t) * eps.

    x0, eps: [N, 2] (numpy or torch); abar_t: [N, 1] (or broadcastable). Returns [N, 2] of the same kind.
    """
    return abar_t ** 0.5 * x0 + (1.0 - abar_t) ** 0.5 * eps


def x0_from_eps(x_t, eps, abar_t):
    """Invert the forward process: x0_hat = (x_t - sqrt(1 - abar_t) * eps) / sqrt(abar_t).

    x_t, eps: [N, 2]; abar_t: [N, 1] or broadcastable. Returns [N, 2].
    """
    return (x_t - (1.0 - abar_t) ** 0.5 * eps) / abar_t ** 0.5


def eps_from_x0(x_t, x0, abar_t):
    """eps = (x_t - sqrt(abar_t) * x0) / sqrt(1 - abar_t). Shapes as in x0_from_eps."""
    return (x_t - abar_t ** 0.5 * x0) / (1.0 - abar_t) ** 0.5


# ------------------------------------------------------------------ matching an observation to a step
def start_step(alpha_bar, noise_var):
    """SNR-matched start step k* = argmin_t |L_t - noise_var/2| (smaller t on a tie), T-1 when
    noise_var/2 > L_{T-1} or noise_var is not a finite non-negative number.

    alpha_bar: float64 [T]; noise_var: complex noise variance, scalar or float [N]. Returns int64 [N]
    (shape [1] for a scalar).
    """
    L = noise_level(alpha_bar)
    T = L.shape[0]
    nv = np.atleast_1d(np.asarray(noise_var, dtype=np.float64)).reshape(-1)
    s = nv / 2.0
    bad = ~np.isfinite(nv) | (nv < 0)
    s_ok = np.where(bad, 0.0, s)
    i = np.searchsorted(L, s_ok)                      # L[i-1] < s <= L[i]
    lo = np.clip(i - 1, 0, T - 1)
    hi = np.clip(i, 0, T - 1)
    k = np.where(np.abs(L[hi] - s_ok) < np.abs(L[lo] - s_ok), hi, lo)
    k = np.where(bad | (s_ok > L[T - 1]), T - 1, k)
    return k.astype(np.int64)


def linear_fallback(levels, noise_var):
    """Which samples lie outside the schedule's range and get the linear MMSE estimate y / (1 + noise_var)
    instead of a chain (SNR-matched samplers only; docs/sampling.md): noise_var finite, >= 0 and
    noise_var/2 < L_0 or > L_{T-1}. The C++ kernel's ``plan_linear_fallback`` is the same rule.

    levels: float64 [T] (``noise_level(alpha_bar)``, increasing); noise_var: scalar or float [N].
    Returns bool [N] (shape [1] for a scalar).
    """
    L = np.asarray(levels, dtype=np.float64)
    nv = np.atleast_1d(np.asarray(noise_var, dtype=np.float64)).reshape(-1)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(nv) & (nv >= 0)
        s = np.where(ok, nv, 0.0) / 2.0
    return ok & ((s < L[0]) | (s > L[-1]))


def ddim_taus(k, steps):
    """DDIM step list from start k: S_eff = min(steps, k + 1) values
    tau_i = round_half_even(k (S_eff - 1 - i) / (S_eff - 1)), ending at 0 ([k] when S_eff = 1).

    k: int >= 0, steps: int >= 1. Returns int64 [S_eff], strictly decreasing.
    """
    k, steps = int(k), int(steps)
    s_eff = min(steps, k + 1)
    if s_eff == 1:
        return np.array([k], dtype=np.int64)
    i = np.arange(s_eff)
    return np.round(k * (s_eff - 1 - i) / (s_eff - 1)).astype(np.int64)
