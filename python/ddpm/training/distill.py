"""Distil a small, fast student network from a shipped model for the denoiser's one-step posterior mean.

Command line (through ``ddpm-train``)::

    ddpm-train --distill qam16 --hidden 32 --out qam16_fast.onnx

The student has the teacher's architecture (docs/model-format.md) with fewer hidden units, so it is the same
file format and runs on the same C++ kernel; the denoiser takes it with no change of API. It copies the
teacher's schedule (``ddpm.betas``, ``ddpm.schedule``, T) and its data metadata (dataset, parameters,
power scale, constellation) from the teacher file, so re-running the command after the teacher is retrained
re-distils it; nothing here assumes a particular schedule or T.

What is matched (docs/kernel.md, "Fast receiver"): the denoiser's default is one deterministic DDIM step from
the SNR-matched step k* (Tweedie's posterior mean) x0_hat = (x - sqrt(1 - abar_k) eps(x, k)) / sqrt(abar_k),
with x = sqrt(abar_k) (s + n) and n ~ CN(0, nv), k = start_step(abar, nv). The training inputs are exactly
those: a pool of ``pool`` inputs for every step t (evaluated by the teacher once; minibatches are drawn from
it), the observation's noise variance per real dimension drawn log-uniformly inside the range of noise
levels that the start-step rule maps to t (the whole schedule; the first and last cells are extended to
40 dB and -15 dB Es/N0 relative to the data power), s from the teacher's data. A student error d_eps moves
x0_hat by sqrt(L_t) d_eps (L_t = (1 - abar_t)/abar_t), and the MSE that matters is relative to the teacher's
own posterior-mean MSE at that step, mse_t (measured on the pool), so the loss is

    sum_t w_t E|eps_student - eps_teacher|^2,  w_t = L_t / mse_t  (normalised to mean 1)

i.e. the student's extra posterior-mean error relative to the teacher's error, equally at every step. The
student starts from the teacher pruned to ``hidden`` units per layer (``prune_init``), which carries the
teacher's sharp low-noise features that a random start hardly learns; then Adam with the trainer's recipe.
``DistillResult.rel_gap`` reports that ratio per step at the end (float64 [T]); 10 log10(1 + r) is the
predicted MSE gap in dB where the teacher is close to the MMSE estimator (its error is then orthogonal to
any function of the observation, so the cross term vanishes); where it is not (16-QAM above ~15 dB Es/N0)
the measured gap differs from the prediction (docs/kernel.md, "Fast receiver").
"""
import copy
import os
import time
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.modelfile import schedule as sched
from gnuradio.ddpm.modelfile.reader import load_model
from gnuradio.ddpm.training.optim import LossLog, cosine_lr, optimiser_step

__all__ = ["DistillConfig", "DistillResult", "DistillError", "noise_cells", "prune_init", "distill",
           "distill_and_export", "teacher_path", "run", "SNR_RANGE_DB"]

#: Es/N0 range (dB, relative to the data power) that the first and last steps' cells are extended to
SNR_RANGE_DB = (-15.0, 40.0)


class DistillError(ValueError):
    """A teacher that cannot be distilled (no data to draw from) or bad options."""


@dataclass
class DistillConfig:
    """Options of one distillation run. hidden/depth: the student's size (depth None = the teacher's).
    batch, lr, ema_decay default to ddpm-train's defaults, so the command line and the shipped recipe agree."""
    hidden: int = 32
    depth: int = None
    steps: int = 40000
    batch: int = 2048
    lr: float = 2e-3
    lr_final_ratio: float = 0.01
    ema_decay: float = 0.998
    clip: float = 1.0
    seed: int = 1
    threads: int = 1
    pool: int = 8192           # training inputs per step t, evaluated by the teacher once (T * pool in all)
    weight_floor: float = 1e-3  # mse_t is floored at weight_floor * L_t (bounds w_t at 1 / weight_floor)
    weighting: str = "relative"  # "relative": w_t = L_t / mse_t; "uniform": w_t = 1 (plain eps matching)
    init: str = "prune"        # "prune": prune_init from the teacher (same depth, fewer units); "random"
    prune_fit: int = 131072    # pool samples of the least-squares fits of prune_init


