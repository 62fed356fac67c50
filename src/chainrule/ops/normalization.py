"""Batch normalization in training mode as one node (instead of about eight)."""

from __future__ import annotations

from typing import Any

from chainrule.engine.function import Function
from chainrule.ops import arrays


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
        self, xp: Any, g: Any, out: Any, x: Any, weight: Any = None, bias: Any = None
    ) -> Any:
        axes = self.axes
        if xp is arrays:
            x_hat, inv_std = self.x_hat, self.inv_std
        else:  # create_graph: rebuild x̂ from tensors so that it can be differentiated again
            inv_std = (x.var(axis=axes, keepdims=True) + self.eps) ** -0.5
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
