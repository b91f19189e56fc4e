"""Exact baselines to compare every DDPM result with: MMSE (posterior mean), ML/MAP decisions, closed-form
QAM error rates, Maxwell-Boltzmann shaping, and the DNN receiver of the publications (numpy, no torch).

Conventions: y complex [N]; points complex [M] (symbol i carries the bits of i, MSB first); pmf float [M]
(None = uniform); noise_var = E|N|^2, the complex noise variance; SNR = Es/N0 with Es = sum pmf |points|^2.
Noise models as in :mod:`gnuradio.ddpm.metrics`: "gaussian" CN(0, sigma^2) or "laplacian" (I and Q independent
Laplace, scale b = sqrt(sigma^2/4)).
"""
import math

import numpy as np

from .constellations import nearest
from .metrics import (_as_complex, _points, _pmf, _check_noise, _logsumexp, log_likelihoods, mi_gauss_hermite,
                      _CHUNK)

__all__ = ["mmse_estimate", "posterior", "ml_decision", "q_function", "ser_qam_awgn", "ber_qam_awgn_approx",
           "maxwell_boltzmann_pmf", "mb_optimal_lambda", "DnnReceiver", "train_dnn_receiver", "awgn_channel"]


def _check_nv(noise_var):
    if noise_var is None or not np.isfinite(noise_var) or noise_var <= 0:
        raise ValueError(f"noise_var must be finite and > 0, got {noise_var}")
    return float(noise_var)


# ----------------------------------------------------------------------------------------------- MMSE / ML
def posterior(y, points, noise_var, pmf=None, noise="gaussian"):
    """Posterior P(s_i | y) for every sample, w_i ∝ P_i p(y | s_i) (log-sum-exp).

    y: complex [N]; points: complex [M]; noise_var > 0. Returns float64 [N, M], rows sum to 1.
    """
    points = _points(points)
    y = _as_complex(y, "y")
    nv = _check_nv(noise_var)
    p = _pmf(pmf, points.shape[0])
    _check_noise(noise)
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    out = np.empty((y.shape[0], points.shape[0]))
    for s in range(0, y.shape[0], _CHUNK):
        a = log_likelihoods(y[s:s + _CHUNK], points, nv, noise) + logp[None, :]
        out[s:s + _CHUNK] = np.exp(a - _logsumexp(a)[:, None])
    return out


def mmse_estimate(y, points, noise_var, pmf=None, noise="gaussian"):
    """Exact MMSE estimate E[s | y] = sum_i s_i w_i with w_i ∝ P_i p(y | s_i).

    y: complex [N]; points: complex [M]; noise_var > 0; pmf float [M] or None; noise "gaussian"|"laplacian".
    Returns complex128 [N].
    """
    points = _points(points)
    return posterior(y, points, noise_var, pmf, noise) @ points


def ml_decision(y, points, noise_var=None, pmf=None, noise="gaussian"):
    """ML (uniform prior) or MAP (pmf given) symbol decision.

    Uniform Gaussian: nearest point (noise_var not needed). Uniform Laplacian: smallest |dI| + |dQ|.
    With a pmf: argmax_i log P_i + log p(y | s_i), which needs noise_var.
    y: complex [N]; points: complex [M]. Returns int64 [N] symbol indices.
    """
    points = _points(points)
    y = _as_complex(y, "y")
    _check_noise(noise)
    if pmf is None:
        if noise == "gaussian":
            return nearest(y, points)
        nv = 4.0                                     # any scale: the argmax does not depend on it
    else:
        nv = _check_nv(noise_var)
    p = _pmf(pmf, points.shape[0])
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    out = np.empty(y.shape[0], dtype=np.int64)
    for s in range(0, y.shape[0], _CHUNK):
        out[s:s + _CHUNK] = np.argmax(log_likelihoods(y[s:s + _CHUNK], points, nv, noise) + logp[None, :], axis=1)
    return out


# ----------------------------------------------------------------------------------------------- closed forms
def q_function(x):
    """Gaussian tail Q(x) = P(N(0,1) > x) = erfc(x / sqrt 2) / 2. float -> float."""
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _check_qam(order, snr_db):
    order = int(order)
    k = int(round(math.log2(order))) if order > 1 else 0
    if order < 4 or 2 ** k != order or k % 2:
        raise ValueError(f"square QAM order must be a power of 4, got {order}")
    if not np.isfinite(snr_db):
        raise ValueError(f"snr_db must be finite, got {snr_db}")
    return order, k, 10.0 ** (snr_db / 10.0)


