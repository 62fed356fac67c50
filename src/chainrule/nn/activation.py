"""Activation layers: each one applies one of chainrule's activation ops (one graph node)."""

from __future__ import annotations

from chainrule import ops
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.nn import functional as F
from chainrule.nn.module import Module


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^-x), elementwise; σ' = σ (1 - σ) is at most 1/4.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.Sigmoid()(cr.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, x: Tensor) -> Tensor:
        return ops.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.Tanh()(cr.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return ops.tanh(x)


class ReLU(Module):
    """max(x, 0), elementwise.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.ReLU()(cr.tensor([-1.0, 2.0]))
    tensor([0., 2.])

    ``inplace=True`` writes the result into the input, as PyTorch's does.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, else ``negative_slope`` · x.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.LeakyReLU(0.1)(cr.tensor([-1.0, 2.0]))
    tensor([-0.1,  2. ])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, else ``alpha`` (e^x - 1).

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.ELU()(cr.tensor([0.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = float(alpha)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """GELU, x Φ(x): exact with ``approximate="none"`` (the default, as PyTorch's
    ``nn.GELU()``), or the tanh form 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))) with
    ``approximate="tanh"``; the two differ by less than about 1e-3.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.GELU()(cr.tensor([0.0, 1.0]))
    tensor([0.       , 0.8413447])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ops.GELU_FORMS:
            raise ConfigError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return ops.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(βx)) / β, computed without overflow; its derivative is σ(βx).

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> round(nn.Softplus()(cr.tensor([0.0])).item(), 4)
    0.6931
    """

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        if not beta > 0:
            raise ConfigError(f"Softplus: beta must be > 0, got {beta!r}")
        self.beta = float(beta)

    def forward(self, x: Tensor) -> Tensor:
        if self.beta == 1.0:
            return ops.softplus(x)
        return ops.softplus(x * self.beta) * (1.0 / self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class Softmax(Module):
    """exp(x) / Σ exp(x) along ``dim`` (the last axis by default).

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.Softmax(dim=1)(cr.tensor([[0.0, 0.0]]))
    tensor([[0.5, 0.5]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = int(dim)

    def forward(self, x: Tensor) -> Tensor:
        return ops.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed without forming the softmax.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> round(nn.LogSoftmax()(cr.tensor([[0.0, 0.0]]))[0, 0].item(), 4)
    -0.6931
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = int(dim)

    def forward(self, x: Tensor) -> Tensor:
        return ops.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
