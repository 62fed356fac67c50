"""chainrule's differentiable ops, as functions on tensors (NumPy names where NumPy has one).

Each function checks its operands, then applies one op class from the modules beside this one.
This module is also the namespace a derivative is computed in under ``create_graph=True``, so it
offers the same names as ``chainrule.ops.arrays``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule import backend
from chainrule.engine import autograd
from chainrule.engine import tensor as _tensor_module
from chainrule.engine.tensor import Tensor, as_array, promote
from chainrule.errors import ConfigError, ShapeError
from chainrule.ops import arrays
from chainrule.ops._util import int_tuple, normalize_axes, raw
from chainrule.ops.activations import (
    ELU,
    GELU,
    GELU_FORMS,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
)
from chainrule.ops.arithmetic import Add, Div, Mul, Neg, Pow, PowTensor, Sub, exponent_is_constant
from chainrule.ops.elementwise import (
    Abs,
    AsType,
    Clip,
    Cos,
    Erf,
    Exp,
    Log,
    Maximum,
    Minimum,
    Sin,
    Sqrt,
    ToDevice,
    Where,
)
from chainrule.ops.linalg import Linear, MatMul
from chainrule.ops.losses import (
    BCEWithLogits,
    LogSoftmax,
    QuadraticCost,
    Softmax,
    SoftmaxCrossEntropy,
)
from chainrule.ops.normalization import BatchNorm
from chainrule.ops.reductions import LogSumExp, Max, Mean, Min, Sum, Var
from chainrule.ops.shape import (
    BroadcastTo,
    Concatenate,
    GetItem,
    Reshape,
    Scatter,
    Stack,
    Transpose,
)

__all__ = [
    "abs",
    "add",
    "astype",
    "batch_norm",
    "binary_cross_entropy_with_logits",
    "broadcast_to",
    "clip",
    "concatenate",
    "cos",
    "cross_entropy",
    "divide",
    "elu",
    "erf",
    "exp",
    "expand_dims",
    "flatten",
    "gelu",
    "getitem",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "power",
    "quadratic_cost",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "softplus",
    "sqrt",
    "squeeze",
    "stack",
    "subtract",
    "sum",
    "swapaxes",
    "tanh",
    "to_device",
    "transpose",
    "var",
    "where",
]


def _t(x: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return like._lift(x) if like is not None else Tensor(x)


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one kind: constants lifted to the tensor's dtype, an
    integer tensor meeting a float one promoted to it (PyTorch's rule, see ``promote``)."""
    if isinstance(a, Tensor):
        return a._operands(b)
    if isinstance(b, Tensor):
        b, a = b._operands(a)
        return a, b
    return promote(Tensor(a), Tensor(b))


def _float(x: Any) -> Tensor:
    """``x`` as a float tensor: integers take the default float dtype, as PyTorch's exp(int)."""
    return _t(x).as_float()


# ---- arithmetic -----------------------------------------------------------------------------
def add(a: Any, b: Any) -> Tensor:
    """``a + b`` with broadcasting.

    >>> add(Tensor([1.0, 2.0]), 1.0)
    tensor([2., 3.])
    """
    return Add.apply(*_pair(a, b))


def subtract(a: Any, b: Any) -> Tensor:
    """``a - b`` with broadcasting.

    >>> subtract(Tensor([3.0, 5.0]), Tensor([1.0, 2.0]))
    tensor([2., 3.])
    """
    return Sub.apply(*_pair(a, b))


def multiply(a: Any, b: Any) -> Tensor:
    """``a * b`` with broadcasting.

    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> multiply(a, Tensor([4.0, 5.0])).sum().backward(); a.grad
    tensor([4., 5.])
    """
    return Mul.apply(*_pair(a, b))


def divide(a: Any, b: Any) -> Tensor:
    """``a / b`` with broadcasting; true division, so integers give the default float dtype.

    >>> divide(Tensor([1, 2]), 2)
    tensor([0.5, 1. ])
    """
    a, b = _pair(a, b)
    return Div.apply(a.as_float(), b.as_float())


