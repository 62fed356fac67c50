"""Elementwise functions of one or two tensors: exp, log, sqrt, abs, sin, cos, maximum..."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.backend import get_array_module
from chainrule.engine.function import Function
from chainrule.ops import arrays
from chainrule.ops._util import raw


class Exp(Function):
    __slots__ = ()
    symbol = "exp({0})"
    partials = ("exp({0})",)

    def forward(self, x: Any) -> Any:
        return np.exp(x)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g * out


class Log(Function):
    __slots__ = ()
    symbol = "log({0})"
    partials = ("1/{0}",)

    def forward(self, x: Any) -> Any:
        return np.log(x)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g / x


class Sqrt(Function):
    __slots__ = ()
    symbol = "sqrt({0})"
    partials = ("1/(2*sqrt({0}))",)

    def forward(self, x: Any) -> Any:
        return np.sqrt(x)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g / (2 * out)


class Abs(Function):
    __slots__ = ()
    symbol = "abs({0})"
    partials = ("sign({0})",)

    def forward(self, x: Any) -> Any:
        return np.abs(x)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g * np.sign(raw(x))


class Sin(Function):
    __slots__ = ()
    symbol = "sin({0})"
    partials = ("cos({0})",)

    def forward(self, x: Any) -> Any:
        return np.sin(x)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g * xp.cos(x)


class Cos(Function):
    __slots__ = ()
    symbol = "cos({0})"
    partials = ("-sin({0})",)

    def forward(self, x: Any) -> Any:
        return np.cos(x)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return -g * xp.sin(x)


class Erf(Function):
    __slots__ = ()
    symbol = "erf({0})"
    partials = ("2/sqrt(pi) exp(-{0}^2)",)

    def forward(self, x: Any) -> Any:
        return arrays.erf(x)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g * (xp.exp(-(x * x)) * (2 / math.sqrt(math.pi)))


class Maximum(Function):
    """Elementwise maximum; at ties each side gets half the gradient (as PyTorch does)."""

    __slots__ = ()
    symbol = "max({0}, {1})"
    partials = ("[{0} > {1}]", "[{1} > {0}]")

    def forward(self, a: Any, b: Any) -> Any:
        return np.maximum(a, b)

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        return _split_by_winner(g, raw(a), raw(b))


class Minimum(Function):
    __slots__ = ()
    symbol = "min({0}, {1})"
    partials = ("[{0} < {1}]", "[{1} < {0}]")

    def forward(self, a: Any, b: Any) -> Any:
        return np.minimum(a, b)

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        return _split_by_winner(g, raw(b), raw(a))


def _split_by_winner(g: Any, a: Any, b: Any) -> tuple[Any, Any]:
    dtype = g.dtype
    share_a = (a > b).astype(dtype) + 0.5 * (a == b).astype(dtype)
    return g * share_a, g * (1 - share_a)


class Clip(Function):
    """``clip(x, lo, hi)``; the gradient passes where lo <= x <= hi (as PyTorch's clamp)."""

    __slots__ = ("high", "low")
    symbol = "clip({0})"
    partials = ("[lo <= {0} <= hi]",)

    def __init__(self, low: float | None, high: float | None) -> None:
        self.low, self.high = low, high

    def forward(self, x: Any) -> Any:
        return np.clip(x, self.low, self.high)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        x = raw(x)
        inside = get_array_module(x).ones(x.shape, dtype=bool)  # on x's device (CuPy too)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return g * inside


class Where(Function):
    """``where(condition, a, b)`` with a constant boolean ``condition``."""

    __slots__ = ("condition",)
    symbol = "where(c, {0}, {1})"
    partials = ("[c]", "[not c]")

    def __init__(self, condition: Any) -> None:
        self.condition = condition

    def forward(self, a: Any, b: Any) -> Any:
        return np.where(self.condition, a, b)

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        zero = g.dtype.type(0)
        return (
            xp.where(self.condition, g, zero) if needs_a else None,
            xp.where(self.condition, zero, g) if needs_b else None,
        )


class AsType(Function):
    """A dtype conversion; the gradient is converted back."""

    __slots__ = ("dtype",)
    symbol = "{0}"
    partials = ("1",)

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)

    def forward(self, x: Any) -> Any:
        return x.astype(self.dtype)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g.astype(x.dtype)


class ToDevice(Function):
    """A copy between host and GPU memory; the gradient travels back."""

    __slots__ = ("device",)
    symbol = "{0}"
    partials = ("1",)

    def __init__(self, device: str) -> None:
        self.device = device

    def forward(self, x: Any) -> Any:
        from chainrule.backend import to_device

        return to_device(x, self.device)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        from chainrule.backend import device_of

        return xp.to_device(g, device_of(raw(x)))
