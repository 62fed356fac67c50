"""chainrule: backpropagation made visible and real.

>>> import chainrule as cr
>>> x1 = cr.tensor(1.0, requires_grad=True, name="x1")
>>> x2 = cr.tensor(2.0, requires_grad=True, name="x2")
>>> y = (x1 + x2) * (x2 + 1)
>>> y.backward()
>>> y.item(), x1.grad.item(), x2.grad.item()
(9.0, 3.0, 6.0)
"""

from __future__ import annotations

from typing import Any

from chainrule.backend import get_default_dtype, set_default_dtype
from chainrule.dtypes import (  # PyTorch's dtype names: cr.float32, cr.long, ...
    bool,  # shadows the builtin in this module only, so not in __all__
    double,
    float,  # noqa: F401 - nor this one
    float16,
    float32,
    float64,
    half,
    int,  # noqa: F401 - nor this one
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from chainrule.engine import Function, Tensor, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from chainrule.engine.autograd import grad as autograd_grad
from chainrule.engine.functional import grad, jvp, value_and_grad, vjp
from chainrule.engine.gradcheck import GradcheckError, gradcheck
from chainrule.engine.tensor import as_array
from chainrule.errors import ChainruleError
from chainrule.ops import *  # noqa: F403 - the op functions are the top-level API
from chainrule.ops import __all__ as _ops_all
from chainrule.ops.creation import place
from chainrule.seeding import manual_seed

__version__ = "0.1.0"


def tensor(
    data: Any,
    requires_grad: bool = False,
    dtype: Any = None,
    name: str | None = None,
    device: Any = None,
) -> Tensor:
    """Make a tensor. Python floats and lists take the default dtype (float32 unless changed).
    ``device`` (``"cpu"`` or ``"cuda"``) places it, as in PyTorch.

    >>> import chainrule as cr
    >>> cr.tensor([1, 2.5]).dtype
    dtype('float32')
    """
    if device is not None:
        data = place(as_array(data, dtype), device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


# Subpackages (and save/load) are imported on first use, as PyTorch code reaches them as
# attributes (``cr.nn.Linear``, ``cr.utils.data``): ``import chainrule`` stays fast.
_LAZY_MODULES = ("accelerator", "autograd", "cuda", "data", "nn", "optim", "utils")
_LAZY_NAMES = {"save": "chainrule.io", "load": "chainrule.io"}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f"chainrule.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")


__all__ = [
    "ChainruleError",
    "Function",
    "GradcheckError",
    "Tensor",
    "autograd_grad",
    "detect_anomaly",
    "enable_grad",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "jvp",
    "manual_seed",
    "no_grad",
    "set_default_dtype",
    "tensor",
    "value_and_grad",
    "vjp",
    "double",
    "float16",
    "float32",
    "float64",
    "half",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "short",
    "uint8",
    *_ops_all,
]
