"""``Network.fit`` without epochs, batch size or rate: the lecture's settings, which learn."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.classic import Network
from chainrule.classic.network import DEFAULT_LR
from chainrule.data import load


@pytest.fixture(scope="module")
def digits():
    return load("digits", train_size=600, test_size=300)


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_defaults_are_the_lectures_settings(digits, cost: str) -> None:
    x, y = digits.x_train[:200], digits.y_train[:200]
    by_default = Network([64, 16, 10], cost=cost, seed=0)
    spelled_out = Network([64, 16, 10], cost=cost, seed=0)
    h = by_default.fit(x, y)
    spelled_out.fit(x, y, epochs=30, batch_size=10, lr=DEFAULT_LR[cost])
    assert len(h) == 30
    for w, v in zip(by_default.weights, spelled_out.weights, strict=True):
        np.testing.assert_array_equal(w, v)
    assert DEFAULT_LR == {"quadratic": 3.0, "cross-entropy": 0.5}


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_defaults_learn_the_digits(digits, cost: str) -> None:
    net = Network([64, 30, 10], cost=cost, seed=0)
    untrained = net.accuracy(digits.x_test, digits.y_test)
    history = net.fit(digits.x_train, digits.y_train, x_test=digits.x_test, y_test=digits.y_test)
    assert untrained < 0.3
    assert history.test_accuracy[-1] > 0.9


def test_a_given_rate_still_wins_over_the_default(digits) -> None:
    x, y = digits.x_train[:100], digits.y_train[:100]
    slow, default = Network([64, 10], seed=0), Network([64, 10], seed=0)
    slow.fit(x, y, epochs=1, lr=1e-6)
    default.fit(x, y, epochs=1)
    start = Network([64, 10], seed=0).weights[0]
    assert np.abs(slow.weights[0] - start).max() < np.abs(default.weights[0] - start).max() / 1e3