@dataclass
class DistillResult:
    """net: the EMA student (EpsNet, eval mode); teacher: the teacher Model; betas float64 [T] (the
    teacher's); mse_teacher float64 [T]: the teacher's posterior-mean MSE per step (complex, model units) on
    the training distribution; rel_gap float64 [T]: the student's E|x0_s - x0_t|^2 / mse_teacher per step
    on a fresh validation draw; final_loss: EMA (0.99) of the weighted loss; losses float32 [steps];
    seconds: wall time."""
    net: object
    teacher: object
    betas: np.ndarray
    mse_teacher: np.ndarray
    rel_gap: np.ndarray
    final_loss: float
    losses: np.ndarray
    seconds: float
    config: DistillConfig = field(default=None)


def noise_cells(alpha_bar, power=1.0, snr_range_db=SNR_RANGE_DB):
    """Per step t, the range of the observation's noise variance per real dimension (model units) that
    ``schedule.start_step`` maps to t: the cells between the midpoints of neighbouring noise levels
    L_t = (1 - abar_t)/abar_t, the first extended down to the highest and the last up to the lowest Es/N0 of
    ``snr_range_db`` (relative to the data power ``power``).

    alpha_bar: float64 [T]. Returns (lo, hi): float64 [T] each, 0 < lo < hi.
    """
    L = sched.noise_level(alpha_bar)
    T = L.shape[0]
    mid = 0.5 * (L[:-1] + L[1:])
    s_lo = power * 10 ** (-snr_range_db[1] / 10) / 2
    s_hi = power * 10 ** (-snr_range_db[0] / 10) / 2
    lo = np.concatenate([[min(L[0], s_lo)], mid])
    hi = np.concatenate([mid, [max(L[T - 1], s_hi)]])
    lo = np.maximum(lo, 1e-12)
    hi = np.maximum(hi, lo * (1 + 1e-9))
    return lo, hi


def _data_sampler(teacher):
    """x0 ~ the teacher's data: uniform over its constellation (model units), or the swiss roll."""
    if teacher.constellation is not None:
        c = np.asarray(teacher.constellation, dtype=np.complex128)
        return lambda n, rng: c[rng.integers(0, c.shape[0], size=n)]
    if teacher.dataset == "swissroll":
        from gnuradio.ddpm.training.datasets import make_dataset
        ds = make_dataset("swissroll")
        return lambda n, rng: (lambda p: p[:, 0] + 1j * p[:, 1])(ds.sample(n, rng).astype(np.float64))
    raise DistillError(f"cannot distil {teacher.path}: dataset '{teacher.dataset}' has no constellation "
                       f"to draw training symbols from")


class _Inputs:
    """Training inputs of the one-step posterior mean: (x float32 [N, 2], t int64 [N], x0 float64 [N, 2])."""

    def __init__(self, teacher, draw):
        self.T = teacher.T
        self.abar = np.asarray(teacher.alpha_bar, dtype=np.float64)
        self.draw = draw
        rng = np.random.default_rng(12345)
        power = float(np.mean(np.abs(draw(65536, rng)) ** 2))
        self.log_lo, self.log_hi = (np.log(v) for v in noise_cells(self.abar, power))

    def sample(self, t, rng):
        n = t.shape[0]
        s = self.draw(n, rng)
        x0 = np.stack([s.real, s.imag], axis=1)
        var = np.exp(rng.uniform(self.log_lo[t], self.log_hi[t]))          # per real dimension
        y = x0 + np.sqrt(var)[:, None] * rng.standard_normal((n, 2))
        x = np.sqrt(self.abar[t])[:, None] * y
        return x.astype(np.float32), t.astype(np.int64), x0


