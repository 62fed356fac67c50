"""Text, Markdown and LaTeX renderings of :class:`~chainrule.classic.formulas.Formulas`.

Text spells the symbols in Unicode (δ^2, (W^3)^T, ⊙); Markdown puts the LaTeX forms in ``$``
math, one table row per formula with its shapes; LaTeX is an ``align*`` block per layer.

>>> from chainrule.classic.formulas import formulas
>>> print(formulas([3, 2], "tanh", "quadratic").to_text().splitlines()[-4])
  ∂J/∂W^1 = δ^1 (a^0)^T
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.i18n import _
from chainrule.wording import cost_words

if TYPE_CHECKING:
    from chainrule.classic.formulas import Formula, Formulas

_COST_TEXT = {"quadratic": "J = ½‖y − a^{L}‖²", "cross-entropy": "J = −Σ_j y_j log a^{L}_j"}
_COST_LATEX = {
    "quadratic": r"J = \tfrac{1}{2}\lVert y - a^{(L)} \rVert^2",
    "cross-entropy": r"J = -\sum_j y_j \log a^{(L)}_j",
}


def _title(f: Formulas) -> str:
    if len(f.sizes) == 2:  # no hidden layer: no hidden σ to name
        title = _(
            "Backpropagation formulas for the {sizes} network: {output} output layer, {cost} cost"
        )
    else:
        title = _(
            "Backpropagation formulas for the {sizes} network: {hidden} hidden layers, {output} "
            "output layer, {cost} cost"
        )
    return title.format(
        sizes="-".join(map(str, f.sizes)),
        hidden=f.activation,
        output=f.output_activation,
        cost=cost_words(f.cost),
    )


def _conventions(cost: str, odot: str = "⊙", a0: str = "a^0 = x") -> str:
    return _(
        "One sample, written as a column as in the lecture, with {cost}; {odot} multiplies "
        "element by element and {a0}. Over a batch of m samples, J and every gradient are the "
        "mean of the per-sample ones."
    ).format(cost=cost, odot=odot, a0=a0)


def _checked(f: Formulas) -> str:
    return _(
        "Each formula was evaluated on a random sample (seed {seed}, float64) and matches the "
        "classic and the autodiff engines: largest relative difference {error:.2g}."
    ).format(seed=f.seed, error=f.max_error)


def _layer_heading(f: Formulas, layer: int) -> str:
    if layer == len(f.sizes) - 1:
        return _("layer {l} (output layer)").format(l=layer)
    return _("layer {l} (hidden layer)").format(l=layer)


def _by_layer(f: Formulas) -> list[tuple[int, list[Formula]]]:
    layers: dict[int, list[Formula]] = {}
    for formula in f.formulas:
        layers.setdefault(formula.layer, []).append(formula)
    return list(layers.items())


def render_text(f: Formulas) -> str:
    """Plain text: a heading per layer, each formula with its σ' and its shapes."""
    cost = _COST_TEXT[f.cost].format(L=len(f.sizes) - 1)
    lines = [_title(f), _conventions(cost), _checked(f)]
    shapes = _("shapes")
    for layer, group in _by_layer(f):
        lines += ["", _layer_heading(f, layer)]
        for formula in group:
            lines.append(f"  {formula.text}")
            if formula.where_text:
                lines.append(f"      {formula.where_text}")
            lines.append(f"      {shapes}: {formula.shapes_text()}")
    return "\n".join(lines)


def render_markdown(f: Formulas) -> str:
    """Markdown: the same, one table per layer, the formulas in ``$`` math."""
    cost = "$" + _COST_LATEX[f.cost].replace("(L)", f"({len(f.sizes) - 1})") + "$"
    conventions = _conventions(cost, r"$\odot$", "$a^{(0)} = x$")
    lines = [f"## {_title(f)}", "", conventions, "", _checked(f)]
    head = f"| {_('formula')} | {_('shapes')} |"
    for layer, group in _by_layer(f):
        lines += ["", f"### {_layer_heading(f, layer)}", "", head, "|---|---|"]
        for formula in group:
            math = formula.latex
            if formula.where_latex:
                math += r",\quad " + formula.where_latex
            lines.append(f"| ${math}$ | ${formula.shapes_latex()}$ |")
    return "\n".join(lines)


def render_latex(f: Formulas) -> str:
    """LaTeX: a ``\\paragraph`` per layer and an ``align*`` with the formulas and shapes."""
    cost = "$" + _COST_LATEX[f.cost].replace("(L)", f"({len(f.sizes) - 1})") + "$"
    conventions = _conventions(cost, r"$\odot$", "$a^{(0)} = x$")
    lines = [f"\\paragraph{{{_title(f)}}} {conventions} {_checked(f)}"]
    for layer, group in _by_layer(f):
        lines += ["", f"\\paragraph{{{_layer_heading(f, layer)}}}", r"\begin{align*}"]
        rows = []
        for formula in group:
            left, right = formula.latex.split(" = ", 1)
            row = f"{left} &= {right}"
            if formula.where_latex:
                row += r", \quad " + formula.where_latex
            rows.append(row + rf" && {formula.shapes_latex()}")
        lines.append(" \\\\\n".join(rows))
        lines.append(r"\end{align*}")
    return "\n".join(lines)
