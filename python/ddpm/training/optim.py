#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The optimiser recipe shared by every trainer (train.py, distill.py, mimo.py; docs/training.md): a cosine
learning-rate decay and one Adam step with gradient clipping and an EMA copy of the weights."""
import math


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
