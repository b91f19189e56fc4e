"""Train the MIMO channel denoiser (and the supervised baseline of the same size) on channel matrices (PyTorch).

``ddpm-train --dataset mimo`` comes here (train.main hands the whole command line over)::

    ddpm-train --dataset mimo --scene street --out models/mimo_street.onnx \\
               --supervised-out models/mimo_street_sup.onnx          # make models-mimo

The channel-matrix dataset is a pool of ``--pool`` channels of the training scene
(:func:`gnuradio.ddpm.mimo.channels.split_channels`, part 'train'); its sample covariance is the training
covariance R stored in the file (the LMMSE baseline and the denoiser's Wiener skip use it).

Denoiser loss (EDM weighting, sigma_d = 1): E ||D(h + s n, s) - h||^2 / c_out(s)^2 with s log-uniform in
[sigma_min, sigma_max], n ~ CN(0, I). The printed ``/wiener`` ratio is that loss over the Wiener filter's on the
same batch: below 1 means the network learned structure beyond the Gaussian prior.
Supervised loss: E ||S(h_L, e0^(1/2)) - h||^2 / c_out^2 with h_L the LMMSE estimate (training covariance) of
y = A h + w at an SNR uniform in [snr_lo, snr_hi] dB.
After training, the sampler's start scale and step count are chosen per SNR on validation channels of the
training scene (part 'validation', never the test scene) and written into the file (``ddpm.mimo.sampler``).
"""
import argparse
import copy
import json
import math
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from gnuradio.ddpm.mimo import channels as chan
from gnuradio.ddpm.mimo import estimators as est
from gnuradio.ddpm.mimo.model import ARCH, MimoModel, real_form, save_model, wiener_basis
from gnuradio.ddpm.mimo.sampler import DiffusionEstimator
from gnuradio.ddpm.training.optim import LossLog, cosine_lr, optimiser_step

__all__ = ["MimoTrainConfig", "MimoNet", "train_denoiser", "train_supervised", "choose_sampler", "export", "main"]


@dataclass
class MimoTrainConfig:
    """One run. Defaults: the shipped model (BS 4x8, UE 2x2, 16 pilots, street), ~10 min on 2 busy cores."""
    scene: str = "street"
    bs: str = "4x8"
    ue: str = "2x2"
    rays: int = 0                  # 0: the scene's own ray count
    pilots: int = 16
    pilot_seed: int = 0
    hidden: int = 256
    depth: int = 4
    freqs: int = 8
    steps: int = 4000
    sup_steps: int = 3000
    batch: int = 256
    lr: float = 1e-3
    lr_final_ratio: float = 0.02
    ema: float = 0.999
    pool: int = 40000
    sigma_min: float = 0.005
    sigma_max: float = 5.0
    snr_lo: float = -10.0
    snr_hi: float = 35.0
    seed: int = 1
    threads: int = 1
    val_channels: int = 100
    val_snrs: tuple = (-10.0, 0.0, 10.0, 20.0, 30.0)
    val_scales: tuple = (1.0, 1.5, 3.0)
    val_steps: tuple = (1, 4, 10, 20)
    chains: int = 4

    @property
    def arrays(self):
        return chan.ArrayConfig(chan.Array.parse(self.bs), chan.Array.parse(self.ue))


def _freqs(n):
    return (0.125 * 2.0 ** (np.arange(n) * 7.0 / max(n - 1, 1))).astype(np.float32)


