"""Reference samplers (numpy + ONNX Runtime): the golden reference for the C++ kernel.

Implements docs/sampling.md exactly: the SNR-matched start step, the ``paper``/``matched`` DDPM chains and
DDIM, with per-sample random numbers from ``ddpm-rng-v1`` (``gnuradio.ddpm.modelfile.rng``) keyed by the absolute
sample index, so a sample's output does not depend on the batch it was in. The chain state is float64;
eps_theta is evaluated in float32 by ONNX Runtime (or by any callable passed as ``eps``).
"""
import numpy as np

from gnuradio.ddpm.modelfile import schedule as sched
from gnuradio.ddpm.modelfile.schedule import ddim_taus, linear_fallback, start_step
from gnuradio.ddpm.modelfile.reader import Model, load_model
from gnuradio.ddpm.modelfile.rng import normal_pairs
from gnuradio.ddpm.modelfile.samplers import SAMPLERS, check_sampler

__all__ = ["EpsOnnx", "eps_numpy", "start_step", "ddim_taus", "sample", "SAMPLERS"]



class EpsOnnx:
    """eps_theta through ONNX Runtime.

    EpsOnnx(path_or_model, threads=1) is callable: (x float32 [N, 2], t int64 [N]) -> float32 [N, 2].
    threads: intra-op threads of the InferenceSession (1 by default: reproducible and cheap).
    """

    def __init__(self, model, threads=1):
        import onnxruntime as ort
        path = model.path if isinstance(model, Model) else str(model)
        so = ort.SessionOptions()
        so.intra_op_num_threads = int(threads)
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.path = path
        self.session = ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"])

    def __call__(self, x, t):
        x = np.ascontiguousarray(np.asarray(x, dtype=np.float32).reshape(-1, 2))
        t = np.ascontiguousarray(np.asarray(t, dtype=np.int64).reshape(-1))
        if x.shape[0] != t.shape[0]:
            raise ValueError(f"x has {x.shape[0]} rows but t has {t.shape[0]}")
        if x.shape[0] == 0:
            return np.zeros((0, 2), dtype=np.float32)
        return self.session.run(["eps"], {"x": x, "t": t})[0]


def _softplus(a):
    return np.logaddexp(0.0, a)


def eps_numpy(model, x, t):
    """eps_theta from the model's weights in float64 (for cross-checks).

    model: Model; x: float [N, 2]; t: int [N] in 0..T-1. Returns float64 [N, 2].
    """
    w = model.weights
    t = np.asarray(t, dtype=np.int64).reshape(-1)
    if t.size and (t.min() < 0 or t.max() >= model.T):
        raise ValueError(f"t must be in 0..{model.T - 1}")
    h = np.asarray(x, dtype=np.float64).reshape(-1, 2)
    for l in range(model.depth):
        a = h @ w[f"layers.{l}.weight"].astype(np.float64).T + w[f"layers.{l}.bias"].astype(np.float64)
        h = _softplus(a) * w[f"embeddings.{l}"].astype(np.float64)[t]
    return h @ w["out.weight"].astype(np.float64).T + w["out.bias"].astype(np.float64)


