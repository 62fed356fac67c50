"""The README's sample of ``chainrule derive`` is what the command prints, to the character."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_derive_sample() -> tuple[list[str], str]:
    """The derive command the README shows (its arguments) and the output block below it."""
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"^    chainrule (derive [^\n]*)\n\n```\n(.*?)```\n", text, re.MULTILINE | re.DOTALL
    )
    assert match, "the README shows no `chainrule derive` command followed by its output"
    return shlex.split(match.group(1)), match.group(2)


def test_the_readme_shows_what_derive_prints(cli):
    argv, shown = readme_derive_sample()
    run = cli(*argv)
    assert run.code == 0, run.err
    assert shown == run.out


def test_the_readme_says_what_check_backward_takes_and_returns():
    """The README said --backward takes ``backprop``'s signature returning (grads_W, grads_b);
    ``backprop`` returns three lists. Both return forms it names now are graded right."""
    from chainrule.classic import backprop
    from chainrule.exercises import grade_backward

    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "`backward(weights, biases, x, y, activation)`" in text
    assert "`(grads_W, grads_b)`" in text and "`(grads_W, grads_b, deltas)`" in text
    assert grade_backward(backprop).all_right
    assert grade_backward(lambda *args: backprop(*args)[:2]).all_right
