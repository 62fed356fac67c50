"""PyTorch models both ways, for the MLP layers chainrule has: ``from_torch`` builds the
chainrule twin of a ``torch.nn`` model, ``to_torch`` the PyTorch twin of a chainrule one.

The twins have the same state-dict keys, so weights move with ``load_state_dict`` (no pickle)
and a ``state_dict`` saved by ``safetensors.torch.save_file`` loads into the chainrule twin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import nn
from chainrule.errors import ConfigError
from chainrule.interop._modules import as_module, unsupported

# Layers whose constructor arguments are the same attributes in both libraries.
_SAME_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "ReLU": (),
    "Sigmoid": (),
    "Tanh": (),
    "Identity": (),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "GELU": ("approximate",),
    "Softplus": ("beta",),
    "Softmax": ("dim",),
    "LogSoftmax": ("dim",),
    "Dropout": ("p",),
    "Flatten": ("start_dim", "end_dim"),
}


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ConfigError("converting to or from PyTorch needs torch: pip install torch") from None
    return torch


def _twin(module: Any, target: Any, dtype: Any) -> Any:
    """The layer of library ``target`` (``torch.nn`` or ``chainrule.nn``) matching ``module``,
    with freshly initialized values (``load_state_dict`` copies the real ones)."""
    name = type(module).__name__
    if name == "Sequential":
        return target.Sequential(*(_twin(child, target, dtype) for child in module.children()))
    if name == "Linear":
        bias = module.bias is not None
        return target.Linear(module.in_features, module.out_features, bias=bias, dtype=dtype)
    if name == "BatchNorm1d":
        arguments = ("eps", "momentum", "affine", "track_running_stats")
        options = {key: getattr(module, key) for key in arguments}
        return target.BatchNorm1d(module.num_features, **options, dtype=dtype)
    if name in _SAME_ARGUMENTS and hasattr(target, name):
        return getattr(target, name)(**{key: getattr(module, key) for key in _SAME_ARGUMENTS[name]})
    raise unsupported(module, "PyTorch" if target is not nn else "chainrule")


def from_torch(torch_module: Any) -> nn.Module:
    """The chainrule model computing what ``torch_module`` (a ``torch.nn`` chain of supported
    layers) computes, with copies of its weights, buffers, dtype and train/eval mode.

    Example (needs torch, so not a doctest)::

        twin = from_torch(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh()))
    """
    torch = _torch()
    if not isinstance(torch_module, torch.nn.Module):
        raise ConfigError(f"from_torch() expects a torch.nn.Module, got {type(torch_module)}")
    state = torch_module.state_dict()
    floats = [v for v in state.values() if v.is_floating_point()]
    dtype = np.dtype(str(floats[0].dtype).removeprefix("torch.")) if floats else None
    model = _twin(torch_module, nn, dtype)
    model.load_state_dict(state)
    return model.train(torch_module.training)


def to_torch(model: Any) -> Any:
    """The ``torch.nn`` model computing what ``model`` (a chainrule chain of supported layers
    or a classic ``Network``) computes, with copies of its weights, buffers, dtype and mode.

    Example (needs torch, so not a doctest)::

        torch_model = to_torch(nn.Sequential(nn.Linear(4, 3, rng=0), nn.Tanh()))
    """
    torch = _torch()
    module = as_module(model)
    state = module.state_dict()
    floats = [v for v in state.values() if v.dtype.kind == "f"]
    dtype = getattr(torch, str(floats[0].dtype)) if floats else None
    twin = _twin(module, torch.nn, dtype)
    twin.load_state_dict({key: torch.from_numpy(value.numpy()) for key, value in state.items()})
    return twin.train(module.training)
