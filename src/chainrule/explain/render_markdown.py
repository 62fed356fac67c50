"""The explanation as Markdown, for notes and notebooks: every section of the text, as tables.

The sections, titles and choices are the text's (``render_common``); names go through
``escape.markdown`` and formulas through ``escape.markdown_code``, so that a name is shown as
written whatever it holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.explain import escape
from chainrule.explain import render_common as common
from chainrule.explain.graph import Edge, Graph, format_number, local_top
from chainrule.explain.tables import PathSum
from chainrule.i18n import _, localized

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

_md = escape.markdown
_code = escape.markdown_code


@localized
def render_markdown(expl: Explanation) -> str:
    """The explanation as Markdown tables: the graph listing and the reverse table, and for
    scalar graphs the local partials, the per-path sums, forward mode and the operation counts
    (``lang="zh"``: in Chinese).

    >>> from chainrule.explain import derive
    >>> md = render_markdown(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
    >>> "| ∂y/∂x2 | ∂y/∂a · ∂a/∂x2 + ∂y/∂b · ∂b/∂x2 | 3·1 + 3·1 | 6 |" in md
    True
    >>> "∂y/∂a is recomputed on each of the 2 paths that reach a" in md
    True
    """
    g = expl.graph
    parts = [f"**{_md(common.title(expl))}**", *_section("graph"), _graph_table(g)]
    if g.scalar:  # as in the text; for tensors the tables after the reverse one are skipped too
        parts += _locals(g)
    parts += [*_section("reverse", _md(expl.output)), _reverse_table(expl)]
    for key in common.scalar_sections(expl):
        parts += _SECTIONS[key](expl)
    parts += _result(expl)
    return "\n".join(parts) + "\n"


def _section(key: str, y: str = "y") -> list[str]:
    name, detail = common.heading(key, y=y, dy=f"∂{y}/∂{y}")
    return ["", f"{name} ({detail}):" if detail else f"{name}:", ""]


def _graph_table(g: Graph) -> str:
    if g.scalar:
        rows = [[_("node"), _("op"), _("inputs"), _("formula"), _("value")]]
        for n in g.nodes:
            cells = [_md(n.name), n.op_label, _names(n.inputs), _code(n.formula)]
            rows.append([*cells, format_number(n.value)])
    else:
        rows = [[_("node"), _("op"), _("inputs"), _("formula"), _("shape"), _("norm")]]
        for n in g.nodes:
            cells = [_md(n.name), n.op_label, _names(n.inputs), _code(n.formula), str(n.shape)]
            rows.append([*cells, format_number(n.norm)])
    return _md_table(rows)


def _reverse_table(expl: Explanation) -> str:
    y = _md(expl.output)
    g = expl.graph
    if g.scalar:
        rows = [[_("partial"), _("sum over the nodes it feeds"), _("with numbers"), _("value")]]
    else:
        rows = [[_("partial"), _("sum over the nodes it feeds"), _("local partials"), _("norm")]]
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
            numbers = common.products(((t.partial, t.edge.value) for t in step.terms), "·")
            rows.append([left, symbols, numbers, format_number(step.value)])
        else:
            local = "; ".join(f"∂{t.node}/∂{step.node} = {t.edge.formula}" for t in step.terms)
            rows.append([left, symbols, _code(local), format_number(g.node(step.node).grad_norm)])
    return _md_table(rows)


def _local(g: Graph, edge: Edge) -> str:
    """∂a/∂x1 on an edge; into the output ∂(a * b)/∂a, whose ∂y/∂a is the total partial."""
    return f"∂{_md(local_top(g, edge.target))}/∂{_md(edge.source)}"


def _locals(g: Graph) -> list[str]:
    parts = _section("locals")
    if not g.edges:
        return [*parts, _("(none: the output is an input)")]
    rows = [[_("edge"), _("partial"), _("formula"), _("value")]]
    for e in g.edges:
        # x1 * x1 has two edges x1 → y; the operand number tells them apart
        slot = common.operand_slot(g, e.source, e.target, e.index)
        formula = f"∂({g.node(e.target).formula})/∂{e.source}{slot} = {e.formula}"
        edge = f"{_md(e.source)} → {_md(e.target)}"
        rows.append([edge, _local(g, e), _code(formula), format_number(e.value)])
    return [*parts, _md_table(rows)]


def _paths(expl: Explanation) -> list[str]:
    y = _md(expl.output)
    g = expl.graph
    rows = [
        [_("partial"), _("path"), _("local partials, from the top"), _("with numbers"), _("value")]
    ]
    for t in expl.paths or ():
        rows += _path_rows(g, y, t)
    parts = [*_section("paths", y), _md_table(rows)]
    repeated = common.most_recomputed(g)
    if repeated is not None:
        node, times = repeated
        parts += ["", common.recomputed_note(f"∂{y}/∂{_md(node)}", _md(node), times)]
    return parts


def _path_rows(g: Graph, y: str, t: PathSum) -> list[list[str]]:
    label = f"∂{y}/∂{_md(t.input)}"
    rows = []
    for k, path in enumerate(t.paths[: common.PATHS_LISTED]):
        route = " → ".join(_md(n) for n in path.nodes)
        top_down = path.edges[::-1]  # ∂y/∂f · ∂f/∂b · ... as the lecture writes the rule
        if top_down:
            factors = " · ".join(_local(g, e) for e in top_down)
            values = "·".join(common.signed(e.value) for e in top_down)
        else:
            factors, values = _("1 (the input is the output)"), ""
        rows.append([label if k == 0 else "", route, factors, values, format_number(path.product)])
    more = common.unlisted_paths(t)
    if more:
        rows.append(["", _("… and {more} more paths").format(more=more), "", "", ""])
    rows.append(["", "", common.path_total(t), "", format_number(t.total)])
    return rows


def _forward(expl: Explanation) -> list[str]:
    y = _md(expl.output)
    g = expl.graph
    parts = _section("forward", y)[:-1]
    for one in expl.forward or ():
        seeds = ", ".join(f"{_md(n.name)}' = {1 if n.name == one.input else 0}" for n in g.inputs)
        parts += [
            "",
            _("Pass for {input} ({seeds}):").format(input=_md(one.input), seeds=seeds),
            "",
        ]
        rows = [[_("tangent"), _("sum over its operands"), _("with numbers"), _("value")]]
        for step in one.steps:
            symbols = " + ".join(f"{_local(g, t.edge)} · {_md(t.node)}'" for t in step.terms)
            values = common.products(((t.edge.value, t.partial) for t in step.terms), "·")
            rows.append([f"{_md(step.node)}'", symbols, values, format_number(step.value)])
        parts.append(_md_table(rows) if one.steps else _("(no ops)"))
        parts += ["", f"∂{y}/∂{_md(one.input)} = {y}' = {format_number(one.value)}."]
    return parts


def _counts(expl: Explanation) -> list[str]:
    c = expl.counts
    return [*_section("counts"), _md_table(common.count_rows(c)), "", common.count_verdict(c)]


_SECTIONS = {"paths": _paths, "forward": _forward, "counts": _counts}


def _result(expl: Explanation) -> list[str]:
    y = _md(expl.output)
    if expl.graph.scalar:
        grads = ", ".join(f"∂{y}/∂{_md(k)} = {format_number(v)}" for k, v in expl.gradients.items())
        lines = [
            "",
            _("Result: {y} = {value}; {grads}.").format(
                y=y, value=format_number(expl.value), grads=grads
            ),
        ]
        check = _("{label}: {sentence}.").format(
            label=common.check_label(expl).capitalize(), sentence=common.check_sentence(expl)
        )
        lines += ["", check]
    else:
        out = expl.graph.node(expl.output)
        norms = ", ".join(
            f"‖∂{y}/∂{_md(n.name)}‖ = {format_number(n.grad_norm)}" for n in expl.graph.inputs
        )
        result = _("Result: {y} of shape {shape}, norm {norm}; {norms}.")
        lines = ["", result.format(y=y, shape=out.shape, norm=format_number(out.norm), norms=norms)]
    return lines + [
        "\n_" + _("Note: {note}").format(note=_md(common.note_text(note))) + "_"
        for note in expl.notes
    ]


def _md_table(rows: list[list[str]]) -> str:
    cells = [[escape.markdown_cell(c.replace("\n", " ")) for c in row] for row in rows]
    lines = ["| " + " | ".join(cells[0]) + " |"]
    lines.append("|" + "|".join("---" for _ in cells[0]) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def _names(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(_md(n) for n in names)
