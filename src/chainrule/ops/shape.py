"""Ops that move elements around without changing them: reshape, transpose, indexing..."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.engine.function import Function, ViewFunction
from chainrule.engine.tensor import Tensor
from chainrule.errors import IndexOutOfRangeError, ShapeError
from chainrule.ops import arrays
from chainrule.ops._util import as_tensor, index_to_cuda, int_tuple, normalize_axes, raw


class Reshape(ViewFunction):
    __slots__ = ("shape",)
    symbol = "reshape({0})"
    partials = ("1",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        return x.reshape(self.shape)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g.reshape(x.shape)


class Transpose(ViewFunction):
    __slots__ = ("axes",)
    symbol = "{0}^T"
    partials = ("1",)

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x: Any) -> Any:
        return x.transpose(self.axes)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        if self.axes is None:
            return ops.transpose(g)
        return ops.transpose(g, tuple(np.argsort(self.axes)))


class GetItem(ViewFunction):
    __slots__ = ("index",)
    symbol = "{0}[i]"
    partials = ("1 at i",)

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Any) -> Any:
        return x[self.index]

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return ops.scatter(x.shape, self.index, g)


class IndexPut(Function):
    """``x`` with ``x[index] = value``: what ``x[index] = value`` records on a graph."""

    __slots__ = ("index", "mask")
    symbol = "{0} with [i] = {1}"
    partials = ("1 except at i", "1 at i")
    saved = ()

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Any, value: Any) -> Any:
        out = x.copy()
        out[self.index] = value
        self.mask = arrays.get_array_module(x).zeros(x.shape, dtype=bool)
        self.mask[self.index] = True
        return out

    def backward(self, ops: Any, g: Any, out: Any, x: Any, value: Any) -> Any:
        needs_x, needs_value = self.needs_input_grad
        gx = ops.where(self.mask, 0, g) if needs_x else None
        return gx, (g[self.index] if needs_value else None)


class Clone(Function):
    """A copy with its own memory; the gradient passes through unchanged."""

    __slots__ = ()
    symbol = "clone({0})"
    partials = ("1",)
    saved = ()

    def forward(self, x: Any) -> Any:
        return x.copy()

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g


class Scatter(Function):
    """Zeros with the input added at ``index``: the adjoint of indexing (for higher orders)."""

    __slots__ = ("index", "shape")
    symbol = "scatter({0})"
    partials = ("1 at i",)

    def __init__(self, shape: tuple[int, ...], index: Any) -> None:
        self.shape, self.index = shape, index

    def forward(self, values: Any) -> Any:
        return arrays.scatter(self.shape, self.index, values)

    def backward(self, ops: Any, g: Any, out: Any, values: Any) -> Any:
        return g[self.index]


class Concatenate(Function):
    __slots__ = ("axis",)
    symbol = "concat(...)"
    partials = ("1",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays: Any) -> Any:
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, ops: Any, g: Any, out: Any, *inputs: Any) -> Any:
        grads, start = [], 0
        lead = (slice(None),) * (self.axis % g.ndim)
        for x in inputs:
            stop = start + raw(x).shape[self.axis]
            grads.append(g[(*lead, slice(start, stop))])
            start = stop
        return tuple(grads) if len(grads) > 1 else grads[0]


class Stack(Function):
    __slots__ = ("axis",)
    symbol = "stack(...)"
    partials = ("1",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays: Any) -> Any:
        return np.stack(arrays, axis=self.axis)

    def backward(self, ops: Any, g: Any, out: Any, *inputs: Any) -> Any:
        lead = (slice(None),) * (self.axis % g.ndim)
        grads = tuple(g[(*lead, i)] for i in range(len(inputs)))
        return grads if len(grads) > 1 else grads[0]


class BroadcastTo(ViewFunction):
    """Broadcast to a shape; the engine sums the gradient back, as for any broadcast."""

    __slots__ = ("shape",)
    symbol = "broadcast({0})"
    partials = ("1",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        return np.broadcast_to(x, self.shape)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g


# ---- public functions: they check their operands, so the op classes above can trust them ----
def reshape(x: Any, shape: Any) -> Tensor:
    """The same elements in a new shape (one dimension may be -1).

    >>> reshape(Tensor([1.0, 2.0, 3.0, 4.0]), (2, -1)).shape
    (2, 2)
    """
    x = as_tensor(x)
    shape = int_tuple(shape, "reshape")
    try:
        target = _reshaped_shape(x.shape, shape)
    except ValueError:
        raise ShapeError(
            f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}"
        ) from None
    return Reshape.apply(x, shape=target)


def _reshaped_shape(shape: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    size = int(np.prod(shape))
    if new.count(-1) > 1:
        raise ValueError
    known = int(np.prod([n for n in new if n != -1]))
    if -1 in new:
        if known == 0 or size % known:
            raise ValueError
        new = tuple(size // known if n == -1 else n for n in new)
    if int(np.prod(new)) != size:
        raise ValueError
    return new


def flatten(x: Any, start_dim: int = 0) -> Tensor:
    """Merge the axes from ``start_dim`` on into one.

    >>> flatten(Tensor(np.zeros((2, 3, 4))), start_dim=1).shape
    (2, 12)
    """
    x = as_tensor(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    (start,) = normalize_axes(start_dim, x.ndim, "flatten")
    return reshape(x, (*x.shape[:start], -1))


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Drop axes of length 1.

    >>> squeeze(Tensor(np.zeros((1, 3, 1)))).shape
    (3,)
    """
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, "squeeze")
    if axes is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ShapeError(f"squeeze: axis {a} has length {x.shape[a]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def expand_dims(x: Any, axis: Any) -> Tensor:
    """Insert axes of length 1 at ``axis``.

    >>> expand_dims(Tensor([1.0, 2.0]), 0).shape
    (1, 2)
    """
    x = as_tensor(x)
    new_axes = int_tuple(axis, "expand_dims")
    normalize_axes(new_axes, x.ndim + len(new_axes), "expand_dims")  # raises when out of range
    return reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape)