def _net_class():
    import torch
    from torch import nn
    import torch.nn.functional as F

    class MimoNet(nn.Module):
        """The torch twin of gnuradio.ddpm.mimo.model.MimoModel.forward_real (same names, same formulas)."""

        def __init__(self, m2, hidden, depth, freqs, skip, Q=None, lam=None):
            super().__init__()
            self.m2, self.hidden, self.depth, self.skip = int(m2), int(hidden), int(depth), skip
            self.register_buffer("freq", torch.from_numpy(_freqs(freqs)))
            self.inp = nn.Linear(m2, hidden)
            self.emb_in = nn.Linear(2 * freqs, hidden)
            self.fc1 = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(depth)])
            self.emb = nn.ModuleList([nn.Linear(2 * freqs, hidden) for _ in range(depth)])
            self.fc2 = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(depth)])
            for f in self.fc2:
                nn.init.zeros_(f.weight)
                nn.init.zeros_(f.bias)
            self.out = nn.Linear(hidden, m2)
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)
            if skip == "wiener":
                self.register_buffer("Q", torch.from_numpy(np.asarray(Q, dtype=np.float32)))
                self.register_buffer("lam", torch.from_numpy(np.asarray(lam, dtype=np.float32)))

        def skip_term(self, x, s2):
            if self.skip == "wiener":
                return ((x @ self.Q) * (self.lam / (self.lam + s2))) @ self.Q.T
            return x

        def forward(self, x, sigma):
            s = sigma.reshape(-1, 1)
            s2 = s * s
            c_in = 1.0 / torch.sqrt(s2 + 1.0)
            c_out = s * c_in
            arg = torch.log(s) * self.freq
            e = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)
            h = self.inp(c_in * x) + self.emb_in(e)
            for l in range(self.depth):
                h = h + self.fc2[l](F.silu(self.fc1[l](h) + self.emb[l](e)))
            return self.skip_term(x, s2) + c_out * self.out(F.silu(h))

        def export_weights(self):
            """dict name -> float32 numpy array, named as the model file (gnuradio.ddpm.mimo.model)."""
            g = lambda t: t.detach().cpu().float().numpy().copy()  # noqa: E731
            w = {"emb.freq": g(self.freq), "in.weight": g(self.inp.weight), "in.bias": g(self.inp.bias),
                 "emb_in.weight": g(self.emb_in.weight), "emb_in.bias": g(self.emb_in.bias),
                 "out.weight": g(self.out.weight), "out.bias": g(self.out.bias)}
            for l in range(self.depth):
                p = f"blocks.{l}."
                w.update({p + "fc1.weight": g(self.fc1[l].weight), p + "fc1.bias": g(self.fc1[l].bias),
                          p + "emb.weight": g(self.emb[l].weight), p + "emb.bias": g(self.emb[l].bias),
                          p + "fc2.weight": g(self.fc2[l].weight), p + "fc2.bias": g(self.fc2[l].bias)})
            if self.skip == "wiener":
                w["wiener.basis"], w["wiener.eig"] = g(self.Q), g(self.lam)
            return w

    return MimoNet


def MimoNet(*args, **kw):  # noqa: N802 - a factory so importing this module does not import torch
    """Build the torch network: MimoNet(m2, hidden, depth, freqs, skip, Q=None, lam=None)."""
    return _net_class()(*args, **kw)


def make_pool(cfg):
    """(channels complex128 [pool, Nr, Nt], covariance complex128 [M, M]) of the training scene."""
    H = chan.split_channels(cfg.scene, "train", cfg.pool, cfg.seed, arrays=cfg.arrays, rays=cfg.rays or None)
    return H, est.covariance(H)


def _meta(cfg, role, skip, extra=None):
    from gnuradio.ddpm.modelfile.writer import CREATED_BY, git_commit
    m = {"ddpm.format_version": "1", "ddpm.arch": ARCH, "ddpm.hidden": str(cfg.hidden), "ddpm.depth": str(cfg.depth),
         "ddpm.prediction": "x0", "ddpm.dataset": f"mimo:{cfg.scene}",
         "ddpm.dataset_params": json.dumps({k: (list(v) if isinstance(v, tuple) else v)
                                            for k, v in asdict(cfg).items()}, sort_keys=True),
         "ddpm.opset": "17", "ddpm.train_seed": str(cfg.seed), "ddpm.commit": git_commit(),
         "ddpm.created_by": CREATED_BY, "ddpm.mimo.bs": cfg.bs, "ddpm.mimo.ue": cfg.ue, "ddpm.mimo.skip": skip,
         "ddpm.mimo.role": role, "ddpm.mimo.freqs": str(cfg.freqs), "ddpm.mimo.sigma_data": "1.0",
         "ddpm.mimo.pilots": str(cfg.pilots), "ddpm.mimo.pilot_seed": str(cfg.pilot_seed)}
    m.update(extra or {})
    return m


def _model(net, cov, cfg, role, skip, extra=None):
    w = net.export_weights()
    w["cov.real"], w["cov.imag"] = cov.real.copy(), cov.imag.copy()
    return MimoModel(w, _meta(cfg, role, skip, extra))


