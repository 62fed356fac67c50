"""Adapters that read a model for the monitor: its layers, gradients, weights and hooks.

:class:`ClassicAdapter` reads a classic :class:`chainrule.classic.Network`;
:class:`ModuleAdapter` reads an ``nn`` model made of Linear (+ BatchNorm1d) + activation
modules. Both list the layers with weights as :class:`~chainrule.diagnostics.records.LayerInfo`.
:func:`host` turns a tensor's data (on the CPU or the GPU) into a NumPy array. These are the
package's internal API: the monitors, the statistics and the learners share them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import backend, nn
from chainrule.classic import Network
from chainrule.diagnostics.records import LayerInfo
from chainrule.errors import ConfigError

Array = np.ndarray

# activation module -> the name of the σ it applies, as LayerInfo and the statistics spell it
ACTIVATION_MODULES: dict[type[nn.Module], str] = {
    nn.Sigmoid: "sigmoid",
    nn.Tanh: "tanh",
    nn.ReLU: "relu",
    nn.LeakyReLU: "leaky_relu",
    nn.ELU: "elu",
    nn.GELU: "gelu",
    nn.Softplus: "softplus",
    nn.Identity: "identity",
}


def activation_name(module: Any) -> str | None:
    """The σ an activation module applies (``None`` if ``module`` is not one)."""
    for cls, name in ACTIVATION_MODULES.items():
        if isinstance(module, cls):
            return name
    return None


def host(array: Any) -> Array:
    """A NumPy view of a tensor's data or an array (copied from the GPU if needed)."""
    data = getattr(array, "array", array)
    if type(data) is not np.ndarray:
        data = np.asarray(backend.to_device(data, "cpu"))
    return data


class ClassicAdapter:
    """Reads a classic ``Network``: its layers, gradients and weights."""

    def __init__(self, net: Network) -> None:
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


class ModuleAdapter:
    """Reads an ``nn`` model: each Linear, the BatchNorm1d and activation module after it."""

    def __init__(self, model: Any) -> None:
        self.model = model
        groups: list[dict[str, Any]] = []
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                groups.append({"name": name, "linear": module, "bn": None, "act": None})
            elif groups and groups[-1]["act"] is None:
                if isinstance(module, nn.BatchNorm1d) and groups[-1]["bn"] is None:
                    groups[-1]["bn"] = module
                elif activation_name(module) is not None:
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
                    activation_name(act),
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
                return host(param.grad)
            if owner is g["bn"] and param is not None:
                return None  # β exists but has no gradient yet
        return None

    def weight_grad(self, l: int) -> Array | None:
        grad = self.groups[l]["linear"].weight.grad
        return None if grad is None else host(grad)

    def stats_module(self, l: int) -> Any:
        """The module whose output is a^l: the activation, else BatchNorm, else the Linear."""
        g = self.groups[l]
        return g["act"] or g["bn"] or g["linear"]


def is_classic(model: Any) -> bool:
    return isinstance(model, Network)


def remove_handle(handle: Any) -> None:
    if hasattr(handle, "remove"):
        handle.remove()
    elif callable(handle):
        handle()
