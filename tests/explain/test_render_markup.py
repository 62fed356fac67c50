"""Markdown, LaTeX and HTML renderings."""

from __future__ import annotations

import re

import chainrule as cr
from chainrule.explain import derive, render_html, render_latex, render_markdown, trace
from chainrule.explain.render_latex import latex_formula, latex_name

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
    # one HTML renderer for the notebook and the report: names carry their index as a subscript
    assert "<td>∂y/∂x<sub>2</sub></td>" in page


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


EXERCISE_2 = derive("y = (x1 + x2)**2 * x2**2 + x2", at={"x1": 1, "x2": 2})


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


def test_latex_has_the_sections_of_the_text() -> None:
    tex = render_latex(LECTURE)
    assert (
        r"$a \to y$ & $\frac{\partial (a \cdot b)}{\partial a}$ & "
        r"$\frac{\partial (a \cdot b)}{\partial a} = b$ & $3$ \\"
    ) in tex
    assert (
        r" & $x_{2} \to b \to y$ & $\frac{\partial (a \cdot b)}{\partial b}"
        r"\frac{\partial b}{\partial x_{2}}$ & $3 \cdot 1$ & $3$ \\"
    ) in tex
    assert r" & & sum over 2 paths & & $6$ \\" in tex
    assert r"$\frac{\partial y}{\partial a}$ is recomputed on each of the 2 paths" in tex
    assert r"\frac{\partial y}{\partial x_{2}} &= y' = 6" in tex
    assert r"reverse accumulation & 1 & 5 & 1 &" in tex
    assert r"per path & - & 6 & 1 &" in tex and r"forward mode & 2 & 10 & 4 &" in tex
    assert tex.count(r"\begin{align*}") == 3  # reverse, and one per forward pass
    assert tex.count(r"\begin{") == tex.count(r"\end{")
    assert tex.count("{") == tex.count("}")
    # every align* ends its last line without a line break (an empty row otherwise)
    assert "\\\\\n\\end{align*}" not in tex


def test_latex_per_path_sum_of_exercise_2() -> None:
    tex = render_latex(EXERCISE_2)
    assert r" & & sum over 3 paths & & $61$ \\" in tex
    assert tex.count("{") == tex.count("}")


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


def test_latex_has_the_headings_and_the_result_line_of_markdown() -> None:
    """Issue 17: --format latex lacked the headings and the Result line Markdown has."""
    tex = render_latex(LECTURE)
    md = render_markdown(LECTURE)
    titles = ["Graph", "Local partials", "Reverse accumulation", "Per path", "Forward mode"]
    titles += ["Operation count", "Result"]
    for title in titles:
        assert rf"\textbf{{{title}}}" in tex, title
        assert f"{title} (" in md or f"{title}:" in md, title
    assert [tex.index(rf"\textbf{{{t}}}") for t in titles] == sorted(
        tex.index(rf"\textbf{{{t}}}") for t in titles
    )
    result = (
        r"$y = 9$; $\frac{\partial y}{\partial x_{1}} = 3$, "
        r"$\frac{\partial y}{\partial x_{2}} = 6$."
    )
    assert result in tex
    assert "Check: reverse accumulation, the per-path sums, forward mode" in tex
    assert tex.count("{") == tex.count("}") and tex.count("$") % 2 == 0


def test_latex_shows_the_notes() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    tex = render_latex(trace((w * w).sum()))
    assert r"\textbf{Result}" in tex and "norm" in tex
    assert "per-path and forward-mode tables are skipped" in tex


def test_jupyter_html_shows_the_whole_explanation() -> None:
    """Issue 17: in Jupyter (which prefers HTML) derive showed only part of the explanation."""
    page = LECTURE._repr_html_()
    for title in ["Graph", "Local partials", "Reverse accumulation", "Per path", "Forward mode"]:
        assert f"<caption>{title}. " in page, title
    assert "<caption>Operation count. What each method costs" in page
    assert "Result: y = 9; <b>∂y/∂x<sub>1</sub> = 3</b>, <b>∂y/∂x<sub>2</sub> = 6</b>." in page
    assert "is recomputed on each of the 2 paths that reach a" in page
    assert "reverse mode wins" in page and "engine&#39;s backward() agree" in page


def test_every_format_names_the_same_recomputed_node() -> None:
    """One decision: the node the per-path method recomputes most, in text, Markdown, LaTeX
    and HTML alike (the report's own HTML used to count only the listed paths)."""
    e = EXERCISE_2
    assert "dy/df is recomputed on each of the 3 paths that reach f" in e.to_text()
    assert "∂y/∂f is recomputed on each of the 3 paths that reach f" in e.to_markdown()
    assert "is recomputed on each of the 3 paths that reach $f$" in e.to_latex()
    assert "∂y/∂f is recomputed on each of the 3 paths that reach f" in e._repr_html_()
