"""Softmax and the fused losses: each one numerically stable and one node in the graph."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.backend import get_array_module
from chainrule.engine.function import Function
from chainrule.ops import arrays


class Softmax(Function):
    __slots__ = ("axis",)
    symbol = "softmax({0})"
    partials = ("diag(s) - s s^T",)

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return arrays.softmax(x, self.axis)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return out * (g - (g * out).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    __slots__ = ("axis",)
    symbol = "log_softmax({0})"
    partials = ("I - softmax({0})",)

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return arrays.log_softmax(x, self.axis)

    def backward(self, xp: Any, g: Any, out: Any, x: Any) -> Any:
        return g - xp.exp(out) * g.sum(axis=self.axis, keepdims=True)


class SoftmaxCrossEntropy(Function):
    """Mean cross-entropy of softmax(logits) against class labels or target distributions.

    ``target`` is a constant: int labels of shape (m,) or probabilities of shape (m, C).
    """

    __slots__ = ("probs", "target")
    symbol = "cross_entropy({0})"
    partials = ("(softmax({0}) - y)/m",)

    def __init__(self, target: Any) -> None:
        self.target = target

    def forward(self, logits: Any) -> Any:
        if self.target.dtype.kind in "iu":
            loss, self.probs = arrays.softmax_cross_entropy(logits, self.target)
            return loss
        log_probs = arrays.log_softmax(logits, -1)
        loss = -(self.target * log_probs).sum() / logits.shape[0]
        self.probs = np.exp(log_probs)
        return loss.astype(logits.dtype, copy=False)

    def backward(self, xp: Any, g: Any, out: Any, logits: Any) -> Any:
        scale = g / logits.shape[0]
        labels = self.target.dtype.kind in "iu"
        if xp is not arrays:  # create_graph: the same derivative, built from tensor ops
            probs = xp.softmax(logits, -1)
            target = _one_hot(self.target, probs.shape[-1], probs.dtype) if labels else self.target
            return (probs - target) * scale
        if labels:
            return arrays.softmax_cross_entropy_grad(self.probs, self.target, scale)
        return (self.probs - self.target) * scale


class BCEWithLogits(Function):
    """Mean binary cross-entropy of sigmoid(logits) against targets in [0, 1], stable."""

    __slots__ = ("target",)
    symbol = "bce({0})"
    partials = ("(sigmoid({0}) - y)/n",)

    def __init__(self, target: Any) -> None:
        self.target = target

    def forward(self, logits: Any) -> Any:
        # max(x, 0) - x y + log(1 + e^-|x|)
        loss = np.maximum(logits, 0) - logits * self.target + np.log1p(np.exp(-np.abs(logits)))
        return loss.mean().astype(logits.dtype, copy=False)

    def backward(self, xp: Any, g: Any, out: Any, logits: Any) -> Any:
        n = logits.size
        return (xp.sigmoid(logits) - self.target) * (g / n)


class QuadraticCost(Function):
    """The lecture's cost J = 1/(2m) sum_i ||y_i - a_i||^2, m = the batch size (first axis).

    PyTorch's ``MSELoss`` divides by every element (m * N^L) and has no 1/2: J here equals
    ``MSELoss()(a, y) * N^L / 2``.
    """

    __slots__ = ("target",)
    symbol = "J({0})"
    partials = ("({0} - y)/m",)

    def __init__(self, target: Any) -> None:
        self.target = target

    def forward(self, a: Any) -> Any:
        diff = a - self.target
        m = a.shape[0] if a.ndim else 1
        return (np.vdot(diff, diff) * (0.5 / m)).astype(a.dtype, copy=False)

    def backward(self, xp: Any, g: Any, out: Any, a: Any) -> Any:
        m = a.shape[0] if a.ndim else 1
        return (a - self.target) * (g / m)


def _one_hot(labels: Any, classes: int, dtype: Any) -> Any:
    xp = get_array_module(labels)
    out = xp.zeros((labels.shape[0], classes), dtype=dtype)
    out[xp.arange(labels.shape[0]), labels] = 1
    return out
