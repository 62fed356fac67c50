"""Inputs far from unit scale get one hint to standardize (``TrainResult.hints``)."""

from __future__ import annotations

import dataclasses

import pytest

from chainrule.data import Dataset, load
from chainrule.training import TrainConfig, train

SMALL = TrainConfig(epochs=1, layers=(64, 16, 10), train_size=200, test_size=100)


@pytest.fixture(scope="module")
def raw_digits() -> Dataset:
    """The digits as the scanner gave them: 0..16, not scaled to [0, 1]."""
    digits = load("digits")
    return dataclasses.replace(digits, x_train=digits.x_train * 16, x_test=digits.x_test * 16)


def test_raw_inputs_get_one_hint_to_standardize(raw_digits):
    result = train(SMALL, data=raw_digits)
    assert len(result.hints) == 1
    assert "far from unit scale" in result.hints[0] and "standardize" in result.hints[0]
    assert result.to_dict()["hints"] == result.hints


def test_no_hint_when_standardized_or_already_scaled(raw_digits):
    standardized = dataclasses.replace(SMALL, standardize=True)
    assert train(standardized, data=raw_digits).hints == []
    assert train(SMALL).hints == []  # the bundled digits are in [0, 1]
