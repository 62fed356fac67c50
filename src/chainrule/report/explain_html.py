"""An :class:`~chainrule.explain.Explanation` as HTML: graph, reverse table, paths, forward mode.

The sections follow the lecture's technique for composite functions: draw the graph and keep
the intermediate values; the top node's partial is 1; each node's partial is the sum, over the
nodes directly above it, of their partial times the local partial. Then the same partials the
naive way (every path separately) and by forward mode, and what each method costs.

>>> from chainrule.explain import derive
>>> text = explanation_html(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
>>> "∂y/∂x<sub>2</sub>" in text and "<svg" in text
True
"""

from __future__ import annotations

import re

from chainrule.explain import Explanation, to_svg
from chainrule.explain.graph import Graph, format_number
from chainrule.report.html import Markup, escape, figure, join, p, table, tag

_INDEXED = re.compile(r"([A-Za-z]+)_?(\d+)")


def sym(name: str) -> Markup:
    """A node name with its index as a subscript: ``x1`` -> x<sub>1</sub>.

    >>> str(sym("x12")), str(sym("a"))
    ('x<sub>12</sub>', 'a')
    """
    match = _INDEXED.fullmatch(name)
    if match:
        return Markup(f"{escape(match.group(1))}<sub>{escape(match.group(2))}</sub>")
    return escape(name)


def partial(top: str, node: str) -> Markup:
    """∂top/∂node."""
    return Markup(f"∂{sym(top)}/∂{sym(node)}")


def local(graph: Graph, target: str, node: str) -> Markup:
    """The local partial ∂target/∂node; into the output it is written with the output's
    formula, since ∂y/∂node there is the total partial (see ``explain.graph.local_top``)."""
    if target != graph.output:
        return partial(target, node)
    return Markup(f"∂({_formula(graph.node(target).formula)})/∂{sym(node)}")


def _num(value: float | None) -> str:
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


_POWER = re.compile(r"\s*(?:\*\*|\^)\s*(\(?-?[0-9.]+\)?|[A-Za-z_][A-Za-z0-9_]*)")


def _formula(text: str) -> Markup:
    """An op formula with names subscripted and powers raised: ``x1**2 + x2`` ->
    x<sub>1</sub><sup>2</sup> + x<sub>2</sub>.

    >>> str(_formula("(x1 + x2)**2 * x2^2"))
    '(x<sub>1</sub> + x<sub>2</sub>)<sup>2</sup> * x<sub>2</sub><sup>2</sup>'
    """
    out = []
    for k, piece in enumerate(_POWER.split(text)):
        if k % 2:
            out.append(f"<sup>{_names(piece.strip('()'))}</sup>")
        else:
            out.append(_names(piece))
    return Markup("".join(out))


def _names(text: str) -> str:
    pieces = re.split(r"([A-Za-z_][A-Za-z0-9_]*)", text)
    return "".join(sym(s) if k % 2 else escape(s) for k, s in enumerate(pieces))


def title(expl: Explanation) -> Markup:
    """``y = (x1 + x2) * (x2 + 1) at x1 = 1, x2 = 2``, names subscripted."""
    what = _formula(expl.expression or f"trace of {expl.output}")
    if not expl.at:
        return what
    point = ", ".join(f"{sym(k)} = {escape(format_number(v))}" for k, v in expl.at.items())
    return Markup(f"{what} at {point}")


def graph_table(expl: Explanation) -> Markup:
    """The nodes in topological order with their forward values."""
    rows = [
        [
            sym(n.name),
            "input" if n.is_input else n.op,
            join((sym(i) for i in n.inputs), ", "),
            _formula(n.formula) if n.formula else "",
            format_number(n.value),
        ]
        for n in expl.graph.nodes
    ]
    return table(
        ["node", "op", "inputs", "formula", "value"],
        rows,
        numeric=[4],
        caption="Forward values",
    )


def locals_table(expl: Explanation) -> Markup:
    """One local partial per edge, from the op's formula."""
    rows = []
    for e in expl.graph.edges:
        target = expl.graph.node(e.target)
        rows.append(
            [
                Markup(f"{sym(e.source)} → {sym(e.target)}"),
                local(expl.graph, e.target, e.source),
                Markup(f"∂({_formula(target.formula)})/∂{sym(e.source)} = {_formula(e.formula)}"),
                format_number(e.value),
            ]
        )
    return table(
        ["edge", "local partial", "from the formula", "value"],
        rows,
        numeric=[3],
        caption="Local partials (one per edge)",
    )


def reverse_table(expl: Explanation) -> Markup:
    """Reverse accumulation, from the top down: each row uses only rows above it."""
    y = expl.output
    rows = []
    for step in expl.steps:
        if not step.terms:
            rows.append([partial(y, y), "1 (the top node)", "", "1"])
            continue
        symbols = join(
            (
                Markup(f"{partial(y, t.node)} · {local(expl.graph, t.node, step.node)}")
                for t in step.terms
            ),
            " + ",
        )
        numbers = " + ".join(f"{_num(t.partial)}·{_num(t.edge.value)}" for t in step.terms)
        rows.append([partial(y, step.node), symbols, numbers, format_number(step.value)])
    return table(
        ["partial", "sum over the nodes it feeds", "with numbers", "value"],
        rows,
        cls="eq",
        numeric=[3],
        caption=f"Reverse accumulation (backpropagation): from ∂{y}/∂{y} = 1 downwards",
    )


