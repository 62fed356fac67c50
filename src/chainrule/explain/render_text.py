"""The plain-text explanation, as ``chainrule derive`` prints it: aligned columns, ASCII only.

``dy/da`` is the partial of the output y with respect to node a (the lecture's ∂y/∂a); for an
edge from a to b, ``db/da`` is the local partial. In forward mode ``a'`` is the tangent of a in
the pass for one input.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chainrule.explain.graph import Edge, Graph, format_number, local_top
from chainrule.explain.tables import Counts, PathSum

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

#: Paths listed per input in the text; the JSON holds all that were enumerated.
TEXT_PATHS_PER_INPUT = 20


def render_text(expl: Explanation) -> str:
    """The whole explanation as text, one section after another.

    >>> from chainrule.explain import derive
    >>> text = render_text(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
    >>> "dy/dx2 = dy/da * da/dx2 + dy/db * db/dx2 = 3*1 + 3*1 = 6" in text
    True
    """
    sections = [
        _header(expl),
        _graph_section(expl.graph),
        _locals_section(expl.graph),
        _reverse_section(expl),
    ]
    if expl.paths is not None:
        sections.append(_paths_section(expl, expl.paths))
    if expl.forward is not None:
        sections.append(_forward_section(expl))
    sections.append(_counts_section(expl))
    sections.append(_result_section(expl))
    return "\n\n".join(_wrap_title(s) for s in sections) + "\n"


def _wrap_title(section: str) -> str:
    title, newline, rest = section.partition("\n")
    return "\n".join(textwrap.wrap(title, 100, subsequent_indent="  ")) + newline + rest


def partial_name(output: str, node: str) -> str:
    """``dy/da``: the partial of ``output`` with respect to ``node``."""
    return f"d{output}/d{node}"


def local_name(edge: Edge, graph: Graph) -> str:
    """``da/dx1``: the local partial on an edge (``d(a * b)/da`` into the output y, whose
    ``dy/da`` is the total partial)."""
    return f"d{local_top(graph, edge.target)}/d{edge.source}"


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """Rows as left-aligned columns (the last column is not padded)."""
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    lines = []
    for row in rows:
        cells = [c.ljust(widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return "\n".join(lines)


def equations(rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """``left = right`` lines with the left sides padded to one width."""
    width = max(len(left) for left, _ in rows)
    return "\n".join(f"{indent}{left.ljust(width)} {right}" for left, right in rows)


def number(value: float | None) -> str:
    """A factor in a product: negative numbers in parentheses."""
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def _header(expl: Explanation) -> str:
    if expl.expression is not None:
        point = ", ".join(f"{k} = {format_number(v)}" for k, v in expl.at.items())
        return f"{expl.expression}   at {point}"
    g = expl.graph
    return f"trace of {g.output}: {len(g.nodes)} nodes, {len(g.edges)} edges"


def _graph_section(graph: Graph) -> str:
    title = "Graph (topological order, inputs first; constants are written inline)"
    if graph.scalar:
        rows = [["node", "op", "inputs", "formula", "value"]]
        for n in graph.nodes:
            rows.append(
                [n.name, n.op, ", ".join(n.inputs), n.formula or "-", format_number(n.value)]
            )
    else:
        rows = [["node", "op", "inputs", "formula", "shape", "norm"]]
        for n in graph.nodes:
            shape = "x".join(map(str, n.shape)) or "scalar"
            rows.append(
                [n.name, n.op, ", ".join(n.inputs), n.formula or "-", shape, format_number(n.norm)]
            )
    return f"{title}\n{table(rows)}"


def _locals_section(graph: Graph) -> str:
    title = "Local partials (one per edge: d(node)/d(operand), from the op's formula)"
    if not graph.edges:
        return f"{title}\n  (none: the output is an input)"
    twice = repeated_edges(graph)
    rows = [["edge", "partial", "formula", "value"]]
    for e in graph.edges:
        target = graph.node(e.target)
        slot = f" (operand {e.index + 1})" if (e.source, e.target) in twice else ""
        formula = f"d({target.formula})/d{e.source}{slot} = {e.formula}"
        rows.append(
            [f"{e.source} -> {e.target}", local_name(e, graph), formula, format_number(e.value)]
        )
    if not graph.scalar:
        rows = [r[:3] for r in rows]
    return f"{title}\n{table(rows)}"


def _reverse_section(expl: Explanation) -> str:
    y = expl.output
    title = (
        f"Reverse accumulation (from the top, {partial_name(y, y)} = 1; each node's partial is "
        "the sum over the nodes it feeds of their partial * the local partial)"
    )
    rows = []
    for step in expl.steps:
        left = partial_name(y, step.node)
        if not step.terms:
            rows.append([left, "= 1"])
            continue
        symbols = " + ".join(
            f"{partial_name(y, t.node)} * {local_name(t.edge, expl.graph)}" for t in step.terms
        )
        if expl.graph.scalar:
            numbers = " + ".join(f"{number(t.partial)}*{number(t.edge.value)}" for t in step.terms)
            rows.append([left, f"= {symbols} = {numbers} = {format_number(step.value)}"])
        else:
            norm = expl.graph.node(step.node).grad_norm
            rows.append([left, f"= {symbols}   (norm {format_number(norm)})"])
    return f"{title}\n{equations(rows)}"


def _paths_section(expl: Explanation, tables: tuple[PathSum, ...]) -> str:
    y = expl.output
    title = (
        f"Per path (the naive method: every path from an input to {y}, "
        "the product of the local partials along it, summed)"
    )
    rows: list[list[str]] = []
    for t in tables:
        label = f"{partial_name(y, t.input)}:"
        for k, path in enumerate(t.paths[:TEXT_PATHS_PER_INPUT]):
            route = " -> ".join(path.nodes)
            if path.edges:
                top_down = path.edges[::-1]  # dy/df * df/db * ... as the lecture writes the rule
                factors = " * ".join(local_name(e, expl.graph) for e in top_down)
                values = "*".join(number(e.value) for e in top_down)
                product = f"{factors} = {values} = {format_number(path.product)}"
            else:
                product = "1 (the input is the output)"
            rows.append([label if k == 0 else "", route, product])
        more = unlisted_paths(t)
        if more:
            rows.append(["", "", f"... and {more} more paths"])
        rows.append(["", "", f"{path_total(t)} = {format_number(t.total)}"])
    text = f"{title}\n{table(rows)}"
    repeated = most_recomputed(expl.graph)
    if repeated is not None:
        node, times = repeated
        text += "\n  " + recomputed_note(partial_name(y, node), node, times)
    return text


def _forward_section(expl: Explanation) -> str:
    assert expl.forward is not None
    y = expl.output
    title = (
        "Forward mode (one pass per input; each node's tangent n' is the sum over its operands "
        "of the local partial * their tangent)"
    )
    blocks = [title]
    for one in expl.forward:
        seeds = ", ".join(
            f"{n.name}' = {1 if n.name == one.input else 0}" for n in expl.graph.inputs
        )
        rows = []
        for step in one.steps:
            symbols = " + ".join(
                f"{local_name(t.edge, expl.graph)} * {t.node}'" for t in step.terms
            )
            values = " + ".join(f"{number(t.edge.value)}*{number(t.partial)}" for t in step.terms)
            rows.append([f"{step.node}'", f"= {symbols} = {values} = {format_number(step.value)}"])
        result = f"{partial_name(y, one.input)} = {y}' = {format_number(one.value)}"
        body = equations(rows, "    ") if rows else "    (no ops)"
        blocks.append(f"  pass for {one.input} ({seeds}):\n{body}\n    {result}")
    return "\n".join(blocks)


def _counts_section(expl: Explanation) -> str:
    c = expl.counts
    if not expl.graph.scalar:
        body = (
            f"reverse accumulation: one vector-Jacobian product per edge, {c.edges} in one pass;"
            " forward mode would need one pass per input element, the per-path method one"
            f" product chain per path ({plural(c.paths, 'path')})."
        )
        return "Operation count\n" + "\n".join(
            textwrap.wrap(body, 98, initial_indent="  ", subsequent_indent="  ")
        )
    note = "\n".join(
        textwrap.wrap(count_verdict(c), 98, initial_indent="  ", subsequent_indent="  ")
    )
    title = COUNTS_TITLE
    rows = count_rows(c)
    return f"{title}\n{table(rows)}\n{note}"


def _result_section(expl: Explanation) -> str:
    y = expl.output
    g = expl.graph
    lines = ["Result"]
    out = g.node(y)
    if g.scalar:
        lines.append(f"  {y} = {format_number(out.value)}")
        for name, value in expl.gradients.items():
            lines.append(f"  {partial_name(y, name)} = {format_number(value)}")
        if expl.agrees:
            lines.append(
                "  check: reverse accumulation, the per-path sums, forward mode and the engine's"
                " backward() agree"
            )
            if expl.max_difference:
                lines[-1] += f" (to a relative {expl.max_difference:.1e}, rounding)"
        else:
            lines.append(f"  check FAILED: the methods differ by up to {expl.max_difference:.3g}")
    else:
        lines.append(f"  {y}: shape {out.shape}, norm {format_number(out.norm)}")
        for n in g.inputs:
            lines.append(f"  |{partial_name(y, n.name)}| = {format_number(n.grad_norm)}")
    lines.extend(f"  note: {note}" for note in expl.notes)
    return "\n".join(lines)


COUNTS_TITLE = (
    "Operation count (multiplications and additions of the chain rule; "
    "computing the local partials is not counted)"
)


def count_rows(c: Counts) -> list[list[str]]:
    """The operation-count table of a scalar graph, header first (every format shows it)."""
    s = "" if c.edges == 1 else "s"
    return [
        ["method", "passes", "mult", "add", "how"],
        [
            "reverse accumulation",
            "1",
            str(c.reverse_mult),
            str(c.reverse_add),
            f"one multiplication per edge ({c.edges} edge{s})",
        ],
        [
            "per path",
            "-",
            str(c.path_mult),
            str(c.path_add),
            f"one per edge of every path ({plural(c.paths, 'path')}, {c.path_edges} edges in all)",
        ],
        [
            "forward mode",
            str(c.inputs),
            str(c.forward_mult),
            str(c.forward_add),
            f"every edge once in each pass, one pass per input ({c.inputs})",
        ],
    ]


def count_verdict(c: Counts) -> str:
    """Which mode wins for this graph, in one sentence."""
    if c.inputs > 1:
        verdict = f"with {c.inputs} inputs and 1 output, reverse mode wins"
    else:
        verdict = "with 1 input and 1 output they tie; forward mode wins with more outputs"
    return f"Reverse mode needs one pass per output, forward mode one per input: {verdict}."


def unlisted_paths(t: PathSum) -> int:
    """How many of an input's paths a table leaves out (it lists TEXT_PATHS_PER_INPUT)."""
    return t.count - min(len(t.paths), TEXT_PATHS_PER_INPUT)


def recomputed_note(partial: str, node: str, times: int) -> str:
    """The lecture's point about the per-path method, with symbols in the caller's markup."""
    return (
        f"{partial} is recomputed on each of the {times} paths that reach {node}; "
        "reverse accumulation computes it once."
    )


def path_total(t: PathSum) -> str:
    """``sum over 3 paths``, or of the listed ones when the listing stopped short."""
    if t.complete:
        return f"sum over {plural(t.count, 'path')}"
    return f"sum over the {len(t.paths)} listed of {plural(t.count, 'path')}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def repeated_edges(graph: Graph) -> set[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    twice: set[tuple[str, str]] = set()
    for e in graph.edges:
        key = (e.source, e.target)
        (twice if key in seen else seen).add(key)
    return twice


def most_recomputed(graph: Graph) -> tuple[str, int] | None:
    """The intermediate node whose upper product the per-path method recomputes most often."""
    into: dict[str, int] = {}
    for node in graph.nodes:
        into[node.name] = (
            1 if node.is_input else sum(into[e.source] for e in graph.edges_into(node.name))
        )
    best = None
    for node in graph.nodes:
        if node.is_input or node.name == graph.output:
            continue
        if into[node.name] > 1 and (best is None or into[node.name] > best[1]):
            best = (node.name, into[node.name])
    return best
