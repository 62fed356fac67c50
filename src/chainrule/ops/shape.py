"""Ops that move elements around without changing them: reshape, transpose, indexing..."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.function import Function
from chainrule.ops._util import raw


class Reshape(Function):
    __slots__ = ("shape",)
    symbol = "reshape({0})"
    partials = ("1",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        return x.reshape(self.shape)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g.reshape(x.shape)


class Transpose(Function):
    __slots__ = ("axes",)
    symbol = "{0}^T"
    partials = ("1",)

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x: Any) -> Any:
        return x.transpose(self.axes)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        if self.axes is None:
            return xp.transpose(g)
        return xp.transpose(g, tuple(np.argsort(self.axes)))


class GetItem(Function):
    __slots__ = ("index",)
    symbol = "{0}[i]"
    partials = ("1 at i",)

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Any) -> Any:
        return x[self.index]

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return xp.scatter(x.shape, self.index, g)


class Scatter(Function):
    """Zeros with the input added at ``index``: the adjoint of indexing (for higher orders)."""

    __slots__ = ("index", "shape")
    symbol = "scatter({0})"
    partials = ("1 at i",)

    def __init__(self, shape: tuple[int, ...], index: Any) -> None:
        self.shape, self.index = shape, index

    def forward(self, values: Any) -> Any:
        from chainrule.ops.arrays import scatter

        return scatter(self.shape, self.index, values)

    def backward(self, xp: Any, g: Any, out: Any, values: Any) -> Any:
        return g[self.index]


class Concatenate(Function):
    __slots__ = ("axis",)
    symbol = "concat(...)"
    partials = ("1",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays: Any) -> Any:
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, xp: Any, g: Any, out: Any, *inputs: Any) -> Any:
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

    def backward(self, xp: Any, g: Any, out: Any, *inputs: Any) -> Any:
        lead = (slice(None),) * (self.axis % g.ndim)
        grads = tuple(g[(*lead, i)] for i in range(len(inputs)))
        return grads if len(grads) > 1 else grads[0]


class BroadcastTo(Function):
    """Broadcast to a shape; the engine sums the gradient back, as for any broadcast."""

    __slots__ = ("shape",)
    symbol = "broadcast({0})"
    partials = ("1",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        return np.broadcast_to(x, self.shape)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g
