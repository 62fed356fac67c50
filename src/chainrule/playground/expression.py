"""What the expression view shows, computed here from the library's own explanation.

:func:`view_model` turns an :class:`~chainrule.explain.explanation.Explanation` into plain
data the page draws as it is: the derivation (exactly ``chainrule derive --json``), the
drawing (the boxes and edge routes of :func:`chainrule.explain.layout.layout`, the same layout
as ``derive --graph``), and every row of the backward pass, of the per-path sums and of forward
mode with its symbols and its numbers already written (by the tables' ``format_number``). The
page never computes a number: it shows these, a step at a time.

>>> from chainrule.explain import derive
>>> model = view_model(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
>>> row = model["reverse"][-2]
>>> row["partial"], row["sum"], row["numbers"], row["value"]
('∂y/∂x2', '∂y/∂a·∂a/∂x2 + ∂y/∂b·∂b/∂x2', '3·1 + 3·1', '6')
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chainrule.explain import render_common as common
from chainrule.explain.explanation import Explanation
from chainrule.explain.graph import Edge, Graph, format_number, local_top
from chainrule.explain.layout import Layout, box_lines, layout
from chainrule.explain.tables import ForwardPass, PathSum
from chainrule.i18n import N_
from chainrule.report.lab import COMPOSITE, COMPOSITE_AT, EXERCISES

#: The lecture's example and its two exercises, one click away (label, expression, point).
EXAMPLES = (
    (N_("Lecture example"), COMPOSITE, COMPOSITE_AT),
    (N_("Exercise 1"), EXERCISES[0], COMPOSITE_AT),
    (N_("Exercise 2"), EXERCISES[1], COMPOSITE_AT),
)

#: The words the expression view's script shows (translated when the page is served).
MESSAGES = {
    "backward": N_("Backward pass"),
    "paths": N_("Per path"),
    "forward": N_("Forward mode"),
    "step": N_("Step {k} of {n}"),
    "first": N_("First"),
    "previous": N_("Previous"),
    "next": N_("Next"),
    "last": N_("Last"),
    "top": N_("The top node: {partial} = 1"),
    "partial": N_("partial"),
    "sum_over_parents": N_("sum over the nodes it feeds"),
    "with_numbers": N_("with numbers"),
    "value": N_("value"),
    "path": N_("path"),
    "product": N_("product of the local partials"),
    "tangent": N_("tangent"),
    "sum_over_operands": N_("sum over its operands"),
    "pass_for": N_("Pass for {input}"),
    "tangent_seed": N_("seeds: {seeds}"),
    "path_total": N_("sum over the paths"),
    "recomputed": N_("recomputed: {partial} = {value} was already computed on {path}"),
    "recomputed_short": N_("recomputed"),
    "result": N_("Result"),
    "agrees": N_("reverse accumulation, the per-path sums, forward mode and the engine agree"),
    "differs": N_("the methods differ by up to {difference}"),
    "counts": N_("Multiplications: reverse {reverse}, per path {paths}, forward {forward}"),
    "not_yet": N_("not computed yet"),
}


def view_model(expl: Explanation) -> dict[str, Any]:
    """The derivation and what the view draws of it: graph, backward rows, paths, forward."""
    g = expl.graph
    return {
        "derivation": expl.to_json(),
        "drawing": drawing(g, layout(g)),
        "values": {n.name: format_number(n.value) for n in g.nodes},
        "point": [{"name": k, "value": v} for k, v in common.point(expl)],
        "reverse": reverse_rows(expl),
        "paths": None if expl.paths is None else path_rows(g, expl.paths),
        "forward": None if expl.forward is None else forward_rows(g, expl.forward),
        "result": {
            "value": format_number(expl.value),
            "gradients": [
                {"partial": partial(g.output, name), "value": format_number(value)}
                for name, value in expl.gradients.items()
            ],
            "agrees": expl.agrees,
            "difference": format_number(expl.max_difference),
        },
    }


def edge_key(e: Edge) -> str:
    """One edge's id on the page: ``source>target#operand``."""
    return f"{e.source}>{e.target}#{e.index}"


def drawing(g: Graph, lay: Layout) -> dict[str, Any]:
    """Boxes and routes of the library's layout; a box's gradient line (``grad``) is apart,
    with the line it shows before the backward pass reaches it (``pending``)."""
    return {
        "width": lay.width,
        "height": lay.height,
        "boxes": [
            {
                "name": b.name,
                "x": b.x,
                "y": b.y,
                "width": b.width,
                "height": b.height,
                "kind": b.kind,
                "lines": list(box_lines(g.node(b.name), g.scalar)[:-1]),
                "grad": box_lines(g.node(b.name), g.scalar)[-1],
                "pending": box_lines(replace(g.node(b.name), grad=None), g.scalar)[-1],
            }
            for b in lay.boxes.values()
        ],
        "edges": [
            {
                "key": edge_key(r.edge),
                "source": r.edge.source,
                "target": r.edge.target,
                "points": [list(p) for p in r.points],
                "label": r.label,
                "label_box": list(r.label_box),
            }
            for r in lay.routes
        ],
    }