def _teacher_pool(teacher_net, inputs, per_step, rng, torch):
    """A fixed pool of training inputs with the teacher's eps: per_step draws of every step t.

    Returns (x float32 [P, 2], t int64 [P], eps float32 [P, 2], mse float64 [T]) with P = T * per_step and
    mse the teacher's posterior-mean MSE per step (complex, model units) on the pool."""
    T = inputs.T
    L = sched.noise_level(inputs.abar)
    xs, ts, es = [], [], []
    mse = np.empty(T)
    with torch.no_grad():
        for t0 in range(0, T, 8):
            tc = np.repeat(np.arange(t0, min(T, t0 + 8)), per_step)
            x, t, x0 = inputs.sample(tc, rng)
            e = teacher_net(torch.from_numpy(x), torch.from_numpy(t)).numpy()
            x0h = (x / np.sqrt(inputs.abar[tc])[:, None]) - np.sqrt(L[tc])[:, None] * e.astype(np.float64)
            mse[t0:t0 + 8] = np.sum((x0h - x0) ** 2, axis=1).reshape(-1, per_step).mean(axis=1)
            xs.append(x)
            ts.append(t)
            es.append(e)
    return np.concatenate(xs), np.concatenate(ts), np.concatenate(es), mse


def _softplus(a):
    return np.logaddexp(0.0, a)


def _wlstsq(X, Y, w):
    """Weighted least squares with an intercept: (A [k, m], b [k]) minimising sum_i w_i |A x_i + b - y_i|^2.
    X float [N, m], Y float [N, k], w float [N] >= 0."""
    Xa = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    G = (Xa * w[:, None]).T @ Xa
    G += 1e-6 * np.trace(G) / G.shape[0] * np.eye(G.shape[0])      # a whisker of ridge: rank-deficient fits
    C = np.linalg.solve(G, (Xa * w[:, None]).T @ Y)                  # [m + 1, k]
    return C[:-1].T, C[-1]


def prune_init(weights, x, t, eps_teacher, w, hidden):
    """Initial student weights from the teacher's (same depth, ``hidden`` units per layer): keep the units of
    each layer with the largest output energy (mean of w h_o^2 times the squared norm of the next layer's
    column that carries h_o onward), copy their first-layer rows, biases and step embeddings, then refit each
    later layer on the kept units by weighted least squares on the student's own activations: layer l's
    pre-activations to the teacher's (for the kept units), the output layer to the teacher's eps. A starting
    point that already has the teacher's sharp low-noise features, which a random start takes long to grow.

    weights: the teacher's (dict of the model file's names); x float32 [N, 2], t int64 [N], eps_teacher float
    [N, 2], w float [N] >= 0 sample weights. Returns a dict of the model file's names (float32 arrays).
    """
    D = sum(1 for k in weights if k.startswith("layers.") and k.endswith(".weight"))
    f64 = {k: np.asarray(v, np.float64) for k, v in weights.items()}
    h = np.asarray(x, np.float64)
    hs_t = []                                  # the teacher's activations per layer
    for l in range(D):
        h = _softplus(h @ f64[f"layers.{l}.weight"].T + f64[f"layers.{l}.bias"]) * f64[f"embeddings.{l}"][t]
        hs_t.append(h)
    out = {}
    hs = np.asarray(x, np.float64)             # the student's activations so far
    for l in range(D):
        Wn = f64[f"layers.{l + 1}.weight"] if l + 1 < D else f64["out.weight"]
        energy = (w[:, None] * hs_t[l] ** 2).mean(axis=0) * (Wn ** 2).sum(axis=0)
        keep = np.sort(np.argsort(energy)[::-1][:hidden])
        if l == 0:
            W, b = f64["layers.0.weight"][keep], f64["layers.0.bias"][keep]
        else:
            a_target = hs_t[l - 1] @ f64[f"layers.{l}.weight"][keep].T + f64[f"layers.{l}.bias"][keep]
            W, b = _wlstsq(hs, a_target, w)
        out[f"layers.{l}.weight"], out[f"layers.{l}.bias"] = W, b
        out[f"embeddings.{l}"] = f64[f"embeddings.{l}"][:, keep]
        hs = _softplus(hs @ W.T + b) * out[f"embeddings.{l}"][t]
    out["out.weight"], out["out.bias"] = _wlstsq(hs, np.asarray(eps_teacher, np.float64), w)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _rel_gap(student, teacher_net, inputs, n, rng, torch, mse_t):
    """E|x0_student - x0_teacher|^2 / mse_teacher per step on a fresh draw: float64 [T]."""
    T = inputs.T
    L = sched.noise_level(inputs.abar)
    out = np.empty(T)
    with torch.no_grad():
        for t0 in range(0, T, 8):
            ts = np.repeat(np.arange(t0, min(T, t0 + 8)), n)
            x, t, _ = inputs.sample(ts, rng)
            xt, tt = torch.from_numpy(x), torch.from_numpy(t)
            d = (student(xt, tt) - teacher_net(xt, tt)).numpy().astype(np.float64)
            g = L[ts] * np.sum(d ** 2, axis=1)
            out[t0:t0 + 8] = g.reshape(-1, n).mean(axis=1)
    return out / mse_t


