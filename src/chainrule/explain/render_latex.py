"""The explanation in LaTeX, for papers and slides: ``tabular``s and ``align*`` blocks.

Every section of the text, under the same titles (``render_common``), and the result line.
Names become math (``x_{2}``, ``\\mathit{out}``) when they are plain identifiers and escaped text
(``escape.latex``) otherwise, so that no name can end a group or start a command.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from chainrule.explain import escape
from chainrule.explain import render_common as common
from chainrule.explain.graph import Graph, format_number
from chainrule.explain.tables import PathSum
from chainrule.i18n import _, localized

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

_FUNCTIONS = {"exp", "log", "sin", "cos", "tanh", "sqrt"}
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_']*|\d+\.?\d*(?:e[+-]?\d+)?|.)")
_SYMBOLS = str.maketrans({"∂": r"$\partial$", "·": r"$\cdot$", "→": r"$\to$"})
_tex_text = escape.latex


@localized
def render_latex(expl: Explanation) -> str:
    """The graph listing as a ``tabular`` and the reverse table as an ``align*`` block; for
    scalar graphs also the local partials, the per-path sums and the operation counts as
    ``tabular``s and forward mode as one ``align*`` per pass; then the result. With
    ``lang="zh"`` the words are Chinese (typeset them with ``ctex`` or ``xeCJK``).

    >>> from chainrule.explain import derive
    >>> tex = render_latex(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
    >>> r"\\frac{\\partial y}{\\partial x_{2}} &=" in tex
    True
    >>> r"& & sum over 2 paths & & $6$ \\\\" in tex
    True
    """
    g = expl.graph
    lines = [rf"\noindent\textbf{{{_tex_text(common.title(expl))}}}", *_graph(g)]
    if g.scalar:  # as in the text; for tensors the tables after the reverse one are skipped too
        lines += _tex_locals(g)
    lines += _reverse(expl)
    for key in common.scalar_sections(expl):
        lines += _SECTIONS[key](expl)
    lines += _result(expl)
    return "\n".join(lines) + "\n"


def _prose(text: str) -> str:
    return _tex_text(text).translate(_SYMBOLS)


def _section(key: str, y: str = "y") -> list[str]:
    """``\\textbf{Title} (detail)``, the output's symbols in math."""
    name, detail = common.heading(key, _prose, y=f"${latex_name(y)}$", dy=f"${_partial(y, y)}$")
    return ["", rf"\textbf{{{name}}}" + (f" ({detail})" if detail else ""), ""]


def _graph(g: Graph) -> list[str]:
    lines = [*_section("graph"), r"\begin{tabular}{llll}", r"\hline"]
    last = _("value") if g.scalar else _("shape")
    lines.append(" & ".join([_("node"), _("op"), _("formula"), last]) + r" \\")
    lines.append(r"\hline")
    for n in g.nodes:
        last = (
            format_number(n.value) if g.scalar else r"$" + r" \times ".join(map(str, n.shape)) + "$"
        )
        formula = f"${latex_formula(n.formula)}$" if n.formula else ""
        lines.append(f"${latex_name(n.name)}$ & {_tex_text(n.op_label)} & {formula} & {last} \\\\")
    return [*lines, r"\hline", r"\end{tabular}"]


def _reverse(expl: Explanation) -> list[str]:
    y = expl.output
    g = expl.graph
    lines = [*_section("reverse", y), r"\begin{align*}"]
    for step in expl.steps:
        left = _partial(y, step.node)
        if not step.terms:
            lines.append(f"{left} &= 1 \\\\")
            continue
        symbols = " + ".join(
            f"{_partial(y, t.node)}{_local_partial(g, t.node, step.node)}" for t in step.terms
        )
        if g.scalar:
            numbers = " + ".join(
                f"{_tex_num(t.partial)} \\cdot {_tex_num(t.edge.value)}" for t in step.terms
            )
            lines.append(f"{left} &= {symbols} = {numbers} = {_tex_num(step.value)} \\\\")
        else:
            lines.append(f"{left} &= {symbols} \\\\")
    lines[-1] = lines[-1].removesuffix(" \\\\")
    return [*lines, r"\end{align*}"]


def _result(expl: Explanation) -> list[str]:
    y = expl.output
    g = expl.graph
    if g.scalar:
        grads = ", ".join(f"${_partial(y, k)} = {_tex_num(v)}$" for k, v in expl.gradients.items())
        line = f"${latex_name(y)} = {_tex_num(expl.value)}$; {grads}."
        check = _("{label}: {sentence}.").format(
            label=common.check_label(expl).capitalize(),
            sentence=_tex_text(common.check_sentence(expl)),
        )
    else:
        out = g.node(y)
        norms = ", ".join(
            rf"$\left\|{_partial(y, n.name)}\right\| = {_tex_num(n.grad_norm)}$" for n in g.inputs
        )
        shape = r" \times ".join(map(str, out.shape)) or "1"
        line = _("{y} of shape {shape}, norm {norm}; {norms}.").format(
            y=f"${latex_name(y)}$", shape=f"${shape}$", norm=f"${_tex_num(out.norm)}$", norms=norms
        )
        check = ""
    lines = [*_section("result"), line]
    if check:
        lines += ["", check]
    notes = (
        _("Note: {note}").format(note=_tex_text(common.note_text(note))) for note in expl.notes
    )
    return lines + [f"\n\\emph{{{note}}}" for note in notes]


def _tex_locals(g: Graph) -> list[str]:
    lines = _section("locals")
    if not g.edges:
        return [*lines, _("(none: the output is an input)")]
    lines += [
        r"\begin{tabular}{llll}",
        r"\hline",
        " & ".join([_("edge"), _("partial"), _("formula"), _("value")]) + r" \\",
        r"\hline",
    ]
    for e in g.edges:
        x = latex_name(e.source)
        top = latex_formula(g.node(e.target).formula)
        formula = rf"$\frac{{\partial ({top})}}{{\partial {x}}} = {latex_formula(e.formula)}$"
        formula += common.operand_slot(g, e.source, e.target, e.index)  # x1 * x1: two edges x1 -> y
        edge = rf"${x} \to {latex_name(e.target)}$"
        partial = f"${_local_partial(g, e.target, e.source)}$"
        lines.append(f"{edge} & {partial} & {formula} & ${_tex_num(e.value)}$ \\\\")
    return [*lines, r"\hline", r"\end{tabular}"]


def _tex_paths(expl: Explanation) -> list[str]:
    y = expl.output
    g = expl.graph
    lines = [
        *_section("paths", y),
        r"\begin{tabular}{lllll}",
        r"\hline",
        " & ".join([_("partial"), _("path"), _("local partials, from the top"), _("with numbers")])
        + " & "
        + _("value")
        + r" \\",
        r"\hline",
    ]
    for t in expl.paths or ():
        lines += _path_rows(g, y, t)
    lines.append(r"\end{tabular}")
    repeated = common.most_recomputed(g)
    if repeated is not None:
        node, times = repeated
        note = common.recomputed_note(f"${_partial(y, node)}$", f"${latex_name(node)}$", times)
        lines += ["", note]
    return lines


def _path_rows(g: Graph, y: str, t: PathSum) -> list[str]:
    lines = []
    label = f"${_partial(y, t.input)}$"
    for k, path in enumerate(t.paths[: common.PATHS_LISTED]):
        route = "$" + r" \to ".join(latex_name(n) for n in path.nodes) + "$"
        top_down = path.edges[::-1]  # dy/df * df/db * ... as the lecture writes the rule
        if top_down:
            factors = "$" + "".join(_local_partial(g, e.target, e.source) for e in top_down)
            values = "$" + r" \cdot ".join(_tex_num(e.value) for e in top_down) + "$"
            factors += "$"
        else:
            factors, values = _("1 (the input is the output)"), ""
        first = label if k == 0 else ""
        product = f"${_tex_num(path.product)}$"
        lines.append(f"{first} & {route} & {factors} & {values} & {product} \\\\")
    more = common.unlisted_paths(t)
    if more:
        lines.append(
            " & " + _(r"\ldots{{}} and {more} more paths").format(more=more) + r" & & & \\"
        )
    lines.append(f" & & {common.path_total(t)} & & ${_tex_num(t.total)}$ \\\\")
    return [*lines, r"\hline"]


def _tex_forward(expl: Explanation) -> list[str]:
    assert expl.forward is not None
    y = expl.output
    g = expl.graph
    lines = _section("forward", y)[:-1]
    for one in expl.forward:
        seeds = ", ".join(
            f"${latex_name(n.name)}' = {1 if n.name == one.input else 0}$" for n in g.inputs
        )
        label = _("Pass for {input} ({seeds}):").format(
            input=f"${latex_name(one.input)}$", seeds=seeds
        )
        lines += ["", label, r"\begin{align*}"]
        for step in one.steps:
            symbols = " + ".join(
                f"{_local_partial(g, t.edge.target, t.node)} {latex_name(t.node)}'"
                for t in step.terms
            )
            values = " + ".join(
                f"{_tex_num(t.edge.value)} \\cdot {_tex_num(t.partial)}" for t in step.terms
            )
            left = f"{latex_name(step.node)}'"
            lines.append(f"{left} &= {symbols} = {values} = {_tex_num(step.value)} \\\\")
        # the output's tangent is the partial: the last line, so no line break after it
        result = f"{_partial(y, one.input)} &= {latex_name(y)}' = {_tex_num(one.value)}"
        lines += [result, r"\end{align*}"]
    return lines


def _tex_counts(expl: Explanation) -> list[str]:
    c = expl.counts
    lines = _section("counts")
    # the "how" column wraps: unbroken, the table is wider than a page
    lines.append(r"\begin{tabular}{lrrrp{0.4\linewidth}}")
    rows = common.count_rows(c)
    lines += [r"\hline", " & ".join(rows[0]) + r" \\", r"\hline"]
    lines += [" & ".join(_tex_text(cell) for cell in row) + r" \\" for row in rows[1:]]
    return [*lines, r"\hline", r"\end{tabular}", "", _tex_text(common.count_verdict(c))]


def latex_name(name: str) -> str:
    r"""``x12`` -> ``x_{12}``, ``W_1`` -> ``W_{1}``, longer words upright-italic.

    >>> print(latex_name("x2"), latex_name("W_1"), latex_name("out"))
    x_{2} W_{1} \mathit{out}
    """
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name) or re.fullmatch(
        r"([A-Za-z]+)_([A-Za-z0-9]+)", name
    )
    if match:
        return f"{latex_name(match.group(1))}_{{{match.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    if re.fullmatch(r"[A-Za-z]+", name):
        return rf"\mathit{{{name}}}"
    return rf"\text{{{_tex_text(name)}}}"


