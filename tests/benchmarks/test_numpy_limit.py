"""benchmarks/numpy_limit.py is a right training step: its updates equal the classic network's
and finite differences of its own J (a fast but wrong "limit" would be worthless)."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.classic import Network

# Loaded by its path, not by putting benchmarks/ on sys.path: there a benchmark's name would
# shadow a real package for every later test in the worker (benchmarks/distributed.py once
# hid Dask's `distributed`).
_SPEC = importlib.util.spec_from_file_location(
    "numpy_limit", Path(__file__).parents[2] / "benchmarks" / "numpy_limit.py"
)
numpy_limit = importlib.util.module_from_spec(_SPEC)
sys.modules["numpy_limit"] = numpy_limit  # dataclasses look their module up while building
_SPEC.loader.exec_module(numpy_limit)


@pytest.mark.parametrize("name", sorted(numpy_limit.WORKLOADS))
def test_one_step_equals_the_classic_networks(name: str) -> None:
    w = numpy_limit.WORKLOADS[name]
    net = Network(w.sizes, w.activation, w.cost, w.init, seed=3, dtype=np.float64)
    before = [p.copy() for p in net.weights + net.biases]
    step = numpy_limit.make_step(w, seed=3, dtype=np.float64)
    xs, ys = numpy_limit.make_batches(w, 1, seed=1, dtype=np.float64)
    with np.errstate(over="ignore"):
        loss = step(xs[0], ys[0])
    expected = net.train_step(xs[0], ys[0], w.lr)
    assert loss == pytest.approx(expected, rel=1e-12)
    for start, ours, theirs in zip(
        before, step.weights + step.biases, net.weights + net.biases, strict=True
    ):
        np.testing.assert_allclose(start - ours, start - theirs, rtol=1e-9, atol=1e-14)
        assert not np.array_equal(start, ours)  # the step did move every array


SMALL = [("sigmoid", "quadratic"), ("tanh", "cross-entropy"), ("relu", "cross-entropy")]


@pytest.mark.parametrize(("activation", "cost"), SMALL)
def test_gradients_match_finite_differences(activation: str, cost: str) -> None:
    w = dataclasses.replace(
        numpy_limit.WORKLOADS["W2"],
        sizes=(5, 4, 3, 3),
        activation=activation,
        cost=cost,
        batch=4,
        init="xavier",
        lr=0.5,
    )
    step = numpy_limit.make_step(w, seed=0, dtype=np.float64)
    xs, ys = numpy_limit.make_batches(w, 1, seed=2, dtype=np.float64)
    x, y = xs[0] - 0.5, ys[0]  # inputs of both signs: ReLU units on both sides of the kink
    params = step.weights + step.biases
    start = [p.copy() for p in params]
    step(x, y)
    analytic = [(s - p) / w.lr for s, p in zip(start, params, strict=True)]
    for p, s in zip(params, start, strict=True):
        p[...] = s
    step.lr = 0.0  # a step with α = 0 measures J and changes nothing
    h = 1e-6
    for p, grad in zip(params, analytic, strict=True):
        numeric = np.empty_like(p)
        for index in np.ndindex(p.shape):
            keep = p[index]
            p[index] = keep + h
            up = step(x, y)
            p[index] = keep - h
            down = step(x, y)
            p[index] = keep
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
