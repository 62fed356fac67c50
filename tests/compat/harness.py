"""The PyTorch-compatibility corpus's harness: each case is PyTorch code, run twice.

A case is a snippet of source written as PyTorch's beginner tutorials write it (``import
torch``, ``from torch import nn``, ``import torch.nn.functional as F``...). The ``compare``
fixture runs it once with ``torch`` meaning PyTorch and once with ``torch`` meaning chainrule
(every ``torch`` and ``torch.x.y`` import is answered with ``chainrule`` and
``chainrule.x.y``, so the source is not changed at all), each in a fresh folder, and compares
the values the snippet leaves in ``out``: tensors as tensors of the same shape, dtype and
numbers, shapes as tuples, dtypes by name, Python numbers by value.

Randomness differs between the libraries, so a case that needs random weights draws them
with NumPy and hands them over as PyTorch code does (``torch.tensor(array)``,
``load_state_dict``), or compares only shapes and properties.
"""

from __future__ import annotations

import builtins
import importlib
import math
from typing import Any

import numpy as np

import chainrule as cr

# rtol for float32 results of a few steps of training: the libraries sum in different orders
RTOL, ATOL = 1e-4, 1e-5


def _importer(library: str) -> Any:
    """``__import__`` that answers ``torch`` (and ``torch.nn`` ...) with ``library``."""

    def import_(name: str, globals=None, locals=None, fromlist=(), level=0) -> Any:
        if library == "chainrule" and level == 0 and (name == "torch" or name.startswith("torch.")):
            name = "chainrule" + name[len("torch") :]
        return importlib.__import__(name, globals, locals, fromlist, level)

    return import_


def run_snippet(source: str, library: str) -> Any:
    """Execute ``source`` with ``torch`` bound to ``library``; return what it put in ``out``."""
    namespace: dict[str, Any] = {
        "__builtins__": {**vars(builtins), "__import__": _importer(library)},
        "__name__": "__corpus__",
    }
    exec(compile(source, f"<corpus case, {library}>", "exec"), namespace)
    return namespace["out"]


def plain(value: Any) -> Any:
    """A library-neutral form of a result: ("tensor", array) for either library's tensors."""
    if isinstance(value, cr.Tensor):
        return ("tensor", value.numpy())
    if type(value).__module__.startswith("torch"):
        import torch

        if isinstance(value, torch.Tensor):
            return ("tensor", value.detach().cpu().numpy())
        if isinstance(value, torch.dtype):
            return ("dtype", str(value).removeprefix("torch."))
        if isinstance(value, torch.Size):
            return tuple(value)
    if isinstance(value, np.dtype):
        return ("dtype", str(value))
    if isinstance(value, np.ndarray):
        return ("array", value)
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def assert_same(ours: Any, theirs: Any, where: str = "out") -> None:
    """``ours`` (chainrule's plain result) equals ``theirs`` (PyTorch's), within RTOL/ATOL."""
    if isinstance(theirs, tuple) and len(theirs) == 2 and theirs[0] in ("tensor", "array"):
        assert isinstance(ours, tuple) and ours[:1] == theirs[:1], (
            f"{where}: PyTorch gives a {theirs[0]}, chainrule {type(ours).__name__} {ours!r:.80}"
        )
        a, b = ours[1], theirs[1]
        assert a.shape == b.shape, f"{where}: shape {a.shape}, PyTorch {b.shape}"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype}, PyTorch {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=where)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), f"{where}: keys differ"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, list | tuple):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (
            f"{where}: {ours!r:.80} vs PyTorch {theirs!r:.80}"
        )
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, float) and not isinstance(theirs, bool):
        assert isinstance(ours, int | float) and not isinstance(ours, bool), f"{where}: {ours!r}"
        close = math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=ATOL)
        assert close, f"{where}: {ours} vs PyTorch {theirs}"
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} vs {theirs!r}"
