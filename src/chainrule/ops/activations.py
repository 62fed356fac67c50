"""Activation functions, each one node with its derivative beside it.

Where the derivative is a function of the output (sigmoid, tanh, relu) it is computed from the
saved output, as the lecture does: σ'(z) = a (1 - a).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.ops import arrays
from chainrule.ops._util import as_float_tensor, as_tensor, raw


# The three derivatives from saved outputs, each one fused kernel on a GPU.
@arrays.fusable
def _sigmoid_grad(g: Any, y: Any) -> Any:
    return g * y * (1 - y)


@arrays.fusable
def _tanh_grad(g: Any, y: Any) -> Any:
    return g * (1 - y * y)


@arrays.fusable
def _relu_grad(g: Any, y: Any) -> Any:
    return g * (y > 0)


class Sigmoid(Function):
    __slots__ = ()
    saved = ("out",)
    symbol = "sigmoid({0})"
    partials = ("{out}*(1 - {out})",)

    def forward(self, x: Any) -> Any:
        return arrays.sigmoid(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return _sigmoid_grad(g, out)


class Tanh(Function):
    __slots__ = ()
    saved = ("out",)
    symbol = "tanh({0})"
    partials = ("1 - {out}^2",)

    def forward(self, x: Any) -> Any:
        return np.tanh(x)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return _tanh_grad(g, out)


class ReLU(Function):
    __slots__ = ()
    saved = ("out",)
    symbol = "relu({0})"
    partials = ("[{0} > 0]",)

    def forward(self, x: Any) -> Any:
        return np.maximum(x, 0)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return _relu_grad(g, out)


class LeakyReLU(Function):
    __slots__ = ("slope",)
    symbol = "leaky_relu({0})"
    partials = ("[{0} > 0] + slope*[{0} <= 0]",)

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = slope

    def forward(self, x: Any) -> Any:
        return np.where(x > 0, x, x * self.slope)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return ops.where(raw(x) > 0, g, g * self.slope)


class ELU(Function):
    __slots__ = ("alpha",)
    symbol = "elu({0})"
    partials = ("[{0} > 0] + ({out} + alpha)*[{0} <= 0]",)

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Any:
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return ops.where(raw(x) > 0, g, g * (out + self.alpha))


class Softplus(Function):
    __slots__ = ()
    symbol = "softplus({0})"
    partials = ("sigmoid({0})",)

    def forward(self, x: Any) -> Any:
        return np.logaddexp(0, x).astype(x.dtype, copy=False)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        # sigmoid(x) = exp(x - softplus(x)); the exponent is never positive, so no overflow.
        return g * ops.exp(x - out)


_GELU_C = math.sqrt(2 / math.pi)
_GELU_K = 0.044715
GELU_FORMS = ("none", "tanh")


class GELU(Function):
    """GELU, x Φ(x) with Φ the standard normal CDF: exact through erf (``"none"``, PyTorch's
    default), or the tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    __slots__ = ("approximate",)
    symbol = "gelu({0})"

    def __init__(self, approximate: str = "none") -> None:
        self.approximate = approximate

    @property
    def partials(self) -> tuple[str, ...]:  # type: ignore[override]
        if self.approximate == "tanh":
            return ("0.5(1+t) + 0.5 {0} (1-t^2) c (1 + 3k {0}^2)",)
        return ("Phi({0}) + {0} phi({0})",)

    def forward(self, x: Any) -> Any:
        if self.approximate == "tanh":
            t = np.tanh(_GELU_C * (x + _GELU_K * x * x * x))
            return 0.5 * x * (1 + t)
        return 0.5 * x * (1 + arrays.erf(x * (1 / math.sqrt(2))))

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        if self.approximate == "tanh":
            t = ops.tanh(_GELU_C * (x + _GELU_K * x * x * x))
            du = _GELU_C * (1 + 3 * _GELU_K * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        cdf = 0.5 * (1 + ops.erf(x * (1 / math.sqrt(2))))
        pdf = ops.exp(-0.5 * (x * x)) * (1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf)


# ---- public functions: they check their operands, so the op classes above can trust them ----
def sigmoid(x: Any) -> Tensor:
    """The logistic function 1 / (1 + e^-x); its derivative a (1 - a) never exceeds 0.25.

    >>> x = Tensor(0.0, requires_grad=True)
    >>> sigmoid(x).backward(); x.grad
    tensor(0.25)
    """
    return Sigmoid.apply(as_float_tensor(x))


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent; derivative 1 - tanh^2, at most 1.

    >>> x = Tensor(0.0, requires_grad=True)
    >>> tanh(x).backward(); x.grad
    tensor(1.)
    """
    return Tanh.apply(as_float_tensor(x))


def relu(x: Any) -> Tensor:
    """max(x, 0); derivative 1 for x > 0, else 0.

    >>> relu(Tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return ReLU.apply(as_tensor(x))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope * x.

    >>> leaky_relu(Tensor([-100.0, 2.0]))
    tensor([-1.,  2.])
    """
    return LeakyReLU.apply(as_tensor(x), slope=float(negative_slope))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else alpha (e^x - 1).

    >>> elu(Tensor([-1.0, 2.0]))
    tensor([-0.63212055,  2.        ])
    """
    return ELU.apply(as_float_tensor(x), alpha=float(alpha))


def softplus(x: Any) -> Tensor:
    """log(1 + e^x), computed without overflow.

    >>> softplus(Tensor([1000.0]))
    tensor([1000.])
    """
    return Softplus.apply(as_float_tensor(x))


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """GELU, x Φ(x): exact (``"none"``, PyTorch's default) or its ``"tanh"`` approximation.

    >>> round(gelu(Tensor([1.0])).item(), 4), round(gelu(Tensor([1.0]), "tanh").item(), 4)
    (0.8413, 0.8412)
    """
    if approximate not in GELU_FORMS:
        raise ConfigError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(as_float_tensor(x), approximate=approximate)
