"""Train a gr-ddpm noise-prediction model and export it as a model file (PyTorch, CPU, offline).

Command line (also installed as ``ddpm-train``)::

    python -m gnuradio.ddpm.training.train --dataset qam16 --steps 4000 --out qam16.onnx
    python -m gnuradio.ddpm.training.train --file capture.sigmf-meta --out mine.onnx   # a capture (--dataset file)
    python -m gnuradio.ddpm.training.train --all-shipped --out models        # every shipped model (make models)
    python -m gnuradio.ddpm.training.train --distill qam16 --hidden 32 --out qam16_fast.onnx   # (distill.py)
    python -m gnuradio.ddpm.training.train --dataset mimo --out mimo.onnx     # MIMO channel denoiser (training.mimo)

Training (docs/training.md): loss ||eps - eps_theta(sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, t)||^2 (sum
over I/Q, mean over the batch), t uniform with antithetic pairs (t, T-1-t), Adam with a cosine-decaying
learning rate, gradient-norm clipping, an exponential moving average (EMA) of the weights which is what is
exported. A fixed seed gives a reproducible run (same machine, same thread count).
"""
import argparse
import copy
import math
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.modelfile import schedule as sched
from gnuradio.ddpm.training.capture import describe as describe_capture
from gnuradio.ddpm.training.datasets import DatasetError, make_dataset
from gnuradio.ddpm.training.distill import DistillError
from gnuradio.ddpm.training.optim import LossLog, cosine_lr, optimiser_step

__all__ = ["TrainConfig", "TrainResult", "train", "train_and_export", "SHIPPED", "main"]


@dataclass
class TrainConfig:
    """Options of one training run (defaults: the shipped QAM recipe)."""
    T: int = 100
    schedule: str = "sigmoid"
    hidden: int = 128
    depth: int = 3
    steps: int = 4000
    batch: int = 2048
    lr: float = 2e-3
    lr_final_ratio: float = 0.02   # cosine decay from lr to lr * lr_final_ratio
    ema_decay: float = 0.998
    clip: float = 1.0
    seed: int = 1
    threads: int = 1               # torch intra-op threads (0 = torch's default); 1 is the fastest on a
                                   # busy 2-core machine and makes a run independent of the core count


@dataclass
class TrainResult:
    """net: the EMA network (EpsNet, eval mode); betas float64 [T]; final_loss: EMA of the training loss
    (decay 0.99) at the end; losses float32 [steps]: the per-step batch losses; seconds: wall time."""
    net: object
    betas: np.ndarray
    final_loss: float
    losses: np.ndarray
    seconds: float
    steps: int
    config: TrainConfig = field(default=None)


def train(dataset, cfg=None, progress=True, desc=None):
    """Train eps_theta on ``dataset`` (a datasets.Dataset) with TrainConfig ``cfg``. Returns TrainResult."""
    import torch
    from gnuradio.ddpm.training.network import EpsNet

    cfg = cfg or TrainConfig()
    if cfg.steps < 1 or cfg.batch < 2 or not cfg.lr > 0:
        raise ValueError(f"need steps >= 1, batch >= 2, lr > 0 (got {cfg.steps}, {cfg.batch}, {cfg.lr})")
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    betas = sched.make_betas(cfg.schedule, cfg.T)
    abar = torch.from_numpy(sched.alpha_bar(betas).astype(np.float32))

    torch.manual_seed(cfg.seed)
    net = EpsNet(cfg.T, cfg.hidden, cfg.depth)
    ema = copy.deepcopy(net)
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    data_rng = np.random.default_rng(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed + 0x5EED)

    half = cfg.batch // 2
    log = LossLog(cfg.steps, "training", progress, desc or "train", ".4f")
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        lr = cosine_lr(cfg.lr, cfg.lr_final_ratio, step, cfg.steps)
        x0 = torch.from_numpy(dataset.sample(2 * half, data_rng))
        th = torch.randint(0, cfg.T, (half,), generator=gen)
        t = torch.cat([th, cfg.T - 1 - th])
        eps = torch.randn(2 * half, 2, generator=gen)
        a = abar[t].unsqueeze(1)
        xt = sched.q_sample(x0, eps, a)
        loss = ((eps - net(xt, t)) ** 2).sum(dim=1).mean()
        log.add(step, optimiser_step(opt, net, ema, loss, lr, cfg.clip, step, cfg.ema_decay), lr)
    log.close()
    ema.eval()
    return TrainResult(net=ema, betas=betas, final_loss=float(log.run), losses=log.losses,
                       seconds=time.perf_counter() - t0, steps=cfg.steps, config=cfg)


