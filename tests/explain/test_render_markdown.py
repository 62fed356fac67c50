"""Markdown: the tables of every section, names shown as written."""

from __future__ import annotations

import re

import chainrule as cr
from chainrule.explain import derive, render_markdown, trace

LECTURE = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})
EXERCISE_2 = derive("y = (x1 + x2)**2 * x2**2 + x2", at={"x1": 1, "x2": 2})


def test_markdown_tables() -> None:
    md = render_markdown(LECTURE)
    assert "| node | op | inputs | formula | value |" in md
    assert "| b | Add | x2, 1 | `x2 + 1` | 3 |" in md
    assert "| ∂y/∂x2 | ∂y/∂a · ∂a/∂x2 + ∂y/∂b · ∂b/∂x2 | 3·1 + 3·1 | 6 |" in md
    assert md == LECTURE.to_markdown() == LECTURE._repr_markdown_()


def test_markdown_shows_names_as_written() -> None:
    """A tensor's name is text, not HTML or Markdown, in a notebook's Markdown output."""
    w = cr.tensor(2.0, requires_grad=True, name="<b>w</b>")
    v = cr.tensor(3.0, requires_grad=True, name="v_*1*")
    md = render_markdown(trace(w * v))
    assert "<b>" not in re.sub(r"`[^`]*`", "", md)  # code spans show HTML as text anyway
    assert "&lt;b&gt;w&lt;/b&gt;" in md
    assert r"v\_\*1\*" in md


def test_markdown_has_the_sections_of_the_text() -> None:
    """Local partials, per path, forward mode and the counts, as the text has them."""
    md = render_markdown(LECTURE)
    assert "| a → y | ∂(a \\* b)/∂a | `∂(a * b)/∂a = b` | 3 |" in md
    assert "| ∂y/∂x2 | x2 → a → y | ∂(a \\* b)/∂a · ∂a/∂x2 | 3·1 | 3 |" in md
    assert "|  | x2 → b → y | ∂(a \\* b)/∂b · ∂b/∂x2 | 3·1 | 3 |" in md
    assert "|  |  | sum over 2 paths |  | 6 |" in md
    assert "∂y/∂a is recomputed on each of the 2 paths that reach a;" in md
    assert "Pass for x2 (x1' = 0, x2' = 1):" in md
    assert "| y' | ∂(a \\* b)/∂a · a' + ∂(a \\* b)/∂b · b' | 3·1 + 3·1 | 6 |" in md
    assert "∂y/∂x2 = y' = 6." in md
    assert "| reverse accumulation | 1 | 5 | 1 | one multiplication per edge (5 edges) |" in md
    assert "| per path | - | 6 | 1 |" in md and "| forward mode | 2 | 10 | 4 |" in md
    # the order of the text: local partials, reverse, per path, forward, counts, result
    order = ["Local partials", "Reverse accumulation", "Per path", "Forward mode"]
    order += ["Operation count", "Result:"]
    assert [md.index(title) for title in order] == sorted(md.index(title) for title in order)


def test_markdown_per_path_sum_of_exercise_2() -> None:
    md = render_markdown(EXERCISE_2)
    assert "|  | x2 → y | ∂(f + x2)/∂x2 | 1 | 1 |" in md
    assert "|  |  | sum over 3 paths |  | 61 |" in md
    assert "∂y/∂f is recomputed on each of the 3 paths that reach f;" in md


def test_markdown_escapes_names_in_the_new_sections() -> None:
    v = cr.tensor(3.0, requires_grad=True, name="v_*1*")
    md = render_markdown(trace(v * v + v))
    assert "| v\\_\\*1\\* → a | ∂a/∂v\\_\\*1\\* | `∂(v_*1* * v_*1*)/∂v_*1* (operand 1)" in md
    assert "|  | v\\_\\*1\\* → y | ∂(a + v\\_\\*1\\*)/∂v\\_\\*1\\* | 1 | 1 |" in md