def latex_formula(formula: str) -> str:
    r"""An op formula (``a * b``, ``x1^2``, ``sigmoid(z)``) in LaTeX math.

    >>> print(latex_formula("2*x1^(-2)"), latex_formula("1/(2*sqrt(a))"), sep="  ")
    2 \cdot x_{1}^{-2}  1 / (2 \cdot \sqrt{a})
    """
    tokens = [m.group(1) for m in _TOKEN.finditer(formula) if m.group(1).strip()]
    pieces: list[tuple[str, str]] = []  # (latex, kind)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        group_follows = i + 1 < len(tokens) and tokens[i + 1] == "("
        if tok == "^" and i + 1 < len(tokens):
            if group_follows:
                end = _closing(tokens, i + 1)
                pieces.append(("^{" + latex_formula(" ".join(tokens[i + 2 : end])) + "}", "sup"))
                i = end + 1
            else:
                pieces.append(("^{" + latex_formula(tokens[i + 1]) + "}", "sup"))
                i += 2
            continue
        if tok == "sqrt" and group_follows:
            end = _closing(tokens, i + 1)
            pieces.append((r"\sqrt{" + latex_formula(" ".join(tokens[i + 2 : end])) + "}", "name"))
            i = end + 1
            continue
        kind = "call" if group_follows and re.fullmatch(r"[A-Za-z_]\w*", tok) else "other"
        pieces.append((_latex_token(tok), kind))
        i += 1
    text, previous = "", ""
    for piece, kind in pieces:
        tight = (
            not text
            or kind == "sup"
            or piece in {")", "]", ","}
            or previous in {"(", "["}
            or (piece == "(" and previous == "call")
            or (previous == "-" and len(text) == 1)  # a leading minus sign
        )
        text += ("" if tight else " ") + piece
        previous = piece if kind != "call" else "call"
    return text