def partial(y: str, node: str) -> str:
    """``∂y/∂a``."""
    return f"∂{y}/∂{node}"


def local(g: Graph, e: Edge, twice: set[tuple[str, str]]) -> str:
    """``∂a/∂x2``, the local partial on an edge (written with the output's formula on top
    where ∂y would read as the total partial), with the operand's number where two edges
    join the same nodes (``twice``: ``common.repeated_edges(g)``, as in ``x1 * x1``)."""
    doubled = (e.source, e.target) in twice
    slot = common.operand_slot(g, e.source, e.target, e.index) if doubled else ""
    return f"∂{local_top(g, e.target)}/∂{e.source}{slot}"


def reverse_rows(expl: Explanation) -> list[dict[str, Any]]:
    """One row per node, from the top down, as the backward pass visits them."""
    g, y = expl.graph, expl.output
    twice = common.repeated_edges(g)
    rows = []
    for step in expl.steps:
        rows.append(
            {
                "node": step.node,
                "partial": partial(y, step.node),
                "parents": [t.node for t in step.terms],
                "edges": [edge_key(t.edge) for t in step.terms],
                "sum": " + ".join(
                    f"{partial(y, t.node)}·{local(g, t.edge, twice)}" for t in step.terms
                ),
                "numbers": common.products(((t.partial, t.edge.value) for t in step.terms), "·"),
                "value": format_number(step.value),
            }
        )
    return rows


def path_rows(g: Graph, tables: tuple[PathSum, ...]) -> list[dict[str, Any]]:
    """Each input's paths, top factor first; a path's top part that an earlier path already
    multiplied out is marked as recomputed (the per-path method's waste)."""
    y = g.output
    twice = common.repeated_edges(g)
    done: dict[tuple[str, ...], str] = {}  # top parts multiplied so far -> the path that did
    result = []
    for t in tables:
        rows = []
        for path in t.paths[: common.PATHS_LISTED]:
            top_down = path.edges[::-1]
            keys = tuple(edge_key(e) for e in top_down)
            route = " → ".join(path.nodes)
            shared = max((m for m in range(1, len(keys) + 1) if keys[:m] in done), default=0)
            recomputed = None
            if shared:
                node = top_down[shared - 1].source
                recomputed = {
                    "node": node,
                    "partial": partial(y, node),
                    "value": format_number(g.node(node).grad),
                    "edges": list(keys[:shared]),
                    "first": done[keys[:shared]],
                }
            for m in range(1, len(keys) + 1):
                done.setdefault(keys[:m], route)
            rows.append(
                {
                    "route": route,
                    "nodes": list(path.nodes),
                    "edges": list(keys),
                    "factors": "·".join(local(g, e, twice) for e in top_down) or "1",
                    "numbers": "·".join(common.signed(e.value) for e in top_down) or "1",
                    "product": format_number(path.product),
                    "recomputed": recomputed,
                }
            )
        result.append(
            {
                "input": t.input,
                "partial": partial(y, t.input),
                "rows": rows,
                "unlisted": common.unlisted_paths(t),
                "total": format_number(t.total),
            }
        )
    return result


def forward_rows(g: Graph, passes: tuple[ForwardPass, ...]) -> list[dict[str, Any]]:
    """Each forward pass: the seeds, then a row per op node, from the inputs up."""
    twice = common.repeated_edges(g)
    return [
        {
            "input": one.input,
            "partial": partial(g.output, one.input),
            "output_tangent": f"{g.output}′",
            "seeds": ", ".join(f"{n.name}′ = {int(n.name == one.input)}" for n in g.inputs),
            "seed_values": {n.name: str(int(n.name == one.input)) for n in g.inputs},
            "rows": [
                {
                    "node": s.node,
                    "tangent": f"{s.node}′",
                    "children": [t.node for t in s.terms],
                    "edges": [edge_key(t.edge) for t in s.terms],
                    "sum": " + ".join(f"{local(g, t.edge, twice)}·{t.node}′" for t in s.terms),
                    "numbers": common.products(((t.edge.value, t.partial) for t in s.terms), "·"),
                    "value": format_number(s.value),
                }
                for s in one.steps
            ],
            "value": format_number(one.value),
        }
        for one in passes
    ]
