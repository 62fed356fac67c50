"""The compiled kernels of the ops a training step is made of: each one writes into buffers
allocated once, with ``out=``, the same NumPy operations in the same order as the op's eager
``forward`` and ``backward``, so that a replayed step gives the eager step's numbers bit for bit.

A kernel is a closure ``kernel(x, y)``: ``x`` is the step's input batch and ``y`` its targets;
every other array it touches is bound when the plan is built. The plan is a chain (each value
feeds one op), so a buffer no later kernel reads may be overwritten in place: an activation
writes over the ``Linear`` output it reads, and its derivative over the gradient it receives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.backend import ONE, ZERO
from chainrule.engine.tensor import Tensor
from chainrule.i18n import _
from chainrule.ops.activations import ReLU, Sigmoid, Tanh
from chainrule.ops.linalg import Linear
from chainrule.ops.losses import QuadraticCost, SoftmaxCrossEntropy

Kernel = Callable[[Any, Any], Any]
NO_KERNEL: Kernel | None = None

matmul, add, subtract, multiply = np.matmul, np.add, np.subtract, np.multiply


class NotCompilable(Exception):
    """Why a step cannot be compiled: its one-line message is the fallback's reason."""


class Buffers:
    """The arrays of one plan: each traced tensor's value and gradient, by tensor identity.

    ``value(t)`` is ``None`` for the step's input, which arrives anew with every call.
    """

    def __init__(self, step_input: Tensor) -> None:
        self.step_input = step_input
        self.values: dict[int, Any] = {}
        self.grads: dict[int, Any] = {}
        self.param_grads: dict[int, tuple[Tensor, Any]] = {}
        # views of one flat buffer per optimizer group, set by the plan before the kernels
        self.param_views: dict[int, Any] = {}
        self.uses_sigmoid = False
        self.label_index: Any = None  # the flat index of each row's label (cross-entropy)
        # the loss gradient's factor 1/m, a 0-d array its backward kernel multiplies by, and m:
        # an update that folds α into the loss gradient refills it with α/m (see ``update``)
        self.seed: Any = None
        self.rows = 0

    def value(self, t: Tensor) -> Any:
        if t is self.step_input:
            return None
        if t.grad_fn is None:  # a parameter: its own array, guarded by the plan
            return t.array
        return self.values[id(t)]

    def new_value(self, node: Tensor, reuse: Tensor | None = None) -> Any:
        """A buffer for ``node``'s value; ``reuse``'s own when that one is a ``Linear``
        output (read by no backward, and by no other op in a chain)."""
        if reuse is not None and isinstance(reuse.grad_fn, Linear):
            array = self.values[id(reuse)]
        else:
            array = np.empty_like(node.array)
        self.values[id(node)] = array
        return array

    def grad(self, t: Tensor) -> Any:
        return self.grads[id(t)]

    def new_grad(self, t: Tensor, array: Any = None) -> Any:
        """The buffer ``t``'s gradient is written into (``array`` when given, else a new one);
        a parameter's is remembered, to become its ``.grad``."""
        if array is None:
            array = self.param_views.get(id(t))
        if array is None:
            array = np.empty_like(t.array)
        self.grads[id(t)] = array
        if t.grad_fn is None:
            self.param_grads[id(t)] = (t, array)
        return array


# ---- Linear: x @ W.T + b ------------------------------------------------------------------
def linear_forward(fn: Linear, node: Tensor, bufs: Buffers) -> Kernel:
    x_t, w_t = fn.inputs[0], fn.inputs[1]
    if x_t.ndim != 2:
        raise NotCompilable(_("linear on a {n}-d input has no compiled kernel").format(n=x_t.ndim))
    src, w_transposed = bufs.value(x_t), w_t.array.T
    bias = fn.inputs[2].array if len(fn.inputs) == 3 else None
    out = bufs.new_value(node)

    def run(x: Any, y: Any) -> None:
        matmul(x if src is None else src, w_transposed, out)
        if bias is not None:
            add(out, bias, out)

    return run


def linear_backward(fn: Linear, node: Tensor, bufs: Buffers) -> Kernel:
    needs = fn.needs_input_grad
    x_t, w_t = fn.inputs[0], fn.inputs[1]
    g, weight, src = bufs.grad(node), w_t.array, bufs.value(x_t)
    g_transposed = g.T
    gx = bufs.new_grad(x_t) if needs[0] else None
    gw = bufs.new_grad(w_t) if needs[1] else None
    gb = bufs.new_grad(fn.inputs[2]) if len(fn.inputs) == 3 and needs[2] else None

    def run(x: Any, y: Any) -> None:
        if gx is not None:
            matmul(g, weight, gx)
        if gw is not None:
            matmul(g_transposed, x if src is None else src, gw)
        if gb is not None:
            np.add.reduce(g, 0, None, gb)

    return run


