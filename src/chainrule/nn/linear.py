"""``Linear`` (the lecture's z = W a + b, one fused node) and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule import backend, ops
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.nn import init as init_module
from chainrule.nn.init import Initializer, Seed
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter


class Linear(Module):
    """``y = x @ W.T + b`` for rows of samples: the lecture's layer z = W a + b.

    ``weight`` has shape (out_features, in_features), the lecture's W with entries w_jk (from
    input k to unit j), as in PyTorch. Computed by the fused ``chainrule.linear`` op, one node.

    ``init`` picks the weights: ``"default"`` is PyTorch's (kaiming_uniform with a=sqrt(5),
    which is U(-1/sqrt(in), 1/sqrt(in))); any name of ``nn.init.INITIALIZERS`` (``"normal"``
    is the lecture's N(0, 1), ``"normal_scaled"`` is N(0, 1/in)); or a callable
    ``init(shape, rng) -> array``. ``bias_init`` picks the bias the same way; by default it
    follows ``init``: U(-1/sqrt(in), 1/sqrt(in)) for ``"default"`` (PyTorch), N(0, 1) for
    ``"normal"`` (the lecture and Nielsen), zeros for every other scheme. Weights are drawn
    before the bias from ``rng`` (a Generator or a seed), so one seed gives one layer.

    >>> from chainrule import nn
    >>> layer = nn.Linear(3, 2, rng=0)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer.weight.shape, layer.bias.shape
    ((2, 3), (2,))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str | Initializer = "default",
        bias_init: str | Initializer | None = None,
        rng: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
                raise ConfigError(f"Linear: {name} must be a positive int, got {n!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.zeros(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(init, bias_init, rng)

    def reset_parameters(
        self,
        init: str | Initializer = "default",
        bias_init: str | Initializer | None = None,
        rng: Seed = None,
    ) -> None:
        """Draw new weights (and bias) as the constructor does."""
        rng = init_module.as_generator(rng)
        bound = 1.0 / math.sqrt(self.in_features)
        is_default = isinstance(init, str) and init.lower() == "default"
        weight_init = _uniform_init(bound) if is_default else init_module.get_initializer(init)
        self.weight.array = _drawn(weight_init, self.weight, rng, "init")
        if self.bias is None:
            return
        if bias_init is None:
            if is_default:
                bias_init = _uniform_init(bound)
            elif isinstance(init, str) and init.lower() == "normal":
                bias_init = init_module.normal
            else:
                bias_init = init_module.zeros
        bias_initializer = init_module.get_initializer(bias_init)
        self.bias.array = _drawn(bias_initializer, self.bias, rng, "bias_init")

    def forward(self, x: Tensor) -> Tensor:
        return ops.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


def _uniform_init(bound: float) -> Initializer:
    def draw(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return init_module.uniform(shape, rng, -bound, bound, dtype=np.float64)

    return draw


def _drawn(fn: Initializer, param: Parameter, rng: np.random.Generator, what: str) -> Any:
    if any(fn is known for known in init_module.INITIALIZERS.values()):
        values = fn(tuple(param.shape), rng, dtype=np.float64)  # cast once, below
    else:
        values = backend.to_numpy(fn(tuple(param.shape), rng))
    if values.shape != param.shape:
        raise ConfigError(
            f"Linear: {what} returned shape {values.shape}, the parameter is {param.shape}"
        )
    return backend.to_device(values.astype(param.dtype), param.device)


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a removed layer).

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> x = cr.tensor([1.0]); nn.Identity()(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x
