"""Markdown, LaTeX and HTML renderings of an explanation.

These are for pasting into notes and slides. Markdown (tables with ∂ notation) and LaTeX
(``tabular`` and ``align*``) carry the sections of the text output: the graph, the local
partials, reverse accumulation, the per-path sums, forward mode and the operation counts, so
the comparison the lecture is built on survives the paste. HTML for Jupyter has the SVG
drawing, the graph listing and the reverse table.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from chainrule.explain.graph import Edge, Graph, format_number, local_top

# The text's own choices (how many paths to list, which node to name as recomputed, which edges
# need an operand number), so that every format tells the same story.
from chainrule.explain.render_text import (
    COUNTS_TITLE,
    TEXT_PATHS_PER_INPUT,
    count_rows,
    count_verdict,
    most_recomputed,
    path_total,
    recomputed_note,
    repeated_edges,
    unlisted_paths,
)
from chainrule.explain.tables import Counts, PathSum

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation


# ---- Markdown -------------------------------------------------------------------------------
def render_markdown(expl: Explanation) -> str:
    """The explanation as Markdown tables: the graph listing and the reverse table, and for
    scalar graphs the local partials, the per-path sums, forward mode and the operation counts.

    >>> from chainrule.explain import derive
    >>> md = render_markdown(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
    >>> "| ∂y/∂x2 | ∂y/∂a · ∂a/∂x2 + ∂y/∂b · ∂b/∂x2 | 3·1 + 3·1 | 6 |" in md
    True
    >>> "∂y/∂a is recomputed on each of the 2 paths that reach a" in md
    True
    """
    y = _md(expl.output)
    g = expl.graph
    parts = [f"**{_md(_title(expl))}**", "", "Graph (topological order, inputs first):", ""]
    if g.scalar:
        rows = [["node", "op", "inputs", "formula", "value"]]
        for n in g.nodes:
            rows.append(
                [_md(n.name), n.op, _names(n.inputs), _code(n.formula), format_number(n.value)]
            )
    else:
        rows = [["node", "op", "inputs", "formula", "shape", "norm"]]
        for n in g.nodes:
            rows.append(
                [
                    _md(n.name),
                    n.op,
                    _names(n.inputs),
                    _code(n.formula),
                    str(n.shape),
                    format_number(n.norm),
                ]
            )
    parts.append(_md_table(rows))
    if g.scalar:  # as in the text; for tensors the tables after the reverse one are skipped too
        parts += _md_locals(g)
    parts += ["", f"Reverse accumulation (∂{y}/∂{y} = 1):", ""]
    if g.scalar:
        rows = [["partial", "sum over the nodes it feeds", "with numbers", "value"]]
    else:
        rows = [["partial", "sum over the nodes it feeds", "local partials", "norm"]]
    for step in expl.steps:
        node = _md(step.node)
        left = f"∂{y}/∂{node}"
        if not step.terms:
            rows.append([left, "", "", "1"])
            continue
        symbols = " + ".join(
            f"∂{y}/∂{_md(t.node)} · ∂{_md(local_top(g, t.node))}/∂{node}" for t in step.terms
        )
        if g.scalar:
            numbers = " + ".join(f"{_num(t.partial)}·{_num(t.edge.value)}" for t in step.terms)
            rows.append([left, symbols, numbers, format_number(step.value)])
        else:
            local = "; ".join(f"∂{t.node}/∂{step.node} = {t.edge.formula}" for t in step.terms)
            rows.append([left, symbols, _code(local), format_number(g.node(step.node).grad_norm)])
    parts.append(_md_table(rows))
    if g.scalar:
        if expl.paths is not None:
            parts += _md_paths(expl, expl.paths)
        if expl.forward is not None:
            parts += _md_forward(expl)
        parts += _md_counts(expl.counts)
        grads = ", ".join(f"∂{y}/∂{_md(k)} = {format_number(v)}" for k, v in expl.gradients.items())
        parts += ["", f"Result: {y} = {format_number(expl.value)}; {grads}."]
    parts += [f"\n_Note: {_md(note)}_" for note in expl.notes]
    return "\n".join(parts) + "\n"


def _md_local(g: Graph, edge: Edge) -> str:
    """∂a/∂x1 on an edge; into the output ∂(a * b)/∂a, whose ∂y/∂a is the total partial."""
    return f"∂{_md(local_top(g, edge.target))}/∂{_md(edge.source)}"


def _md_locals(g: Graph) -> list[str]:
    parts = ["", "Local partials (one per edge: ∂(node)/∂(operand), from the op's formula):", ""]
    if not g.edges:
        return [*parts, "(none: the output is an input)"]
    twice = repeated_edges(g)
    rows = [["edge", "partial", "formula", "value"]]
    for e in g.edges:
        # x1 * x1 has two edges x1 → y; the operand number tells them apart
        slot = f" (operand {e.index + 1})" if (e.source, e.target) in twice else ""
        formula = f"∂({g.node(e.target).formula})/∂{e.source}{slot} = {e.formula}"
        edge = f"{_md(e.source)} → {_md(e.target)}"
        rows.append([edge, _md_local(g, e), _code(formula), format_number(e.value)])
    return [*parts, _md_table(rows)]


def _md_paths(expl: Explanation, tables: tuple[PathSum, ...]) -> list[str]:
    y = _md(expl.output)
    g = expl.graph
    title = (
        f"Per path (the naive method: every path from an input to {y}, "
        "the product of the local partials along it, summed):"
    )
    rows = [["partial", "path", "local partials, from the top", "with numbers", "value"]]
    for t in tables:
        label = f"∂{y}/∂{_md(t.input)}"
        for k, path in enumerate(t.paths[:TEXT_PATHS_PER_INPUT]):
            route = " → ".join(_md(n) for n in path.nodes)
            top_down = path.edges[::-1]  # ∂y/∂f · ∂f/∂b · ... as the lecture writes the rule
            if top_down:
                factors = " · ".join(_md_local(g, e) for e in top_down)
                values = "·".join(_num(e.value) for e in top_down)
            else:
                factors, values = "1 (the input is the output)", ""
            rows.append(
                [label if k == 0 else "", route, factors, values, format_number(path.product)]
            )
        more = unlisted_paths(t)
        if more:
            rows.append(["", f"… and {more} more paths", "", "", ""])
        rows.append(["", "", path_total(t), "", format_number(t.total)])
    parts = ["", title, "", _md_table(rows)]
    repeated = most_recomputed(g)
    if repeated is not None:
        node, times = repeated
        parts += [
            "",
            recomputed_note(f"∂{y}/∂{_md(node)}", _md(node), times),
        ]
    return parts


def _md_forward(expl: Explanation) -> list[str]:
    assert expl.forward is not None
    y = _md(expl.output)
    g = expl.graph
    parts = [
        "",
        "Forward mode (one pass per input; each node's tangent n' is the sum over its operands "
        "of the local partial · their tangent):",
    ]
    for one in expl.forward:
        seeds = ", ".join(f"{_md(n.name)}' = {1 if n.name == one.input else 0}" for n in g.inputs)
        parts += ["", f"Pass for {_md(one.input)} ({seeds}):", ""]
        rows = [["tangent", "sum over its operands", "with numbers", "value"]]
        for step in one.steps:
            symbols = " + ".join(f"{_md_local(g, t.edge)} · {_md(t.node)}'" for t in step.terms)
            values = " + ".join(f"{_num(t.edge.value)}·{_num(t.partial)}" for t in step.terms)
            rows.append([f"{_md(step.node)}'", symbols, values, format_number(step.value)])
        parts.append(_md_table(rows) if one.steps else "(no ops)")
        parts += ["", f"∂{y}/∂{_md(one.input)} = {y}' = {format_number(one.value)}."]
    return parts


def _md_counts(c: Counts) -> list[str]:
    return ["", f"{COUNTS_TITLE}:", "", _md_table(count_rows(c)), "", count_verdict(c)]


def _md_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_cell(c) for c in rows[0]) + " |"]
    lines.append("|" + "|".join("---" for _ in rows[0]) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    # A backtick inside needs a longer fence (CommonMark): `` a`b ``
    if not text:
        return ""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _md(text: str) -> str:
    """Text shown as is: Markdown's marks escaped, and HTML (which notebooks render) too."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([*_`\\])", r"\\\1", text)


def _names(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(_md(n) for n in names)


def _num(value: float | None) -> str:
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def _title(expl: Explanation) -> str:
    if expl.expression is None:
        return f"trace of {expl.output}"
    point = ", ".join(f"{k} = {format_number(v)}" for k, v in expl.at.items())
    return f"{expl.expression} at {point}"


# ---- shared by Markdown and LaTeX -----------------------------------------------------------
# ---- LaTeX ----------------------------------------------------------------------------------
_FUNCTIONS = {"exp", "log", "sin", "cos", "tanh", "sqrt"}
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_']*|\d+\.?\d*(?:e[+-]?\d+)?|.)")


def render_latex(expl: Explanation) -> str:
    """The graph listing as a ``tabular`` and the reverse table as an ``align*`` block; for
    scalar graphs also the local partials, the per-path sums and the operation counts as
    ``tabular``s and forward mode as one ``align*`` per pass.

    >>> from chainrule.explain import derive
    >>> tex = render_latex(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
    >>> r"\\frac{\\partial y}{\\partial x_{2}} &=" in tex
    True
    >>> r"& & sum over 2 paths & & $6$ \\\\" in tex
    True
    """
    y = expl.output
    g = expl.graph
    lines = [r"% " + _title(expl).replace("%", r"\%"), r"\begin{tabular}{llll}", r"\hline"]
    lines.append(r"node & op & formula & " + ("value" if g.scalar else "shape") + r" \\")
    lines.append(r"\hline")
    for n in g.nodes:
        last = (
            format_number(n.value) if g.scalar else r"$" + r" \times ".join(map(str, n.shape)) + "$"
        )
        formula = f"${latex_formula(n.formula)}$" if n.formula else ""
        lines.append(f"${latex_name(n.name)}$ & {_tex_text(n.op)} & {formula} & {last} \\\\")
    lines += [r"\hline", r"\end{tabular}"]
    if g.scalar:  # as in the text; for tensors the tables after the reverse one are skipped too
        lines += _tex_locals(g)
    lines += ["", r"\begin{align*}"]
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
    lines.append(r"\end{align*}")
    if g.scalar:
        if expl.paths is not None:
            lines += _tex_paths(expl, expl.paths)
        if expl.forward is not None:
            lines += _tex_forward(expl)
        lines += _tex_counts(expl.counts)
    return "\n".join(lines) + "\n"


def _tex_locals(g: Graph) -> list[str]:
    lines = [
        "",
        r"\textbf{Local partials} (one per edge: the partial of a node with respect to an operand,"
        " from the op's formula)",
        "",
    ]
    if not g.edges:
        return [*lines, "(none: the output is an input)"]
    twice = repeated_edges(g)
    lines += [
        r"\begin{tabular}{llll}",
        r"\hline",
        r"edge & partial & formula & value \\",
        r"\hline",
    ]
    for e in g.edges:
        x = latex_name(e.source)
        top = latex_formula(g.node(e.target).formula)
        formula = rf"$\frac{{\partial ({top})}}{{\partial {x}}} = {latex_formula(e.formula)}$"
        if (e.source, e.target) in twice:  # x1 * x1 has two edges x1 -> y
            formula += f" (operand {e.index + 1})"
        edge = rf"${x} \to {latex_name(e.target)}$"
        partial = f"${_local_partial(g, e.target, e.source)}$"
        lines.append(f"{edge} & {partial} & {formula} & ${_tex_num(e.value)}$ \\\\")
    return [*lines, r"\hline", r"\end{tabular}"]


def _tex_paths(expl: Explanation, tables: tuple[PathSum, ...]) -> list[str]:
    y = expl.output
    g = expl.graph
    lines = [
        "",
        rf"\textbf{{Per path}} (the naive method: every path from an input to ${latex_name(y)}$,"
        " the product of the local partials along it, summed)",
        "",
        r"\begin{tabular}{lllll}",
        r"\hline",
        r"partial & path & local partials, from the top & with numbers & value \\",
        r"\hline",
    ]
    for t in tables:
        label = f"${_partial(y, t.input)}$"
        for k, path in enumerate(t.paths[:TEXT_PATHS_PER_INPUT]):
            route = "$" + r" \to ".join(latex_name(n) for n in path.nodes) + "$"
            top_down = path.edges[::-1]  # dy/df * df/db * ... as the lecture writes the rule
            if top_down:
                factors = "$" + "".join(_local_partial(g, e.target, e.source) for e in top_down)
                values = "$" + r" \cdot ".join(_tex_num(e.value) for e in top_down) + "$"
                factors += "$"
            else:
                factors, values = "1 (the input is the output)", ""
            first = label if k == 0 else ""
            product = f"${_tex_num(path.product)}$"
            lines.append(f"{first} & {route} & {factors} & {values} & {product} \\\\")
        more = unlisted_paths(t)
        if more:
            lines.append(f" & \\ldots{{}} and {more} more paths & & & \\\\")
        lines.append(f" & & {path_total(t)} & & ${_tex_num(t.total)}$ \\\\")
        lines.append(r"\hline")
    lines.append(r"\end{tabular}")
    repeated = most_recomputed(g)
    if repeated is not None:
        node, times = repeated
        lines += [
            "",
            recomputed_note(f"${_partial(y, node)}$", f"${latex_name(node)}$", times),
        ]
    return lines


def _tex_forward(expl: Explanation) -> list[str]:
    assert expl.forward is not None
    y = expl.output
    g = expl.graph
    lines = [
        "",
        r"\textbf{Forward mode} (one pass per input; each node's tangent $n'$ is the sum over its"
        " operands of the local partial times their tangent)",
    ]
    for one in expl.forward:
        seeds = ", ".join(
            f"${latex_name(n.name)}' = {1 if n.name == one.input else 0}$" for n in g.inputs
        )
        lines += ["", f"Pass for ${latex_name(one.input)}$ ({seeds}):", r"\begin{align*}"]
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


def _tex_counts(c: Counts) -> list[str]:
    title, _, rest = COUNTS_TITLE.partition(" (")
    lines = ["", rf"\textbf{{{title}}} ({_tex_text(rest)}", ""]
    # the "how" column wraps: unbroken, the table is wider than a page
    lines.append(r"\begin{tabular}{lrrrp{0.4\linewidth}}")
    rows = count_rows(c)
    lines += [r"\hline", " & ".join(rows[0]) + r" \\", r"\hline"]
    lines += [" & ".join(_tex_text(cell) for cell in row) + r" \\" for row in rows[1:]]
    return [*lines, r"\hline", r"\end{tabular}", "", _tex_text(count_verdict(c))]


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


def _tex_text(text: str) -> str:
    replace = {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
    return "".join(replace.get(c, c) for c in text)


# ---- HTML -------------------------------------------------------------------------------------
def render_html(expl: Explanation) -> str:
    """HTML for Jupyter: the SVG drawing, the graph listing and the reverse table."""
    from chainrule.explain.draw import to_svg

    y = expl.output
    g = expl.graph
    out = ['<div class="chainrule-explain">', f"<p><b>{html.escape(_title(expl))}</b></p>"]
    out.append(to_svg(expl))
    out.append(_html_graph(g))
    rows = []
    for step in expl.steps:
        left = f"∂{y}/∂{step.node}"
        symbols = " + ".join(
            f"∂{y}/∂{t.node} · ∂{local_top(g, t.node)}/∂{step.node}" for t in step.terms
        )
        if g.scalar:
            numbers = " + ".join(f"{_num(t.partial)}·{_num(t.edge.value)}" for t in step.terms)
            value = format_number(step.value)
        else:
            numbers = "; ".join(t.edge.formula for t in step.terms)
            value = format_number(g.node(step.node).grad_norm)
        rows.append([left, symbols or "1 (the top)", numbers, value])
    head = ["partial", "sum over the nodes it feeds", "numbers" if g.scalar else "local"]
    head.append("value" if g.scalar else "norm of the gradient")
    out.append(_html_table(head, rows))
    out += [f"<p><i>{html.escape(note)}</i></p>" for note in expl.notes]
    out.append("</div>")
    return "\n".join(out)


def _html_graph(g: Graph) -> str:
    if g.scalar:
        head = ["node", "op", "inputs", "formula", "value"]
        rows = [
            [n.name, n.op, ", ".join(n.inputs), n.formula, format_number(n.value)] for n in g.nodes
        ]
    else:  # the same columns as the Markdown listing
        head = ["node", "op", "inputs", "formula", "shape", "norm"]
        rows = [
            [n.name, n.op, ", ".join(n.inputs), n.formula, str(n.shape), format_number(n.norm)]
            for n in g.nodes
        ]
    return _html_table(head, rows)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
