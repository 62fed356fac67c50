"""The layers the interop formats carry: a model is a chain of these, nested ``Sequential``s
allowed, and a classic ``Network`` becomes one through ``to_sequential``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chainrule import nn
from chainrule.classic.convert import to_sequential
from chainrule.classic.network import Network
from chainrule.errors import ConfigError

SUPPORTED = (
    "Linear, ReLU, Sigmoid, Tanh, LeakyReLU, ELU, GELU, Softplus, Softmax, LogSoftmax, "
    "BatchNorm1d, Dropout, Identity, Flatten, Sequential"
)


def as_module(model: Any) -> nn.Module:
    """``model`` as an ``nn.Module``: a classic ``Network`` is converted, anything else that
    is not a module refused in one line."""
    if isinstance(model, Network):
        return to_sequential(model)
    if not isinstance(model, nn.Module):
        raise ConfigError(f"expected a chainrule nn.Module or classic Network, got {type(model)}")
    return model


def layers(module: nn.Module) -> Iterator[nn.Module]:
    """The leaf layers of ``module`` in the order they run (nested ``Sequential``s opened)."""
    if isinstance(module, nn.Sequential):
        for child in module.children():
            yield from layers(child)
    else:
        yield module


def unsupported(module: Any, target: str) -> ConfigError:
    return ConfigError(
        f"cannot convert {type(module).__name__} to {target}: supported layers are {SUPPORTED}"
    )
