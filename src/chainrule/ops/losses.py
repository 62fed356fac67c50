"""Softmax and the fused losses: each one numerically stable and one node in the graph."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.backend import device_of, get_array_module, to_device
from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor, as_array
from chainrule.errors import ConfigError, ShapeError
from chainrule.ops import arrays
from chainrule.ops._util import as_float_tensor, as_tensor, normalize_axes, raw
from chainrule.ops.shape import reshape


class Softmax(Function):
    __slots__ = ("axis",)
    symbol = "softmax({0})"
    partials = ("diag(s) - s s^T",)

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return arrays.softmax(x, self.axis)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return out * (g - (g * out).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    __slots__ = ("axis",)
    symbol = "log_softmax({0})"
    partials = ("I - softmax({0})",)

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return arrays.log_softmax(x, self.axis)

    def backward(self, ops: Any, g: Any, out: Any, x: Any) -> Any:
        return g - ops.exp(out) * g.sum(axis=self.axis, keepdims=True)


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

    def backward(self, ops: Any, g: Any, out: Any, logits: Any) -> Any:
        scale = g / logits.shape[0]
        labels = self.target.dtype.kind in "iu"
        if ops is not arrays:  # create_graph: the same derivative, built from tensor ops
            probs = ops.softmax(logits, -1)
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

    def backward(self, ops: Any, g: Any, out: Any, logits: Any) -> Any:
        n = logits.size
        return (ops.sigmoid(logits) - self.target) * (g / n)


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

    def backward(self, ops: Any, g: Any, out: Any, a: Any) -> Any:
        m = a.shape[0] if a.ndim else 1
        return (a - self.target) * (g / m)


def _one_hot(labels: Any, classes: int, dtype: Any) -> Any:
    xp = get_array_module(labels)
    out = xp.zeros((labels.shape[0], classes), dtype=dtype)
    out[xp.arange(labels.shape[0]), labels] = 1
    return out


# ---- public functions: they check their operands, so the op classes above can trust them ----
def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, stable for large inputs.

    >>> softmax(Tensor([1000.0, 1000.0]))
    tensor([0.5, 0.5])
    """
    axis = axis if dim is None else dim
    x = as_float_tensor(x)
    normalize_axes(axis, x.ndim, "softmax")
    if x.ndim == 0:  # a scalar is its own only class: softmax 1, as PyTorch
        return reshape(Softmax.apply(reshape(x, (1,)), axis=0), ())
    return Softmax.apply(x, axis=axis)


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along ``axis``, computed without forming softmax.

    >>> log_softmax(Tensor([0.0, 1000.0]))
    tensor([-1000.,     0.])
    """
    axis = axis if dim is None else dim
    x = as_float_tensor(x)
    normalize_axes(axis, x.ndim, "log_softmax")
    if x.ndim == 0:
        return reshape(LogSoftmax.apply(reshape(x, (1,)), axis=0), ())
    return LogSoftmax.apply(x, axis=axis)


def cross_entropy(
    logits: Tensor,
    target: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> Tensor:
    """Softmax cross-entropy of (m, C) logits against int labels (m,) or probabilities (m, C),
    as PyTorch's ``F.cross_entropy``.

    ``weight`` (one per class) scales each example's loss by its class's weight, and the mean
    divides by the sum of those weights; labels equal to ``ignore_index`` count for nothing;
    ``label_smoothing`` ε mixes the target with the uniform distribution, (1 - ε) y + ε / C.
    ``reduction`` is ``"mean"``, ``"sum"`` or ``"none"`` (one loss per example). The plain
    mean is one fused node whose gradient is (softmax(logits) - y) / m.

    Labels already on the GPU are neither range-checked nor searched for ``ignore_index``:
    reading them back would stall the device every step. Host labels always are.

    >>> import chainrule as cr
    >>> cr.cross_entropy(cr.tensor([[0.0, 0.0]]), [1]).item()  # doctest: +ELLIPSIS
    0.693...
    >>> loss = cr.cross_entropy(cr.tensor([[2.0, 0.0], [0.0, 1.0]]), [0, -100], label_smoothing=0.1)
    >>> round(loss.item(), 4)
    0.2269
    """
    if reduction not in ("mean", "sum", "none"):
        raise ConfigError(f"cross_entropy: reduction must be mean, sum or none, got {reduction!r}")
    weight = cross_entropy_options(weight, label_smoothing, "cross_entropy")
    logits = as_tensor(logits)
    labels_on_host = device_of(raw(target)) == "cpu"
    target = _target_like(logits, target, "cross_entropy")
    if logits.ndim != 2:
        raise ShapeError(f"cross_entropy needs (batch, classes) logits, got shape {logits.shape}")
    if reduction == "mean":  # a sum or the rows of no examples are defined, the mean is 0/0
        _check_batch(logits, "cross_entropy")
    m, classes = logits.shape
    ignored = False
    if target.dtype.kind in "iu":
        if target.shape != (m,):
            raise ShapeError(
                f"cross_entropy: {m} rows of logits but labels of shape {target.shape}"
            )
        if labels_on_host:
            ignored = _check_labels(target, classes, ignore_index)
    elif target.shape != logits.shape:
        raise ShapeError(f"cross_entropy: logits {logits.shape} but targets {target.shape}")
    if weight is None and not label_smoothing and not ignored and reduction != "none" and m:
        loss = SoftmaxCrossEntropy.apply(logits, target=target)
        return loss if reduction == "mean" else loss * float(m)
    return _cross_entropy_rows(
        logits, target, _class_weights(weight, logits), ignore_index, label_smoothing, reduction
    )


def _check_labels(labels: Any, classes: int, ignore_index: int) -> bool:
    """Raise unless every label is a class or ``ignore_index``; True if some are ignored."""
    if not labels.size:
        return False
    low, high = int(labels.min()), int(labels.max())
    if low >= 0 and high < classes:  # the usual case: one pass each for min and max
        return 0 <= ignore_index < classes and bool((labels == ignore_index).any())
    outside = labels[(labels < 0) | (labels >= classes)]
    if (outside != ignore_index).any():
        bad = outside[outside != ignore_index]
        raise ShapeError(
            f"cross_entropy: labels must lie in [0, {classes - 1}] or be "
            f"ignore_index={ignore_index}, got {int(bad.min())}..{int(bad.max())} among them"
        )
    return True


def cross_entropy_options(weight: Any, label_smoothing: float, who: str) -> Any:
    """Check cross-entropy's options (for ``who``, the function or the module): returns the
    class weights as an array (or None).

    >>> cross_entropy_options([1, 2], 0.1, "CrossEntropyLoss").tolist()
    [1, 2]
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ConfigError(f"{who}: label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    if weight is None:
        return None
    weight = np.asarray(raw(weight)) if device_of(raw(weight)) == "cpu" else raw(weight)
    if weight.ndim != 1 or weight.dtype.kind not in "iuf":
        raise ConfigError(
            f"{who}: weight must be one number per class, got {weight.dtype} of "
            f"shape {weight.shape}"
        )
    return weight


def _class_weights(weight: Any, logits: Tensor) -> Any:
    if weight is None:
        return None
    if weight.shape != (logits.shape[1],):
        raise ShapeError(
            f"cross_entropy: {logits.shape[1]} classes but weight of shape {weight.shape}"
        )
    return to_device(weight.astype(logits.dtype), logits.device)


def _cross_entropy_rows(
    logits: Tensor,
    target: Any,
    weight: Any,
    ignore_index: int,
    smoothing: float,
    reduction: str,
) -> Tensor:
    """The general form, from tensor ops: one loss per example, weighted, then reduced."""
    m, classes = logits.shape
    xp = get_array_module(logits.array)
    log_probs = log_softmax(logits, -1)
    if target.dtype.kind == "f":
        y = target * (1 - smoothing) + smoothing / classes if smoothing else target
        if weight is not None:
            y = y * weight
        rows = -(log_probs * y).sum(axis=-1)
        count = float(m)
    else:
        keep = target != ignore_index
        safe = xp.where(keep, target, 0)
        counts = keep.astype(logits.dtype)  # each example's weight: w[label], 0 if ignored
        if weight is not None:
            counts = counts * weight[safe]
        rows = log_probs[xp.arange(m), safe] * (-(1 - smoothing) * counts)
        if smoothing:
            per_class = log_probs if weight is None else log_probs * weight
            rows = rows + per_class.sum(axis=-1) * (-(smoothing / classes) * keep)
        count = float(counts.sum()) if reduction == "mean" else 1.0
        if reduction == "mean" and count == 0:
            raise ShapeError(
                "cross_entropy: no example counts (every label is ignore_index or has weight "
                "0), so the mean is 0/0"
            )
    if reduction == "none":
        return rows
    return rows.sum() if reduction == "sum" else rows.sum() / count


def binary_cross_entropy_with_logits(logits: Tensor, target: Any) -> Tensor:
    """Mean binary cross-entropy of sigmoid(logits) against targets in [0, 1], stable.

    >>> round(binary_cross_entropy_with_logits(Tensor([0.0]), [1.0]).item(), 4)
    0.6931
    """
    logits = as_tensor(logits)
    target = _target_like(logits, target, "binary_cross_entropy_with_logits", float_only=True)
    if target.shape != logits.shape:
        raise ShapeError(
            f"binary_cross_entropy_with_logits: logits {logits.shape} but targets {target.shape}"
        )
    _check_batch(logits, "binary_cross_entropy_with_logits")
    return BCEWithLogits.apply(logits, target=target)


def quadratic_cost(a: Tensor, y: Any) -> Tensor:
    """The lecture's J = 1/(2m) sum_i ||y_i - a_i||^2 with m = ``a.shape[0]``.

    >>> quadratic_cost(Tensor([[1.0], [3.0]]), [[0.0], [1.0]])
    tensor(1.25)
    """
    a = as_tensor(a)
    y = _target_like(a, y, "quadratic_cost", float_only=True)
    if y.shape != a.shape:
        raise ShapeError(f"quadratic_cost: outputs {a.shape} but targets {y.shape}")
    _check_batch(a, "quadratic_cost")
    return QuadraticCost.apply(a, target=y)


def _check_batch(x: Tensor, op: str) -> None:
    """A mean over no samples is 0/0: say so instead of returning NaN."""
    if x.size == 0:
        raise ShapeError(f"{op}: the batch is empty (shape {x.shape}); there is nothing to average")


def _target_like(x: Tensor, target: Any, op: str, float_only: bool = False) -> Any:
    target = as_array(raw(target))
    if device_of(target) != x.device:
        target = to_device(target, x.device)
    if target.dtype.kind == "f" or float_only:
        target = target.astype(x.dtype, copy=False)
    if target.dtype.kind not in "iuf":
        raise ShapeError(f"{op}: targets of dtype {target.dtype} are not numbers")
    return target
