"""The NumPy limit: the tightest hand-written NumPy training step for the workloads W1–W5.

One step of mini-batch gradient descent (forward, backward, update, and J) written as one would
to make NumPy go as fast as it can: every buffer allocated once, every array op writing ``out=``
into one of them, the learning rate α folded into δ^L (everything after δ^L is linear in it), the
softmax cross-entropy gradient written in place over the softmax, the row maximum and the row
sums in one (m, 1) column, no checks and no result objects per step. The other benchmarks
measure against it (issue 15: "classic at least 0.9× the NumPy limit", "compiled autodiff at
least 0.8×/0.95×"); tests/benchmarks/test_numpy_limit.py checks that its updates equal the
classic network's and finite differences, so the limit is a right step, not just a fast one.

    >>> step = make_step("W5")                     # weights: a classic Network's, seed 0
    >>> xs, ys = make_batches(WORKLOADS["W5"], 1)
    >>> loss = step(xs[0], ys[0])                  # J before the update; weights updated
    >>> step.weights[0].shape
    (32, 64)

Choices measured (numpy 2.4, OpenBLAS, 1 thread, shared 2-core machine, microseconds/op):
σ as 1/(1 + e^-z) (negative, exp, add, reciprocal) is as fast as 0.5 (1 + tanh(z/2)) at
10×30 and twice as fast at 64×256 and larger; ReLU's σ' as a boolean mask multiplied into δ
beats ``np.sign`` from 64×256 up and ``copyto(where=)`` everywhere; the bias gradient as
``ones @ δ`` (BLAS) beats ``np.add.reduce(δ, 0)`` (1.65 against 2.0 µs at 10×30, 20 against
36 µs at 256×1024).

    python benchmarks/numpy_limit.py            # time the limit alone, per workload
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from chainrule.training import TrainConfig

Array = np.ndarray


@dataclass(frozen=True)
class Workload:
    """One of issue 15's training workloads: layer sizes, σ, cost, batch size, init and α."""

    name: str
    sizes: tuple[int, ...]
    activation: str
    cost: str
    batch: int
    init: str
    lr: float

    def config(self, **more: Any) -> TrainConfig:
        """The library's TrainConfig of this workload; ``more`` adds or overrides settings."""
        from chainrule.training import TrainConfig

        settings = {
            "layers": self.sizes,
            "activation": self.activation,
            "cost": self.cost,
            "init": self.init,
            "lr": self.lr,
            "batch_size": self.batch,
        }
        return TrainConfig(**{**settings, **more})


WORKLOADS = {
    w.name: w
    for w in (
        Workload("W1", (784, 30, 10), "sigmoid", "quadratic", 10, "normal", 0.5),
        Workload("W2", (784, 30, 30, 30, 30, 10), "sigmoid", "quadratic", 10, "normal", 0.5),
        Workload("W3", (784, 256, 256, 10), "relu", "cross-entropy", 64, "he", 0.01),
        Workload("W4", (784, 1024, 1024, 10), "relu", "cross-entropy", 256, "he", 0.01),
        Workload("W5", (64, 32, 10), "tanh", "cross-entropy", 32, "xavier", 0.05),
    )
}


def initial_parameters(
    workload: Workload, seed: int = 0, dtype: type = np.float32
) -> tuple[list[Array], list[Array]]:
    """Copies of the initial weights and biases of the classic Network for this workload."""
    from chainrule.classic import Network

    net = Network(
        workload.sizes, workload.activation, workload.cost, workload.init, seed=seed, dtype=dtype
    )
    return [w.copy() for w in net.weights], [b.copy() for b in net.biases]


def make_batches(
    workload: Workload, count: int, seed: int = 0, dtype: type = np.float32
) -> tuple[list[Array], list[Array]]:
    """``count`` random input batches in [0, 1) and their one-hot targets."""
    rng = np.random.default_rng(seed)
    xs = rng.random((count, workload.batch, workload.sizes[0])).astype(dtype)
    labels = rng.integers(0, workload.sizes[-1], size=(count, workload.batch))
    ys = np.eye(workload.sizes[-1], dtype=dtype)[labels]
    return list(xs), list(ys)


