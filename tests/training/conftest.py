"""Fixtures for the training tests: a small slice of the bundled digits, loaded once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chainrule.data import Dataset, load
from chainrule.training import TrainResult


@pytest.fixture(scope="session")
def digits() -> Dataset:
    """300 training and 100 test digits: a few milliseconds per epoch with either engine."""
    return load("digits", train_size=300, test_size=100)


@pytest.fixture
def same_run():
    """``same_run(a, b)`` asserts two runs are identical (see ``assert_same_run``)."""
    return assert_same_run


def numbers(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A history without its wall times: what two runs of one seed must share exactly."""
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


def assert_same_run(a: TrainResult, b: TrainResult) -> None:
    """Bit for bit: the history, and every array and value of the final state (weights,
    optimizer buffers, batch-norm statistics, dropout generators)."""
    assert numbers(a.history) == numbers(b.history)
    arrays_a, values_a = a.learner.state()
    arrays_b, values_b = b.learner.state()
    assert sorted(arrays_a) == sorted(arrays_b)
    for name in arrays_a:
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name], err_msg=name)
    assert values_a == values_b