def train_and_export(dataset, out, cfg=None, progress=True, desc=None):
    """Train on ``dataset`` and write the model file ``out``. Returns (TrainResult, metadata dict)."""
    from gnuradio.ddpm.modelfile.writer import export_onnx

    cfg = cfg or TrainConfig()
    res = train(dataset, cfg, progress=progress, desc=desc)
    meta = export_onnx(out, res.net.export_weights(), res.betas, schedule=cfg.schedule, dataset=dataset.name,
                       dataset_params=dataset.params, power_scale=dataset.power_scale,
                       constellation=dataset.constellation, bits_per_symbol=dataset.bits_per_symbol,
                       train_seed=cfg.seed, train_steps=cfg.steps, final_loss=res.final_loss,
                       extra_metadata={"ddpm.train_batch": cfg.batch, "ddpm.train_lr": repr(cfg.lr),
                                       "ddpm.train_seconds": f"{res.seconds:.1f}",
                                       **(dataset.extra_metadata or {})})
    return res, meta


# The shipped models (make models -> --all-shipped). Fixed seeds; sized for <= ~2-3 min each on 2 cores.
# They stay on the paper's sigmoid schedule (T = 100): log-SNR models trained with this recipe were measured
# less accurate at both ends (docs/training.md, "Schedule"); the receiver covers the SNRs outside the sigmoid
# schedule with the linear MMSE estimate (docs/sampling.md).
SHIPPED = {
    "qam16": dict(dataset="qam16", steps=8000),
    "qam4": dict(dataset="qam4", steps=4000),
    "psk8": dict(dataset="psk8", steps=4000),
    "qam16_q4": dict(dataset="qam16_q4", steps=6000),
    "swissroll": dict(dataset="swissroll", steps=6000),
    "qam64": dict(dataset="qam64", steps=8000),
    "qam256": dict(dataset="qam256", steps=8000),
    # distilled from the qam16 file just made (training/distill.py): the fast receiver
    "qam16_fast": dict(distill="qam16", hidden=32, steps=40000),
}


class _Fail(Exception):
    pass