class LimitStep:
    """The step as a callable ``step(x, y) -> J``; the arrays it updates are attributes.

    ``weights``/``biases`` are updated in place; after a call ``grad_weights``/``grad_biases``
    hold α ∂J/∂W^l and α ∂J/∂b^l of that step. ``lr`` may be changed between calls.
    """

    def __init__(
        self, workload: Workload, weights: Sequence[Array], biases: Sequence[Array]
    ) -> None:
        self.workload = workload
        self.lr = workload.lr
        self.weights = list(weights)
        self.biases = list(biases)
        dt = self.weights[0].dtype
        m, widths = workload.batch, workload.sizes[1:]
        self.z = [np.empty((m, n), dt) for n in widths]
        self.a = [np.empty((m, n), dt) for n in widths]
        self.delta = [np.empty((m, n), dt) for n in widths]
        relu = workload.activation == "relu"
        self.prime = [np.empty((m, n), bool if relu else dt) for n in widths]
        self.grad_weights = [np.empty_like(w) for w in self.weights]
        self.grad_biases = [np.empty_like(b) for b in self.biases]
        self.column = np.empty((m, 1), dt)  # row max, then row sums of the softmax
        self.ones = np.ones(m, dt)  # ones @ δ: the bias gradient as one BLAS call
        self.one = np.array(1, dt)
        self.zero = np.array(0, dt)
        self.hidden = _HIDDEN[workload.activation]
        self.cross_entropy = workload.cost == "cross-entropy"

    def __call__(self, x: Array, y: Array) -> float:
        weights, biases, zs, acts = self.weights, self.biases, self.z, self.a
        last = len(weights) - 1
        a = x
        for i in range(last):
            z = np.matmul(a, weights[i].T, zs[i])
            np.add(z, biases[i], z)
            a = self.hidden(self, z, acts[i])
        z = np.matmul(a, weights[last].T, zs[last])
        np.add(z, biases[last], z)
        if self.cross_entropy:
            loss, d = self._softmax_cross_entropy(z, y)
        else:
            loss, d = self._sigmoid_quadratic(z, y)
        return self._backward(x, d, loss)

    def _softmax_cross_entropy(self, z: Array, y: Array) -> tuple[float, Array]:
        # softmax over z^L in place, J from the shifted logits, then δ^L = α (a - y)/m in place
        col, m = self.column, len(z)
        np.maximum.reduce(z, 1, None, col, True)
        np.subtract(z, col, z)  # z - max z ≤ 0: e^ never overflows
        y_dot_shifted = float(np.vdot(y, z))
        np.exp(z, z)
        np.add.reduce(z, 1, None, col, True)
        np.divide(z, col, z)
        # J = -1/m Σ y (z - max - log Σ e) = (Σ_i log Σ_j e_ij - y·shifted)/m (rows of y sum to 1)
        loss = (float(np.add.reduce(np.log(col, col), None)) - y_dot_shifted) / m
        np.subtract(z, y, z)
        np.multiply(z, self.lr / m, z)
        return loss, z

    def _sigmoid_quadratic(self, z: Array, y: Array) -> tuple[float, Array]:
        # a^L = σ(z^L); J = |a - y|²/(2m); δ^L = α (a - y) ⊙ σ'(z^L)/m
        last = len(self.weights) - 1
        a = self.hidden(self, z, self.a[last])
        d = np.subtract(a, y, self.delta[last])
        loss = float(np.vdot(d, d)) / (2 * len(z))
        self._apply_prime(d, z, a, self.prime[last])
        np.multiply(d, self.lr / len(z), d)
        return loss, d

    def _backward(self, x: Array, d: Array, loss: float) -> float:
        weights, biases, acts, gws, gbs = (
            self.weights,
            self.biases,
            self.a,
            self.grad_weights,
            self.grad_biases,
        )
        for i in range(len(weights) - 1, -1, -1):
            gw = np.matmul(d.T, acts[i - 1] if i else x, gws[i])
            gb = np.matmul(self.ones, d, gbs[i])
            if i:
                d_prev = np.matmul(d, weights[i], self.delta[i - 1])
                self._apply_prime(d_prev, self.z[i - 1], acts[i - 1], self.prime[i - 1])
            np.subtract(weights[i], gw, weights[i])
            np.subtract(biases[i], gb, biases[i])
            if i:
                d = d_prev
        return loss

    def _apply_prime(self, d: Array, z: Array, a: Array, scratch: Array) -> None:
        kind = self.workload.activation
        if kind == "relu":
            np.multiply(d, np.greater(z, self.zero, scratch), d)
            return
        if kind == "sigmoid":  # σ' = a (1 - a)
            np.subtract(self.one, a, scratch)
        else:  # tanh: σ' = 1 - a²
            np.multiply(a, a, scratch)
            np.subtract(self.one, scratch, scratch)
        if kind == "sigmoid":
            np.multiply(scratch, a, scratch)
        np.multiply(d, scratch, d)


def _sigmoid(step: LimitStep, z: Array, out: Array) -> Array:
    np.negative(z, out)
    np.exp(out, out)
    np.add(out, step.one, out)
    return np.reciprocal(out, out)


def _tanh(step: LimitStep, z: Array, out: Array) -> Array:
    return np.tanh(z, out)


def _relu(step: LimitStep, z: Array, out: Array) -> Array:
    return np.maximum(z, step.zero, out=out)


_HIDDEN = {"sigmoid": _sigmoid, "tanh": _tanh, "relu": _relu}


def make_step(
    workload: Workload | str,
    weights: Sequence[Array] | None = None,
    biases: Sequence[Array] | None = None,
    *,
    seed: int = 0,
    dtype: type = np.float32,
) -> LimitStep:
    """The limit step of ``workload`` (a Workload or its name), updating ``weights``/``biases``
    in place (by default copies of the classic Network's initial ones for ``seed``)."""
    if isinstance(workload, str):
        workload = WORKLOADS[workload]
    if weights is None or biases is None:
        weights, biases = initial_parameters(workload, seed, dtype)
    return LimitStep(workload, weights, biases)


def side_by_side_parser(description: str) -> argparse.ArgumentParser:
    """The options of every benchmark that times a contender against this limit, interleaved."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-w", "--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=9, help="blocks per side (default 9)")
    parser.add_argument("--block", type=float, default=0.05, help="seconds per block")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    return parser


def _time_workload(w: Workload, rounds: int) -> list[float]:
    from _timing import interleaved

    step = make_step(w)
    batches = itertools.cycle(list(zip(*make_batches(w, 16), strict=True)))
    number = max(3, math.ceil(2e5 / (w.batch * sum(w.sizes))))
    return interleaved({w.name: lambda: step(*next(batches))}, number=number, rounds=rounds)[w.name]


def main(argv: list[str] | None = None) -> None:
    from _timing import median, summary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"{'':3} µs per step, median (min..max) of {args.rounds}   samples/s")
    with np.errstate(over="ignore"):  # e^-z of a very negative z: σ is then exactly 0
        for name in args.workloads:
            w = WORKLOADS[name]
            times = _time_workload(w, args.rounds)
            print(f"{name:3} {summary(times)}   {w.batch / median(times):10.0f}")


if __name__ == "__main__":
    main()
