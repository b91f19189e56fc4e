"""Channels with a discrete input, their mutual information by numerical integration, and the capacity-achieving
input PMF by the Blahut–Arimoto algorithm.

A :class:`DiscreteChannel` maps input symbol i (point x_i of a constellation) to the density

    p(y | x_i) = sum_j a_ij f(y - c_ij),

a mixture of noise densities f centred on c_ij: with one centre c_i1 = x_i it is the textbook channel Y = X + N;
with the centres taken from a capture (the received constellation of a real transmitter at high SNR, e.g. through
the impairment injector's hardware model) and f the link's noise, it is that transmitter plus the link noise.
f is ``"gaussian"`` CN(0, sigma^2) or ``"laplacian"`` (I and Q independent Laplace, scale b = sigma/2, total
variance sigma^2), as in :mod:`gnuradio.ddpm.core.metrics`.

Integrals over y use a fixed product quadrature of the noise law around every centre (Gauss–Hermite for the
Gaussian; for the Laplacian a composite Gauss–Legendre rule between the centres' coordinates, where the integrand
has its kinks, with Gauss–Laguerre tails), so the MI of a known law is deterministic and exact to the
quadrature's accuracy (checked against Monte Carlo in the tests). numpy only.
"""
import math

import numpy as np

from gnuradio.ddpm.core.checks import as_points, as_probabilities, check_noise, check_noise_var
from gnuradio.ddpm.core.metrics import logsumexp
from gnuradio.ddpm.core.search import golden_section_max

__all__ = ["DiscreteChannel", "blahut_arimoto", "shaped_capacity", "shaped_mi", "capture_centres"]

#: bounds that keep one channel's tables (quadrature points x inputs) below ~10^7 doubles
MAX_POINTS = 256
MAX_CENTRES = 64
MAX_ORDER = 64


def default_order(noise):
    """Quadrature order that reaches ~1e-4 bit for QAM up to 64 points: 16 (Gaussian), 8 (Laplacian)."""
    return 16 if noise == "gaussian" else 8


def _gauss_nodes(noise_var, order):
    """Gauss–Hermite product quadrature of CN(0, noise_var): (nodes complex128 [K], weights float64 [K], sum 1)."""
    t, w = np.polynomial.hermite.hermgauss(order)            # weight exp(-t^2)
    s = math.sqrt(noise_var)                                 # real part variance noise_var/2 <=> u = s t
    nodes = (s * (t[:, None] + 1j * t[None, :])).reshape(-1)
    weights = (w[:, None] * w[None, :]).reshape(-1)
    return nodes, weights / weights.sum()


def _laplace_axis(centre, breaks, b, order):
    """Nodes and weights on one real axis of the Laplace(b) density centred on ``centre``, composite over the
    segments between ``breaks`` (sorted, containing ``centre``). Returns (nodes [K], weights [K] sum ~ 1)."""
    xl, wl = np.polynomial.legendre.leggauss(order)
    tg, wg = np.polynomial.laguerre.laggauss(order)
    nodes, weights = [], []
    for lo, hi in zip(breaks[:-1], breaks[1:]):
        u = 0.5 * (hi - lo) * xl + 0.5 * (hi + lo)
        nodes.append(u)
        weights.append(0.5 * (hi - lo) * wl * np.exp(-np.abs(u - centre) / b) / (2 * b))
    # tails: u = breaks[-1] + b t and u = breaks[0] - b t, density exp(-(|u - centre|)/b)/(2b)
    for edge, sign in ((breaks[-1], 1.0), (breaks[0], -1.0)):
        u = edge + sign * b * tg
        nodes.append(u)
        weights.append(wg * np.exp(-np.abs(edge - centre) / b) / 2.0)
    return np.concatenate(nodes), np.concatenate(weights)


def _laplace_grid(c, noise_var, order):
    """Quadrature points and weights of Laplacian noise around every centre c [M, J]: ([M, J K], [M, J K])."""
    b = math.sqrt(noise_var / 4.0)
    bre = np.unique(np.round(c.real.reshape(-1), 12))
    bim = np.unique(np.round(c.imag.reshape(-1), 12))
    ys, ws = [], []
    for ci in c.reshape(-1):
        ur, wr = _laplace_axis(round(ci.real, 12), bre, b, order)
        ui, wi = _laplace_axis(round(ci.imag, 12), bim, b, order)
        ys.append((ur[:, None] + 1j * ui[None, :]).reshape(-1))
        w = (wr[:, None] * wi[None, :]).reshape(-1)
        ws.append(w / w.sum())
    m, j = c.shape
    return np.asarray(ys).reshape(m, -1), np.asarray(ws).reshape(m, -1)


