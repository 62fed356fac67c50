"""The fused training step (classic/_step.py): what the hot path must keep doing."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

from chainrule.classic import Network
from chainrule.errors import ConfigError, DataError, ShapeError


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_saturated_sigmoid_trains_without_warnings(dtype: type) -> None:
    # e^-z overflows for z far below 0 (σ = 0 exactly): harmless, so no RuntimeWarning
    net = Network([2, 3, 1], seed=0, dtype=dtype)
    x = np.array([[-1e4, 1e4], [1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        j = net.train_step(x, np.array([[1.0], [0.0]]), lr=0.1)
    assert np.isfinite(j)
    assert all(np.isfinite(w).all() for w in net.weights)


@pytest.mark.parametrize(
    ("activation", "cost"),
    [("sigmoid", "quadratic"), ("tanh", "cross-entropy"), ("relu", "cross-entropy")],
)
def test_the_fused_step_is_gradient_descent_on_backward(activation: str, cost: str) -> None:
    # α folded into δ^L: equal to step(backward(x, y), lr) up to float64 rounding, for every
    # batch size the network has kept a workspace for
    rng = np.random.default_rng(0)
    fused = Network([4, 5, 5, 3], activation, cost, "xavier", dtype=np.float64)
    plain = Network([4, 5, 5, 3], activation, cost, "xavier", dtype=np.float64)
    for m in (7, 3, 7, 1):
        x, y = rng.normal(size=(m, 4)), rng.integers(0, 3, m)
        j = fused.train_step(x, y, lr=0.3)
        grads = plain.backward(x, y)
        plain.step(grads, lr=0.3)
        assert j == pytest.approx(grads.cost, rel=1e-13)
        for ours, theirs in zip(fused.weights + fused.biases, plain.weights + plain.biases):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_a_trained_network_pickles_without_its_step_buffers() -> None:
    net = Network([3, 4, 2], "relu", "cross-entropy", "he")
    x, y = np.ones((5, 3)), np.array([0, 1, 0, 1, 1])
    net.train_step(x, y, lr=0.1)
    copies = [pickle.loads(pickle.dumps(net)), copy.deepcopy(net)]
    assert all(other._steps == {} for other in copies)
    j = net.train_step(x, y, lr=0.1)
    for other in copies:  # the same next step, on buffers built afresh
        assert other.train_step(x, y, lr=0.1) == j
        for ours, theirs in zip(other.weights, net.weights, strict=True):
            np.testing.assert_array_equal(ours, theirs)


def test_the_overflow_is_ignored_inside_the_step_only() -> None:
    # train_step ignores e^-z's overflow on its own (errstate made once per caller's state)
    # and leaves every other setting of the caller's error state as it was, even "raise"
    net = Network([2, 3, 1], seed=0)
    x = np.array([[-1e4, 1e4], [1e4, -1e4]], np.float32)
    t = np.array([[1.0], [0.0]], np.float32)
    for state in ({"over": "raise", "invalid": "raise"}, {"divide": "warn"}, {"over": "raise"}):
        with np.errstate(**state):
            before = np.geterr()
            for _ in range(2):  # the first call converts nothing: the second is the hot path
                assert np.isfinite(net.train_step(x, t, lr=0.1))
            assert np.geterr() == before
            if before["over"] == "raise":  # the caller's state is in force again
                with pytest.raises(FloatingPointError, match="overflow"):
                    np.exp(np.float32(100))


def test_the_hot_path_still_checks_every_new_batch() -> None:
    net = Network([3, 4, 2], "tanh", "cross-entropy", "xavier")
    x, t = np.ones((5, 3), np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 1]]
    net.train_step(x, t, lr=0.1)
    with pytest.raises(ShapeError, match="features"):
        net.train_step(np.ones((5, 4), np.float32), t, lr=0.1)
    with pytest.raises(ShapeError, match="columns"):
        net.train_step(x, np.ones((5, 3), np.float32), lr=0.1)
    bad = x.copy()
    bad[2, 1] = np.nan
    before = [w.copy() for w in net.weights]
    with pytest.raises(DataError, match="x has 1 NaN"):
        net.train_step(bad, t, lr=0.1)
    with pytest.raises(ConfigError, match="learning rate"):
        net.train_step(x, t, lr=float("nan"))
    for w, b in zip(net.weights, before, strict=True):
        np.testing.assert_array_equal(w, b)


def test_a_new_learning_rate_takes_effect_on_the_next_step() -> None:
    # α/m is kept as an array and refilled when α changes: the same steps as a fresh network
    x, y = np.ones((4, 3)), np.array([0, 1, 1, 0])
    kept, fresh = (Network([3, 4, 2], "relu", "cross-entropy", "he") for _ in range(2))
    for lr in (0.1, 0.3, 0.3, 0.05):
        j = kept.train_step(x, y, lr=lr)
        assert fresh.train_step(x, y, lr=lr) == j
        fresh._steps.clear()  # buffers and α/m built afresh
        for ours, theirs in zip(kept.weights, fresh.weights, strict=True):
            np.testing.assert_array_equal(ours, theirs)