def distill(teacher_path, cfg=None, progress=True, desc=None):
    """Train a student of size cfg.hidden x cfg.depth on the teacher model file ``teacher_path`` (str /
    PathLike). Returns DistillResult. Raises DistillError (a ValueError) for a teacher without data to draw
    from or bad options, ModelFormatError for a bad teacher file."""
    import torch
    from gnuradio.ddpm.training.network import EpsNet

    cfg = cfg or DistillConfig()
    teacher = load_model(teacher_path)
    depth = int(cfg.depth or teacher.depth)
    if cfg.hidden < 1 or depth < 1 or cfg.steps < 1 or cfg.batch < 2 or not cfg.lr > 0:
        raise DistillError(f"need hidden, depth, steps >= 1, batch >= 2, lr > 0 (got {cfg.hidden}, {depth}, "
                           f"{cfg.steps}, {cfg.batch}, {cfg.lr})")
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    T = teacher.T
    inputs = _Inputs(teacher, _data_sampler(teacher))
    tnet = EpsNet.from_weights(teacher.weights, T)
    tnet.eval()
    for p in tnet.parameters():
        p.requires_grad_(False)

    rng = np.random.default_rng(cfg.seed)
    px, pt, pe, mse_t = _teacher_pool(tnet, inputs, cfg.pool, rng, torch)
    px, pt, pe = torch.from_numpy(px), torch.from_numpy(pt), torch.from_numpy(pe)
    L = sched.noise_level(inputs.abar)
    mse_t = np.maximum(mse_t, cfg.weight_floor * L)
    w = L / mse_t if cfg.weighting == "relative" else np.ones(T)
    w = torch.from_numpy((w / w.mean()).astype(np.float32))

    torch.manual_seed(cfg.seed)
    if cfg.init == "prune" and depth == teacher.depth and cfg.hidden < teacher.hidden:
        sub = rng.choice(pt.shape[0], size=min(pt.shape[0], cfg.prune_fit), replace=False)
        net = EpsNet.from_weights(prune_init(teacher.weights, px[sub].numpy(), pt[sub].numpy(),
                                             pe[sub].numpy(), w[pt[sub]].numpy().astype(np.float64),
                                             cfg.hidden), T)
    elif cfg.init in ("prune", "random"):
        net = EpsNet(T, cfg.hidden, depth)
    else:
        raise DistillError(f"unknown init '{cfg.init}' (prune or random)")
    ema = copy.deepcopy(net)
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    log = LossLog(cfg.steps, "distillation", progress, desc or "distil", ".2e")
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        # cosine decay from lr to lr * lr_final_ratio (the trainer's recipe, docs/training.md)
        lr = cosine_lr(cfg.lr, cfg.lr_final_ratio, step, cfg.steps)
        idx = torch.from_numpy(rng.integers(0, pt.shape[0], size=cfg.batch))
        xt, tt, target = px[idx], pt[idx], pe[idx]
        loss = (w[tt] * ((net(xt, tt) - target) ** 2).sum(dim=1)).mean()
        log.add(step, optimiser_step(opt, net, ema, loss, lr, cfg.clip, step, cfg.ema_decay), lr)
    log.close()
    ema.eval()
    rel = _rel_gap(ema, tnet, inputs, 2048, rng, torch, mse_t)
    return DistillResult(net=ema, teacher=teacher, betas=np.array(teacher.betas, dtype=np.float64),
                         mse_teacher=mse_t, rel_gap=rel, final_loss=float(log.run), losses=log.losses,
                         seconds=time.perf_counter() - t0, config=cfg)


