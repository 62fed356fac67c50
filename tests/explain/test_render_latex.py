"""LaTeX: tabulars and align* blocks, the headings and the result of every section."""

from __future__ import annotations

import chainrule as cr
from chainrule.explain import derive, render_latex, render_markdown, trace
from chainrule.explain.render_latex import latex_formula, latex_name

LECTURE = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})
EXERCISE_2 = derive("y = (x1 + x2)**2 * x2**2 + x2", at={"x1": 1, "x2": 2})


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