def _log_density(z, noise, noise_var):
    """log f(z) of the noise law, z complex [...] -> float64 [...]."""
    if noise == "gaussian":
        return -np.abs(z) ** 2 / noise_var - math.log(math.pi * noise_var)
    b = math.sqrt(noise_var / 4.0)
    return -(np.abs(z.real) + np.abs(z.imag)) / b - math.log(4.0 * b * b)


class DiscreteChannel:
    """p(y | x_i) = sum_j a_ij f(y - c_ij) (module doc).

    points: complex [M] (the constellation; only its size and the default centres are used); noise: "gaussian" |
    "laplacian"; noise_var: complex noise variance sigma^2 > 0; centres: complex [M, J] or None (= points, J = 1);
    centre_weights: float [M, J] (rows normalised) or None (uniform); order: quadrature nodes per real dimension
    (Gaussian) or per segment between centre coordinates (Laplacian), 2 <= order <= 64.
    The table of log p(y | x_i') over every quadrature point y (M·J·K of them) and every input i' is computed once:
    the MI of any input PMF is then a weighted sum.
    """

    def __init__(self, points, noise="gaussian", noise_var=0.1, centres=None, centre_weights=None, order=24):
        self.points = as_points(points)
        m = self.points.shape[0]
        if m > MAX_POINTS:
            raise ValueError(f"DiscreteChannel: at most {MAX_POINTS} points, got {m}")
        check_noise(noise)
        self.noise, self.noise_var = noise, check_noise_var(noise_var)
        order = int(order)
        if not 2 <= order <= MAX_ORDER:
            raise ValueError(f"order must be in [2, {MAX_ORDER}], got {order}")
        c = self.points[:, None] if centres is None else np.asarray(centres, dtype=np.complex128)
        if c.ndim != 2 or c.shape[0] != m or not 1 <= c.shape[1] <= MAX_CENTRES or not np.all(np.isfinite(c)):
            raise ValueError(f"centres must be finite complex [M = {m}, J] with 1 <= J <= {MAX_CENTRES}, "
                             f"got shape {c.shape}")
        a = np.full(c.shape, 1.0 / c.shape[1]) if centre_weights is None else np.asarray(centre_weights, float)
        if a.shape != c.shape or not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a.sum(axis=1) <= 0):
            raise ValueError("centre_weights must be finite, >= 0, shape [M, J], each row with a positive sum")
        a = a / a.sum(axis=1, keepdims=True)
        self.centres, self.centre_weights = c, a
        jj = c.shape[1]
        if noise == "laplacian":
            # composite rule: log q(y) has kinks where a coordinate of y equals one of a centre, so each real
            # dimension is split at those coordinates (Gauss-Legendre inside, Gauss-Laguerre on the two tails)
            y, wy = _laplace_grid(c, self.noise_var, order)
        else:
            nodes, w = _gauss_nodes(self.noise_var, order)
            y = (c[:, :, None] + nodes[None, None, :]).reshape(m, -1)
            wy = np.broadcast_to(w[None, None, :], (m, jj, w.shape[0])).reshape(m, -1)
        # quadrature points y grouped by input i, weights a_ij w_k
        self._w = (a[:, :, None] * wy.reshape(m, jj, -1)).reshape(m, -1)             # [M, J K]
        yf = y.reshape(-1)
        loga = np.log(np.maximum(a, 1e-300))
        logw = np.empty((yf.shape[0], m))                                           # log p(y | x_i')
        for i in range(m):
            logw[:, i] = logsumexp(loga[i][None, :] + _log_density(yf[:, None] - c[i][None, :], noise,
                                                                  self.noise_var))
        self._logw = logw.reshape(m, y.shape[1], m)

    def divergences(self, pmf=None):
        """D_i = E[log2 p(y | x_i) / q(y)] with q = sum_i pmf_i p(y | x_i): float64 [M] bits.
        The MI is sum_i pmf_i D_i; max_i D_i bounds the capacity from above (Blahut–Arimoto)."""
        p = as_probabilities(pmf, self.points.shape[0])
        with np.errstate(divide="ignore"):
            logp = np.log(p)
        logq = logsumexp(self._logw + logp[None, None, :])                         # [M, JK]
        own = np.take_along_axis(self._logw, np.arange(self.points.shape[0])[:, None, None], axis=2)[..., 0]
        return np.sum(self._w * (own - logq), axis=1) / math.log(2.0)

    def mi(self, pmf=None):
        """I(X; Y) in bits for the input PMF (None = uniform): float."""
        p = as_probabilities(pmf, self.points.shape[0])
        return float(np.dot(p, self.divergences(p)))


