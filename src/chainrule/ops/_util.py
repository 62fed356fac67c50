"""Small helpers shared by the op classes: axis normalisation and raw data access."""

from __future__ import annotations

import operator
from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError


def raw(value: Any) -> Any:
    """The array behind a value that may be a tensor (for masks and other constants)."""
    return value.data if isinstance(value, Tensor) else value


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


def expand_reduced(xp: Any, g: Any, axes: tuple[int, ...] | None, keepdims: bool) -> Any:
    """Put back the axes a reduction removed, so ``g`` broadcasts against its input."""
    if keepdims or axes is None:
        return g
    return xp.expand_dims(g, axes)