def negative(x: Any) -> Tensor:
    """``-x``.

    >>> negative(Tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return Neg.apply(_t(x))


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
    return PowTensor.apply(*_pair(base, exponent))


# ---- elementwise ----------------------------------------------------------------------------
def exp(x: Any) -> Tensor:
    """e ** x, elementwise.

    >>> exp(Tensor([0, 1]))
    tensor([1.      , 2.718282])
    """
    return Exp.apply(_float(x))


def log(x: Any) -> Tensor:
    """Natural logarithm, elementwise.

    >>> x = Tensor([2.0, 4.0], requires_grad=True)
    >>> log(x).sum().backward(); x.grad
    tensor([0.5 , 0.25])
    """
    return Log.apply(_float(x))


def sqrt(x: Any) -> Tensor:
    """Square root, elementwise.

    >>> sqrt(Tensor([4.0, 9.0]))
    tensor([2., 3.])
    """
    return Sqrt.apply(_float(x))


def abs(x: Any) -> Tensor:
    """|x|, elementwise (gradient sign(x), 0 at 0).

    >>> x = Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> abs(x).sum().backward(); x.grad
    tensor([-1.,  0.,  1.])
    """
    return Abs.apply(_t(x))


def erf(x: Any) -> Tensor:
    """The error function, elementwise; its derivative is 2/sqrt(pi) e^(-x^2).

    >>> x = Tensor(0.0, requires_grad=True)
    >>> erf(x).backward(); round(x.grad.item(), 4)
    1.1284
    """
    return Erf.apply(_float(x))


def sin(x: Any) -> Tensor:
    """Sine, elementwise.

    >>> x = Tensor(0.0, requires_grad=True)
    >>> sin(x).backward(); x.grad
    tensor(1.)
    """
    return Sin.apply(_float(x))


def cos(x: Any) -> Tensor:
    """Cosine, elementwise.

    >>> cos(Tensor([0.0]))
    tensor([1.])
    """
    return Cos.apply(_float(x))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum of two tensors.

    >>> maximum(Tensor([1.0, 5.0]), Tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    return Maximum.apply(*_pair(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum of two tensors.

    >>> minimum(Tensor([1.0, 5.0]), Tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    return Minimum.apply(*_pair(a, b))


def clip(x: Any, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit values to [min, max] (either may be None).

    >>> clip(Tensor([-2.0, 0.5, 3.0]), 0.0, 1.0)
    tensor([0. , 0.5, 1. ])
    """
    x = _t(x)
    low, high = _bound(min, x), _bound(max, x)
    return Clip.apply(x, low=low, high=high)