def blahut_arimoto(channel, cost=None, budget=None, tol=1e-6, max_iter=3000, pmf0=None):
    """Capacity-achieving input PMF of a :class:`DiscreteChannel` (Blahut 1972, Arimoto 1972), optionally under an
    average cost constraint sum_i p_i cost_i <= budget (e.g. the transmit power).

    Each iteration computes D_i(p) and sets p_i proportional to p_i 2^{D_i - s cost_i}, with s >= 0 the smallest
    multiplier that meets the budget (found by bisection; s = 0 without a budget). It stops when the dual upper
    bound max_i (D_i - s cost_i) + s budget and the lower bound I(p) are within tol bits.

    channel: DiscreteChannel; cost: float [M] (None = the mean power sum_j a_ij |c_ij|^2 of each input's centres);
    budget: float or None (unconstrained); tol: bits > 0; pmf0: float [M] or None (uniform).
    Returns (pmf float64 [M], mi float bits, upper bound float bits, iterations int).
    """
    m = channel.points.shape[0]
    p = as_probabilities(pmf0, m).copy()
    tol = float(tol)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    e = (np.sum(channel.centre_weights * np.abs(channel.centres) ** 2, axis=1) if cost is None
         else np.asarray(cost, dtype=np.float64).reshape(-1))
    if e.shape != (m,) or not np.all(np.isfinite(e)):
        raise ValueError(f"cost must be finite float [{m}]")
    if budget is not None:
        budget = float(budget)
        if not budget >= float(np.min(e)):
            raise ValueError(f"budget {budget} is below the cheapest input's cost {float(np.min(e))}")

    def tilt(logits, s):
        z = logits - s * e
        q = np.exp(z - np.max(z))
        return q / q.sum()

    mi, ub, it, s = 0.0, np.inf, 0, 0.0
    for it in range(1, int(max_iter) + 1):
        d = channel.divergences(p)
        mi = float(np.dot(p, d))
        ub = float(np.max(d - s * e)) + (s * budget if budget is not None else 0.0)
        if ub - mi < tol and (budget is None or float(np.dot(p, e)) <= budget * (1 + 1e-9)):
            break
        with np.errstate(divide="ignore"):
            logits = np.log(p) + d
        s = 0.0
        if budget is not None and float(np.dot(tilt(logits, 0.0), e)) > budget:
            lo, hi = 0.0, 1.0
            while float(np.dot(tilt(logits, hi), e)) > budget:
                hi *= 2.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if float(np.dot(tilt(logits, mid), e)) > budget else (lo, mid)
            s = hi
        p = tilt(logits, s)
    return p, mi, ub, it


def _unit_centres(points, centres, centre_weights):
    """Centres [M, J] and weights normalised so that the uniform input has unit average power; and the power
    e_i = sum_j a_ij |c_ij|^2 of each input. Centres None: the points themselves."""
    pts = as_points(points)
    c = pts[:, None] if centres is None else np.asarray(centres, dtype=np.complex128)
    a = np.full(c.shape, 1.0 / c.shape[1]) if centre_weights is None else np.asarray(centre_weights, float)
    a = a / a.sum(axis=1, keepdims=True)
    e = np.sum(a * np.abs(c) ** 2, axis=1)
    k = math.sqrt(float(np.mean(e)))
    return pts, c / k, a, e / k ** 2


def shaped_mi(points, pmf, snr_db, noise="gaussian", order=None, centres=None, centre_weights=None):
    """I(X; Y) in bits when the shaper sends ``points`` with ``pmf``, the signal scaled to unit average power
    under the PMF, through noise of complex variance 10^(-snr_db/10) (the law ``noise``), on the quadrature of
    :class:`DiscreteChannel`. With ``centres`` (a transmitter's received constellation, e.g. from
    :func:`capture_centres`) the scaling applies to them: a fixed hardware distortion followed by a gain.
    points: complex [M]; pmf: float [M] or None (uniform). Returns float."""
    pts, c, a, e = _unit_centres(points, centres, centre_weights)
    p = as_probabilities(pmf, pts.shape[0])
    g = 1.0 / math.sqrt(float(np.dot(p, e)))
    return DiscreteChannel(pts, noise, 10.0 ** (-float(snr_db) / 10.0), centres=c * g, centre_weights=a,
                           order=default_order(noise) if order is None else order).mi(p)