def distill_and_export(teacher_path, out, cfg=None, progress=True, desc=None):
    """Distil a student from ``teacher_path`` and write the model file ``out``: the teacher's betas, schedule
    name, dataset, dataset parameters, power scale and constellation, plus ``ddpm.distilled_from`` (the
    teacher's file name without .onnx) and ``ddpm.teacher_hidden``/``ddpm.distill_*``. Returns
    (DistillResult, metadata dict)."""
    import json
    from gnuradio.ddpm.modelfile.writer import export_onnx

    cfg = cfg or DistillConfig()
    res = distill(teacher_path, cfg, progress=progress, desc=desc)
    tm = res.teacher
    md = tm.metadata
    params = json.loads(md["ddpm.dataset_params"]) if "ddpm.dataset_params" in md else None
    gap_db = 10 * np.log10(1 + res.rel_gap)
    meta = export_onnx(out, res.net.export_weights(), res.betas, schedule=md.get("ddpm.schedule", "custom"),
                       dataset=tm.dataset, dataset_params=params, power_scale=tm.power_scale,
                       constellation=tm.constellation, bits_per_symbol=tm.bits_per_symbol,
                       train_seed=cfg.seed, train_steps=cfg.steps, final_loss=res.final_loss,
                       extra_metadata={
                           "ddpm.distilled_from": os.path.basename(tm.path)[:-5] if tm.path.endswith(".onnx")
                           else os.path.basename(tm.path),
                           "ddpm.teacher_hidden": tm.hidden, "ddpm.teacher_depth": tm.depth,
                           "ddpm.teacher_commit": md.get("ddpm.commit", "unknown"),
                           "ddpm.distill_max_gap_db": f"{float(np.max(gap_db)):.4f}",
                           "ddpm.train_batch": cfg.batch, "ddpm.train_lr": repr(cfg.lr),
                           "ddpm.train_seconds": f"{res.seconds:.1f}"})
    return res, meta


def teacher_path(name, out_dir=None):
    """The teacher file for ``--distill NAME``: ``out_dir/NAME.onnx`` when it exists (``--all-shipped`` has
    just remade the teacher there), else the one model lookup (``modelfile.lookup.find_model``: a path, or a
    short name in $DDPM_MODEL_PATH and the install prefix). Returns str; raises FileNotFoundError."""
    from gnuradio.ddpm.modelfile.lookup import find_model
    if out_dir is not None:
        p = os.path.join(out_dir, f"{name}.onnx")
        if os.path.isfile(p):
            return os.path.abspath(p)
    return find_model(name)


def run(teacher, out, cfg, progress=True, desc=None, out_dir=None):
    """Distil ``teacher`` (name or path, resolved by teacher_path) into ``out``; print one summary line.
    Returns DistillResult. A bad teacher file raises DistillError."""
    from gnuradio.ddpm.modelfile.reader import ModelFormatError
    path = teacher_path(teacher, out_dir)
    try:
        res, _ = distill_and_export(path, out, cfg, progress=progress, desc=desc)
    except ModelFormatError as e:
        raise DistillError(str(e)) from None
    gap = 10 * np.log10(1 + res.rel_gap)
    print(f"{desc or os.path.basename(out)}: distilled from {path} ({res.teacher.hidden} -> {cfg.hidden} hidden), "
          f"{cfg.steps} steps in {res.seconds:.1f} s, predicted posterior-mean MSE gap to the teacher "
          f"<= {gap.max():.3f} dB (mean {gap.mean():.3f} dB over the {gap.size} steps) -> {out}", flush=True)
    return res
