"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: call ``step()`` once per epoch
(after ``optimizer.step()``); each one rewrites every group's ``"lr"``.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule.errors import ConfigError
from chainrule.optim.optimizer import Optimizer


class _Saved:
    """``state_dict``/``load_state_dict`` of a scheduler: its settings and counters."""

    optimizer: Optimizer

    def state_dict(self) -> dict[str, Any]:
        """Every setting and counter (JSON-able), not the optimizer."""
        return {
            k: (list(v) if isinstance(v, list) else v)
            for k, v in self.__dict__.items()
            if k != "optimizer"
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "optimizer"})


class LRScheduler(_Saved):
    """Base class. Remembers each group's starting rate as ``"initial_lr"`` (``base_lrs``) and
    counts epochs in ``last_epoch``; making a scheduler performs its first step (to epoch
    ``last_epoch + 1``, so 0 for a fresh one).

    Resuming (``last_epoch`` given) needs ``"initial_lr"`` in every group and continues from
    each group's current ``"lr"``, as PyTorch does; prefer ``load_state_dict`` on a fresh
    scheduler, which restores the counters without taking a step.

    Subclasses write ``get_lr()``: the new rates from the current ones, in PyTorch's
    recursive ("chainable") form, so their rates match PyTorch's to the last bit.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ConfigError(
                f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ConfigError(
                        f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs "
                        f"'initial_lr' in param group {i} (load the optimizer's state first)"
                    )
        self.base_lrs: list[float] = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's learning rate."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per group."""
        return list(self._last_lr)

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


def _check_positive(owner: str, name: str, value: Any, integer: bool = False) -> None:
    kinds = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value > 0:
        kind = "int" if integer else "number"
        raise ConfigError(f"{owner}: {name} must be a positive {kind}, got {value!r}")


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs: lr = base · γ^(epoch // s).

    Resumed with ``last_epoch``, the step the constructor takes already applies ``gamma`` when
    ``last_epoch + 1`` is a multiple of ``step_size``, as PyTorch's does.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> opt = optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> rates = []
    >>> for _ in range(4):
    ...     opt.step(); sched.step(); rates.append(sched.get_last_lr()[0])
    >>> rates
    [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        _check_positive("StepLR", "step_size", step_size, integer=True)
        _check_positive("StepLR", "gamma", gamma)
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # Not ``_is_initial``: a resumed scheduler's first step may land on a multiple.
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch: lr = base · γ^epoch.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> opt = optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _check_positive("ExponentialLR", "gamma", gamma)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the base rate down to ``eta_min`` over ``T_max`` epochs:
    lr = eta_min + (base - eta_min) (1 + cos(π · epoch / T_max)) / 2 (and back up after
    T_max, as PyTorch's; there are no restarts). Each step updates the current rates
    recursively, so a scheduler resumed with ``last_epoch`` continues from the groups' current
    ``"lr"`` (set them to the schedule's value first), as PyTorch's does.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> opt = optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    >>> sched.step(); round(sched.get_last_lr()[0], 6); sched.step(); sched.get_last_lr()
    0.5
    [0.0]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        _check_positive("CosineAnnealingLR", "T_max", T_max, integer=True)
        if isinstance(eta_min, bool) or not isinstance(eta_min, int | float) or eta_min < 0:
            raise ConfigError(f"CosineAnnealingLR: eta_min must be >= 0, got {eta_min!r}")
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        epoch, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            return [
                lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for lr, base in zip(self._current(), self.base_lrs)
            ]
        return [
            (1 + math.cos(math.pi * epoch / t_max))
            / (1 + math.cos(math.pi * (epoch - 1) / t_max))
            * (lr - eta_min)
            + eta_min
            for lr in self._current()
        ]


class ReduceLROnPlateau(_Saved):
    """Cut every group's rate by ``factor`` when a metric has stopped improving for more than
    ``patience`` epochs, as ``torch.optim.lr_scheduler.ReduceLROnPlateau``: call
    ``step(metric)`` once per epoch with, say, the validation loss.

    An epoch improves on the best so far when the metric beats it by more than ``threshold``
    (relative, or absolute with ``threshold_mode="abs"``; lower is better unless
    ``mode="max"``). After a cut, ``cooldown`` epochs pass before bad epochs count again; no
    rate goes below ``min_lr``, and a cut smaller than ``eps`` is not made.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> opt = optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ConfigError(
                f"ReduceLROnPlateau needs an Optimizer, got {type(optimizer).__name__}"
            )
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ConfigError(
                f"ReduceLROnPlateau: mode must be 'min' or 'max' and threshold_mode 'rel' or "
                f"'abs', got {mode!r} and {threshold_mode!r}"
            )
        if not isinstance(factor, int | float) or not 0 <= factor < 1:
            raise ConfigError(f"ReduceLROnPlateau: factor must be in [0, 1), got {factor!r}")
        groups = optimizer.param_groups
        min_lrs = list(min_lr) if isinstance(min_lr, list | tuple) else [min_lr] * len(groups)
        if len(min_lrs) != len(groups):
            raise ConfigError(
                f"ReduceLROnPlateau: {len(min_lrs)} min_lr values for {len(groups)} param groups"
            )
        self.optimizer = optimizer
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor, self.patience, self.cooldown = float(factor), int(patience), int(cooldown)
        self.threshold, self.eps = float(threshold), float(eps)
        self.min_lrs = [float(v) for v in min_lrs]
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self._last_lr = [float(g["lr"]) for g in groups]

    def step(self, metrics: Any) -> None:
        """Count this epoch's ``metrics`` (a number or a one-element tensor)."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            bar = (
                best * (1 - self.threshold)
                if self.threshold_mode == "rel"
                else best - self.threshold
            )
            return a < bar
        bar = best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold
        return a > bar

    def _reduce_lr(self) -> None:
        for group, floor in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
            old = float(group["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:
                group["lr"] = new

    def get_last_lr(self) -> list[float]:
        """The learning rates after the last ``step()``, one per group."""
        return list(self._last_lr)
