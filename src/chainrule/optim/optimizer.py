"""``Optimizer``: parameter groups, per-parameter state and checkpoints, as in PyTorch.

Subclasses write ``_update(p, g, xp, group)``, one parameter's step; ``step()`` here walks
the groups and skips parameters without a gradient. Updates change ``p.array`` in place with
NumPy ufuncs (CuPy's for device arrays) and ``out=``, so a step allocates (almost) nothing.
Hyperparameters are read as Python floats, because NumPy 2 turns float32 · np.float64 into
float64.

Gradients are only read: a ``.grad`` may share memory with other gradients of the same pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from chainrule import backend
from chainrule.engine import state as engine_state
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of ``"params"`` and hyperparameters) and
    ``state`` (per-parameter buffers, keyed by the parameter).

    ``params`` is an iterable of tensors, or of dicts, each one a group with its own
    ``"params"`` and any hyperparameters that differ from ``defaults``.

    >>> from chainrule import nn, optim
    >>> model = nn.Sequential(nn.Linear(2, 2, rng=0), nn.Linear(2, 1, rng=1))
    >>> opt = optim.SGD([{"params": model[0].parameters(), "lr": 0.1},
    ...                  {"params": model[1].parameters()}], lr=0.01, momentum=0.9)
    >>> [group["lr"] for group in opt.param_groups]
    [0.1, 0.01]
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict[Tensor, Any] = {}
        if isinstance(params, Tensor | dict):
            raise ConfigError(
                f"{type(self).__name__}: params must be an iterable of tensors or of dicts, "
                f"got a single {type(params).__name__} (wrap it in a list)"
            )
        groups = list(params)
        if not groups:
            raise ConfigError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])

    # ---- groups --------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, e.g. a layer unfrozen later, with its own settings."""
        if not isinstance(param_group, dict):
            raise ConfigError(f"a param group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ConfigError("a param group needs a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise ConfigError(
                    f"{type(self).__name__}: params[{i}] is a {type(p).__name__}, not a Tensor"
                )
            if p.grad_fn is not None:
                raise ConfigError(
                    f"{type(self).__name__}: params[{i}] is not a leaf tensor (it has "
                    f"grad_fn {p.grad_fn.name}); optimize the tensor it was computed from"
                )
            if isinstance(p.array, np.generic) or (
                isinstance(p.array, np.ndarray) and not p.array.flags.writeable
            ):
                p.array = np.array(p.array)  # a writable array, so steps can work in place
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ConfigError(
                f"{type(self).__name__}: a parameter appears twice (in one group or in two)"
            )
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        group["params"] = params
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyperparameters (and store them as Python numbers)."""

    def _check(
        self,
        group: dict[str, Any],
        key: str,
        low: float = 0.0,
        high: float = math.inf,
        high_open: bool = False,
    ) -> None:
        """``group[key]`` must be a finite number in [low, high] (or [low, high)); stored as
        a Python float. Raises ConfigError naming the optimizer, the key and the value."""
        value = group[key]
        ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(
            value, bool
        )
        if ok:
            number = float(value)
            ok = math.isfinite(number) and low <= number
            ok = ok and (number < high if high_open else number <= high)
        if not ok:
            bracket = ")" if high_open else "]"
            raise ConfigError(
                f"{type(self).__name__}: invalid {key}={value!r}: must be a finite number in "
                f"[{low}, {high}{bracket}"
            )
        group[key] = number

    # ---- gradients and steps -------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient (``None``; zeros of the same shape with ``set_to_none=False``)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = Tensor(backend.get_array_module(p.array).zeros_like(p.array))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (the others are skipped).

        ``closure``, when given, recomputes and returns the loss (with gradients enabled) first;
        ``step`` returns what it returned.
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, p.grad.array, backend.get_array_module(p.array), group)
        return loss

    def _update(self, p: Tensor, g: Any, xp: Any, group: dict[str, Any]) -> None:
        """Change ``p.array`` in place by one step, given its gradient ``g`` (an array), the
        array module ``xp`` of ``p.array`` and the settings of its ``group``."""
        raise NotImplementedError  # pragma: no cover - every optimizer writes its own

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with engine_state.enable_grad():
            return closure()

    def _temp(self, p: Tensor) -> Any:
        """A scratch array like ``p.array``, kept between steps (recreated if ``p`` changed)."""
        data = p.array
        scratch = self._scratch.get(p)
        if (
            scratch is None
            or scratch.shape != data.shape
            or scratch.dtype != data.dtype
            or type(scratch) is not type(data)
        ):
            scratch = backend.get_array_module(data).empty_like(data)
            self._scratch[p] = scratch
        return scratch

    # ---- checkpoints ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: array or number}}, "param_groups": [...]}``.

        Parameters are numbered in group order, as in PyTorch; arrays are NumPy copies and every
        other value is a JSON-able Python number, bool or list.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _jsonable(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: _jsonable(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and buffers saved by ``state_dict()``, so that training
        resumes exactly. Arrays take each parameter's dtype and device."""
        groups = state_dict.get("param_groups")
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            raise ConfigError(
                f"{type(self).__name__}.load_state_dict: the state dict has "
                f"{len(groups) if isinstance(groups, list) else 'no'} param groups, "
                f"the optimizer {len(self.param_groups)}"
            )
        params = []
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ConfigError(
                    f"{type(self).__name__}.load_state_dict: group {i} has "
                    f"{len(saved['params'])} parameters in the state dict, "
                    f"{len(group['params'])} in the optimizer"
                )
            params += list(zip(saved["params"], group["params"]))
        saved_state = {int(k): v for k, v in state_dict.get("state", {}).items()}
        new_state: dict[Tensor, dict[str, Any]] = {}
        for index, p in params:
            if index not in saved_state:
                continue
            entry = {}
            for key, value in saved_state[index].items():
                if isinstance(value, np.ndarray | Tensor) or hasattr(value, "__array__"):
                    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
                    if array.shape != p.shape:
                        raise ConfigError(
                            f"{type(self).__name__}.load_state_dict: state {key!r} of parameter "
                            f"{index} has shape {array.shape}, the parameter {p.shape}"
                        )
                    value = backend.to_device(array.astype(p.dtype, copy=True), p.device)
                entry[key] = value
            new_state[p] = entry
        for saved, group in zip(groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = tuple(value) if isinstance(value, list) else value
            self._check_group(group)
        self.state = new_state


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray) or backend.device_of(value) == "cuda":
        return backend.to_numpy(value, copy=True)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value
