"""Losses as modules: ``loss_fn(output, target)`` gives a scalar tensor (by default).

Targets may be NumPy arrays, lists or tensors; they are constants (no gradient flows into
them) except in ``MSELoss``, which, like PyTorch, also differentiates a target that requires
a gradient. The fused ops keep each default loss one node in the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import ops
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, ShapeError
from chainrule.nn.module import Module

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ConfigError(
                f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class QuadraticCost(Module):
    """The lecture's cost J = 1/(2m) Σ_i ||y_i - a_i||², m = the batch size (first axis).

    Convention against PyTorch: ``MSELoss`` (mean) divides by every element, m · N^L, and has
    no 1/2, so J = MSELoss()(a, y) · N^L / 2 for outputs of shape (m, N^L). The 1/2 makes
    ∂J/∂a = (a - y)/m, the lecture's ∇_a C averaged over the batch. One fused node.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.QuadraticCost()(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), [[1.0, 0.0], [0.0, 4.0]])
    tensor(3.25)
    """

    def forward(self, output: Tensor, target: Any) -> Tensor:
        if isinstance(target, Tensor) and target.requires_grad:
            output = _as_tensor(output)
            diff = output - target
            m = output.shape[0] if output.ndim else 1
            return (diff * diff).sum() * (0.5 / m)
        return ops.quadratic_cost(output, target)


class MSELoss(_Loss):
    """Mean squared error, PyTorch's: mean (default), sum or elementwise (``"none"``) of
    (output - target)². ``MSELoss()(a, y) == 2 · QuadraticCost()(a, y) / N^L``.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.MSELoss()(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), [[1.0, 0.0], [0.0, 4.0]])
    tensor(3.25)
    """

    def forward(self, output: Tensor, target: Any) -> Tensor:
        output = _as_tensor(output)
        empty_sum = self.reduction == "sum" and output.size == 0  # 0, where the fused mean is 0/0
        if (
            self.reduction == "none"
            or empty_sum
            or (isinstance(target, Tensor) and target.requires_grad)
        ):
            target = target if isinstance(target, Tensor) else output._lift(np.asarray(target))
            if target.shape != output.shape:
                raise ShapeError(f"MSELoss: outputs {output.shape} but targets {target.shape}")
            diff = output - target
            squared = diff * diff
            if self.reduction == "none":
                return squared
            return squared.sum() if self.reduction == "sum" else squared.mean()
        # The fused quadratic cost is sum/(2m); rescale it to sum or sum/size.
        m = output.shape[0] if output.ndim else 1
        size = max(output.size, 1)
        factor = 2.0 * m if self.reduction == "sum" else 2.0 * m / size
        return ops.quadratic_cost(output, target) * factor


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from logits (m, C) against int labels (m,) or target
    probabilities (m, C), as PyTorch's ``CrossEntropyLoss``; see :func:`chainrule.cross_entropy`
    for the options. The default mean is one fused node whose gradient is
    (softmax(logits) - y) / m.

    As in PyTorch: ``weight`` (one per class) scales each example's loss by its class's
    weight and the mean divides by the sum of those weights; labels equal to
    ``ignore_index`` count for nothing; ``label_smoothing`` ε mixes the target with the
    uniform distribution, (1 - ε) y + ε / C. (The options are keywords here: the first
    positional argument stays ``reduction``.)

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> round(nn.CrossEntropyLoss()(cr.tensor([[0.0, 0.0]]), [1]).item(), 4)
    0.6931
    """

    def __init__(
        self,
        reduction: str = "mean",
        *,
        weight: Any = None,
        ignore_index: int = -100,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        self.weight = ops.cross_entropy_options(weight, label_smoothing, "CrossEntropyLoss")
        self.ignore_index = int(ignore_index)
        self.label_smoothing = float(label_smoothing)

    def forward(self, logits: Tensor, target: Any) -> Tensor:
        return ops.cross_entropy(
            logits,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        options = [super().extra_repr()] if self.reduction != "mean" else []
        if self.weight is not None:
            options.append(f"weight={self.weight.tolist()}")
        if self.ignore_index != -100:
            options.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing:
            options.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(options)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1], computed from the
    logits without overflow (PyTorch's ``BCEWithLogitsLoss``, without ``pos_weight``).

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> round(nn.BCEWithLogitsLoss()(cr.tensor([0.0, 0.0]), [1.0, 0.0]).item(), 4)
    0.6931
    """

    def forward(self, logits: Tensor, target: Any) -> Tensor:
        logits = _as_tensor(logits)
        if self.reduction == "mean" or (self.reduction == "sum" and logits.size):
            loss = ops.binary_cross_entropy_with_logits(logits, target)
            return loss if self.reduction == "mean" else loss * float(logits.size)
        target = logits._lift(target.array if isinstance(target, Tensor) else np.asarray(target))
        if target.shape != logits.shape:
            raise ShapeError(f"BCEWithLogitsLoss: logits {logits.shape} but targets {target.shape}")
        # -[y log σ(x) + (1 - y) log(1 - σ(x))] = softplus(x) - x y
        rows = ops.softplus(logits) - logits * target
        return rows.sum() if self.reduction == "sum" else rows


class NLLLoss(_Loss):
    """Negative log-likelihood of (m, C) log-probabilities against int labels (m,), as
    PyTorch's ``NLLLoss``: pair it with ``LogSoftmax`` (together they are
    ``CrossEntropyLoss``). ``weight`` (one per class) scales each example's loss and the mean
    divides by the sum of those weights; labels equal to ``ignore_index`` count for nothing.
    Built from the indexing and reduction ops, so its graph shows each step.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.NLLLoss()(cr.tensor([[-0.5, -1.0], [-2.0, -0.25]]), [0, 1])
    tensor(0.375)
    """

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight = ops.cross_entropy_options(weight, 0.0, "NLLLoss")
        self.ignore_index = int(ignore_index)

    def forward(self, log_probs: Tensor, target: Any) -> Tensor:
        log_probs = _as_tensor(log_probs)
        labels = np.asarray(target.numpy() if isinstance(target, Tensor) else target)
        if log_probs.ndim != 2 or labels.shape != log_probs.shape[:1]:
            raise ShapeError(
                f"NLLLoss needs (batch, classes) inputs and (batch,) labels, got "
                f"{log_probs.shape} and {labels.shape}"
            )
        if labels.dtype.kind not in "iu":
            raise ShapeError(f"NLLLoss: labels must be integers, got {labels.dtype}")
        kept = labels != self.ignore_index
        classes = log_probs.shape[1]
        if ((labels[kept] < 0) | (labels[kept] >= classes)).any():
            raise ShapeError(f"NLLLoss: labels must lie in [0, {classes}), got {labels.tolist()}")
        safe = np.where(kept, labels, 0)
        weights = kept.astype(log_probs.dtype)
        if self.weight is not None:
            weights = weights * np.asarray(self.weight, dtype=log_probs.dtype)[safe]
        rows = -log_probs[np.arange(len(labels)), safe] * weights
        if self.reduction == "none":
            return rows
        return rows.sum() if self.reduction == "sum" else rows.sum() / float(weights.sum())