def sample(model, y, noise_var, sampler="matched", steps=10, eta=0.0, seed=0, first_index=0,
           stochastic=True, top_up=False, eps=None, return_trajectory=False, trajectory_every=1):
    """Run a reverse process on equalised observations (docs/sampling.md).

    model: Model or model file path. y: complex [N] equalised observation in model units.
    noise_var: complex noise variance (model units), scalar or float [N]. sampler: 'paper' | 'matched' |
    'ddim'. steps: DDIM steps S >= 1. eta: DDIM eta in [0, 1]. seed: generator key (int).
    first_index: absolute index of y[0] (sample i uses normal_pairs(seed, first_index + i, counter)).
    stochastic: False sets every z to 0. top_up: matched/ddim: add noise so the start level matches exactly
    (a sample with non-finite/negative noise_var gets none). eps: callable (x float32 [N, 2], t int64 [N])
    -> [N, 2] overriding eps_theta (default EpsOnnx of the model file).
    return_trajectory: also return a dict {"t": int64 [K], "x": complex128 [K, N]} of the chain state
    (model step units, i.e. x_t, not rescaled) before the first update and after each step t with
    t % trajectory_every == 0 (samples that have not started yet show their start value).

    Returns complex128 [N] (and the trajectory dict). Non-finite y -> 0 + 0j.
    """
    if not isinstance(model, Model):
        model = load_model(model)
    check_sampler(sampler)
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if not (np.isfinite(eta) and 0.0 <= eta <= 1.0):
        raise ValueError(f"eta must be in [0, 1], got {eta}")
    if int(first_index) < 0:
        raise ValueError(f"first_index must be >= 0, got {first_index}")
    if eps is None:
        eps = EpsOnnx(model)
    y = np.asarray(y).astype(np.complex128).reshape(-1)
    n = y.shape[0]
    nv = np.broadcast_to(np.asarray(noise_var, dtype=np.float64).reshape(-1) if np.ndim(noise_var)
                         else np.float64(noise_var), (n,)).astype(np.float64)
    T = model.T
    betas, abar = model.betas, model.alpha_bar
    L = sched.noise_level(abar)
    idx = np.uint64(first_index) + np.arange(n, dtype=np.uint64)
    ok = np.isfinite(y)
    y0 = np.where(ok, y, 0.0)

    lin = linear_fallback(L, nv) & ok if sampler != "paper" else np.zeros(n, dtype=bool)
    if sampler == "paper":
        k = np.full(n, T - 1, dtype=np.int64)
        x = np.stack([y0.real, y0.imag], axis=1)
    else:
        k = start_step(abar, nv) if n else np.zeros(0, dtype=np.int64)
        k = np.where(lin, -1, k)                   # no chain for the linear-fallback samples
        yp = np.stack([y0.real, y0.imag], axis=1)
        if top_up and n:
            good_nv = np.isfinite(nv) & (nv >= 0)
            var = np.where(good_nv, np.maximum(L[k] - np.where(good_nv, nv, 0.0) / 2.0, 0.0), 0.0)
            z = normal_pairs(seed, idx, T) if stochastic else np.zeros((n, 2))
            yp = yp + np.sqrt(var)[:, None] * z
        x = np.sqrt(abar[k])[:, None] * yp

    traj_t, traj_x = [], []

    def snap(t):
        if return_trajectory:
            traj_t.append(t)
            traj_x.append((x[:, 0] + 1j * x[:, 1]).copy())

    snap(int(k.max()) if n else T - 1)
    kmax = int(k.max()) if n else -1

    if sampler in ("paper", "matched"):
        for t in range(kmax, -1, -1):
            act = np.nonzero(k >= t)[0]
            if act.size:
                tt = np.full(act.size, t, dtype=np.int64)
                e = np.asarray(eps(x[act].astype(np.float32), tt), dtype=np.float64)
                xa = (x[act] - betas[t] / np.sqrt(1.0 - abar[t]) * e) / np.sqrt(1.0 - betas[t])
                if stochastic and t > 0:
                    xa = xa + np.sqrt(betas[t]) * normal_pairs(seed, idx[act], t)
                x[act] = xa
            if t % trajectory_every == 0:
                snap(t)
    else:
        uk, gi = np.unique(k, return_inverse=True)
        on = np.zeros((uk.size, T), dtype=bool)
        aprev = np.ones((uk.size, T), dtype=np.float64)
        for g, kk in enumerate(uk):
            if kk < 0:                             # linear-fallback samples: no chain
                continue
            taus = ddim_taus(kk, steps)
            on[g, taus] = True
            aprev[g, taus[:-1]] = abar[taus[1:]]
        for t in range(kmax, -1, -1):
            act = np.nonzero(on[gi, t])[0]
            if act.size:
                tt = np.full(act.size, t, dtype=np.int64)
                e = np.asarray(eps(x[act].astype(np.float32), tt), dtype=np.float64)
                a_t = abar[t]
                a_p = aprev[gi[act], t][:, None]
                x0 = sched.x0_from_eps(x[act], e, a_t)
                sig = eta * np.sqrt((1.0 - a_p) / (1.0 - a_t)) * np.sqrt(np.maximum(1.0 - a_t / a_p, 0.0))
                xa = np.sqrt(a_p) * x0 + np.sqrt(np.maximum(1.0 - a_p - sig ** 2, 0.0)) * e
                if stochastic and eta > 0:
                    xa = xa + sig * normal_pairs(seed, idx[act], t)
                x[act] = xa
            if t % trajectory_every == 0:
                snap(t)

    out = x[:, 0] + 1j * x[:, 1]
    if lin.any():                                  # outside the schedule's range: linear MMSE, no chain
        out[lin] = y0[lin] / (1.0 + nv[lin])
    out[~ok] = 0.0
    if return_trajectory:
        tx = np.array(traj_x) if traj_x else np.zeros((0, n), dtype=np.complex128)
        tx[:, ~ok] = 0.0
        return out, {"t": np.array(traj_t, dtype=np.int64), "x": tx}
    return out
