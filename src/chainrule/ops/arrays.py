"""The raw-array namespace a derivative is computed in during a plain ``backward()``.

It mirrors the names of chainrule's tensor functions (``chainrule.ops``), so that one
``backward`` serves both plain arrays and, under ``create_graph=True``, tensors. NumPy's own
functions dispatch to CuPy for device arrays.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import (  # noqa: F401 - re-exported as the namespace
    broadcast_to,
    concatenate,
    cos,
    exp,
    expand_dims,
    log,
    matmul,
    reshape,
    sin,
    sqrt,
    sum,
    swapaxes,
    tanh,
    transpose,
    where,
)

from chainrule.backend import ONE, get_array_module, to_device  # noqa: F401


def scatter(shape: tuple[int, ...], index: Any, values: Any) -> Any:
    """Zeros of ``shape`` with ``values`` added at ``index`` (repeated indices add up)."""
    xp = get_array_module(values)
    out = xp.zeros(shape, dtype=values.dtype)
    if is_basic_index(index):
        out[index] = values
    elif xp is np:
        np.add.at(out, index, values)
    else:  # pragma: no cover - GPU only
        xp.add.at(out, index, values)
    return out


def is_basic_index(index: Any) -> bool:
    """True for ints, slices, None and Ellipsis: an index that never repeats an element."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, int | slice | np.integer) or i is None or i is Ellipsis for i in items)


def fusable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An elementwise function run as written on NumPy arrays and tensors, and as one fused
    kernel (``cupy.fuse``) on CuPy arrays, where every separate operation would cost a launch.

    >>> double_plus_one = fusable(lambda x: 2 * x + 1)
    >>> double_plus_one(np.arange(3))
    array([1, 3, 5])
    """
    fused = None

    @functools.wraps(fn)
    def run(*args: Any) -> Any:
        nonlocal fused
        first = type(args[0])
        if first is np.ndarray or not first.__module__.startswith("cupy"):
            return fn(*args)
        if fused is None:
            import cupy

            fused = cupy.fuse(fn)
        return fused(*args)

    return run


def sigmoid(x: Any, out: Any = None) -> Any:
    """The logistic function 1 / (1 + e^-x) on an array (into ``out`` when given).

    It keeps its relative precision in both tails, where 0.5 (1 + tanh(x/2)) would round
    sigmoid(-40) to 0; the classic network calls it too, so both engines saturate alike.

    >>> [f"{v:.10g}" for v in sigmoid(np.array([-40.0, 0.0]))]  # libm rounds the last digit
    ['4.248354255e-18', '0.5']
    """
    if type(x) is not np.ndarray and get_array_module(x) is not np:  # the hot path: one test
        from chainrule.ops import cuda_kernels

        return cuda_kernels.sigmoid(x)
    # Far left e^-x overflows to inf and the result to its limit 0: no warning for that.
    if out is None:  # (a 0-d input gives NumPy scalars, which cannot be written in place)
        with np.errstate(over="ignore"):
            e = exp(-x)
        e += 1
        return 1 / e
    e = np.negative(x, out)
    with np.errstate(over="ignore"):
        np.exp(e, e)
    np.add(e, ONE[e.dtype.char], e)  # a typed 1: the add stays in e's dtype
    return np.reciprocal(e, e)


def erf(x: Any) -> Any:
    """The error function, elementwise (SciPy's, or CuPy's on a GPU; imported on first use)."""
    if get_array_module(x) is not np:
        from cupyx.scipy.special import erf as device_erf

        return device_erf(x)
    from scipy.special import erf as host_erf

    return host_erf(x).astype(x.dtype, copy=False)  # SciPy has no float16 erf: back from float64


def peak(x: Any, axis: Any) -> Any:
    """The maximum along ``axis``, kept as a length-1 axis; 0 for an empty array, whose max
    has no identity to start from (a shift by 0 changes nothing there)."""
    if x.size == 0:
        return x.sum(axis=axis, keepdims=True)
    return x.max(axis=axis, keepdims=True)


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the maximum so that nothing overflows."""
    shifted = x - peak(x, axis)
    e = exp(shifted)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(x: Any, axis: int = -1) -> Any:
    """log(softmax(x)) along ``axis``, without forming softmax (exact where it underflows)."""
    shifted = x - peak(x, axis)
    return shifted - log(exp(shifted).sum(axis=axis, keepdims=True))


def softmax_cross_entropy(logits: Any, labels: Any) -> tuple[Any, Any]:
    """Mean cross-entropy of softmax(logits) against int labels, and the softmax itself."""
    if get_array_module(logits) is not np:
        from chainrule.ops import cuda_kernels

        return cuda_kernels.softmax_cross_entropy(logits, labels)
    log_probs = log_softmax(logits, -1)
    m = logits.shape[0]
    loss = -log_probs[np.arange(m), labels].sum() / m
    return loss.astype(logits.dtype, copy=False), np.exp(log_probs)


def softmax_cross_entropy_grad(probs: Any, labels: Any, scale: Any) -> Any:
    """(probs - one_hot(labels)) * scale: the cross-entropy's derivative for int labels."""
    if get_array_module(probs) is not np:
        from chainrule.ops import cuda_kernels

        return cuda_kernels.softmax_cross_entropy_grad(probs, labels, scale)
    grad = probs.copy()
    grad[np.arange(probs.shape[0]), labels] -= 1
    grad *= scale
    return grad
