"""Adapters that read a model for the monitor: its layers, gradients, weights and hooks.

:class:`_ClassicAdapter` reads a classic :class:`chainrule.classic.Network`;
:class:`_ModuleAdapter` reads an ``nn`` model made of Linear (+ BatchNorm1d) + activation
modules. Both list the layers with weights as :class:`~chainrule.diagnostics.records.LayerInfo`.
``_host`` turns a tensor's data (on the CPU or the GPU) into a NumPy array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import backend
from chainrule.diagnostics.records import LayerInfo
from chainrule.errors import ConfigError

Array = np.ndarray

# nn module class names -> the activation they apply (duck-typed: nn sits beside us).
_ACTIVATION_MODULES = {
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "GELU": "gelu",
    "Softplus": "softplus",
    "Identity": "identity",
}
_BATCH_NORM_MODULES = {"BatchNorm1d"}


def _host(array: Any) -> Array:
    """A NumPy view of a tensor's data or an array (copied from the GPU if needed)."""
    data = getattr(array, "data", array)
    if type(data) is not np.ndarray:
        data = np.asarray(backend.to_device(data, "cpu"))
    return data


class _ClassicAdapter:
    """Reads a classic ``Network``: its layers, gradients and weights."""

    def __init__(self, net: Any) -> None:
        self.net = net
        n = net.num_layers
        acts = [net.activation.name] * (n - 1) + [net.output_activation.name]
        self.layers = [
            LayerInfo(
                l,
                net.sizes[l - 1],
                net.sizes[l],
                None if acts[l - 1] == "softmax" else acts[l - 1],
                kind="W",
                hidden=l < n,
            )
            for l in range(1, n + 1)
        ]

    def weights(self) -> list[Array]:
        return self.net.weights


class _ModuleAdapter:
    """Reads an ``nn`` model: each Linear, the BatchNorm1d and activation module after it."""

    def __init__(self, model: Any) -> None:
        self.model = model
        groups: list[dict[str, Any]] = []
        for name, module in model.named_modules():
            kind = type(module).__name__
            if kind == "Linear":
                groups.append({"name": name, "linear": module, "bn": None, "act": None})
            elif groups and groups[-1]["act"] is None:
                if kind in _BATCH_NORM_MODULES and groups[-1]["bn"] is None:
                    groups[-1]["bn"] = module
                elif kind in _ACTIVATION_MODULES:
                    groups[-1]["act"] = module
        if not groups:
            raise ConfigError(
                f"GradientMonitor found no Linear layer in {type(model).__name__}: it watches "
                "Sequential-style models of Linear (+ BatchNorm1d) + activation modules"
            )
        self.groups = groups
        n = len(groups)
        self.layers = []
        for l, g in enumerate(groups, start=1):
            w = g["linear"].weight
            act = g["act"]
            self.layers.append(
                LayerInfo(
                    l,
                    int(w.shape[1]),
                    int(w.shape[0]),
                    _ACTIVATION_MODULES[type(act).__name__] if act is not None else None,
                    kind="Linear",
                    batch_norm=g["bn"] is not None,
                    hidden=l < n,
                    module_name=g["name"],
                )
            )

    def weights(self) -> list[Any]:
        return [g["linear"].weight for g in self.groups]

    def shift_grad(self, l: int) -> Array | None:
        """∂J/∂(shift before σ): BatchNorm's β if there is one, else the Linear's bias."""
        g = self.groups[l]
        for owner in (g["bn"], g["linear"]):
            if owner is None:
                continue
            param = getattr(owner, "bias", None)
            if param is not None and param.grad is not None:
                return _host(param.grad)
            if owner is g["bn"] and param is not None:
                return None  # β exists but has no gradient yet
        return None

    def weight_grad(self, l: int) -> Array | None:
        grad = self.groups[l]["linear"].weight.grad
        return None if grad is None else _host(grad)

    def stats_module(self, l: int) -> Any:
        """The module whose output is a^l: the activation, else BatchNorm, else the Linear."""
        g = self.groups[l]
        return g["act"] or g["bn"] or g["linear"]


def _is_classic(model: Any) -> bool:
    return hasattr(model, "learning_speeds") and hasattr(model, "biases")


def _remove_handle(handle: Any) -> None:
    if hasattr(handle, "remove"):
        handle.remove()
    elif callable(handle):
        handle()
