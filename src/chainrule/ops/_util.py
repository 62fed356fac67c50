"""Small helpers shared by the op modules: operands as tensors, axis normalisation and raw
data access."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from chainrule.backend import to_device
from chainrule.engine.tensor import Tensor, promote
from chainrule.errors import ShapeError


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """``x`` as a tensor; a constant is lifted by ``like`` (to its float dtype and device)."""
    if isinstance(x, Tensor):
        return x
    return like._lift(x) if like is not None else Tensor(x)


def as_tensor_pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one kind: constants lifted to the tensor's dtype, an
    integer tensor meeting a float one promoted to it (PyTorch's rule, see ``promote``)."""
    if isinstance(a, Tensor):
        b = a._lift(b)
    elif isinstance(b, Tensor):
        a = b._lift(a)
    else:
        a, b = Tensor(a), Tensor(b)
    return (a, b) if a.array.dtype is b.array.dtype else promote(a, b)


def as_float_tensor(x: Any) -> Tensor:
    """``x`` as a float tensor: integers take the default float dtype, as PyTorch's exp(int)."""
    return as_tensor(x).as_float()


def index_to_cuda(index: Any) -> Any:
    """``index`` with its integer arrays on the GPU, where the indexed data lives."""
    if isinstance(index, np.ndarray):
        return to_device(index, "cuda")
    if isinstance(index, tuple):
        return tuple(to_device(i, "cuda") if isinstance(i, np.ndarray) else i for i in index)
    return index


def raw(value: Any) -> Any:
    """The array behind a value that may be a tensor (for masks and other constants)."""
    return value.array if isinstance(value, Tensor) else value


def int_tuple(value: Any, op: str) -> tuple[int, ...]:
    """An int or a sequence of ints (NumPy integers included) as a tuple of Python ints."""
    try:
        return (operator.index(value),)
    except TypeError:
        pass
    try:
        return tuple(operator.index(v) for v in value)
    except TypeError:
        raise ShapeError(f"{op}: expected an int or a tuple of ints, got {value!r}") from None


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (``None`` stays ``None``)."""
    if axis is None:
        return None
    axes = int_tuple(axis, op)
    if ndim == 0:  # a scalar has one axis to name, 0 or -1, and nothing to reduce (PyTorch)
        if any(a not in (0, -1) for a in axes):
            raise ShapeError(f"{op}: axis {axes} is out of range for a 0-d tensor")
        return ()
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: axis {axes} repeats an axis")
    return tuple(sorted(out))


def expand_reduced(ops: Any, g: Any, axes: tuple[int, ...] | None, keepdims: bool) -> Any:
    """Put back the axes a reduction removed, so ``g`` broadcasts against its input."""
    if keepdims or axes is None:
        return g
    return ops.expand_dims(g, axes)
