"""chainrule: backpropagation made visible and real.

>>> import chainrule as cr
>>> x1 = cr.tensor(1.0, requires_grad=True, name="x1")
>>> x2 = cr.tensor(2.0, requires_grad=True, name="x2")
>>> y = (x1 + x2) * (x2 + 1)
>>> y.backward()
>>> float(y), float(x1.grad), float(x2.grad)
(9.0, 3.0, 6.0)
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__version__ = "0.1.0"

# Subpackages (and save/load) are imported on first use, as PyTorch code reaches them as
# attributes (``cr.nn.Linear``, ``cr.utils.data``); so is the top-level API itself
# (``chainrule._toplevel``: the engine, the ops, NumPy), so that ``import chainrule.cli`` or
# ``chainrule.i18n`` starts fast. After the first use its names are plain globals here.
_LAZY_MODULES = ("accelerator", "cuda", "data", "nn", "optim", "utils")
_LAZY_NAMES = {"save": "chainrule.io", "load": "chainrule.io", "compile": "chainrule.compiler"}


def _api() -> Any:
    api = importlib.import_module("chainrule._toplevel")
    if "__all__" not in globals():
        globals().update({name: getattr(api, name) for name in api.__all__})
        globals().update(__all__=api.__all__, DTYPES=api.DTYPES)
    return api


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES or _is_submodule(name):
        # also `from chainrule import backend` inside the engine, before the API exists
        return importlib.import_module(f"chainrule.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    api = _api()
    if name in api._BUILTIN_NAMED:  # cr.float, cr.int, cr.bool: attributes only, never globals
        return api._BUILTIN_NAMED[name]
    if name in api.__all__ or name in ("__all__", "DTYPES"):
        return getattr(api, name)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")


def _is_submodule(name: str) -> bool:
    return not name.startswith("__") and importlib.util.find_spec(f"chainrule.{name}") is not None


def __dir__() -> list[str]:
    return sorted({*globals(), *_api().__all__, *_LAZY_MODULES, *_LAZY_NAMES})
