"""Elementwise functions of one or two tensors: exp, log, sqrt, abs, sin, cos, maximum..."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.backend import device_of, get_array_module
from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError
from chainrule.ops import arrays
from chainrule.ops._util import as_float_tensor, as_tensor, as_tensor_pair, index_to_cuda, raw


class Exp(Function):
    __slots__ = ()
    saved = ("out",)
    symbol = "exp({0})"
    partials = ("exp({0})",)

    def forward(self, x: Any) -> Any:
        return np.exp(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g * out


class Log(Function):
    __slots__ = ()
    saved = (0,)
    symbol = "log({0})"
    partials = ("1/{0}",)

    def forward(self, x: Any) -> Any:
        return np.log(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g / x


class Sqrt(Function):
    __slots__ = ()
    saved = ("out",)
    symbol = "sqrt({0})"
    partials = ("1/(2*sqrt({0}))",)

    def forward(self, x: Any) -> Any:
        return np.sqrt(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g / (2 * out)


class Abs(Function):
    __slots__ = ()
    symbol = "abs({0})"
    partials = ("sign({0})",)

    def forward(self, x: Any) -> Any:
        return np.abs(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g * np.sign(raw(x))


class Sin(Function):
    __slots__ = ()
    symbol = "sin({0})"
    partials = ("cos({0})",)

    def forward(self, x: Any) -> Any:
        return np.sin(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g * ops.cos(x)


class Cos(Function):
    __slots__ = ()
    symbol = "cos({0})"
    partials = ("-sin({0})",)

    def forward(self, x: Any) -> Any:
        return np.cos(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return -g * ops.sin(x)


class Erf(Function):
    __slots__ = ()
    symbol = "erf({0})"
    partials = ("2/sqrt(pi) exp(-{0}^2)",)

    def forward(self, x: Any) -> Any:
        return arrays.erf(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g * (ops.exp(-(x * x)) * (2 / math.sqrt(math.pi)))


class Maximum(Function):
    """Elementwise maximum; at ties each side gets half the gradient (as PyTorch does)."""

    __slots__ = ()
    symbol = "max({0}, {1})"
    partials = ("[{0} > {1}]", "[{1} > {0}]")

    def forward(self, a: Any, b: Any) -> Any:
        return np.maximum(a, b)

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        return _split_by_winner(g, raw(a), raw(b))


class Minimum(Function):
    __slots__ = ()
    symbol = "min({0}, {1})"
    partials = ("[{0} < {1}]", "[{1} < {0}]")

    def forward(self, a: Any, b: Any) -> Any:
        return np.minimum(a, b)

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
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

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
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
    saved = ()
    symbol = "where(c, {0}, {1})"
    partials = ("[c]", "[not c]")

    def __init__(self, condition: Any) -> None:
        self.condition = condition

    def forward(self, a: Any, b: Any) -> Any:
        return np.where(self.condition, a, b)

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        zero = g.dtype.type(0)
        return (
            ops.where(self.condition, g, zero) if needs_a else None,
            ops.where(self.condition, zero, g) if needs_b else None,
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

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
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

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return ops.to_device(g, device_of(raw(x)))


# ---- public functions: they check their operands, so the op classes above can trust them ----
def exp(x: Any) -> Tensor:
    """e ** x, elementwise.

    >>> exp(Tensor([0, 1]))
    tensor([1.      , 2.718282])
    """
    return Exp.apply(as_float_tensor(x))


def log(x: Any) -> Tensor:
    """Natural logarithm, elementwise.

    >>> x = Tensor([2.0, 4.0], requires_grad=True)
    >>> log(x).sum().backward(); x.grad
    tensor([0.5 , 0.25])
    """
    return Log.apply(as_float_tensor(x))


def sqrt(x: Any) -> Tensor:
    """Square root, elementwise.

    >>> sqrt(Tensor([4.0, 9.0]))
    tensor([2., 3.])
    """
    return Sqrt.apply(as_float_tensor(x))


def abs(x: Any) -> Tensor:
    """|x|, elementwise (gradient sign(x), 0 at 0).

    >>> x = Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> abs(x).sum().backward(); x.grad
    tensor([-1.,  0.,  1.])
    """
    return Abs.apply(as_tensor(x))


def erf(x: Any) -> Tensor:
    """The error function, elementwise; its derivative is 2/sqrt(pi) e^(-x^2).

    >>> x = Tensor(0.0, requires_grad=True)
    >>> erf(x).backward(); round(x.grad.item(), 4)
    1.1284
    """
    return Erf.apply(as_float_tensor(x))


def sin(x: Any) -> Tensor:
    """Sine, elementwise.

    >>> x = Tensor(0.0, requires_grad=True)
    >>> sin(x).backward(); x.grad
    tensor(1.)
    """
    return Sin.apply(as_float_tensor(x))


def cos(x: Any) -> Tensor:
    """Cosine, elementwise.

    >>> cos(Tensor([0.0]))
    tensor([1.])
    """
    return Cos.apply(as_float_tensor(x))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum of two tensors.

    >>> maximum(Tensor([1.0, 5.0]), Tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    return Maximum.apply(*as_tensor_pair(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum of two tensors.

    >>> minimum(Tensor([1.0, 5.0]), Tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    return Minimum.apply(*as_tensor_pair(a, b))


def clip(x: Any, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit values to [min, max] (either may be None).

    >>> clip(Tensor([-2.0, 0.5, 3.0]), 0.0, 1.0)
    tensor([0. , 0.5, 1. ])
    """
    x = as_tensor(x)
    low, high = _bound(min, x), _bound(max, x)
    return Clip.apply(x, low=low, high=high)