def ser_qam_awgn(order, snr_db):
    """Exact symbol error rate of square M-QAM with ML decisions in complex AWGN, SNR = Es/N0:
    P_s = 1 - (1 - 2 (1 - 1/sqrt M) Q(sqrt(3 SNR / (M - 1))))^2. (order: int, snr_db: float) -> float.
    """
    m, _, snr = _check_qam(order, snr_db)
    p1 = 2.0 * (1.0 - 1.0 / math.sqrt(m)) * q_function(math.sqrt(3.0 * snr / (m - 1)))
    return 1.0 - (1.0 - p1) ** 2


def ber_qam_awgn_approx(order, snr_db):
    """Gray-mapped square M-QAM bit error rate in AWGN (standard approximation, tight above ~5 dB):
    P_b ≈ (4 / log2 M) (1 - 1/sqrt M) sum_{i=1}^{sqrt(M)/2} Q((2i - 1) sqrt(3 SNR / (M - 1))). -> float.
    """
    m, k, snr = _check_qam(order, snr_db)
    a = math.sqrt(3.0 * snr / (m - 1))
    s = sum(q_function((2 * i - 1) * a) for i in range(1, int(math.sqrt(m)) // 2 + 1))
    return 4.0 / k * (1.0 - 1.0 / math.sqrt(m)) * s


# ----------------------------------------------------------------------------------------------- shaping
def maxwell_boltzmann_pmf(points, lam):
    """Maxwell-Boltzmann PMF P_i ∝ exp(-lam |points_i|^2). points: complex [M]; lam >= 0. Returns float64 [M]."""
    points = _points(points)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be finite and >= 0, got {lam}")
    e = -lam * np.abs(points) ** 2
    p = np.exp(e - e.max())
    return p / p.sum()


def mb_optimal_lambda(points, snr_db, lam_max=None, tol=1e-3, order=32):
    """Maxwell-Boltzmann parameter that maximises I(X;Y) at a fixed SNR = Es/N0 (Es under the shaped PMF, i.e.
    the shaped constellation is compared at the same average power), by golden-section search on
    [0, lam_max] of mi_gauss_hermite (MI(lam) is unimodal in practice for QAM).

    points: complex [M]; snr_db: float; lam_max default 10 / mean|points|^2; tol: absolute tolerance on lam.
    Returns (lam: float, mi_bits: float).
    """
    points = _points(points)
    if not np.isfinite(snr_db):
        raise ValueError(f"snr_db must be finite, got {snr_db}")
    if lam_max is None:
        lam_max = 10.0 / float(np.mean(np.abs(points) ** 2))

    def f(lam):
        return mi_gauss_hermite(points, maxwell_boltzmann_pmf(points, lam), snr_db=snr_db, order=order)

    g = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = 0.0, float(lam_max)
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    lam = 0.5 * (a + b)
    best = (lam, f(lam))
    f0 = f(0.0)
    return best if best[1] >= f0 else (0.0, f0)


# ----------------------------------------------------------------------------------------------- DNN receiver
def awgn_channel(snr_db, es=1.0):
    """channel_fn for train_dnn_receiver: y = s + CN(0, es / SNR). Returns fn(s: complex [N], rng) -> complex [N]."""
    nv = es / 10.0 ** (snr_db / 10.0)

    def fn(s, rng):
        return s + math.sqrt(nv / 2.0) * (rng.standard_normal(s.shape[0]) + 1j * rng.standard_normal(s.shape[0]))
    return fn


class DnnReceiver:
    """The DNN receiver baseline: a classifier MLP 2 -> 64 -> 64 -> 64 -> M (ReLU hidden layers, softmax output)
    from the received (I, Q) to the transmitted symbol index, trained with cross-entropy and Adam
    (see :func:`train_dnn_receiver`). Runs in numpy (float64), no torch.

    The input is normalised by a fixed scale measured on the training data (rms of y).
    Attributes: points complex128 [M]; weights list of (W float64 [in, out], b float64 [out]); scale float.
    """

    def __init__(self, points, hidden=(64, 64, 64), seed=0):
        self.points = _points(points)
        rng = np.random.default_rng(seed)
        sizes = [2, *hidden, self.points.shape[0]]
        # He initialisation for ReLU layers
        self.weights = [(rng.standard_normal((a, b)) * math.sqrt(2.0 / a), np.zeros(b))
                        for a, b in zip(sizes[:-1], sizes[1:])]
        self.scale = 1.0

    def _features(self, y):
        y = _as_complex(y, "y")
        return np.stack([y.real, y.imag], axis=1) / self.scale

    def _forward(self, x):
        acts = [x]
        for li, (w, b) in enumerate(self.weights):
            x = x @ w + b
            if li < len(self.weights) - 1:
                x = np.maximum(x, 0.0)
            acts.append(x)
        return acts                                   # last entry: logits [N, M]

    def predict_proba(self, y):
        """Softmax posterior estimate. y: complex [N] -> float64 [N, M]."""
        out = np.empty((np.asarray(y).reshape(-1).shape[0], self.points.shape[0]))
        x = self._features(y)
        for s in range(0, x.shape[0], _CHUNK):
            z = self._forward(x[s:s + _CHUNK])[-1]
            out[s:s + _CHUNK] = np.exp(z - _logsumexp(z)[:, None])
        return out

    def predict(self, y):
        """Hard decision: argmax of the softmax. y: complex [N] -> int64 [N] symbol indices."""
        return np.argmax(self.predict_proba(y), axis=1).astype(np.int64)

    def soft_estimate(self, y):
        """Soft symbol estimate E_softmax[s] = sum_i p_i points_i (the network's MMSE proxy).
        y: complex [N] -> complex128 [N]."""
        return self.predict_proba(y) @ self.points

    def _train_step(self, x, t, adam, lr):
        acts = self._forward(x)
        z = acts[-1]
        p = np.exp(z - _logsumexp(z)[:, None])
        n = x.shape[0]
        loss = float(-np.mean(np.log(p[np.arange(n), t] + 1e-300)))
        g = p
        g[np.arange(n), t] -= 1.0
        g /= n                                         # dL/dlogits
        grads = []
        for li in range(len(self.weights) - 1, -1, -1):
            w, _ = self.weights[li]
            grads.append((acts[li].T @ g, g.sum(axis=0)))
            if li:
                g = (g @ w.T) * (acts[li] > 0)
        grads.reverse()
        adam["t"] += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        c1, c2 = 1 - b1 ** adam["t"], 1 - b2 ** adam["t"]
        for li, (gw, gb) in enumerate(grads):
            new = []
            for j, (param, grad) in enumerate(((self.weights[li][0], gw), (self.weights[li][1], gb))):
                m, v = adam["m"][li][j], adam["v"][li][j]
                m *= b1
                m += (1 - b1) * grad
                v *= b2
                v += (1 - b2) * grad * grad
                new.append(param - lr * (m / c1) / (np.sqrt(v / c2) + eps))
            self.weights[li] = tuple(new)
        return loss


def train_dnn_receiver(points, channel_fn, n_train=50_000, epochs=20, seed=0, pmf=None, batch=256, lr=3e-3,
                       hidden=(64, 64, 64)):
    """Train the DNN receiver baseline for one setting.

    Training setup (ours; the publications' is not recoverable): n_train symbols drawn i.i.d. from pmf (uniform
    if None) with numpy Generator(seed), passed once through channel_fn(s: complex128 [N], rng) -> y complex [N];
    epochs passes over that fixed set in shuffled mini-batches of `batch`; Adam (beta 0.9/0.999) with learning
    rate lr decayed by cosine annealing to lr/20; cross-entropy loss; He-initialised weights from the same seed.

    Returns a :class:`DnnReceiver` (attribute `loss_history`: mean training loss per epoch).
    """
    points = _points(points)
    p = _pmf(pmf, points.shape[0])
    n_train, epochs, batch = int(n_train), int(epochs), int(batch)
    if n_train < 1 or epochs < 1 or batch < 1:
        raise ValueError(f"n_train, epochs and batch must be >= 1, got {n_train}, {epochs}, {batch}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    rng = np.random.default_rng(seed)
    t = rng.choice(points.shape[0], size=n_train, p=p).astype(np.int64)
    y = _as_complex(channel_fn(points[t], rng), "channel_fn output")
    if y.shape[0] != n_train:
        raise ValueError(f"channel_fn returned {y.shape[0]} samples for {n_train} symbols")
    rx = DnnReceiver(points, hidden=hidden, seed=seed)
    rx.scale = float(np.sqrt(np.mean(np.abs(y) ** 2))) / math.sqrt(2.0) or 1.0
    x = rx._features(y)
    adam = {"t": 0, "m": [[np.zeros_like(w), np.zeros_like(b)] for w, b in rx.weights],
            "v": [[np.zeros_like(w), np.zeros_like(b)] for w, b in rx.weights]}
    steps = epochs * ((n_train + batch - 1) // batch)
    k = 0
    rx.loss_history = []
    for _ in range(epochs):
        perm = rng.permutation(n_train)
        tot = 0.0
        for s in range(0, n_train, batch):
            sel = perm[s:s + batch]
            cur = lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * k / steps)))
            tot += rx._train_step(x[sel], t[sel], adam, cur) * sel.shape[0]
            k += 1
        rx.loss_history.append(tot / n_train)
    return rx
