"""Batch normalization in training mode as one node (instead of about eight)."""

from __future__ import annotations

from typing import Any

from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.ops import arrays
from chainrule.ops._util import as_tensor


class BatchNorm(Function):
    """(x - mean) / sqrt(var + eps) * weight + bias, with mean and var the batch statistics of
    x over ``axes``; the gradient flows through them too.

    ``mean`` and ``var`` come in as constants (the caller needs them for running statistics);
    the op knows they are functions of x and differentiates accordingly.
    """

    __slots__ = ("axes", "eps", "inv_std", "mean", "var", "x_hat")
    symbol = "batchnorm({0})"
    partials = ("(γ/σ)(I - 1/n - x̂ x̂ᵀ/n)", "sum(x̂ (.))", "sum(.)")

    def __init__(self, axes: tuple[int, ...], eps: float, mean: Any, var: Any) -> None:
        self.axes, self.eps, self.mean, self.var = axes, eps, mean, var

    def forward(self, x: Any, weight: Any = None, bias: Any = None) -> Any:
        self.inv_std = 1.0 / arrays.sqrt(self.var + self.eps)
        self.x_hat = (x - self.mean) * self.inv_std
        if weight is None:
            return self.x_hat
        shape = self.inv_std.shape  # (1, C) or (1, C, 1)
        return self.x_hat * weight.reshape(shape) + bias.reshape(shape)

    def backward(
        self, ops: Any, g: Any, out: Any, x: Any, weight: Any = None, bias: Any = None
    ) -> Any:
        axes = self.axes
        if ops is arrays:
            x_hat, inv_std = self.x_hat, self.inv_std
        else:  # create_graph: rebuild x̂ from tensors so that it can be differentiated again
            inv_std = (x.var(axes, correction=0, keepdim=True) + self.eps) ** -0.5
            x_hat = (x - x.mean(axis=axes, keepdims=True)) * inv_std
        shape = inv_std.shape
        g_hat = g if weight is None else g * weight.reshape(shape)
        gx = inv_std * (
            g_hat
            - g_hat.mean(axis=axes, keepdims=True)
            - x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True)
        )
        if weight is None:
            return gx
        needs = self.needs_input_grad
        gw = (g * x_hat).sum(axis=axes).reshape(weight.shape) if needs[1] else None
        gb = g.sum(axis=axes).reshape(bias.shape) if needs[2] else None
        return gx, gw, gb


# ---- public functions: they check their operands, so the op classes above can trust them ----
def batch_norm(
    x: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    axes: tuple[int, ...] = (0,),
    eps: float = 1e-5,
) -> tuple[Tensor, Any, Any]:
    """Normalize ``x`` by its batch statistics over ``axes``, then scale and shift: one node.

    Returns the output and the batch mean and (biased) variance as raw arrays, which a
    ``BatchNorm1d`` module folds into its running statistics.

    >>> out, m, v = batch_norm(Tensor([[1.0], [3.0]]), None, None)
    >>> out.numpy().round(3).ravel().tolist(), m.item(), v.item()
    ([-1.0, 1.0], 2.0, 1.0)
    """
    x = as_tensor(x)
    if (weight is None) != (bias is None):
        raise ConfigError("batch_norm: give both weight and bias (affine) or neither")
    data = x.array
    mean = data.mean(axis=axes, keepdims=True)
    var = data.var(axis=axes, keepdims=True)
    params = () if weight is None else (weight, bias)
    out = BatchNorm.apply(x, *params, axes=tuple(axes), eps=float(eps), mean=mean, var=var)
    return out, mean, var
