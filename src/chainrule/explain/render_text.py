"""The plain-text explanation, as ``chainrule derive`` prints it: aligned columns, ASCII only.

``dy/da`` is the partial of the output y with respect to node a (the lecture's ∂y/∂a); for an
edge from a to b, ``db/da`` is the local partial. In forward mode ``a'`` is the tangent of a in
the pass for one input.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chainrule.explain import render_common as common
from chainrule.explain.graph import Edge, Graph, format_number, local_top
from chainrule.explain.tables import PathSum
from chainrule.i18n import _, localized
from chainrule.wording import display_width, ljust_width

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

#: Paths listed per input (the same in every format: see ``render_common``).
TEXT_PATHS_PER_INPUT = common.PATHS_LISTED


@localized
def render_text(expl: Explanation) -> str:
    """The whole explanation as text, one section after another (``lang="zh"``: in Chinese).

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


def _title(key: str, y: str = "y") -> str:
    """``Title (detail)`` of a section, in ASCII."""
    title, detail = common.heading(key, common.ascii_symbols, y=y, dy=partial_name(y, y))
    return _("{title} ({detail})").format(title=title, detail=detail) if detail else title


def partial_name(output: str, node: str) -> str:
    """``dy/da``: the partial of ``output`` with respect to ``node``."""
    return f"d{output}/d{node}"


