"""``chainrule formulas``: prints the checked formulas; bad input is one line, exit 2."""

from __future__ import annotations

import pytest


def test_prints_the_lecture_net(cli):
    run = cli("formulas", "--layers", "784,30,30,10", "--cost", "cross-entropy")
    assert run.code == 0, run.err
    assert "δ^3 = a^3 − y" in run.out
    assert "δ^2 = (W^3)^T δ^3 ⊙ σ'(z^2)" in run.out
    assert "W^3: 10×30" in run.out and "δ^2: 30×1" in run.out
    assert "matches the classic and the autodiff engines" in run.out


@pytest.mark.parametrize(
    ("fmt", "mark"), [("markdown", "| formula |"), ("latex", r"\begin{align*}")]
)
def test_formats(cli, fmt, mark):
    run = cli("formulas", "--layers", "4,3,2", "--activation", "relu", "--format", fmt)
    assert run.code == 0 and mark in run.out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--layers", "3"], "sizes"),
        (["--layers", "3,4,1", "--cost", "cross-entropy"], "2 output neurons"),
        (["--layers", "3,4,2", "--cost", "cross-entropy", "--output-activation", "tanh"], "tanh"),
        (["--layers", "3,4,2", "--seed", "-1"], "--seed"),
        (["--layers", "3,x"], "--layers"),
        (["--layers", "3,4", "--activation", "swish"], "swish"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli, argv, says):
    run = cli("formulas", *argv)
    assert run.code == 2
    assert says in run.error_line