def _loop(cfg, net, batch_fn, steps, desc, progress):
    """Adam + cosine lr + clipping + EMA. batch_fn(step, gen) -> (loss tensor, wiener-ratio float or None)."""
    import torch
    ema = copy.deepcopy(net)
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    log = LossLog(steps, f"{desc}: training")
    ratio = None
    t0 = time.perf_counter()
    for step in range(int(steps)):
        lr = cosine_lr(cfg.lr, cfg.lr_final_ratio, step, steps)
        loss, r = batch_fn(step)
        log.add(step, optimiser_step(opt, net, ema, loss, lr, 1.0, step, cfg.ema), lr)
        run = log.run
        if r is not None:
            ratio = r if ratio is None else 0.99 * ratio + 0.01 * r
        if progress and (step % 500 == 0 or step == steps - 1):
            print(f"{desc}: step {step + 1}/{steps} loss {run:.4f}" + (f" /wiener {ratio:.4f}" if ratio else "")
                  + f" ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    ema.eval()
    return ema, run, ratio, time.perf_counter() - t0


def train_denoiser(cfg, H, cov, progress=True):
    """Train the denoiser on the pool H. Returns (EMA net, final loss, final /wiener ratio, seconds)."""
    import torch
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    Q, lam = wiener_basis(cov)
    m2 = 2 * cov.shape[0]
    net = MimoNet(m2, cfg.hidden, cfg.depth, cfg.freqs, "wiener", Q, lam)
    X = torch.from_numpy(real_form(H.reshape(H.shape[0], -1)).astype(np.float32))
    gen = torch.Generator().manual_seed(cfg.seed + 17)
    lo, hi = math.log(cfg.sigma_min), math.log(cfg.sigma_max)

    def batch(step):
        idx = torch.randint(0, X.shape[0], (cfg.batch,), generator=gen)
        h = X[idx]
        s = torch.exp(lo + (hi - lo) * torch.rand(cfg.batch, generator=gen))
        x = h + s[:, None] * math.sqrt(0.5) * torch.randn(h.shape, generator=gen)
        w = (s * s / (s * s + 1.0))[:, None]
        loss = (((net(x, s) - h) ** 2) / w).sum(dim=1).mean() / m2
        with torch.no_grad():
            wl = (((net.skip_term(x, (s * s)[:, None]) - h) ** 2) / w).sum(dim=1).mean() / m2
        return loss, float(loss.detach() / wl)

    return _loop(cfg, net, batch, cfg.steps, "denoiser", progress)


def train_supervised(cfg, H, cov, P, progress=True):
    """Train the supervised estimator (identity skip around the LMMSE estimate). Returns (net, loss, None, s)."""
    import torch
    torch.manual_seed(cfg.seed + 1)
    m2 = 2 * cov.shape[0]
    net = MimoNet(m2, cfg.hidden, cfg.depth, cfg.freqs, "identity")
    lm = est.LMMSE(cov, P, cfg.arrays.nr)
    trR = float(np.real(np.trace(cov)))
    g2 = np.sum(np.abs(lm.G) ** 2, axis=0)                          # [m]
    rng = np.random.default_rng(cfg.seed + 29)
    hv = H.reshape(H.shape[0], -1)

    def batch(step):
        h = hv[rng.integers(0, hv.shape[0], cfg.batch)]
        snr = rng.uniform(cfg.snr_lo, cfg.snr_hi, cfg.batch)
        s2 = 10.0 ** (-snr / 10.0)
        y = h @ lm.A.T + np.sqrt(s2 / 2)[:, None] * (rng.standard_normal((cfg.batch, lm.A.shape[0]))
                                                      + 1j * rng.standard_normal((cfg.batch, lm.A.shape[0])))
        hl = ((y @ lm.V.conj()) / (lm.mu[None, :] + s2[:, None])) @ lm.G.T
        e0 = np.maximum((trR - (g2[None, :] / (lm.mu[None, :] + s2[:, None])).sum(axis=1)) / hv.shape[1], 1e-12)
        s = torch.from_numpy(np.sqrt(e0).astype(np.float32))
        x = torch.from_numpy(real_form(hl).astype(np.float32))
        t = torch.from_numpy(real_form(h).astype(np.float32))
        w = (s * s / (s * s + 1.0))[:, None]
        loss = (((net(x, s) - t) ** 2) / w).sum(dim=1).mean() / m2
        return loss, None

    return _loop(cfg, net, batch, cfg.sup_steps, "supervised", progress)


def choose_sampler(model, cfg, progress=True):
    """Per validation SNR, the (start_scale, steps) with the lowest NMSE on validation channels of the training
    scene. Returns the dict stored as ``ddpm.mimo.sampler``."""
    P = est.pilot_matrix(cfg.arrays.nt, cfg.pilots, cfg.pilot_seed)
    de = DiffusionEstimator(model, P, chains=cfg.chains)
    Hv = chan.split_channels(cfg.scene, "validation", cfg.val_channels, cfg.seed, arrays=cfg.arrays,
                             rays=cfg.rays or None)
    table = {"snr_db": [], "start_scale": [], "steps": [], "val_nmse_db": [], "val_lmmse_db": [],
             "chains": cfg.chains, "end_fraction": de.end_fraction, "pilots": cfg.pilots,
             "pilot_seed": cfg.pilot_seed, "val_channels": cfg.val_channels}
    for i, snr in enumerate(cfg.val_snrs):
        Y = est.observe(Hv, P, snr, np.random.default_rng([cfg.seed, 1000 + i]))
        best = None
        for c in cfg.val_scales:
            for k in cfg.val_steps:
                h, _ = de.estimate(Y, snr, seed=cfg.seed + i, start_scale=c, steps=k)
                v = est.nmse_db(h, Hv)
                if best is None or v < best[0]:
                    best = (v, c, k)
        lm = est.nmse_db(de.lmmse.estimate(Y, snr), Hv)
        for key, val in zip(("snr_db", "start_scale", "steps", "val_nmse_db", "val_lmmse_db"),
                            (float(snr), best[1], best[2], round(best[0], 3), round(lm, 3))):
            table[key].append(val)
        if progress:
            print(f"validation {snr:+.0f} dB: scale {best[1]}, {best[2]} steps, NMSE {best[0]:.2f} dB "
                  f"(LMMSE {lm:.2f} dB)", file=sys.stderr, flush=True)
    return table


def export(path, net, cov, cfg, role, skip, extra):
    """Write a model file from a trained net. Returns the MimoModel written."""
    m = _model(net, cov, cfg, role, skip, extra)
    save_model(path, m.weights, m.meta)
    return m


def _parser():
    p = argparse.ArgumentParser(prog="ddpm-train --dataset mimo",
                                description="Train the MIMO channel denoiser (docs/mimo.md) and export it.")
    p.add_argument("--dataset", default="mimo", choices=["mimo"])
    d = MimoTrainConfig()
    for k in ("scene", "bs", "ue"):
        p.add_argument(f"--{k}", default=getattr(d, k))
    for k in ("rays", "pilots", "pilot_seed", "hidden", "depth", "freqs", "steps", "sup_steps", "batch", "pool",
              "seed", "threads", "val_channels", "chains"):
        p.add_argument("--" + k.replace("_", "-"), dest=k, type=int, default=getattr(d, k))
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--out", "-o", required=True, help="denoiser model file (.onnx)")
    p.add_argument("--supervised-out", default=None, help="also train the supervised baseline into this file")
    p.add_argument("--quiet", "-q", action="store_true")
    return p


def main(argv=None):
    """``ddpm-train --dataset mimo ...``. Returns 0, or 2 on bad options (one line on stderr)."""
    args = _parser().parse_args(argv)
    kw = {k: v for k, v in vars(args).items() if k in MimoTrainConfig.__dataclass_fields__}
    try:
        cfg = MimoTrainConfig(**kw)
        cfg.arrays
        if cfg.scene not in list(chan.SCENES) + ["mixed"]:
            raise ValueError(f"unknown scene {cfg.scene!r}")
        if min(cfg.pilots, cfg.hidden, cfg.depth, cfg.freqs, cfg.steps, cfg.batch, cfg.pool, cfg.chains) < 1:
            raise ValueError("pilots, hidden, depth, freqs, steps, batch, pool, chains must be >= 1")
    except ValueError as e:
        print(f"ddpm-train: error: {e}", file=sys.stderr)
        return 2
    prog = not args.quiet
    t0 = time.perf_counter()
    H, cov = make_pool(cfg)
    if prog:
        print(f"pool: {cfg.pool} channels of '{cfg.scene}' in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    net, loss, ratio, sec = train_denoiser(cfg, H, cov, prog)
    model = _model(net, cov, cfg, "denoiser", "wiener")
    table = choose_sampler(model, cfg, prog)
    extra = {"ddpm.mimo.sampler": json.dumps(table), "ddpm.train_steps": str(cfg.steps),
             "ddpm.final_loss": repr(float(loss)), "ddpm.mimo.loss_over_wiener": repr(float(ratio)),
             "ddpm.train_seconds": f"{sec:.1f}", "ddpm.train_batch": str(cfg.batch), "ddpm.train_lr": repr(cfg.lr)}
    export(args.out, net, cov, cfg, "denoiser", "wiener", extra)
    print(f"mimo denoiser: loss {loss:.4f} (/wiener {ratio:.4f}), {cfg.steps} steps in {sec:.1f} s -> {args.out}")
    if args.supervised_out:
        P = est.pilot_matrix(cfg.arrays.nt, cfg.pilots, cfg.pilot_seed)
        snet, sloss, _, ssec = train_supervised(cfg, H, cov, P, prog)
        export(args.supervised_out, snet, cov, cfg, "supervised", "identity",
               {"ddpm.train_steps": str(cfg.sup_steps), "ddpm.final_loss": repr(float(sloss)),
                "ddpm.train_seconds": f"{ssec:.1f}"})
        print(f"mimo supervised: loss {sloss:.4f}, {cfg.sup_steps} steps in {ssec:.1f} s -> {args.supervised_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