def paths_table(expl: Explanation) -> Markup:
    """The naive method: every path from an input to the output, multiplied out, summed."""
    if expl.paths is None:
        return Markup("")
    y = expl.output
    rows = []
    for t in expl.paths:
        for k, path in enumerate(t.paths):
            route = join((sym(n) for n in path.nodes), " → ")
            top_down = path.edges[::-1]  # ∂y/∂a · ∂a/∂x1, as the lecture writes the rule
            factors = join((local(expl.graph, e.target, e.source) for e in top_down), " · ")
            values = "·".join(_num(e.value) for e in top_down)
            rows.append(
                [
                    partial(y, t.input) if k == 0 else "",
                    route,
                    Markup(f"{factors} = {escape(values)}"),
                    format_number(path.product),
                ]
            )
        noun = "path" if t.count == 1 else "paths"
        rows.append(["", "", f"sum over {t.count} {noun}", format_number(t.total)])
    out = table(
        ["partial", "path", "product of the local partials", "value"],
        rows,
        cls="eq",
        numeric=[3],
        caption="Per path (the naive method)",
    )
    repeated = _most_shared(expl)
    if repeated is not None:
        node, times = repeated
        out = Markup(
            out
            + p(
                Markup(
                    f"{partial(y, node)} is recomputed on each of the {times} paths through "
                    f"{sym(node)}: the lecture's “重复计算了对a的偏导”. Reverse accumulation "
                    "computes it once and reuses it."
                ),
                cls="note",
            )
        )
    return out


def _most_shared(expl: Explanation) -> tuple[str, int] | None:
    """The inner node that the most listed paths go through (if more than one does)."""
    assert expl.paths is not None
    counts: dict[str, int] = {}
    for t in expl.paths:
        for path in t.paths:
            for node in path.nodes[1:-1]:
                counts[node] = counts.get(node, 0) + 1
    if not counts:
        return None
    node = max(counts, key=lambda n: (counts[n], n == "a"))
    return (node, counts[node]) if counts[node] > 1 else None


def forward_table(expl: Explanation) -> Markup:
    """Forward mode: one pass per input, tangents carried upwards."""
    if expl.forward is None:
        return Markup("")
    rows = []
    for one in expl.forward:
        seeds = ", ".join(
            f"{sym(n.name)}′ = {1 if n.name == one.input else 0}" for n in expl.graph.inputs
        )
        first = True
        for step in one.steps:
            symbols = join(
                (
                    Markup(f"{local(expl.graph, step.node, t.node)} · {sym(t.node)}′")
                    for t in step.terms
                ),
                " + ",
            )
            numbers = " + ".join(f"{_num(t.edge.value)}·{_num(t.partial)}" for t in step.terms)
            rows.append(
                [
                    Markup(f"pass for {sym(one.input)} ({seeds})") if first else "",
                    Markup(f"{sym(step.node)}′ = {symbols}"),
                    numbers,
                    format_number(step.value),
                ]
            )
            first = False
        result = Markup(f"{partial(expl.output, one.input)} = {sym(expl.output)}′")
        rows.append(["", result, "", format_number(one.value)])
    return table(
        ["pass", "tangent", "with numbers", "value"],
        rows,
        cls="eq",
        numeric=[3],
        caption="Forward mode: one pass per input (n′ is the tangent of node n)",
    )


def counts_table(expl: Explanation) -> Markup:
    """Multiplications and additions of the chain rule, per method."""
    c = expl.counts
    rows = [
        ["reverse accumulation", 1, c.reverse_mult, c.reverse_add],
        ["per path", "–", c.path_mult, c.path_add],
        ["forward mode", c.inputs, c.forward_mult, c.forward_add],
    ]
    return table(
        ["method", "passes", "multiplications", "additions"],
        rows,
        numeric=[1, 2, 3],
        caption=f"What each method costs ({c.nodes} nodes, {c.edges} edges, {c.paths} paths)",
    )


def result_line(expl: Explanation) -> Markup:
    """``y = 9; ∂y/∂x1 = 3, ∂y/∂x2 = 6`` and whether every method agrees with the engine."""
    y = expl.output
    grads = join(
        (
            Markup(f"<b>{partial(y, k)} = {escape(format_number(v))}</b>")
            for k, v in expl.gradients.items()
        ),
        ", ",
    )
    check = (
        "Reverse accumulation, the per-path sums, forward mode and the engine's backward() agree."
        if expl.agrees
        else f"The methods disagree by {format_number(expl.max_difference)}."
    )
    return p(Markup(f"Result: {sym(y)} = {escape(format_number(expl.value))}; {grads}. "), check)


def explanation_html(expl: Explanation, *, full: bool = True) -> Markup:
    """The whole explanation: the drawing and the tables (``full=False``: graph, reverse table
    and result only, for the exercises)."""
    svg = Markup(to_svg(expl))
    side = [graph_table(expl)]
    if full:
        side.append(locals_table(expl))
    parts = [
        tag(
            "div",
            figure(svg, "The graph: forward values and each node's gradient", cls="graph"),
            tag("div", *side),
            cls="row",
        ),
        tag("div", reverse_table(expl), cls="scroll"),
    ]
    if full:
        parts += [
            tag("div", paths_table(expl), cls="scroll"),
            tag("div", forward_table(expl), cls="scroll"),
            counts_table(expl),
        ]
    parts.append(result_line(expl))
    return join(parts)
