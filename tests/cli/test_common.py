"""Helpers shared by the subcommands: strict JSON output and argument types."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from chainrule.cli._common import positive_int, print_json


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
