"""The optimizer's step as compiled kernels, one per parameter, bit-identical to ``step()``.

Plain SGD and Adam (the settings the training loop uses most) get a kernel with their scratch
buffer bound once; each reads the learning rate and the other settings from its group at every
step, so a scheduler or ``set_lr`` is honoured, and hands the step back to the optimizer's own
``_update`` as soon as a setting leaves the kernel's case. Every other optimizer and setting
runs its own ``_update`` directly (the eager rule itself, without ``step()``'s loops).

A float32 plan whose caller does not keep ``.grad`` may fold plain SGD's α into the loss
gradient instead (:class:`FoldedSGD`), equal to ``step()`` to rounding rather than bit for bit.
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


def parameter_updates(
    optimizer: Optimizer, grads: dict[int, Any], flats: dict[int, Any]
) -> list[Update]:
    """The updates of the parameters of ``optimizer`` that have a gradient in ``grads`` (by
    id): one per group for plain SGD, one per parameter otherwise. ``flats``: each group's
    gradients as one flat buffer (by the group's id), when they are views of one."""
    updates = []
    for group in optimizer.param_groups:
        pairs = [(p, grads[id(p)]) for p in group["params"] if id(p) in grads]
        if type(optimizer) is SGD:
            updates.append(_sgd(optimizer, pairs, group, flats.get(id(group))))
        else:
            updates.extend(_update_for(optimizer, p, g, group) for p, g in pairs)
    return updates


class FoldedSGD:
    """Plain SGD with α folded into the loss gradient's seed 1/m, as the NumPy limit folds it.

    Everything after the seed is linear in it, so the backward pass then computes α ∂J/∂W
    and the update is one subtraction per parameter: one pass over the weights fewer than
    W - α g, and no scratch. The numbers equal ``SGD._update``'s to rounding (α/m is rounded
    once where the eager step rounds 1/m and then α g), and ``.grad`` is None after a folded
    step, since the buffers hold α g. While the group has momentum or weight decay the seed
    is 1/m again and the plain kernel runs (built by ``unfolded`` the first time), with
    ``.grad`` kept.

    ``prepare`` runs as the first backward kernel, ``__call__`` as the plan's update.
    """

    def __init__(
        self,
        group: dict[str, Any],
        grads: list[tuple[Tensor, Tensor]],
        seed: Any,
        rows: int,
        unfolded: Callable[[], Update],
    ) -> None:
        self.group, self.grads, self.seed, self.rows = group, grads, seed, rows
        self.make_unfolded, self.unfolded = unfolded, None  # built (with its scratch) if needed
        self.params = [p for p, _g in grads]
        self.steps = [(p.array, g.array) for p, g in grads]
        self.unit = seed.copy()  # 1/m, for the steps that are not folded
        self.seed_lr: float | None = None  # the α the seed holds (None: it holds 1/m)

    def prepare(self, x: Any, y: Any) -> None:
        group = self.group
        if group["momentum"] or group["weight_decay"]:
            if self.seed_lr is not None:
                self.seed[()], self.seed_lr = self.unit, None
        elif group["lr"] != self.seed_lr:
            self.seed_lr = lr = float(group["lr"])
            self.seed[()] = lr / self.rows  # α/m rounded once to the seed's dtype

    def __call__(self) -> None:
        if self.seed_lr is None:
            for p, grad in self.grads:
                p.grad = grad
            if self.unfolded is None:
                self.unfolded = self.make_unfolded()
            self.unfolded()
            return
        for p in self.params:
            p.grad = None
        for data, scaled in self.steps:
            subtract(data, scaled, data)


def folded_sgd(
    optimizer: Optimizer,
    grads: list[tuple[Tensor, Tensor]],
    seed: Any,
    rows: int,
    unfolded: Callable[[], Update],
) -> FoldedSGD | None:
    """A :class:`FoldedSGD` when the step may fold: plain ``SGD`` with one group, float32
    gradients, and a loss gradient seeded by 1/m; ``unfolded`` builds the plain update."""
    foldable = (
        type(optimizer) is SGD
        and len(optimizer.param_groups) == 1
        and seed is not None
        and bool(grads)
        and all(g.dtype == np.float32 for _p, g in grads)
    )
    if not foldable:
        return None
    return FoldedSGD(optimizer.param_groups[0], grads, seed, rows, unfolded)


def _update_for(optimizer: Optimizer, p: Tensor, g: Any, group: dict[str, Any]) -> Update:
    kind = type(optimizer)
    if kind is Adam or kind is AdamW:
        return _adam(optimizer, p, g, group)
    eager = optimizer._update
    return lambda: eager(p, g, np, group)


def _sgd(
    optimizer: SGD, pairs: list[tuple[Tensor, Any]], group: dict[str, Any], flat: Any
) -> Update:
    """W ← W - lr g for each parameter of ``group``, as ``SGD._update`` computes it without
    momentum or weight decay (the settings read once per step, for the whole group). When the
    gradients are views of one flat buffer, lr g is one multiply over all of it."""
    eager = optimizer._update
    if flat is None or any(g.base is not flat for _p, g in pairs):
        flat, scaled = None, [np.empty_like(p.array) for p, _g in pairs]
    else:  # the scratch views lie in a flat buffer as the gradients lie in theirs
        flat_scaled = np.zeros_like(flat)
        scaled = [_same_view(flat_scaled, flat, g) for _p, g in pairs]
    steps = [(g, p.array, s) for (p, g), s in zip(pairs, scaled, strict=True)]
    # lr as a 0-d array of the gradients' dtype, refilled when it changes: the value NumPy
    # would convert a Python float to at every call
    lr, lr_set = np.empty((), pairs[0][1].dtype if pairs else float), [None]

    def run() -> None:
        if group["momentum"] or group["weight_decay"]:
            for p, g in pairs:
                eager(p, g, np, group)
            return
        if group["lr"] != lr_set[0]:
            lr[()] = lr_set[0] = float(group["lr"])
        if flat is not None:
            multiply(flat, lr, flat_scaled)
            for _g, data, s in steps:
                subtract(data, s, data)
            return
        for g, data, s in steps:
            multiply(g, lr, s)
            subtract(data, s, data)

    return run


def _same_view(target: Any, flat: Any, view: Any) -> Any:
    """The view of ``target`` at the place ``view`` has in ``flat`` (same shape)."""
    start = (view.ctypes.data - flat.ctypes.data) // flat.itemsize
    return target[start : start + view.size].reshape(view.shape)


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