def _parser():
    p = argparse.ArgumentParser(
        prog="ddpm-train",
        description="Train a gr-ddpm DDPM noise-prediction model and export it as an ONNX model file.")
    p.add_argument("--dataset", default=None,
                   help="qam, pskM, qamM, qamM_qB (quantised), swissroll, or file (default qam16; --file implies "
                        "file)")
    p.add_argument("--order", type=int, default=None, help="constellation order M for --dataset qam/psk")
    p.add_argument("--bits", type=int, default=None, help="quantiser bits for a constellation (0 = none)")
    p.add_argument("--full-scale", type=float, default=None, help="quantiser full scale (default 1.0)")
    p.add_argument("--file", default=None, help="train on this capture (implies --dataset file): SigMF "
                   ".sigmf-meta/.sigmf-data, optionally with symbol labels, or raw complex64 .cfile/.fc32 "
                   "(docs/training.md)")
    p.add_argument("--T", type=int, default=100, help="diffusion steps (default 100)")
    p.add_argument("--schedule", default="sigmoid", choices=sorted(sched.SCHEDULES),
                   help="beta schedule (default sigmoid, the receiver paper's; logsnr: Es/N0 -30 ... +45 dB)")
    p.add_argument("--hidden", type=int, default=128, help="hidden units (default 128)")
    p.add_argument("--depth", type=int, default=3, help="hidden layers (default 3)")
    p.add_argument("--steps", type=int, default=None, help="optimiser steps (default 4000)")
    p.add_argument("--epochs", type=float, default=None,
                   help="instead of --steps: passes over the data (a recording's samples; 65536 points for "
                        "synthetic sets)")
    p.add_argument("--batch", type=int, default=2048, help="batch size (default 2048)")
    p.add_argument("--lr", type=float, default=2e-3, help="initial Adam learning rate (cosine decay)")
    p.add_argument("--ema", type=float, default=0.998, help="EMA decay of the exported weights")
    p.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1; 0 = torch's default)")
    p.add_argument("--out", "-o", default=None, help="output .onnx file (with --all-shipped: a directory)")
    p.add_argument("--all-shipped", action="store_true", help="(re)make every shipped model into --out DIR")
    p.add_argument("--only", default=None, help="with --all-shipped: comma-separated subset of " +
                   ",".join(SHIPPED))
    p.add_argument("--distill", default=None, metavar="TEACHER",
                   help="distil a smaller student (--hidden, --depth [default: the teacher's], --steps) from a "
                        "model file or shipped name, for the one-step posterior mean (training/distill.py)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return p


def _config(args, steps):
    if args.T < 1 or args.hidden < 1 or args.depth < 1:
        raise _Fail(f"--T, --hidden and --depth must be >= 1 (got {args.T}, {args.hidden}, {args.depth})")
    if steps < 1 or args.batch < 2 or not (args.lr > 0 and math.isfinite(args.lr)):
        raise _Fail(f"need --steps >= 1, --batch >= 2, --lr > 0 (got {steps}, {args.batch}, {args.lr})")
    if not 0 <= args.ema < 1:
        raise _Fail(f"--ema must be in [0, 1), got {args.ema}")
    return TrainConfig(T=args.T, schedule=args.schedule, hidden=args.hidden, depth=args.depth, steps=steps,
                       batch=args.batch, lr=args.lr, ema_decay=args.ema, seed=args.seed, threads=args.threads)


def _check_dataset_options(args):
    """--file implies --dataset file; options that contradict it are errors (not silently ignored)."""
    if args.file is not None:
        if args.dataset not in (None, "file"):
            raise _Fail(f"--file {args.file} trains on that capture; it contradicts --dataset {args.dataset} "
                        f"(drop --dataset, or use --dataset file)")
        given = [o for o, v in (("--order", args.order), ("--bits", args.bits),
                                ("--full-scale", args.full_scale)) if v is not None]
        if given:
            raise _Fail(f"{', '.join(given)} set(s) a synthetic constellation; a capture (--file) has its own: "
                        f"drop {', '.join(given)}")
        args.dataset = "file"
    elif args.dataset == "file":
        raise _Fail("--dataset file needs the capture: --file PATH")
    elif args.dataset is None:
        args.dataset = "qam16"


def _run(args):
    if args.all_shipped:
        if args.file is not None or args.dataset is not None:
            raise _Fail("--all-shipped makes the shipped models from their own recipes; it contradicts "
                        "--file/--dataset")
        if not args.out:
            raise _Fail("--all-shipped needs --out DIR")
        names = list(SHIPPED) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
        for n in names:
            if n not in SHIPPED:
                raise _Fail(f"unknown shipped model '{n}' (choose from {', '.join(SHIPPED)})")
        os.makedirs(args.out, exist_ok=True)
        rows = []
        for n in names:
            spec = dict(SHIPPED[n])
            if "distill" in spec:
                from gnuradio.ddpm.training import distill
                path = os.path.join(args.out, n + ".onnx")
                res = distill.run(spec.pop("distill"), path, distill.DistillConfig(**spec, threads=args.threads),
                                  progress=not args.quiet, desc=n, out_dir=args.out)
                rows.append((n, res.final_loss, res.seconds, path))
                continue
            ds = make_dataset(spec.pop("dataset"))
            cfg = TrainConfig(**spec, threads=args.threads)
            path = os.path.join(args.out, n + ".onnx")
            res, _ = train_and_export(ds, path, cfg, progress=not args.quiet, desc=n)
            rows.append((n, res.final_loss, res.seconds, path))
            print(f"{n}: final loss {res.final_loss:.4f}, {res.steps} steps in {res.seconds:.1f} s -> {path}",
                  flush=True)
        print("\nmodel       final_loss  train_s")
        for n, loss, sec, _ in rows:
            print(f"{n:<11} {loss:10.4f} {sec:8.1f}")
        return 0
    if not args.out:
        raise _Fail("--out FILE is required")
    if args.distill:
        from gnuradio.ddpm.training import distill
        dflt = distill.DistillConfig()
        cfg = distill.DistillConfig(hidden=args.hidden, depth=args.depth, steps=args.steps or dflt.steps,
                                    batch=args.batch, lr=args.lr, ema_decay=args.ema, seed=args.seed,
                                    threads=args.threads)
        distill.run(args.distill, args.out, cfg, progress=not args.quiet)
        return 0
    _check_dataset_options(args)
    ds = make_dataset(args.dataset, order=args.order, bits=args.bits,
                      full_scale=1.0 if args.full_scale is None else args.full_scale,
                      path=args.file)
    if ds.name == "file":
        print(describe_capture(ds), flush=True)
    if args.epochs is not None:
        if not (args.epochs > 0 and math.isfinite(args.epochs)):
            raise _Fail(f"--epochs must be > 0, got {args.epochs}")
        n = ds.points.shape[0] if (ds.name == "file") else 65536
        steps = max(1, int(math.ceil(args.epochs * n / args.batch)))
    else:
        steps = args.steps if args.steps is not None else 4000
    cfg = _config(args, steps)
    res, _ = train_and_export(ds, args.out, cfg, progress=not args.quiet, desc=ds.name)
    print(f"{ds.name}: final loss {res.final_loss:.4f}, {res.steps} steps in {res.seconds:.1f} s -> {args.out}")
    return 0


def main(argv=None):
    """Entry point of ``python -m gnuradio.ddpm.training.train`` / ``ddpm-train``. Returns the exit code:
    0 success, 2 bad options / unknown data set / unreadable file (one line on stderr, no traceback)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--dataset=mimo" in argv or any(a == "--dataset" and b == "mimo" for a, b in zip(argv, argv[1:])):
        from gnuradio.ddpm.training.mimo import main as mimo_main      # channel matrices (docs/mimo.md)
        return mimo_main(argv)
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (_Fail, DatasetError, DistillError) as e:
        print(f"ddpm-train: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"ddpm-train: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ddpm-train: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