# ---- activations: computed over the Linear output, derivatives over the incoming gradient ----
def sigmoid_forward(fn: Sigmoid, node: Tensor, bufs: Buffers) -> Kernel:
    """1 / (1 + e^-x) as ``arrays.sigmoid`` computes it (the caller ignores overflow)."""
    src, out = _activation_buffers(fn, node, bufs)
    one = ONE[out.dtype.char]
    bufs.uses_sigmoid = True

    def run(x: Any, y: Any) -> None:
        np.negative(x if src is None else src, out)
        np.exp(out, out)
        add(out, one, out)
        np.reciprocal(out, out)

    return run


def tanh_forward(fn: Tanh, node: Tensor, bufs: Buffers) -> Kernel:
    src, out = _activation_buffers(fn, node, bufs)
    return lambda x, y: np.tanh(x if src is None else src, out)


def relu_forward(fn: ReLU, node: Tensor, bufs: Buffers) -> Kernel:
    src, out = _activation_buffers(fn, node, bufs)
    zero = ZERO[out.dtype.char]  # a 0-d array: NumPy converts a Python 0 at every call
    return lambda x, y: np.maximum(x if src is None else src, zero, out=out)


def _activation_buffers(fn: Any, node: Tensor, bufs: Buffers) -> tuple[Any, Any]:
    source = fn.inputs[0]
    return bufs.value(source), bufs.new_value(node, reuse=source)


def sigmoid_backward(fn: Sigmoid, node: Tensor, bufs: Buffers) -> Kernel | None:
    """g * y * (1 - y), in that order, over g and then over y (no later kernel reads them)."""
    g, y_out = _derivative_buffers(fn, node, bufs)
    if g is None:
        return NO_KERNEL
    one = ONE[y_out.dtype.char]

    def run(x: Any, y: Any) -> None:
        multiply(g, y_out, g)
        subtract(one, y_out, y_out)
        multiply(g, y_out, g)

    return run


def tanh_backward(fn: Tanh, node: Tensor, bufs: Buffers) -> Kernel | None:
    """g * (1 - y * y)."""
    g, y_out = _derivative_buffers(fn, node, bufs)
    if g is None:
        return NO_KERNEL
    one = ONE[y_out.dtype.char]

    def run(x: Any, y: Any) -> None:
        multiply(y_out, y_out, y_out)
        subtract(one, y_out, y_out)
        multiply(g, y_out, g)

    return run


def relu_backward(fn: ReLU, node: Tensor, bufs: Buffers) -> Kernel | None:
    """g * (y > 0)."""
    g, y_out = _derivative_buffers(fn, node, bufs)
    if g is None:
        return NO_KERNEL
    mask = np.empty(y_out.shape, dtype=bool)
    zero = ZERO[y_out.dtype.char]

    def run(x: Any, y: Any) -> None:
        np.greater(y_out, zero, mask)
        multiply(g, mask, g)

    return run


def _derivative_buffers(fn: Any, node: Tensor, bufs: Buffers) -> tuple[Any, Any]:
    if not fn.needs_input_grad[0]:
        return None, None
    g = bufs.grad(node)
    bufs.new_grad(fn.inputs[0], g)  # the input's gradient is written over the incoming one
    return g, bufs.values[id(node)]


# ---- losses: the forward kernel returns J; the backward writes ∂J/∂input in place ----------
def quadratic_forward(fn: QuadraticCost, node: Tensor, bufs: Buffers) -> Kernel:
    """J = vdot(a - y, a - y) * (0.5 / m); a - y stays in a buffer for the derivative."""
    a_t = fn.inputs[0]
    src, dtype = bufs.value(a_t), a_t.dtype
    if a_t.ndim != 2:
        raise NotCompilable(
            _("a quadratic cost of {n}-d outputs is not compiled").format(n=a_t.ndim)
        )
    diff = bufs.values[id(node)] = np.empty_like(a_t.array)
    half_over_m = 0.5 / a_t.shape[0]
    # vdot of float32 arrays times a Python float is float32 already: then no astype
    retype = (np.vdot(_zero(dtype), _zero(dtype)) * half_over_m).dtype != dtype

    def run(x: Any, y: Any) -> Any:
        target = y if y.dtype == dtype else y.astype(dtype)
        subtract(x if src is None else src, target, diff)
        loss = np.vdot(diff, diff) * half_over_m
        return loss.astype(dtype) if retype else loss

    return run


