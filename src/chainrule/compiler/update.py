"""The optimizer's step as compiled kernels, one per parameter, bit-identical to ``step()``.

Plain SGD and Adam (the settings the training loop uses most) get a kernel with their scratch
buffer bound once; each reads the learning rate and the other settings from its group at every
step, so a scheduler or ``set_lr`` is honoured, and hands the step back to the optimizer's own
``_update`` as soon as a setting leaves the kernel's case. Every other optimizer and setting
runs its own ``_update`` directly (the eager rule itself, without ``step()``'s loops).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim import SGD, Adam, AdamW, Optimizer

Update = Callable[[], None]
multiply, subtract = np.multiply, np.subtract


def parameter_updates(optimizer: Optimizer, grads: dict[int, Any]) -> list[Update]:
    """The updates of the parameters of ``optimizer`` that have a gradient in ``grads`` (by
    id): one per group for plain SGD, one per parameter otherwise."""
    updates = []
    for group in optimizer.param_groups:
        pairs = [(p, grads[id(p)]) for p in group["params"] if id(p) in grads]
        if type(optimizer) is SGD:
            updates.append(_sgd(optimizer, pairs, group))
        else:
            updates.extend(_update_for(optimizer, p, g, group) for p, g in pairs)
    return updates


def _update_for(optimizer: Optimizer, p: Tensor, g: Any, group: dict[str, Any]) -> Update:
    kind = type(optimizer)
    if kind is Adam or kind is AdamW:
        return _adam(optimizer, p, g, group)
    eager = optimizer._update
    return lambda: eager(p, g, np, group)


def _sgd(optimizer: SGD, pairs: list[tuple[Tensor, Any]], group: dict[str, Any]) -> Update:
    """W ← W - lr g for each parameter of ``group``, as ``SGD._update`` computes it without
    momentum or weight decay (the settings read once per step, for the whole group)."""
    steps = [(g, p.array, np.empty_like(p.array)) for p, g in pairs]
    eager = optimizer._update

    def run() -> None:
        if group["momentum"] or group["weight_decay"]:
            for p, g in pairs:
                eager(p, g, np, group)
            return
        lr = float(group["lr"])
        for g, data, scratch in steps:
            multiply(g, lr, scratch)
            subtract(data, scratch, data)

    return run


def _adam(optimizer: Adam, p: Tensor, g: Any, group: dict[str, Any]) -> Update:
    """``Adam._update`` without weight decay or amsgrad, step for step."""
    data, tmp, eager, states = p.array, np.empty_like(p.array), optimizer._update, optimizer.state

    def run() -> None:
        state = states.get(p)
        if state is None or group["weight_decay"] or group["amsgrad"]:
            eager(p, g, np, group)
            return
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = group["betas"]
        beta1, beta2 = float(beta1), float(beta2)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # the in-place operators of Adam._update, spelled as ufuncs (tmp is bound outside)
        subtract(g, m, tmp)
        multiply(tmp, 1.0 - beta1, tmp)
        m += tmp
        v *= beta2
        multiply(g, g, tmp)
        multiply(tmp, 1.0 - beta2, tmp)
        v += tmp
        step_size = lr / (1.0 - beta1**t)
        np.sqrt(v, tmp)
        np.divide(tmp, math.sqrt(1.0 - beta2**t), tmp)
        np.add(tmp, eps, tmp)
        np.divide(m, tmp, tmp)
        multiply(tmp, step_size, tmp)
        subtract(data, tmp, data)

    return run
