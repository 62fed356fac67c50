"""The text the CLI prints."""

from __future__ import annotations

import chainrule as cr
from chainrule.explain import derive, render_text, trace
from chainrule.explain.render_text import TEXT_PATHS_PER_INPUT


def lecture_text() -> str:
    return render_text(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))


def test_lecture_reverse_line() -> None:
    lines = lecture_text().splitlines()
    assert "  dy/dx2 = dy/da * da/dx2 + dy/db * db/dx2 = 3*1 + 3*1 = 6" in lines
    assert "  dy/dx1 = dy/da * da/dx1 = 3*1 = 3" in lines
    assert "  dy/dy  = 1" in lines


def test_lecture_sections_in_order() -> None:
    text = lecture_text()
    headings = [
        "Graph",
        "Local partials",
        "Reverse accumulation",
        "Per path",
        "Forward mode",
        "Operation count",
        "Result",
    ]
    positions = [text.index(f"\n{h}") for h in headings]
    assert positions == sorted(positions)
    assert text.startswith("y = (x1 + x2) * (x2 + 1)   at x1 = 1, x2 = 2\n")
    assert "  b     Add    x2, 1   x2 + 1   3" in text
    assert "d(a * b)/da = b" in text
    assert "x2 -> b -> y" in text and "sum over 2 paths = 6" in text
    assert "dy/da is recomputed on each of the 2 paths" in text
    # a local partial into the output is written with its formula: dy/da is the total one
    assert "y' = d(a * b)/da * a' + d(a * b)/db * b' = 3*1 + 3*1 = 6" in text
    assert "reverse accumulation  1       5     1" in text
    assert "check: reverse accumulation, the per-path sums, forward mode" in text


def test_text_is_ascii_and_narrow() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    for text in [lecture_text(), render_text(trace((w * w).sum()))]:
        assert text.isascii()
        assert max(len(line) for line in text.splitlines() if "note:" not in line) <= 100


def test_negative_factors_are_parenthesised() -> None:
    text = render_text(derive("y = x1 * (0 - x2)", at={"x1": 2, "x2": 3}))
    assert "dy/dx2 = dy/da * da/dx2 = 2*(-1) = -2" in text


def test_many_paths_are_elided() -> None:
    t = cr.tensor(1.0, requires_grad=True, name="x")
    for _ in range(6):
        t = t * t
    text = render_text(trace(t))
    assert f"... and {64 - TEXT_PATHS_PER_INPUT} more paths" in text
    assert "sum over 64 paths = 64" in text


def test_non_scalar_text_says_what_is_skipped() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    text = render_text(trace((w * w).sum()))
    assert "Per path" not in text and "Forward mode" not in text
    assert "per-path and forward-mode tables are skipped" in text
    assert "  w     input" in text and "2       2.23607" in text


def test_per_path_products_read_from_the_top_as_the_lecture_writes_them() -> None:
    text = render_text(derive("y = (x1 + x2)**2 * x2**2 + x2", at={"x1": 1, "x2": 2}))
    assert "d(f + x2)/df * df/db * db/da * da/dx1 = 1*4*6*1 = 24" in text
    # the direct edge x2 -> y is not written dy/dx2, which is the total partial (61)
    assert "dy/dx2 = dy/da * da/dx2 + dy/dc * dc/dx2 + dy/dy * d(f + x2)/dx2 = " in text
