#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The optimiser recipe shared by every trainer (train.py, distill.py, mimo.py; docs/training.md): a cosine
learning-rate decay, one Adam step with gradient clipping and an EMA copy of the weights, and the per-step loss
bookkeeping (LossLog)."""
import math
import sys

import numpy as np


def cosine_lr(lr, final_ratio, step, steps):
    """Learning rate at ``step`` of ``steps`` (ints): decays from ``lr`` to ``lr * final_ratio`` (floats) along a
    half cosine. Returns float."""
    return lr * (final_ratio + (1 - final_ratio) * 0.5 * (1 + math.cos(math.pi * step / steps)))


def optimiser_step(opt, net, ema, loss, lr, clip, step, ema_decay):
    """Set ``lr`` on every parameter group of the torch optimiser ``opt``, back-propagate the scalar tensor
    ``loss``, clip the gradient norm of ``net`` to ``clip``, step, then update ``ema`` (a module with the same
    parameters) with decay min(ema_decay, (1 + step) / (10 + step)). Returns the loss as a float (not checked)."""
    import torch
    for g in opt.param_groups:
        g["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
    opt.step()
    d = min(ema_decay, (1.0 + step) / (10.0 + step))
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), net.parameters()):
            pe.mul_(d).add_(p.detach(), alpha=1.0 - d)
    return float(loss.detach())


class LossLog:
    """The per-step loss record of a trainer: ``losses`` (float32 [steps]), a running mean ``run`` (0.99 / 0.01,
    None before the first step), a FloatingPointError at the first non-finite loss, and an optional tqdm bar on
    stderr (``progress``; postfix every 50 steps, the loss with ``fmt``)."""

    def __init__(self, steps, what="training", progress=False, desc="train", fmt=".4f"):
        self.losses = np.empty(int(steps), dtype=np.float32)
        self.run = None
        self._steps, self._what, self._fmt = int(steps), what, fmt
        self._bar = None
        if progress:
            from tqdm import tqdm
            self._bar = tqdm(total=self._steps, desc=desc, unit="step", leave=True, file=sys.stderr,
                             mininterval=0.5)

    def add(self, step, lv, lr):
        """Record the float loss ``lv`` of ``step`` (learning rate ``lr``, shown on the bar)."""
        if not math.isfinite(lv):
            raise FloatingPointError(f"{self._what} diverged at step {step} (loss {lv})")
        self.losses[step] = lv
        self.run = lv if self.run is None else 0.99 * self.run + 0.01 * lv
        if self._bar is not None:
            self._bar.update(1)
            if step % 50 == 0 or step == self._steps - 1:
                self._bar.set_postfix(loss=format(self.run, self._fmt), lr=f"{lr:.1e}", refresh=False)

    def close(self):
        if self._bar is not None:
            self._bar.close()
