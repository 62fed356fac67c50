"""Fused CUDA kernels for the few derivatives whose NumPy form launches many small kernels.

On a GPU each CuPy call costs about as much host time as a small kernel takes to run, so a
loss written as ten array operations is ten launches. These do the same arithmetic in one or
two. CuPy is imported, and each kernel compiled, on first use only.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any


@functools.cache
def _kernels() -> SimpleNamespace:
    import cupy

    return SimpleNamespace(
        cupy=cupy,
        sigmoid=cupy.ElementwiseKernel("T x", "T y", "y = 1 / (1 + exp(-x))", "chainrule_sigmoid"),
        subtract_scaled=cupy.ElementwiseKernel(
            "T g, T scale", "T p", "p -= scale * g", "chainrule_subtract_scaled"
        ),
        exp_shifted=cupy.ElementwiseKernel(
            "T x, T peak", "T e", "e = exp(x - peak)", "chainrule_exp_shifted"
        ),
        # -log softmax(x)[label] = log(sum) + peak - x[label], one row per thread
        row_loss=cupy.ElementwiseKernel(
            "raw T x, T peak, T total, int64 label, int64 classes",
            "T loss",
            "loss = log(total) + peak - x[i * classes + label]",
            "chainrule_softmax_ce_rows",
        ),
        # (softmax - one_hot(label)) * scale, one element per thread
        grad=cupy.ElementwiseKernel(
            "T p, raw int64 label, T scale, int64 classes",
            "T g",
            "g = (p - (T)((i % classes) == label[i / classes])) * scale",
            "chainrule_softmax_ce_grad",
        ),
    )


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x) in one launch."""
    return _kernels().sigmoid(x)


def subtract_scaled(p: Any, g: Any, scale: float) -> None:
    """p -= scale * g, in place, in one launch (the SGD step)."""
    _kernels().subtract_scaled(g, p.dtype.type(scale), p)


def softmax_cross_entropy(logits: Any, labels: Any) -> tuple[Any, Any]:
    """Mean cross-entropy of softmax(logits) against int labels, and the softmax itself."""
    k = _kernels()
    x = k.cupy.ascontiguousarray(logits)
    labels = labels.astype(k.cupy.int64, copy=False)
    peak = x.max(axis=1, keepdims=True)
    probs = k.exp_shifted(x, peak)
    total = probs.sum(axis=1, keepdims=True)
    probs /= total
    rows = k.row_loss(x, peak.ravel(), total.ravel(), labels, x.shape[1])
    return rows.mean(), probs


def softmax_cross_entropy_grad(probs: Any, labels: Any, scale: Any) -> Any:
    """(probs - one_hot(labels)) * scale in one launch."""
    k = _kernels()
    labels = labels.astype(k.cupy.int64, copy=False)
    scale = k.cupy.asarray(scale, dtype=probs.dtype)
    return k.grad(probs, labels, scale, probs.shape[1])
