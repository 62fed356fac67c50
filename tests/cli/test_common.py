"""Helpers shared by the subcommands: strict JSON output, argument types, bounded loading."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from chainrule.cli._common import int_list, load_up_to, positive_int, print_json
from chainrule.errors import DataError


def test_print_json_turns_nan_and_inf_into_null(capsys):
    # a diverged run has NaN losses: the output must stay strict JSON, not crash half-written
    print_json({"train_loss": [0.5, math.nan], "best": np.float32(2.0), "w": np.array([np.inf])})
    assert json.loads(capsys.readouterr().out) == {
        "train_loss": [0.5, None],
        "best": 2.0,
        "w": [None],
    }


def test_positive_int():
    assert positive_int("10") == 10
    for bad in ("0", "-3", "1.5", "ten"):
        with pytest.raises(argparse.ArgumentTypeError):
            positive_int(bad)


def test_int_list():
    assert int_list("784, 30,10") == (784, 30, 10)
    # an empty item is a lost number, not a stray comma to skip: 64,10 is another network
    for bad in ("64,,10", "64,10,", ",64,10"):
        with pytest.raises(argparse.ArgumentTypeError, match=f"empty item in {bad!r}"):
            int_list(bad)
    for bad in ("", "64,x", "64,1.5"):
        with pytest.raises(argparse.ArgumentTypeError):
            int_list(bad)


def test_load_up_to_takes_a_smaller_part_whole():
    assert load_up_to("xor", {"train_size": 1000}).x_train.shape == (150, 2)
    assert load_up_to("digits", {"test_size": 20}).x_test.shape == (20, 64)
    # only the limits are bounds: other sizes and other faults still fail
    with pytest.raises(DataError, match="--test-size 51"):
        load_up_to("xor", {"train_size": 1000}, test_size=51)
    with pytest.raises(DataError, match="unknown data set"):
        load_up_to("cifar", {"train_size": 1000})