def unsqueeze(x: Any, dim: int) -> Tensor:
    """PyTorch's name for ``expand_dims`` with one new axis.

    >>> unsqueeze(Tensor([1.0, 2.0]), dim=1).shape
    (2, 1)
    """
    return expand_dims(x, dim)


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Reverse (or permute, with ``axes``) the axes.

    >>> transpose(Tensor(np.zeros((2, 3, 4)))).shape, transpose(Tensor([[1.0, 2.0, 3.0]])).shape
    ((4, 3, 2), (3, 1))
    """
    x = as_tensor(x)
    if axes is not None:
        axes = tuple(axes)
        normalize_axes(axes, x.ndim, "transpose")  # raises when an axis is out of range
        axes = tuple(a % x.ndim for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ShapeError(f"transpose: axes {axes} are not a permutation of {x.ndim} dims")
    return Transpose.apply(x, axes=axes)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.

    >>> swapaxes(Tensor(np.zeros((2, 3, 4))), 0, 2).shape
    (4, 3, 2)
    """
    x = as_tensor(x)
    for axis in (axis1, axis2):  # one at a time: swapping an axis with itself is a no-op
        normalize_axes(axis, x.ndim, "swapaxes")  # raises when out of range
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, tuple(axes))


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` (NumPy's rules).

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> broadcast_to(x, (3, 2)).sum().backward(); x.grad
    tensor([3., 3.])
    """
    x = as_tensor(x)
    shape = tuple(shape)
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast {x.shape} to {shape}") from None
    return BroadcastTo.apply(x, shape=shape)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]``: basic slicing and integer-array indexing.

    >>> getitem(Tensor([10.0, 20.0, 30.0]), [2, 0])
    tensor([30., 10.])
    """
    try:
        return GetItem.apply(x, index=_array_index(x, index))
    except IndexError as exc:
        raise IndexOutOfRangeError(f"indexing a tensor of shape {x.shape}: {exc}") from None


def clone(x: Any) -> Tensor:
    """A copy of ``x`` with its own memory, in the graph (PyTorch's ``clone``).

    >>> a = Tensor([1.0, 2.0]); b = clone(a); b += 1; a
    tensor([1., 2.])
    """
    return Clone.apply(as_tensor(x))


def index_put(x: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of ``x`` with ``value`` written at ``index`` (what ``x[index] = value`` records).

    >>> index_put(Tensor([1.0, 2.0, 3.0]), 1, 9.0)
    tensor([1., 9., 3.])
    """
    value = as_tensor(value, like=x)
    try:
        return IndexPut.apply(x, value, index=_array_index(x, index))
    except IndexError as exc:
        raise IndexOutOfRangeError(f"indexing a tensor of shape {x.shape}: {exc}") from None


def _array_index(x: Tensor, index: Any) -> Any:
    """``index`` with its tensors as arrays, on the device where ``x`` lives."""
    if isinstance(index, Tensor):
        index = index.array
    elif isinstance(index, tuple):
        index = tuple(i.array if isinstance(i, Tensor) else i for i in index)
    elif isinstance(index, list):
        index = np.asarray(index)
    if x.device == "cuda":  # integer-array indices must live where the data lives
        index = index_to_cuda(index)
    return index


def scatter(shape: tuple[int, ...], index: Any, values: Tensor) -> Tensor:
    """Zeros of ``shape`` with ``values`` added at ``index`` (the adjoint of indexing).

    >>> scatter((4,), np.array([0, 0, 2]), Tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3., 0.])
    """
    return Scatter.apply(as_tensor(values), shape=tuple(shape), index=index)


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (arrays and lists take the tensors' dtype).

    >>> concatenate([Tensor([1.0]), [2.0, 3.0]])
    tensor([1., 2., 3.])
    """
    axis = axis if dim is None else dim
    ts = _join_operands(tensors)
    if not ts:
        raise ShapeError("concatenate needs at least one tensor")
    _check_same_except(ts, axis, "concatenate")
    return Concatenate.apply(*ts, axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new axis (arrays and lists take the tensors' dtype).

    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])], axis=1).shape
    (2, 2)
    """
    axis = axis if dim is None else dim
    ts = _join_operands(tensors)
    if not ts:
        raise ShapeError("stack needs at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise ShapeError(f"stack needs tensors of one shape, got {sorted(shapes)}")
    normalize_axes(axis, ts[0].ndim + 1, "stack")  # the new axis: raises when out of range
    return Stack.apply(*ts, axis=axis)


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """PyTorch's name for ``concatenate``.

    >>> cat([Tensor([[1.0]]), Tensor([[2.0]])], dim=1)
    tensor([[1., 2.]])
    """
    return concatenate(tensors, dim)


def _join_operands(items: Sequence[Any]) -> list[Tensor]:
    like = next((t for t in items if isinstance(t, Tensor)), None)
    return [as_tensor(t, like=like) for t in items]


def _check_same_except(ts: list[Tensor], axis: int, op: str) -> None:
    ndims = {t.ndim for t in ts}
    if len(ndims) > 1 or 0 in ndims:
        raise ShapeError(f"{op}: tensors of shapes {[t.shape for t in ts]} do not line up")
    normalize_axes(axis, ts[0].ndim, op)  # raises when out of range
    axis = axis % ts[0].ndim
    rest = {t.shape[:axis] + t.shape[axis + 1 :] for t in ts}
    if len(rest) > 1:
        raise ShapeError(f"{op} along axis {axis}: shapes {[t.shape for t in ts]} differ elsewhere")
