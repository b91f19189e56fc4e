"""The DNN receiver baseline of the publications, in numpy (no torch): a classifier MLP trained on one setting.

Conventions as in :mod:`gnuradio.ddpm.core.estimators`: y complex [N]; points complex [M]; pmf float [M] (None =
uniform).
"""
import math

import numpy as np

from gnuradio.ddpm.core.checks import as_complex, as_points, as_probabilities
from gnuradio.ddpm.core.metrics import CHUNK, logsumexp

__all__ = ["DnnReceiver", "train_dnn_receiver", "awgn_channel"]


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
        self.points = as_points(points)
        rng = np.random.default_rng(seed)
        sizes = [2, *hidden, self.points.shape[0]]
        # He initialisation for ReLU layers
        self.weights = [(rng.standard_normal((a, b)) * math.sqrt(2.0 / a), np.zeros(b))
                        for a, b in zip(sizes[:-1], sizes[1:])]
        self.scale = 1.0

    def _features(self, y):
        y = as_complex(y, "y")
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
        for s in range(0, x.shape[0], CHUNK):
            z = self._forward(x[s:s + CHUNK])[-1]
            out[s:s + CHUNK] = np.exp(z - logsumexp(z)[:, None])
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
        p = np.exp(z - logsumexp(z)[:, None])
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
    points = as_points(points)
    p = as_probabilities(pmf, points.shape[0])
    n_train, epochs, batch = int(n_train), int(epochs), int(batch)
    if n_train < 1 or epochs < 1 or batch < 1:
        raise ValueError(f"n_train, epochs and batch must be >= 1, got {n_train}, {epochs}, {batch}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    rng = np.random.default_rng(seed)
    t = rng.choice(points.shape[0], size=n_train, p=p).astype(np.int64)
    y = as_complex(channel_fn(points[t], rng), "channel_fn output")
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
