"""Small helpers shared by the op classes: axis normalisation and raw data access."""

from __future__ import annotations

from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError


def raw(value: Any) -> Any:
    """The array behind a value that may be a tensor (for masks and other constants)."""
    return value.data if isinstance(value, Tensor) else value


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (``None`` stays ``None``)."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
        out.append(a % max(ndim, 1))
    return tuple(sorted(out))


def expand_reduced(xp: Any, g: Any, axes: tuple[int, ...] | None, keepdims: bool) -> Any:
    """Put back the axes a reduction removed, so ``g`` broadcasts against its input."""
    if keepdims or axes is None:
        return g
    return xp.expand_dims(g, axes)