def _bound(value: Any, x: Tensor) -> Any:
    """A clip bound in ``x``'s dtype: a number as a Python float, an array (elementwise
    bounds, as torch.clamp takes) cast, so a float64 bound never upcasts a float32 tensor."""
    if value is None:
        return None
    value = raw(value)
    if np.ndim(value) == 0:
        return float(value)
    return x._lift(value).data


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; ``condition`` is a constant.

    >>> where([True, False], Tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    """
    ta, tb = _pair(a, b)
    condition = raw(condition)
    if isinstance(condition, np.ndarray | np.generic | bool | list):
        condition = np.asarray(condition, dtype=bool)
    if ta.device == "cuda" and not _on_device(condition):
        condition = _index_on_device(np.asarray(condition))
    condition_shape = condition.shape if hasattr(condition, "shape") else np.shape(condition)
    try:
        np.broadcast_shapes(condition_shape, ta.shape, tb.shape)
    except ValueError:
        raise ShapeError(
            f"where: condition {condition_shape} and values {ta.shape} and {tb.shape} "
            "cannot be broadcast together"
        ) from None
    return Where.apply(ta, tb, condition=condition)


# ---- activations ----------------------------------------------------------------------------
def sigmoid(x: Any) -> Tensor:
    """The logistic function 1 / (1 + e^-x); its derivative a (1 - a) never exceeds 0.25.

    >>> x = Tensor(0.0, requires_grad=True)
    >>> sigmoid(x).backward(); x.grad
    tensor(0.25)
    """
    return Sigmoid.apply(_float(x))


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent; derivative 1 - tanh^2, at most 1.

    >>> x = Tensor(0.0, requires_grad=True)
    >>> tanh(x).backward(); x.grad
    tensor(1.)
    """
    return Tanh.apply(_float(x))


def relu(x: Any) -> Tensor:
    """max(x, 0); derivative 1 for x > 0, else 0.

    >>> relu(Tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return ReLU.apply(_t(x))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope * x.

    >>> leaky_relu(Tensor([-100.0, 2.0]))
    tensor([-1.,  2.])
    """
    return LeakyReLU.apply(_t(x), slope=float(negative_slope))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else alpha (e^x - 1).

    >>> elu(Tensor([-1.0, 2.0]))
    tensor([-0.63212055,  2.        ])
    """
    return ELU.apply(_float(x), alpha=float(alpha))


def softplus(x: Any) -> Tensor:
    """log(1 + e^x), computed without overflow.

    >>> softplus(Tensor([1000.0]))
    tensor([1000.])
    """
    return Softplus.apply(_float(x))


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """GELU, x Φ(x): exact (``"none"``, PyTorch's default) or its ``"tanh"`` approximation.

    >>> round(gelu(Tensor([1.0])).item(), 4), round(gelu(Tensor([1.0]), "tanh").item(), 4)
    (0.8413, 0.8412)
    """
    if approximate not in GELU_FORMS:
        raise ConfigError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_float(x), approximate=approximate)


# ---- reductions -----------------------------------------------------------------------------
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (all axes by default).

    >>> sum(Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    tensor([4., 6.])
    """
    x = _t(x)
    return Sum.apply(x, axes=normalize_axes(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes by default).

    >>> mean(Tensor([1.0, 2.0, 6.0]))
    tensor(3.)
    """
    x = _float(x)
    return Mean.apply(x, axes=normalize_axes(axis, x.ndim, "mean"), keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; tied maxima share the gradient.

    >>> x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> max(x).backward(); x.grad
    tensor([0. , 0.5, 0.5])
    """
    x = _t(x)
    axes = normalize_axes(axis, x.ndim, "max")
    _check_not_empty(x, axes, "max")
    return Max.apply(x, axes=axes, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; tied minima share the gradient.

    >>> min(Tensor([[1.0, 4.0], [3.0, 2.0]]), axis=1)
    tensor([1., 2.])
    """
    x = _t(x)
    axes = normalize_axes(axis, x.ndim, "min")
    _check_not_empty(x, axes, "min")
    return Min.apply(x, axes=axes, keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population variance (ddof=0) over ``axis``.

    >>> var(Tensor([1.0, 3.0]))
    tensor(1.)
    """
    x = _float(x)
    return Var.apply(x, axes=normalize_axes(axis, x.ndim, "var"), keepdims=keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``axis``, without overflow.

    >>> logsumexp(Tensor([1000.0, 1000.0]))
    tensor(1000.6932)
    """
    x = _float(x)
    return LogSumExp.apply(x, axes=normalize_axes(axis, x.ndim, "logsumexp"), keepdims=keepdims)


def _check_not_empty(x: Tensor, axes: tuple[int, ...] | None, op: str) -> None:
    """A max or min over an axis of length 0 has no value (an empty result is fine)."""
    if x.size == 0 and (axes is None or any(x.shape[a] == 0 for a in axes)):
        raise ShapeError(f"{op} over an empty axis of a tensor of shape {x.shape}")


# ---- softmax and losses ---------------------------------------------------------------------
def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, stable for large inputs.

    >>> softmax(Tensor([1000.0, 1000.0]))
    tensor([0.5, 0.5])
    """
    x = _float(x)
    normalize_axes(axis, x.ndim, "softmax")
    if x.ndim == 0:  # a scalar is its own only class: softmax 1, as PyTorch
        return reshape(Softmax.apply(reshape(x, (1,)), axis=0), ())
    return Softmax.apply(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log(softmax(x)) along ``axis``, computed without forming softmax.

    >>> log_softmax(Tensor([0.0, 1000.0]))
    tensor([-1000.,     0.])
    """
    x = _float(x)
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
    if not 0.0 <= label_smoothing <= 1.0:
        raise ConfigError(
            f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing!r}"
        )
    logits = _t(logits)
    labels_on_host = not _on_device(raw(target))
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


def _class_weights(weight: Any, logits: Tensor) -> Any:
    if weight is None:
        return None
    weight = np.asarray(raw(weight)) if not _on_device(raw(weight)) else raw(weight)
    if weight.ndim != 1 or weight.dtype.kind not in "iuf":
        raise ConfigError(
            f"cross_entropy: weight must be one number per class, got {weight.dtype} of "
            f"shape {weight.shape}"
        )
    if weight.shape != (logits.shape[1],):
        raise ShapeError(
            f"cross_entropy: {logits.shape[1]} classes but weight of shape {weight.shape}"
        )
    return backend.to_device(weight.astype(logits.dtype), logits.device)


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
    xp = backend.get_array_module(logits.data)
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
    logits = _t(logits)
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
    a = _t(a)
    y = _target_like(a, y, "quadratic_cost", float_only=True)
    if y.shape != a.shape:
        raise ShapeError(f"quadratic_cost: outputs {a.shape} but targets {y.shape}")
    _check_batch(a, "quadratic_cost")
    return QuadraticCost.apply(a, target=y)


def _check_batch(x: Tensor, op: str) -> None:
    """A mean over no samples is 0/0: say so instead of returning NaN."""
    if x.size == 0:
        raise ShapeError(f"{op}: the batch is empty (shape {x.shape}); there is nothing to average")


def _on_device(value: Any) -> bool:
    return type(value).__module__.startswith("cupy")


def _target_like(x: Tensor, target: Any, op: str, float_only: bool = False) -> Any:
    target = raw(target)
    from chainrule.backend import device_of, to_device

    target = as_array(target)
    if device_of(target) != x.device:
        target = to_device(target, x.device)
    if target.dtype.kind == "f" or float_only:
        target = target.astype(x.dtype, copy=False)
    if target.dtype.kind not in "iuf":
        raise ShapeError(f"{op}: targets of dtype {target.dtype} are not numbers")
    return target


# ---- shapes ---------------------------------------------------------------------------------
def reshape(x: Any, shape: Any) -> Tensor:
    """The same elements in a new shape (one dimension may be -1).

    >>> reshape(Tensor([1.0, 2.0, 3.0, 4.0]), (2, -1)).shape
    (2, 2)
    """
    x = _t(x)
    shape = int_tuple(shape, "reshape")
    try:
        target = _reshaped_shape(x.shape, shape)
    except ValueError:
        raise ShapeError(
            f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}"
        ) from None
    return Reshape.apply(x, shape=target)


def _reshaped_shape(shape: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    size = int(np.prod(shape))
    if new.count(-1) > 1:
        raise ValueError
    known = int(np.prod([n for n in new if n != -1]))
    if -1 in new:
        if known == 0 or size % known:
            raise ValueError
        new = tuple(size // known if n == -1 else n for n in new)
    if int(np.prod(new)) != size:
        raise ValueError
    return new


def flatten(x: Any, start_dim: int = 0) -> Tensor:
    """Merge the axes from ``start_dim`` on into one.

    >>> flatten(Tensor(np.zeros((2, 3, 4))), start_dim=1).shape
    (2, 12)
    """
    x = _t(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    (start,) = normalize_axes(start_dim, x.ndim, "flatten")
    return reshape(x, (*x.shape[:start], -1))


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Drop axes of length 1.

    >>> squeeze(Tensor(np.zeros((1, 3, 1)))).shape
    (3,)
    """
    x = _t(x)
    axes = normalize_axes(axis, x.ndim, "squeeze")
    if axes is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ShapeError(f"squeeze: axis {a} has length {x.shape[a]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def expand_dims(x: Any, axis: Any) -> Tensor:
    """Insert axes of length 1 at ``axis``.

    >>> expand_dims(Tensor([1.0, 2.0]), 0).shape
    (1, 2)
    """
    x = _t(x)
    new_axes = int_tuple(axis, "expand_dims")
    normalize_axes(new_axes, x.ndim + len(new_axes), "expand_dims")  # raises when out of range
    return reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape)


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Reverse (or permute, with ``axes``) the axes.

    >>> transpose(Tensor(np.zeros((2, 3, 4)))).shape, transpose(Tensor([[1.0, 2.0, 3.0]])).shape
    ((4, 3, 2), (3, 1))
    """
    x = _t(x)
    if axes is not None:
        axes = tuple(axes)
        normalize_axes(axes, x.ndim, "transpose")  # raises when an axis is out of range
        axes = tuple(a % x.ndim for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ShapeError(f"transpose: axes {axes} are not a permutation of {x.ndim} dims")
    return Transpose.apply(x, axes=axes)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.

    >>> swapaxes(Tensor(np.zeros((2, 3, 4))), 0, 2).shape
    (4, 3, 2)
    """
    x = _t(x)
    for axis in (axis1, axis2):  # one at a time: swapping an axis with itself is a no-op
        normalize_axes(axis, x.ndim, "swapaxes")  # raises when out of range
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, tuple(axes))


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` (NumPy's rules).

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> broadcast_to(x, (3, 2)).sum().backward(); x.grad
    tensor([3., 3.])
    """
    x = _t(x)
    shape = tuple(shape)
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast {x.shape} to {shape}") from None
    return BroadcastTo.apply(x, shape=shape)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]``: basic slicing and integer-array indexing.

    >>> getitem(Tensor([10.0, 20.0, 30.0]), [2, 0])
    tensor([30., 10.])
    """
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    elif isinstance(index, list):
        index = np.asarray(index)
    if x.device == "cuda":  # integer-array indices must live where the data lives
        index = _index_on_device(index)
    try:
        return GetItem.apply(x, index=index)
    except IndexError as exc:
        raise ShapeError(f"indexing a tensor of shape {x.shape}: {exc}") from None


def _index_on_device(index: Any) -> Any:
    from chainrule.backend import to_device

    if isinstance(index, np.ndarray):
        return to_device(index, "cuda")
    if isinstance(index, tuple):
        return tuple(to_device(i, "cuda") if isinstance(i, np.ndarray) else i for i in index)
    return index


def scatter(shape: tuple[int, ...], index: Any, values: Tensor) -> Tensor:
    """Zeros of ``shape`` with ``values`` added at ``index`` (the adjoint of indexing).

    >>> scatter((4,), np.array([0, 0, 2]), Tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3., 0.])
    """
    return Scatter.apply(_t(values), shape=tuple(shape), index=index)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (arrays and lists take the tensors' dtype).

    >>> concatenate([Tensor([1.0]), [2.0, 3.0]])
    tensor([1., 2., 3.])
    """
    ts = _join_operands(tensors)
    if not ts:
        raise ShapeError("concatenate needs at least one tensor")
    _check_same_except(ts, axis, "concatenate")
    return Concatenate.apply(*ts, axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis (arrays and lists take the tensors' dtype).

    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])], axis=1).shape
    (2, 2)
    """
    ts = _join_operands(tensors)
    if not ts:
        raise ShapeError("stack needs at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise ShapeError(f"stack needs tensors of one shape, got {sorted(shapes)}")
    normalize_axes(axis, ts[0].ndim + 1, "stack")  # the new axis: raises when out of range
    return Stack.apply(*ts, axis=axis)


def _join_operands(items: Sequence[Any]) -> list[Tensor]:
    like = next((t for t in items if isinstance(t, Tensor)), None)
    return [_t(t, like=like) for t in items]


def _check_same_except(ts: list[Tensor], axis: int, op: str) -> None:
    ndims = {t.ndim for t in ts}
    if len(ndims) > 1 or 0 in ndims:
        raise ShapeError(f"{op}: tensors of shapes {[t.shape for t in ts]} do not line up")
    normalize_axes(axis, ts[0].ndim, op)  # raises when out of range
    axis = axis % ts[0].ndim
    rest = {t.shape[:axis] + t.shape[axis + 1 :] for t in ts}
    if len(rest) > 1:
        raise ShapeError(f"{op} along axis {axis}: shapes {[t.shape for t in ts]} differ elsewhere")


# ---- matrix products ------------------------------------------------------------------------
def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's rules (1-D, 2-D and batched).

    >>> import chainrule as cr
    >>> cr.matmul(cr.tensor(np.ones((3, 4))), cr.tensor(np.ones((5, 6))))
    Traceback (most recent call last):
    ...
    chainrule.errors.ShapeError: matmul of (3, 4) by (5, 6): inner dimensions 4 and 5 differ
    """
    a, b = _pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul of {a.shape} by {b.shape}: scalars have no matrix product")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul of {a.shape} by {b.shape}: inner dimensions {inner_a} and {inner_b} differ"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"matmul of {a.shape} by {b.shape}: batch dimensions {a.shape[:-2]} and "
            f"{b.shape[:-2]} cannot be broadcast together"
        ) from None
    return MatMul.apply(a, b)


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` as one node; ``weight`` is (out, in) as in the lecture's W.

    An ``x`` that is not a tensor (a NumPy batch) takes the weight's dtype, as in ``matmul``.

    >>> linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 1.0]]), Tensor([0.5]))
    tensor([[3.5]])
    """
    x = _t(x, like=weight).as_float(weight.dtype)
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {x.shape} does not fit a weight of shape {weight.shape} "
            f"(which takes {weight.shape[-1] if weight.ndim else '?'} features)"
        )
    if bias is None:
        return Linear.apply(x, weight)
    if bias.shape != (weight.shape[0],):
        raise ShapeError(f"linear: bias of shape {bias.shape} for a weight of {weight.shape}")
    return Linear.apply(x, weight, bias)


# ---- normalization --------------------------------------------------------------------------
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
    x = _t(x)
    if (weight is None) != (bias is None):
        raise ConfigError("batch_norm: give both weight and bias (affine) or neither")
    data = x.data
    mean = data.mean(axis=axes, keepdims=True)
    var = data.var(axis=axes, keepdims=True)
    params = () if weight is None else (weight, bias)
    out = BatchNorm.apply(x, *params, axes=tuple(axes), eps=float(eps), mean=mean, var=var)
    return out, mean, var


# ---- dtypes and devices ---------------------------------------------------------------------
def astype(x: Any, dtype: Any) -> Tensor:
    """A copy in another dtype; the gradient flows back in the original dtype.

    >>> astype(Tensor([1.0]), np.float64)
    tensor([1.], dtype=float64)
    """
    return AsType.apply(_t(x), dtype=dtype)


def to_device(x: Any, device: str) -> Tensor:
    """A copy on ``"cpu"`` or ``"cuda"``; the gradient flows back.

    >>> to_device(Tensor([1.0]), "cpu").device
    'cpu'
    """
    return ToDevice.apply(_t(x), device=str(device).split(":")[0])


_tensor_module.bind_ops(sys.modules[__name__])
autograd.bind_namespaces(arrays, sys.modules[__name__])