def clamp(x: Any, min: float | None = None, max: float | None = None) -> Tensor:
    """PyTorch's name for ``clip``.

    >>> clamp(Tensor([-2.0, 0.5, 2.0]), min=-1.0, max=1.0)
    tensor([-1. ,  0.5,  1. ])
    """
    return clip(x, min, max)


def _bound(value: Any, x: Tensor) -> Any:
    """A clip bound in ``x``'s dtype: a number as a Python float, an array (elementwise
    bounds, as torch.clamp takes) cast, so a float64 bound never upcasts a float32 tensor."""
    if value is None:
        return None
    value = raw(value)
    if np.ndim(value) == 0:
        return float(value)
    return x._lift(value).array


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; ``condition`` is a constant.

    >>> where([True, False], Tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    """
    ta, tb = as_tensor_pair(a, b)
    condition = raw(condition)
    if isinstance(condition, np.ndarray | np.generic | bool | list):
        condition = np.asarray(condition, dtype=bool)
    if ta.device == "cuda" and device_of(condition) == "cpu":
        condition = index_to_cuda(np.asarray(condition))
    condition_shape = condition.shape if hasattr(condition, "shape") else np.shape(condition)
    try:
        np.broadcast_shapes(condition_shape, ta.shape, tb.shape)
    except ValueError:
        raise ShapeError(
            f"where: condition {condition_shape} and values {ta.shape} and {tb.shape} "
            "cannot be broadcast together"
        ) from None
    return Where.apply(ta, tb, condition=condition)


def astype(x: Any, dtype: Any) -> Tensor:
    """A copy in another dtype; the gradient flows back in the original dtype.

    >>> astype(Tensor([1.0]), np.float64)
    tensor([1.], dtype=float64)
    """
    return AsType.apply(as_tensor(x), dtype=dtype)


def to_device(x: Any, device: str) -> Tensor:
    """A copy on ``"cpu"`` or ``"cuda"``; the gradient flows back.

    >>> to_device(Tensor([1.0]), "cpu").device
    'cpu'
    """
    return ToDevice.apply(as_tensor(x), device=str(device).split(":")[0])