def shaped_capacity(points, snr_db, noise="gaussian", order=None, tol=1e-5, centres=None, centre_weights=None,
                    max_iter=500, return_gap=False):
    """The best input PMF for the shaper's use of a fixed constellation: the signal is scaled to unit average
    power under the PMF, and the noise has complex variance 10^(-snr_db/10) (law ``noise``); with ``centres``, as
    in :func:`shaped_mi`, the channel is the captured transmitter followed by a gain and the noise.

    Equivalently: the signal scaled by g with the power budget sum_i p_i g^2 e_i <= 1; for each scale g
    Blahut–Arimoto with that budget gives the best PMF, and a golden-section search over g in [1, 1/sqrt(min e)]
    (where the budget still admits the weakest input) gives the best scale.
    Each Blahut–Arimoto run starts from the previous one's PMF and stops at tol bits or max_iter iterations.
    Returns (pmf float64 [M], mi float bits), and with return_gap the largest BA duality gap (bits) met on the way.
    """
    pts, c, a, e = _unit_centres(points, centres, centre_weights)
    nv = 10.0 ** (-float(snr_db) / 10.0)
    g_hi = 1.0 / math.sqrt(float(np.min(e))) if np.min(e) > 0 else 4.0
    order = default_order(noise) if order is None else order

    warm = [None]

    def best(g):
        ch = DiscreteChannel(pts, noise, nv, centres=c * g, centre_weights=a, order=order)
        p, mi, ub, _ = blahut_arimoto(ch, cost=e * g * g, budget=1.0, tol=tol, max_iter=max_iter, pmf0=warm[0])
        warm[0] = p
        gap[0] = max(gap[0], ub - mi)
        return mi, p

    gap = [0.0]
    _, _, (_, f1), (_, f2) = golden_section_max(best, 1.0, g_hi, 1e-2, key=lambda r: r[0])
    mi, p = max([f1, f2, best(1.0)], key=lambda r: r[0])
    return (p, float(mi), gap[0]) if return_gap else (p, float(mi))


def capture_centres(tx, rx, points, per_symbol=16):
    """Centres of a captured channel: the received samples of each transmitted symbol, reduced to at most
    ``per_symbol`` representatives by k-means (deterministic, seeded).

    tx: int [N] symbol indices in [0, M); rx: complex [N] received samples (same units as points, the link noise
    excluded: a high-SNR capture); points: complex [M]. Every symbol needs at least one sample.
    Returns (centres complex128 [M, J], weights float64 [M, J]) for :class:`DiscreteChannel`.
    """
    points = as_points(points)
    tx = np.asarray(tx).reshape(-1)
    rx = np.asarray(rx, dtype=np.complex128).reshape(-1)
    if tx.shape != rx.shape or not np.issubdtype(tx.dtype, np.integer):
        raise ValueError("capture: tx must be integer indices and rx complex samples of the same length")
    if not np.all(np.isfinite(rx)):
        raise ValueError("capture: rx contains NaN or Inf")
    m = points.shape[0]
    if tx.size and (tx.min() < 0 or tx.max() >= m):
        raise ValueError(f"capture: tx indices must lie in [0, {m})")
    j = int(per_symbol)
    if not 1 <= j <= MAX_CENTRES:
        raise ValueError(f"per_symbol must be in [1, {MAX_CENTRES}], got {per_symbol}")
    centres = np.zeros((m, j), dtype=np.complex128)
    weights = np.zeros((m, j))
    rng = np.random.default_rng(0)
    for i in range(m):
        r = rx[tx == i]
        if r.size == 0:
            raise ValueError(f"capture: no sample of symbol {i}")
        k = min(j, r.size)
        c = r[rng.choice(r.size, k, replace=False)]
        for _ in range(20):                                   # Lloyd iterations
            lab = np.argmin(np.abs(r[:, None] - c[None, :]), axis=1)
            cnt = np.bincount(lab, minlength=k)
            c = np.where(cnt > 0, np.bincount(lab, weights=r.real, minlength=k) / np.maximum(cnt, 1)
                         + 1j * np.bincount(lab, weights=r.imag, minlength=k) / np.maximum(cnt, 1), c)
        centres[i, :k], weights[i, :k] = c, cnt / r.size
        if k < j:                                              # unused slots: weight 0 at the first centre
            centres[i, k:] = c[0]
    return centres, weights
