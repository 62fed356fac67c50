"""Reductions over axes: sum, mean, max, min, var, logsumexp."""

from __future__ import annotations

import builtins  # for the builtin max: this module defines sum, max and min of its own
from typing import Any

import numpy as np

from chainrule.engine.function import Function
from chainrule.engine.methods import axis_of
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, ShapeError
from chainrule.ops import arrays
from chainrule.ops._util import as_float_tensor, as_tensor, expand_reduced, normalize_axes, raw


class _Reduction(Function):
    __slots__ = ("axes", "keepdims")

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims


class Sum(_Reduction):
    __slots__ = ()
    symbol = "sum({0})"
    partials = ("1",)

    def forward(self, x: Any) -> Any:
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return ops.broadcast_to(expand_reduced(ops, g, self.axes, self.keepdims), x.shape)


class Mean(_Reduction):
    __slots__ = ()
    symbol = "mean({0})"
    partials = ("1/n",)

    def forward(self, x: Any) -> Any:
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        count = x.size // builtins.max(out.size, 1) if x.size else 1
        g = expand_reduced(ops, g, self.axes, self.keepdims) / count
        return ops.broadcast_to(g, x.shape)


class Max(_Reduction):
    """Max over axes; tied maxima share the gradient evenly (as PyTorch's amax)."""

    __slots__ = ()
    symbol = "max({0})"
    partials = ("[{0} = max]",)
    _reduce = staticmethod(np.max)

    def forward(self, x: Any) -> Any:
        return self._reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        kept = expand_reduced(np, raw(out), self.axes, self.keepdims)
        winners = raw(x) == kept
        # In the input's dtype throughout: bool / int would make a float64 array of x's size.
        # The tie counts stay integers, so a float16 share is still 1/count rounded once.
        share = winners.astype(x.dtype)
        share /= winners.sum(axis=self.axes, keepdims=True)
        return expand_reduced(ops, g, self.axes, self.keepdims) * share


class Min(Max):
    __slots__ = ()
    symbol = "min({0})"
    partials = ("[{0} = min]",)
    _reduce = staticmethod(np.min)


class Var(_Reduction):
    """Variance over axes, dividing by n - ``correction``: 1 (Bessel's, PyTorch's default) or
    0 (the population variance, as batch normalization uses it). NaN where n ≤ correction."""

    __slots__ = ("correction",)
    symbol = "var({0})"
    partials = ("2({0} - mean)/(n - correction)",)

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool, correction: float) -> None:
        super().__init__(axes, keepdims)
        self.correction = correction

    def forward(self, x: Any) -> Any:
        if self._count(x) <= self.correction:  # PyTorch's NaN, without NumPy's warning
            return x.mean(axis=self.axes, keepdims=self.keepdims) * np.nan
        return x.var(axis=self.axes, keepdims=self.keepdims, ddof=self.correction)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        centered = x - x.mean(axis=self.axes, keepdims=True)
        count = self._count(x)
        scale = 2 / (count - self.correction) if count > self.correction else 0
        return expand_reduced(ops, g, self.axes, self.keepdims) * centered * scale

    def _count(self, x: Any) -> int:
        axes = range(x.ndim) if self.axes is None else self.axes
        return int(np.prod([x.shape[a] for a in axes]))


class Norm(_Reduction):
    """The 2-norm over axes, sqrt(Σ x²). Its gradient x/‖x‖ is 0 where the norm is 0 (all of
    x is 0 there), as PyTorch's, not 0/0."""

    __slots__ = ()
    symbol = "norm({0})"
    partials = ("{0}/{out}",)

    def forward(self, x: Any) -> Any:
        return np.sqrt((x * x).sum(axis=self.axes, keepdims=self.keepdims))

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        norm = expand_reduced(ops, out, self.axes, self.keepdims)
        safe = ops.where(raw(norm) == 0, 1, norm)
        return x * (expand_reduced(ops, g, self.axes, self.keepdims) / safe)


class LogSumExp(_Reduction):
    __slots__ = ()
    symbol = "logsumexp({0})"
    partials = ("softmax({0})",)

    def forward(self, x: Any) -> Any:
        peak = arrays.peak(x, self.axes)
        peak = np.where(np.isfinite(peak), peak, 0)
        with np.errstate(divide="ignore"):  # an empty sum, or all -inf: log 0 = -inf
            out = np.log(np.exp(x - peak).sum(axis=self.axes, keepdims=True)) + peak
        return out if self.keepdims else _drop_axes(out, self.axes)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        kept = expand_reduced(ops, out, self.axes, self.keepdims)
        return expand_reduced(ops, g, self.axes, self.keepdims) * ops.exp(x - kept)


def _drop_axes(x: Any, axes: tuple[int, ...] | None) -> Any:
    if axes is None:
        return x.reshape(())
    return x.squeeze(axis=axes)


