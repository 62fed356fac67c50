"""The classic network's training hot path: forward, backward and update fused into one plan.

:class:`TrainingStep` does op for op what ``Network.forward``/``backward``/``step`` do, with α
folded into δ^L, so its numbers are bit-identical to theirs; it only removes what costs time
and not arithmetic (issue 15, "classic at the NumPy limit"): every buffer is allocated once per
batch size (the softmax's row column too), the built-in activations are inlined (the logistic
σ without a ``np.errstate`` per layer: the caller ignores overflow once per step, see
``overflows``), and no result objects are built. The derivation is in ``network.py``.

>>> import numpy as np
>>> from chainrule.classic import Network
>>> net = Network([3, 4, 2], cost="cross-entropy", init="xavier", dtype=np.float64)
>>> x = np.ones((2, 3)); t = np.eye(2)
>>> expected = [w - 0.5 * g for w, g in zip(net.weights, net.backward(x, t).grad_weights)]
>>> step = TrainingStep(net, 2)
>>> j = step.cost_and_delta(x, t, 0.5, net.weights, net.biases)
>>> step.backward_update(x, net.weights, net.biases)
>>> all(np.allclose(w, e, rtol=0, atol=1e-15) for w, e in zip(net.weights, expected))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.backend import ONE, ZERO
from chainrule.classic._checks import require_finite
from chainrule.classic.activations import IDENTITY, RELU, SIGMOID, TANH, Activation
from chainrule.classic.costs import CrossEntropyCost

if TYPE_CHECKING:
    from chainrule.classic.network import Network

Array = np.ndarray


def _forward_fn(act: Activation, dtype: np.dtype) -> Callable[[Array, Array], Array]:
    """a = σ(z) into ``out``: the built-in activations inlined, any other through ``act.fn``."""
    one, zero = ONE[dtype.char], ZERO[dtype.char]
    if act is SIGMOID:  # chainrule.ops.arrays.sigmoid's ops, without its errstate

        def sigmoid(z: Array, out: Array) -> Array:
            e = np.negative(z, out)
            np.exp(e, e)
            np.add(e, one, e)
            return np.reciprocal(e, e)

        return sigmoid
    if act is TANH:
        return np.tanh
    if act is RELU:
        return lambda z, out: np.maximum(z, zero, out=out)
    return act.fn


def _prime_fn(act: Activation, dtype: np.dtype) -> Callable[[Array, Array, Array, Array], None]:
    """δ ⊙= σ'(z) in place, σ' written into ``scratch`` (the activations' own formulas)."""
    one, zero = ONE[dtype.char], ZERO[dtype.char]
    if act is SIGMOID:  # σ' = a (1 - a)

        def sigmoid_prime(d: Array, z: Array, a: Array, scratch: Array) -> None:
            s = np.subtract(one, a, scratch)
            np.multiply(s, a, s)
            np.multiply(d, s, d)

        return sigmoid_prime
    if act is TANH:  # σ' = 1 - a²

        def tanh_prime(d: Array, z: Array, a: Array, scratch: Array) -> None:
            s = np.multiply(a, a, scratch)
            np.subtract(one, s, s)
            np.multiply(d, s, d)

        return tanh_prime
    if act is RELU:  # σ' = [z > 0], a boolean mask
        return lambda d, z, a, scratch: np.multiply(d, np.greater(z, zero, scratch), d)
    if act.constant_prime or act is IDENTITY:
        return lambda d, z, a, scratch: None
    return lambda d, z, a, scratch: np.multiply(d, act.prime(z, a, scratch), d)


class TrainingStep:
    """Preallocated arrays and the fused training step for batches of ``m`` rows.

    ``cost_and_delta(x, t, lr, weights, biases)`` runs the forward pass and returns J, with
    α δ^L kept; ``backward_update(x, weights, biases)`` then backpropagates it and updates the
    arrays of ``weights`` and ``biases`` in place (each W^l once its δ^(l-1) is computed: the
    same numbers as updating after the whole backward pass); ``train`` does both. ``overflows``:
    the logistic σ may overflow e^-z harmlessly (to a = 0), so the caller runs under
    ``np.errstate(over=...)``, or calls ``train_ignoring_overflow``. ``targets_for(x, y)``
    gives the targets of a batch that needs no conversion (labels become one-hot rows here).
    """

    __slots__ = (
        "a",
        "column",
        "cross_entropy",
        "delta",
        "dtype",
        "grad_b",
        "grad_w",
        "hidden",
        "hidden_prime",
        "identity",
        "inputs_shape",
        "log_a",
        "lr",
        "one_hot",
        "output",
        "output_prime",
        "overflows",
        "scale",
        "scratch",
        "targets_shape",
        "z",
    )

    def __init__(self, net: Network, m: int) -> None:
        dt = net.dtype
        widths = net.sizes[1:]
        self.z = [np.empty((m, n), dt) for n in widths]
        self.a = [np.empty((m, n), dt) for n in widths]
        self.delta = [np.empty((m, n), dt) for n in widths]
        # Scratch for σ'(z^l): a boolean mask where σ' is one (ReLU), else floats.
        kinds = [net.activation] * (len(widths) - 1) + [net.output_activation]
        self.scratch = [
            np.empty((m, n), bool if act.prime_is_mask else dt)
            for n, act in zip(widths, kinds, strict=True)
        ]
        self.grad_w = [np.empty(w.shape, dt) for w in net.weights]
        self.grad_b = [np.empty(b.shape, dt) for b in net.biases]
        self.log_a = np.empty((m, widths[-1]), dt)  # log a^L, for the softmax output
        self.column = np.empty((m, 1), dt)  # the softmax's row maximum, then its row sums
        self.cross_entropy = isinstance(net.cost_function, CrossEntropyCost)
        self.hidden = _forward_fn(net.activation, dt)
        self.hidden_prime = _prime_fn(net.activation, dt)
        out = net.output_activation
        self.output = None if self.cross_entropy else _forward_fn(out, dt)
        self.output_prime = None if self.cross_entropy else _prime_fn(out, dt)
        self.overflows = SIGMOID in kinds
        self.dtype = dt
        self.inputs_shape = (m, net.sizes[0])
        self.targets_shape = (m, widths[-1])
        # Class labels become one-hot rows here, as rows of the identity taken into a buffer
        # kept for the step (what ``as_targets`` builds anew, in a fifth of the time).
        self.identity = np.eye(widths[-1], dtype=dt)
        self.one_hot = np.empty((m, widths[-1]), dt)
        # α/m as a 0-d array of the dtype, refilled when α changes: NumPy converts a Python
        # float on every call (~1 µs on small batches), to the same value.
        self.lr: float | None = None
        self.scale = np.empty((), dt)

    def targets_for(self, x: Any, y: Any, check_labels: bool = True) -> Array | None:
        """The targets to train on when x is an array of this step's dtype and shape: ``y``
        itself when it is already (m, N^L) of that dtype, its one-hot rows when it holds m
        integer labels in 0..N^L-1, else None (to convert and check, and name what is wrong).
        ``check_labels=False`` trusts labels checked already not to be negative.
        """
        dt = self.dtype
        if (
            type(x) is not np.ndarray
            or type(y) is not np.ndarray
            or x.dtype is not dt
            or x.shape != self.inputs_shape
        ):
            return None
        if y.dtype is dt and y.shape == self.targets_shape:
            return y
        kind = y.dtype.kind
        if y.shape != self.inputs_shape[:1] or kind not in "iu" or len(self.identity) < 2:
            return None
        try:
            self.identity.take(y, 0, self.one_hot)  # a label past the last class raises
        except IndexError:
            return None
        if check_labels and kind == "i" and np.minimum.reduce(y) < 0:  # take() wraps it
            return None
        return self.one_hot

    def train(
        self,
        x: Array,
        t: Array,
        lr: float,
        weights: list[Array],
        biases: list[Array],
        update_if_nonfinite: bool = True,
    ) -> float:
        """Forward, backward and update on checked arrays; J before the update.

        A non-finite J blames NaN or Inf in x or t first; with ``update_if_nonfinite=False``
        (``fit``) it leaves the weights as they were.
        """
        cost = self.cost_and_delta(x, t, lr, weights, biases)
        if not math.isfinite(cost):
            require_finite(x, "x")
            require_finite(t, "y")
            if not update_if_nonfinite:
                return cost
        self.backward_update(x, weights, biases)
        return cost

    #: ``train`` with e^-z's overflow ignored: the decorator makes its errstate once, which
    #: costs less per call than a ``with np.errstate(...)`` block.
    train_ignoring_overflow = np.errstate(over="ignore")(train)

    def cost_and_delta(
        self, x: Array, t: Array, lr: float, weights: list[Array], biases: list[Array]
    ) -> float:
        """Forward x through the network; J against t, and α δ^L into ``delta[-1]``."""
        zs, acts, last = self.z, self.a, len(weights) - 1
        if lr != self.lr:
            self.lr = lr
            self.scale[()] = lr / len(x)
        a = x
        for l in range(last):
            z = np.matmul(a, weights[l].T, zs[l])
            np.add(z, biases[l], z)
            a = self.hidden(z, acts[l])
        z = np.matmul(a, weights[last].T, zs[last])
        np.add(z, biases[last], z)
        if self.cross_entropy:
            return self._softmax_cross_entropy(z, t, lr)
        return self._quadratic(z, t, lr)

    def _softmax_cross_entropy(self, z: Array, t: Array, lr: float) -> float:
        # costs.softmax and CrossEntropyCost.value_and_delta, into the preallocated arrays
        col, m = self.column, len(z)
        np.maximum.reduce(z, 1, None, col, True)
        shifted = np.subtract(z, col, self.log_a)
        a = np.exp(shifted, self.a[-1])
        total = np.add.reduce(a, 1, None, col, True)
        np.divide(a, total, a)
        np.subtract(shifted, np.log(total, total), shifted)
        cost = -float(np.vdot(t, shifted)) / m
        d = np.subtract(a, t, self.delta[-1])
        np.multiply(d, self.scale, d)  # α/m
        return cost

    def _quadratic(self, z: Array, t: Array, lr: float) -> float:
        # QuadraticCost.value_and_delta: δ^L = α (a - y) ⊙ σ'(z^L)/m
        m = len(z)
        a = self.output(z, self.a[-1])
        d = np.subtract(a, t, self.delta[-1])
        cost = float(np.vdot(d, d)) / (2 * m)
        self.output_prime(d, z, a, self.scratch[-1])
        np.multiply(d, self.scale, d)  # α/m
        return cost

    def backward_update(self, x: Array, weights: list[Array], biases: list[Array]) -> None:
        """From α δ^L back to α δ^1: α ∂J/∂W^l, α ∂J/∂b^l, and W^l, b^l updated in place."""
        zs, acts, deltas, scratch = self.z, self.a, self.delta, self.scratch
        gw, gb, d = self.grad_w, self.grad_b, self.delta[-1]
        for l in range(len(weights) - 1, 0, -1):
            w = weights[l]
            np.matmul(d.T, acts[l - 1], gw[l])
            np.add.reduce(d, 0, None, gb[l])
            d = np.matmul(d, w, deltas[l - 1])  # with W^(l+1) before its update
            self.hidden_prime(d, zs[l - 1], acts[l - 1], scratch[l - 1])
            np.subtract(w, gw[l], w)
            np.subtract(biases[l], gb[l], biases[l])
        np.matmul(d.T, x, gw[0])
        np.add.reduce(d, 0, None, gb[0])
        np.subtract(weights[0], gw[0], weights[0])
        np.subtract(biases[0], gb[0], biases[0])
