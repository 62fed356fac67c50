"""The four operations of arithmetic, negation and powers.

Broadcasting is the engine's business: these ops return gradients of the output's shape and
the engine sums them back to each input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.ops._util import as_tensor, as_tensor_pair, raw


class Add(Function):
    __slots__ = ()
    saved = ()
    symbol = "{0} + {1}"
    partials = ("1", "1")

    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        return g, g


class Sub(Function):
    __slots__ = ()
    saved = ()
    symbol = "{0} - {1}"
    partials = ("1", "-1")

    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        return g, -g


class Mul(Function):
    __slots__ = ()
    symbol = "{0} * {1}"
    partials = ("{1}", "{0}")

    def forward(self, a: Any, b: Any) -> Any:
        return a * b

    def reads_input(self, index: int) -> bool:
        return self.needs_input_grad[1 - index]  # each factor is read for the other's gradient

    def reads_output(self) -> bool:
        return False

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        return (g * b if needs_a else None), (g * a if needs_b else None)


class Div(Function):
    __slots__ = ()
    saved = (1, "out")
    symbol = "{0} / {1}"
    partials = ("1/{1}", "-{0}/{1}^2")

    def forward(self, a: Any, b: Any) -> Any:
        return a / b

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        ga = g / b
        return (ga if needs_a else None), (-ga * out if needs_b else None)


class Neg(Function):
    __slots__ = ()
    saved = ()
    symbol = "-{0}"
    partials = ("-1",)

    def forward(self, x: Any) -> Any:
        return -x

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return -g


class Pow(Function):
    """``x ** p`` for a constant exponent ``p``."""

    __slots__ = ("exponent",)
    saved = (0,)

    def __init__(self, exponent: float) -> None:
        self.exponent = exponent

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return "{0}^" + _number(self.exponent)

    @property
    def partials(self) -> tuple[str, ...]:  # type: ignore[override]
        """p*x^(p-1), written as it reads best: ``2*{0}`` for a square, not ``2*{0}^1``.

        >>> Pow(2).partials, Pow(3).partials, Pow(0.5).partials, Pow(1).partials
        (('2*{0}',), ('3*{0}^2',), ('0.5*{0}^(-0.5)',), ('1',))
        """
        p = self.exponent
        if p in (0, 1):
            return (_number(p),)
        if p == 2:
            return ("2*{0}",)
        q = _number(p - 1)
        return (f"{_number(p)}*{{0}}^{f'({q})' if p - 1 < 0 else q}",)

    def forward(self, x: Any) -> Any:
        return x**self.exponent

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
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

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if needs_a:  # b a^(b-1); 0 where b == 0, since a^0 is constant (as PyTorch)
                ga = g * ops.where(raw(b) == 0, 0, b * a ** (b - 1))
            if needs_b:
                # a^b log a; at a == 0 with b >= 0 its limit from the right, 0 (as PyTorch).
                # A negative base has no real logarithm: NaN, which detect_anomaly reports.
                zero = (raw(a) == 0) & (raw(b) >= 0)
                gb = g * ops.where(zero, 0, out * ops.log(a))
        return ga, gb


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def exponent_is_constant(exponent: Any) -> bool:
    """True for a Python or NumPy number: ``x ** p`` then becomes one ``Pow`` node."""
    return isinstance(exponent, int | float | np.integer | np.floating)


# ---- public functions: they check their operands, so the op classes above can trust them ----
def add(a: Any, b: Any) -> Tensor:
    """``a + b`` with broadcasting.

    >>> add(Tensor([1.0, 2.0]), 1.0)
    tensor([2., 3.])
    """
    return Add.apply(*as_tensor_pair(a, b))


def subtract(a: Any, b: Any) -> Tensor:
    """``a - b`` with broadcasting.

    >>> subtract(Tensor([3.0, 5.0]), Tensor([1.0, 2.0]))
    tensor([2., 3.])
    """
    return Sub.apply(*as_tensor_pair(a, b))


def multiply(a: Any, b: Any) -> Tensor:
    """``a * b`` with broadcasting.

    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> multiply(a, Tensor([4.0, 5.0])).sum().backward(); a.grad
    tensor([4., 5.])
    """
    return Mul.apply(*as_tensor_pair(a, b))


def divide(a: Any, b: Any) -> Tensor:
    """``a / b`` with broadcasting; true division, so integers give the default float dtype.

    >>> divide(Tensor([1, 2]), 2)
    tensor([0.5, 1. ])
    """
    a, b = as_tensor_pair(a, b)
    return Div.apply(a.as_float(), b.as_float())


def negative(x: Any) -> Tensor:
    """``-x``.

    >>> negative(Tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return Neg.apply(as_tensor(x))


def power(base: Any, exponent: Any) -> Tensor:
    """``base ** exponent``; a constant exponent makes one ``Pow`` node.

    >>> x = Tensor(3.0, requires_grad=True)
    >>> power(x, 2).backward(); x.grad
    tensor(6.)
    """
    if exponent_is_constant(exponent) and isinstance(base, Tensor):
        if base.dtype.kind in "iub" and isinstance(exponent, int | np.integer):
            return Pow.apply(base, exponent=int(exponent))  # int ** int stays int
        return Pow.apply(base.as_float(), exponent=float(exponent))
    return PowTensor.apply(*as_tensor_pair(base, exponent))