# ---- public functions: they check their operands, so the op classes above can trust them ----
def sum(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
) -> Tensor:
    """Sum over ``axis`` (all axes by default).

    >>> sum(Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    tensor([4., 6.])
    """
    axis, keepdims = axis_of(axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    return Sum.apply(x, axes=normalize_axes(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
) -> Tensor:
    """Mean over ``axis`` (all axes by default).

    >>> mean(Tensor([1.0, 2.0, 6.0]))
    tensor(3.)
    """
    axis, keepdims = axis_of(axis, keepdims, dim, keepdim)
    x = as_float_tensor(x)
    return Mean.apply(x, axes=normalize_axes(axis, x.ndim, "mean"), keepdims=keepdims)


def max(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
) -> Any:
    """Maximum over ``axis``; tied maxima share the gradient.

    >>> x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> max(x).backward(); x.grad
    tensor([0. , 0.5, 0.5])
    """
    if dim is not None:  # PyTorch's form: (values, indices)
        return as_tensor(x).max(axis, keepdims, dim=dim, keepdim=keepdim)
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, "max")
    _check_not_empty(x, axes, "max")
    return Max.apply(x, axes=axes, keepdims=keepdims)


def min(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
) -> Any:
    """Minimum over ``axis``; tied minima share the gradient.

    >>> min(Tensor([[1.0, 4.0], [3.0, 2.0]]), axis=1)
    tensor([1., 2.])
    """
    if dim is not None:  # PyTorch's form: (values, indices)
        return as_tensor(x).min(axis, keepdims, dim=dim, keepdim=keepdim)
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, "min")
    _check_not_empty(x, axes, "min")
    return Min.apply(x, axes=axes, keepdims=keepdims)


def var(
    x: Any,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: Any = None,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: bool = False,
) -> Tensor:
    """Variance over ``dim``, as PyTorch's ``var``: divided by n - 1 (Bessel's correction)
    unless ``correction=0`` (or ``unbiased=False``), the population variance. NumPy's
    ``axis``/``keepdims`` spellings are taken too; NumPy's own default is ``correction=0``.

    >>> var(Tensor([1.0, 3.0])), var(Tensor([1.0, 3.0]), correction=0)
    (tensor(2.), tensor(1.))
    """
    axis, keepdims = axis_of(axis, keepdims, dim, keepdim)
    x = as_float_tensor(x)
    axes = normalize_axes(axis, x.ndim, "var")
    return Var.apply(x, axes=axes, keepdims=keepdims, correction=_correction(unbiased, correction))


def _correction(unbiased: bool | None, correction: float | None) -> float:
    """PyTorch's two spellings of the denominator's n - c: ``unbiased`` (old) or ``correction``."""
    if unbiased is not None and correction is not None:
        raise ConfigError("give unbiased= or correction=, not both")
    if correction is None:
        return 0 if unbiased is False else 1
    number = not isinstance(correction, bool) and isinstance(correction, int | float | np.number)
    if not number or not 0 <= correction < float("inf"):
        raise ConfigError(f"correction must be a number ≥ 0, got {correction!r}")
    return correction


def norm(x: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """The ``p``-norm over ``dim`` (every element by default), as ``torch.norm``: p = 2 (or
    "fro"), 1 or ``inf``.

    >>> norm(Tensor([3.0, 4.0])), norm(Tensor([3.0, -4.0]), 1)
    (tensor(5.), tensor(7.))
    """
    x = as_float_tensor(x)
    axes = normalize_axes(dim, x.ndim, "norm")
    if p in (2, "fro", None):
        return Norm.apply(x, axes=axes, keepdims=bool(keepdim))
    if p == 1:
        return abs(x).sum(axis=axes, keepdims=bool(keepdim))
    if p == float("inf"):
        return amax(abs(x), axes, keepdim)
    raise ConfigError(f"norm: p must be 2, 'fro', 1 or inf, got {p!r}")


def amax(x: Any, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (every axis when ``()``), as ``torch.amax``: the values only,
    tied maxima sharing the gradient.

    >>> amax(Tensor([[1.0, 5.0], [7.0, 2.0]]), 1)
    tensor([5., 7.])
    """
    return max(x, None if dim in ((), None) else dim, bool(keepdim))


def amin(x: Any, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (every axis when ``()``), as ``torch.amin``."""
    return min(x, None if dim in ((), None) else dim, bool(keepdim))


def logsumexp(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
) -> Tensor:
    """log(sum(exp(x))) over ``axis``, without overflow.

    >>> logsumexp(Tensor([1000.0, 1000.0]))
    tensor(1000.6932)
    """
    axis, keepdims = axis_of(axis, keepdims, dim, keepdim)
    x = as_float_tensor(x)
    return LogSumExp.apply(x, axes=normalize_axes(axis, x.ndim, "logsumexp"), keepdims=keepdims)


def _check_not_empty(x: Tensor, axes: tuple[int, ...] | None, op: str) -> None:
    """A max or min over an axis of length 0 has no value (an empty result is fine)."""
    if x.size == 0 and (axes is None or any(x.shape[a] == 0 for a in axes)):
        raise ShapeError(f"{op} over an empty axis of a tensor of shape {x.shape}")


def argmax(
    x: Any, axis: int | None = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
) -> Tensor:
    """Index of the largest element along ``axis`` (of the flattened tensor by default), an
    int64 constant: an index has no gradient.

    >>> argmax(Tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    tensor([1, 0])
    """
    axis, keepdims = axis_of(axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    if axis is not None:
        normalize_axes(axis, x.ndim, "argmax")  # raises when out of range
    out = x.array.argmax(axis=axis, keepdims=keepdims)
    return Tensor._from_op(out.astype(np.int64, copy=False), None)


def std(x: Any, *args: Any, **kwargs: Any) -> Tensor:
    """Standard deviation, as PyTorch's ``std``: the square root of ``var`` with the same
    arguments (Bessel's correction unless ``correction=0``), so the graph shows both.

    >>> std(Tensor([1.0, 3.0]))
    tensor(1.4142135)
    """
    return var(x, *args, **kwargs) ** 0.5
