"""Training chainrule.classic networks: the cost falls, accuracy rises, seeds reproduce."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule.classic import EpochStats, History, Network
from chainrule.errors import NonFiniteError


def blobs(n: int = 200, seed: int = 0):
    """Two well separated Gaussian blobs in 4-D, labels 0 and 1, split 3:1 train:test."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    centers = np.array([[-1.5, -1.5, 0.0, 1.0], [1.5, 1.5, 0.0, -1.0]])
    x = (centers[labels] + 0.6 * rng.standard_normal((n, 4))).astype(np.float32)
    cut = 3 * n // 4
    return x[:cut], labels[:cut], x[cut:], labels[cut:]


CONFIGS = [
    ("sigmoid", "quadratic", "normal", 3.0),
    ("tanh", "quadratic", "xavier", 0.5),
    ("relu", "cross-entropy", "he", 0.1),
    ("tanh", "cross-entropy", "normal-scaled", 0.3),
]


@pytest.mark.parametrize(("activation", "cost", "init", "lr"), CONFIGS)
def test_fit_reduces_cost_and_separates_blobs(activation, cost, init, lr):
    x, y, x_test, y_test = blobs()
    net = Network([4, 8, 2], activation, cost, init, seed=1)
    before = net.cost(x, y)
    history = net.fit(x, y, epochs=15, batch_size=10, lr=lr, seed=0, x_test=x_test, y_test=y_test)
    assert isinstance(history, History) and len(history) == 15
    assert history.train_loss[-1] < before
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.train_accuracy[-1] >= 0.97
    assert history.test_accuracy[-1] >= 0.95
    assert net.accuracy(x_test, y_test) == history.test_accuracy[-1]
    assert history.train_loss[-1] == pytest.approx(net.cost(x, y), rel=1e-5)
    assert all(w.dtype == np.float32 for w in net.weights + net.biases)


def test_train_step_lowers_the_cost_on_its_batch():
    x, y, _, _ = blobs()
    net = Network([4, 6, 2], "sigmoid", seed=0)
    costs = [net.train_step(x[:20], y[:20], lr=1.0) for _ in range(20)]
    assert costs[-1] < costs[0]
    assert isinstance(costs[0], float)


def test_same_seed_gives_identical_weights():
    x, y, _, _ = blobs()

    def train(init_seed: int, fit_seed: int) -> Network:
        net = Network([4, 5, 2], "relu", "cross-entropy", "he", seed=init_seed)
        net.fit(x, y, epochs=3, batch_size=16, lr=0.1, seed=fit_seed)
        return net

    a, b = train(3, 7), train(3, 7)
    for wa, wb in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
        np.testing.assert_array_equal(wa, wb)
    c = train(3, 8)  # another shuffling seed: another path
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_fit_without_seed_shuffles_with_the_network_rng():
    x, y, _, _ = blobs()
    nets = [Network([4, 5, 2], seed=11) for _ in range(2)]
    for net in nets:
        net.fit(x, y, epochs=2, batch_size=8, lr=0.5)
    np.testing.assert_array_equal(nets[0].weights[0], nets[1].weights[0])


def test_callback_sees_every_epoch_and_can_stop():
    x, y, _, _ = blobs()
    net = Network([4, 5, 2], seed=0)
    seen = []

    def callback(epoch, network, stats):
        assert network is net and isinstance(stats, EpochStats)
        seen.append((epoch, stats.train_loss, stats.test_accuracy))
        return False if epoch == 3 else None  # False stops training

    history = net.fit(x, y, epochs=10, batch_size=25, lr=1.0, seed=0, callback=callback)
    assert [e for e, _, _ in seen] == [1, 2, 3]
    assert len(history) == 3 and seen[0][2] is None
    assert history.test_accuracy == [None, None, None]


def test_last_batch_may_be_smaller_and_one_hot_targets_work():
    x, y, _, _ = blobs(n=140)  # 105 training samples: batches of 10 leave 5
    net = Network([4, 6, 2], "tanh", "cross-entropy", "xavier", seed=0)
    history = net.fit(x, np.eye(2)[y], epochs=5, batch_size=10, lr=0.5, seed=0)
    assert history.train_accuracy[-1] >= 0.95
    assert net.predict(x).shape == (len(x),)
    np.testing.assert_allclose(net.predict_proba(x).sum(axis=1), 1.0, rtol=1e-5)


def test_single_output_unit_binary_classification():
    x, y, _, _ = blobs()
    net = Network([4, 4, 1], "sigmoid", seed=0)
    history = net.fit(x, y, epochs=10, batch_size=10, lr=2.0, seed=0)
    assert history.train_accuracy[-1] >= 0.97
    assert set(np.unique(net.predict(x))) <= {0, 1}


def _noise(n=40):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 4)), rng.integers(0, 3, n)


def test_diverging_fit_stops_naming_epoch_and_batch_with_finite_weights():
    x, y = _noise()
    net = Network([4, 16, 3], "relu", "cross-entropy", "he", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from matmul or softmax leaks
        with pytest.raises(NonFiniteError, match=r"epoch 1, batch \d+: the cost became nan"):
            net.fit(x, y, epochs=5, batch_size=8, lr=1e8, seed=0)
    # the diverging batch's update was not applied
    assert all(np.isfinite(w).all() for w in net.weights + net.biases)


def test_diverging_last_batch_is_caught_by_the_epoch_cost():
    x, y = _noise()
    net = Network([4, 16, 3], "relu", "cross-entropy", "he", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            NonFiniteError, match=r"epoch 1: after its last batch \(1\) the training cost became"
        ):
            net.fit(x, y, epochs=3, batch_size=40, lr=1e30, seed=0)
