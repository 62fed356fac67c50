"""``chainrule train`` prints the hint to standardize once when the inputs are far from unit
scale (the bundled data sets are scaled already: raw digits stand in for a user's data)."""

from __future__ import annotations

import dataclasses

from chainrule.data import load
from chainrule.training import loop


def test_the_command_prints_the_hint_once(cli, monkeypatch):
    digits = load("digits")
    raw_digits = dataclasses.replace(digits, x_train=digits.x_train * 16, x_test=digits.x_test * 16)
    monkeypatch.setattr(loop, "load_data", lambda config: raw_digits)
    run = cli("train", "--train-size", "200", "--test-size", "100", "--epochs", "2")
    assert run.code == 0, run.err
    hints = [line for line in run.out.splitlines() if line.startswith("hint:")]
    assert len(hints) == 1, run.out
    assert "--standardize" in hints[0]
    standardized = cli("train", "--train-size", "200", "--epochs", "1", "--standardize")
    assert standardized.code == 0, standardized.err
    assert "hint:" not in standardized.out
