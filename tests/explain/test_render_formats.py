"""Markdown, LaTeX and HTML side by side: the same sections and choices in every format."""

from __future__ import annotations

import chainrule as cr
from chainrule.explain import derive, render_html, render_latex, render_markdown, trace

LECTURE = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})
EXERCISE_2 = derive("y = (x1 + x2)**2 * x2**2 + x2", at={"x1": 1, "x2": 2})


def test_html_for_jupyter() -> None:
    page = render_html(LECTURE)
    assert page == LECTURE._repr_html_()
    assert "<svg" in page and "</svg>" in page and "<table>" in page
    # one HTML renderer for the notebook and the report: names carry their index as a subscript
    assert "<td>∂y/∂x<sub>2</sub></td>" in page


def test_non_scalar_markup() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    e = trace((w * w).sum())
    assert "| shape | norm |" in render_markdown(e)
    assert r"$2$" in render_latex(e)
    assert "<svg" in render_html(e)


def test_markdown_code_spans_hold_backticks_and_html_names_its_norm_column() -> None:
    a = cr.tensor(2.0, requires_grad=True, name="a`b")
    md = render_markdown(trace(a * 3.0))
    assert "`` a`b * 3 ``" in md
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    page = render_html(trace((w * w).sum()))
    assert "<th>norm</th>" in page and "<th>norm of the gradient</th>" in page


def test_non_scalar_markup_keeps_only_its_tables() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    e = trace((w * w).sum())
    md, tex = render_markdown(e), render_latex(e)
    for title in ["Local partials", "Per path", "Forward mode", "Operation count"]:
        assert title not in md and title not in tex


def test_markup_when_the_output_is_an_input() -> None:
    e = derive("y = x1", at={"x1": 1})
    md, tex = render_markdown(e), render_latex(e)
    assert "(none: the output is an input)" in md and "(none: the output is an input)" in tex
    assert "| ∂x1/∂x1 | x1 | 1 (the input is the output) |  | 1 |" in md
    assert "(no ops)" in md
    assert tex.count(r"\begin{") == tex.count(r"\end{")


def test_jupyter_html_shows_the_whole_explanation() -> None:
    """Issue 17: in Jupyter (which prefers HTML) derive showed only part of the explanation."""
    page = LECTURE._repr_html_()
    for title in ["Graph", "Local partials", "Reverse accumulation", "Per path", "Forward mode"]:
        assert f"<caption>{title}. " in page, title
    assert "<caption>Operation count. Multiplications and additions of the chain rule" in page
    assert "What each method costs depends on how many inputs and outputs" in page
    assert "Result: y = 9; <b>∂y/∂x<sub>1</sub> = 3</b>, <b>∂y/∂x<sub>2</sub> = 6</b>." in page
    assert "is recomputed on each of the 2 paths that reach a" in page
    assert "reverse mode wins" in page and "engine&#x27;s backward() agree" in page


def test_every_format_names_the_same_recomputed_node() -> None:
    """One decision: the node the per-path method recomputes most, in text, Markdown, LaTeX
    and HTML alike (the report's own HTML used to count only the listed paths)."""
    e = EXERCISE_2
    assert "dy/df is recomputed on each of the 3 paths that reach f" in e.to_text()
    assert "∂y/∂f is recomputed on each of the 3 paths that reach f" in e.to_markdown()
    assert "is recomputed on each of the 3 paths that reach $f$" in e.to_latex()
    assert "∂y/∂f is recomputed on each of the 3 paths that reach f" in e._repr_html_()