def local_name(edge: Edge, graph: Graph) -> str:
    """``da/dx1``: the local partial on an edge (``d(a * b)/da`` into the output y, whose
    ``dy/da`` is the total partial)."""
    return f"d{local_top(graph, edge.target)}/d{edge.source}"


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """Rows as left-aligned columns (the last column is not padded)."""
    columns = range(max(map(len, rows)))
    widths = [max(display_width(r[i]) for r in rows if i < len(r)) for i in columns]
    lines = []
    for row in rows:
        cells = [ljust_width(c, widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return "\n".join(lines)


def equations(rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """``left = right`` lines with the left sides padded to one width."""
    width = max(display_width(left) for left, _right in rows)
    return "\n".join(f"{indent}{ljust_width(left, width)} {right}" for left, right in rows)


#: A factor in a product: negative numbers in parentheses.
number = common.signed


def _header(expl: Explanation) -> str:
    if expl.expression is not None:
        where = ", ".join(f"{k} = {v}" for k, v in common.point(expl))
        return _("{subject}   at {point}").format(subject=common.subject(expl), point=where)
    g = expl.graph
    return _("{subject}: {nodes} nodes, {edges} edges").format(
        subject=common.subject(expl), nodes=len(g.nodes), edges=len(g.edges)
    )


def _graph_section(graph: Graph) -> str:
    if graph.scalar:
        rows = [[_("node"), _("op"), _("inputs"), _("formula"), _("value")]]
        for n in graph.nodes:
            rows.append(
                [n.name, n.op_label, ", ".join(n.inputs), n.formula or "-", format_number(n.value)]
            )
    else:
        rows = [[_("node"), _("op"), _("inputs"), _("formula"), _("shape"), _("norm")]]
        for n in graph.nodes:
            shape = "x".join(map(str, n.shape)) or _("scalar")
            rows.append(
                [
                    n.name,
                    n.op_label,
                    ", ".join(n.inputs),
                    n.formula or "-",
                    shape,
                    format_number(n.norm),
                ]
            )
    return f"{_title('graph')}\n{table(rows)}"


def _locals_section(graph: Graph) -> str:
    title = _title("locals")
    if not graph.edges:
        return title + "\n  " + _("(none: the output is an input)")
    rows = [[_("edge"), _("partial"), _("formula"), _("value")]]
    for e in graph.edges:
        target = graph.node(e.target)
        slot = common.operand_slot(graph, e.source, e.target, e.index)
        formula = f"d({target.formula})/d{e.source}{slot} = {e.formula}"
        rows.append(
            [f"{e.source} -> {e.target}", local_name(e, graph), formula, format_number(e.value)]
        )
    if not graph.scalar:
        rows = [r[:3] for r in rows]
    return f"{title}\n{table(rows)}"


def _reverse_section(expl: Explanation) -> str:
    y = expl.output
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
            numbers = common.products(((t.partial, t.edge.value) for t in step.terms), "*")
            rows.append([left, f"= {symbols} = {numbers} = {format_number(step.value)}"])
        else:
            norm = expl.graph.node(step.node).grad_norm
            rows.append(
                [left, f"= {symbols}   " + _("(norm {norm})").format(norm=format_number(norm))]
            )
    return f"{_title('reverse', y)}\n{equations(rows)}"


def _paths_section(expl: Explanation, tables: tuple[PathSum, ...]) -> str:
    y = expl.output
    rows: list[list[str]] = []
    for t in tables:
        label = f"{partial_name(y, t.input)}:"
        for k, path in enumerate(t.paths[: common.PATHS_LISTED]):
            route = " -> ".join(path.nodes)
            if path.edges:
                top_down = path.edges[::-1]  # dy/df * df/db * ... as the lecture writes the rule
                factors = " * ".join(local_name(e, expl.graph) for e in top_down)
                values = "*".join(number(e.value) for e in top_down)
                product = f"{factors} = {values} = {format_number(path.product)}"
            else:
                product = _("1 (the input is the output)")
            rows.append([label if k == 0 else "", route, product])
        more = common.unlisted_paths(t)
        if more:
            rows.append(["", "", _("... and {more} more paths").format(more=more)])
        rows.append(["", "", f"{common.path_total(t)} = {format_number(t.total)}"])
    text = f"{_title('paths', y)}\n{table(rows)}"
    repeated = common.most_recomputed(expl.graph)
    if repeated is not None:
        node, times = repeated
        text += "\n  " + common.recomputed_note(partial_name(y, node), node, times)
    return text


def _forward_section(expl: Explanation) -> str:
    assert expl.forward is not None
    y = expl.output
    blocks = [_title("forward", y)]
    for one in expl.forward:
        seeds = ", ".join(
            f"{n.name}' = {1 if n.name == one.input else 0}" for n in expl.graph.inputs
        )
        rows = []
        for step in one.steps:
            symbols = " + ".join(
                f"{local_name(t.edge, expl.graph)} * {t.node}'" for t in step.terms
            )
            values = common.products(((t.edge.value, t.partial) for t in step.terms), "*")
            rows.append([f"{step.node}'", f"= {symbols} = {values} = {format_number(step.value)}"])
        result = f"{partial_name(y, one.input)} = {y}' = {format_number(one.value)}"
        body = equations(rows, "    ") if rows else "    " + _("(no ops)")
        blocks.append(
            "  "
            + _("pass for {input} ({seeds}):").format(input=one.input, seeds=seeds)
            + f"\n{body}\n    {result}"
        )
    return "\n".join(blocks)


def _counts_section(expl: Explanation) -> str:
    c = expl.counts
    if not expl.graph.scalar:
        lines = textwrap.wrap(
            common.tensor_counts(c), 98, initial_indent="  ", subsequent_indent="  "
        )
        return common.heading("counts")[0] + "\n" + "\n".join(lines)
    note = "\n".join(
        textwrap.wrap(common.count_verdict(c), 98, initial_indent="  ", subsequent_indent="  ")
    )
    return f"{_title('counts')}\n{table(common.count_rows(c))}\n{note}"


def _result_section(expl: Explanation) -> str:
    y = expl.output
    g = expl.graph
    lines = [_title("result")]
    out = g.node(y)
    if g.scalar:
        lines.append(f"  {y} = {format_number(out.value)}")
        for name, value in expl.gradients.items():
            lines.append(f"  {partial_name(y, name)} = {format_number(value)}")
        check = _("{label}: {sentence}").format(
            label=common.check_label(expl), sentence=common.check_sentence(expl)
        )
        lines.append(f"  {check}")
    else:
        lines.append(
            f"  {y}: "
            + _("shape {shape}, norm {norm}").format(shape=out.shape, norm=format_number(out.norm))
        )
        for n in g.inputs:
            lines.append(f"  |{partial_name(y, n.name)}| = {format_number(n.grad_norm)}")
    lines.extend(
        "  " + _("note: {note}").format(note=common.note_text(note)) for note in expl.notes
    )
    return "\n".join(lines)