def quadratic_backward(fn: QuadraticCost, node: Tensor, bufs: Buffers) -> Kernel | None:
    """(a - y) * (1 / m), over the difference the forward kernel kept."""
    if not fn.needs_input_grad[0]:
        return NO_KERNEL
    a_t = fn.inputs[0]
    diff = bufs.values[id(node)]
    scale = _seed(bufs, a_t)
    bufs.new_grad(a_t, diff)
    return lambda x, y: multiply(diff, scale, diff)


def cross_entropy_forward(fn: SoftmaxCrossEntropy, node: Tensor, bufs: Buffers) -> Kernel:
    """log_softmax, the mean of -log p[label], then p = exp(log p) kept for the derivative.

    Each row's label is found by its flat index (row * classes + label): ``take`` and ``put``
    on it pick the same elements as ``[rows, labels]``, in a third of the time.
    """
    logits_t = fn.inputs[0]
    if fn.target.dtype.kind not in "iu" or logits_t.ndim != 2:
        raise NotCompilable(_("cross-entropy against probabilities is not compiled"))
    src, dtype = bufs.value(logits_t), logits_t.dtype
    m, classes = logits_t.shape
    row_starts = np.arange(m) * classes
    flat = bufs.label_index = np.empty(m, dtype=np.intp)
    # log p, then p, then the gradient, in one buffer
    log_probs = bufs.values[id(node)] = np.empty_like(logits_t.array)
    exps = np.empty_like(log_probs)
    column = np.empty((m, 1), dtype=dtype)
    # -sum / m of a float32 sum is float32 already: the eager astype changes nothing then
    retype = (-_zero(dtype).sum() / m).dtype != dtype
    take, top, total = log_probs.take, np.maximum.reduce, np.add.reduce

    def run(x: Any, y: Any) -> Any:
        logits = x if src is None else src
        top(logits, -1, None, column, True)
        subtract(logits, column, log_probs)
        np.exp(log_probs, exps)
        total(exps, -1, None, column, True)
        np.log(column, column)
        subtract(log_probs, column, log_probs)
        add(row_starts, y, flat)
        loss = -total(take(flat), None) / m
        np.exp(log_probs, log_probs)
        return loss.astype(dtype) if retype else loss

    return run


def cross_entropy_backward(fn: SoftmaxCrossEntropy, node: Tensor, bufs: Buffers) -> Kernel | None:
    """(p - one_hot(y)) * (1 / m), written over p."""
    if not fn.needs_input_grad[0]:
        return NO_KERNEL
    logits_t = fn.inputs[0]
    probs = bufs.values[id(node)]
    scale = _seed(bufs, logits_t)
    one = ONE[probs.dtype.char]
    flat = bufs.label_index
    bufs.new_grad(logits_t, probs)

    def run(x: Any, y: Any) -> None:
        picked = probs.take(flat)
        subtract(picked, one, picked)
        probs.put(flat, picked)
        multiply(probs, scale, probs)

    return run


def _seed(bufs: Buffers, output: Tensor) -> Any:
    """The seed 1/m of the loss gradient, as the engine computes it, as a 0-d array (no
    conversion per call), kept in ``bufs`` for an update that folds α into it."""
    bufs.rows = output.shape[0]
    bufs.seed = np.array(output.dtype.type(1) / bufs.rows)
    return bufs.seed


def _zero(dtype: Any) -> Any:
    """One zero of ``dtype``, to find the dtype an expression gives (not uninitialized memory)."""
    return np.zeros(1, dtype=dtype)


FORWARD: dict[type, Callable[[Any, Tensor, Buffers], Kernel]] = {
    Linear: linear_forward,
    Sigmoid: sigmoid_forward,
    Tanh: tanh_forward,
    ReLU: relu_forward,
    QuadraticCost: quadratic_forward,
    SoftmaxCrossEntropy: cross_entropy_forward,
}
BACKWARD: dict[type, Callable[[Any, Tensor, Buffers], Kernel | None]] = {
    Linear: linear_backward,
    Sigmoid: sigmoid_backward,
    Tanh: tanh_backward,
    ReLU: relu_backward,
    QuadraticCost: quadratic_backward,
    SoftmaxCrossEntropy: cross_entropy_backward,
}
LOSSES = (QuadraticCost, SoftmaxCrossEntropy)