def _closing(tokens: list[str], start: int) -> int:
    """The index of the parenthesis closing the one at ``start`` (or the last token)."""
    depth = 0
    for j in range(start, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[j], 0)
        if depth == 0:
            return j
    return len(tokens) - 1


_OPERATOR_NAMES = frozenset(
    [
        "sigmoid",
        "relu",
        "abs",
        "sign",
        "sum",
        "mean",
        "max",
        "min",
        "softmax",
        "log_softmax",
        "where",
        "clip",
        "var",
        "logsumexp",
        "reshape",
        "broadcast",
        "concat",
        "stack",
        "cross_entropy",
        "bce",
        "softplus",
        "gelu",
        "elu",
        "leaky_relu",
    ]
)


def _latex_token(tok: str) -> str:
    if tok == "*":
        return r"\cdot"
    if tok == "@":
        return r"\,@\,"
    if tok in _OPERATOR_NAMES:
        return rf"\operatorname{{{_tex_text(tok)}}}"
    if tok in _FUNCTIONS:
        return "\\" + tok
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_']*", tok):
        return latex_name(tok)
    if re.fullmatch(r"[0-9.e+-]+|[()\[\]+\-/=<>,.|]", tok):
        return tok
    return _tex_text(tok)


def _partial(y: str, x: str) -> str:
    return rf"\frac{{\partial {latex_name(y)}}}{{\partial {latex_name(x)}}}"


def _local_partial(g: Graph, target: str, x: str) -> str:
    """∂(a b)/∂a into the output, whose ∂y/∂a is the total partial (see ``local_top``)."""
    if target != g.output:
        return _partial(target, x)
    top = latex_formula(g.node(target).formula)
    return rf"\frac{{\partial ({top})}}{{\partial {latex_name(x)}}}"


def _tex_num(value: float | None) -> str:
    text = format_number(value)
    if "e" in text and text not in {"inf", "-inf"}:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if text.startswith("-") else text


_SECTIONS = {"paths": _tex_paths, "forward": _tex_forward, "counts": _tex_counts}
