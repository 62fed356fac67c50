"""Markdown, LaTeX and HTML renderings."""

from __future__ import annotations

import re

import chainrule as cr
from chainrule.explain import derive, render_html, render_latex, render_markdown, trace
from chainrule.explain.render_markup import latex_formula, latex_name

LECTURE = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})


def test_markdown_tables() -> None:
    md = render_markdown(LECTURE)
    assert "| node | op | inputs | formula | value |" in md
    assert "| b | Add | x2, 1 | `x2 + 1` | 3 |" in md
    assert "| ∂y/∂x2 | ∂y/∂a · ∂a/∂x2 + ∂y/∂b · ∂b/∂x2 | 3·1 + 3·1 | 6 |" in md
    assert md == LECTURE.to_markdown() == LECTURE._repr_markdown_()


def test_latex() -> None:
    tex = render_latex(LECTURE)
    assert r"\begin{tabular}{llll}" in tex and r"\end{align*}" in tex
    assert r"$b$ & Add & $x_{2} + 1$ & 3 \\" in tex
    line = (
        r"\frac{\partial y}{\partial x_{2}} &= \frac{\partial y}{\partial a}"
        r"\frac{\partial a}{\partial x_{2}} + \frac{\partial y}{\partial b}"
        r"\frac{\partial b}{\partial x_{2}} = 3 \cdot 1 + 3 \cdot 1 = 6 \\"
    )
    assert line in tex
    assert tex.count(r"\begin{") == tex.count(r"\end{")
    assert tex.count("{") == tex.count("}")


def test_latex_pieces() -> None:
    assert latex_name("x12") == "x_{12}"
    assert latex_name("W_1") == "W_{1}"
    assert latex_name("aa") == r"\mathit{aa}"
    assert latex_formula("2*x1^(-2)") == r"2 \cdot x_{1}^{-2}"
    assert latex_formula("b*(1 - b)") == r"b \cdot (1 - b)"
    assert latex_formula("sigmoid(z)") == r"\operatorname{sigmoid}(z)"
    assert latex_formula("1/(2*sqrt(a))") == r"1 / (2 \cdot \sqrt{a})"


def test_html_for_jupyter() -> None:
    page = render_html(LECTURE)
    assert page == LECTURE._repr_html_()
    assert "<svg" in page and "</svg>" in page and "<table>" in page
    assert "<td>∂y/∂x2</td>" in page


def test_non_scalar_markup() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    e = trace((w * w).sum())
    assert "| shape | norm |" in render_markdown(e)
    assert r"$2$" in render_latex(e)
    assert "<svg" in render_html(e)


def test_markdown_shows_names_as_written() -> None:
    """A tensor's name is text, not HTML or Markdown, in a notebook's Markdown output."""
    w = cr.tensor(2.0, requires_grad=True, name="<b>w</b>")
    v = cr.tensor(3.0, requires_grad=True, name="v_*1*")
    md = render_markdown(trace(w * v))
    assert "<b>" not in re.sub(r"`[^`]*`", "", md)  # code spans show HTML as text anyway
    assert "&lt;b&gt;w&lt;/b&gt;" in md
    assert r"v\_\*1\*" in md


def test_markdown_code_spans_hold_backticks_and_html_names_its_norm_column() -> None:
    a = cr.tensor(2.0, requires_grad=True, name="a`b")
    md = render_markdown(trace(a * 3.0))
    assert "`` a`b * 3 ``" in md
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    page = render_html(trace((w * w).sum()))
    assert "<th>norm</th>" in page and "<th>norm of the gradient</th>" in page
