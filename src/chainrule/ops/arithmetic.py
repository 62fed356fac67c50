"""The four operations of arithmetic, negation and powers.

Broadcasting is the engine's business: these ops return gradients of the output's shape and
the engine sums them back to each input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.function import Function
from chainrule.ops._util import raw


class Add(Function):
    __slots__ = ()
    symbol = "{0} + {1}"
    partials = ("1", "1")

    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        return g, g


class Sub(Function):
    __slots__ = ()
    symbol = "{0} - {1}"
    partials = ("1", "-1")

    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        return g, -g


class Mul(Function):
    __slots__ = ()
    symbol = "{0} * {1}"
    partials = ("{1}", "{0}")

    def forward(self, a: Any, b: Any) -> Any:
        return a * b

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        return (g * b if needs_a else None), (g * a if needs_b else None)


class Div(Function):
    __slots__ = ()
    symbol = "{0} / {1}"
    partials = ("1/{1}", "-{0}/{1}^2")

    def forward(self, a: Any, b: Any) -> Any:
        return a / b

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        ga = g / b
        return (ga if needs_a else None), (-ga * out if needs_b else None)


class Neg(Function):
    __slots__ = ()
    symbol = "-{0}"
    partials = ("-1",)

    def forward(self, x: Any) -> Any:
        return -x

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return -g


class Pow(Function):
    """``x ** p`` for a constant exponent ``p``."""

    __slots__ = ("exponent",)

    def __init__(self, exponent: float) -> None:
        self.exponent = exponent

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return "{0}^" + _number(self.exponent)

    @property
    def partials(self) -> tuple[str, ...]:  # type: ignore[override]
        p = self.exponent
        return (f"{_number(p)}*{{0}}^{_number(p - 1)}",)

    def forward(self, x: Any) -> Any:
        return x**self.exponent

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        p = self.exponent
        if p == 2:
            return g * (2 * x)
        if p == 0:  # x^0 is constant; 0 * x^-1 would be NaN at x = 0
            return g * 0
        return g * (p * x ** (p - 1))


class PowTensor(Function):
    """``a ** b`` where the exponent is a tensor too."""

    __slots__ = ()
    symbol = "{0}^{1}"
    partials = ("{1}*{0}^({1}-1)", "{out}*log({0})")

    def forward(self, a: Any, b: Any) -> Any:
        return a**b

    def backward(self, xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if needs_a:  # b a^(b-1); 0 where b == 0, since a^0 is constant (as PyTorch)
                ga = g * xp.where(raw(b) == 0, 0, b * a ** (b - 1))
            if needs_b:
                # a^b log a; at a == 0 with b >= 0 its limit from the right, 0 (as PyTorch).
                # A negative base has no real logarithm: NaN, which detect_anomaly reports.
                zero = (raw(a) == 0) & (raw(b) >= 0)
                gb = g * xp.where(zero, 0, out * xp.log(a))
        return ga, gb


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def exponent_is_constant(exponent: Any) -> bool:
    """True for a Python or NumPy number: ``x ** p`` then becomes one ``Pow`` node."""
    return isinstance(exponent, int | float | np.integer | np.floating)
