"""The fused training step (classic/_step.py): what the hot path must keep doing."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

from chainrule.classic import Network
from chainrule.errors import DataError


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


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.uint8])
def test_labels_train_exactly_as_their_one_hot_rows(cost: str, label_dtype: type) -> None:
    # the hot path turns labels into one-hot rows itself: the same bytes as the targets
    rng = np.random.default_rng(1)
    by_labels = Network([4, 6, 3], "tanh", cost, "xavier", seed=2, dtype=np.float32)
    by_rows = Network([4, 6, 3], "tanh", cost, "xavier", seed=2, dtype=np.float32)
    for _ in range(4):  # the first call builds the step; the rest take the hot path
        x = rng.normal(size=(5, 4)).astype(np.float32)
        labels = rng.integers(0, 3, 5)
        j = by_labels.train_step(x, labels.astype(label_dtype), lr=0.2)
        assert j == by_rows.train_step(x, np.eye(3, dtype=np.float32)[labels], lr=0.2)
    for ours, theirs in zip(by_labels.weights + by_labels.biases, by_rows.weights + by_rows.biases):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("bad", [3, -1, 7])
def test_a_label_outside_the_classes_is_named_on_the_hot_path_too(bad: int) -> None:
    # take() would raise past the last class and count a negative label from the end
    net = Network([2, 4, 3], "relu", "cross-entropy", "he", seed=0)
    x = np.ones((3, 2), net.dtype)
    net.train_step(x, np.array([0, 1, 2]), lr=0.1)  # the step for 3 rows now exists
    before = [w.copy() for w in net.weights]
    with pytest.raises(DataError, match=f"label {bad} in y is out of range"):
        net.train_step(x, np.array([0, bad, 1]), lr=0.1)
    for ours, theirs in zip(net.weights, before, strict=True):
        np.testing.assert_array_equal(ours, theirs)
