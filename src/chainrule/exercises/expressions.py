"""Levels 1 and 2: composite functions in the lecture's format, solved by ``explain.derive``.

Level 1 is the lecture's exercise (画出下列复合函数的结构图，并利用"技巧"求偏导): two inputs and a
sub-expression used twice, so some node feeds two others and its partial is a sum. The learner
lists the graph's edges, the intermediate values, the local partial on each edge, and the
reverse-accumulation table, whose input rows are the partials at the point.

Level 2 asks for the cost of the per-path method against reverse accumulation on a bigger
expression (three inputs, more sharing): nodes, edges, paths, multiplications and additions
of each method, as :func:`chainrule.explain.tables.count_operations` counts them, and the
partials at the point.

Every answer comes from :func:`chainrule.explain.derive`; a wrong one is compared with what a
known mistake gives, from the same tables (one parent's term alone, one path alone, the
per-path count taken for the reverse one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.exercises.model import Entry, Exercise, Mistake, Section
from chainrule.explain import Explanation, derive, parse
from chainrule.explain.graph import Edge, format_number, local_top
from chainrule.explain.render_common import products
from chainrule.i18n import N_, _


@dataclass(frozen=True)
class _Shape:
    """How a level's expressions are drawn: the inputs, the values they take, the range of op
    nodes, the deepest nesting, how many more paths than inputs the graph must have (so that
    some partial is a sum), and the largest value or partial (worked by hand)."""

    inputs: int
    values: tuple[int, ...]
    ops: tuple[int, int]
    depth: int
    extra_paths: int
    largest: float


_SHAPES = {
    1: _Shape(2, (-2, -1, 1, 2, 3), (4, 6), 3, 1, 500.0),
    2: _Shape(3, (-1, 1, 2), (7, 11), 4, 3, 10_000.0),
}

#: Draws before giving up (the shapes above are met within a few dozen).
_ATTEMPTS = 2000


def expression_exercise(level: int, seed: int) -> Exercise:
    """The level-1 or level-2 exercise for ``seed``.

    >>> ex = expression_exercise(1, 0)
    >>> ex.given["expression"] == expression_exercise(1, 0).given["expression"]
    True
    >>> sorted({e.section for e in ex.entries})
    ['forward', 'graph', 'locals', 'reverse']
    """
    rng = np.random.default_rng([level, seed])
    shape = _SHAPES[level]
    for _attempt in range(_ATTEMPTS):
        text, at = _draw(rng, shape)
        if set(parse(text).variables) != set(at):
            continue  # every input must be used
        expl = derive(text, at)
        if _fits(expl, shape):
            break
    else:  # pragma: no cover - the shapes above are met within a few dozen draws
        raise RuntimeError(f"no level-{level} expression found for seed {seed}")
    given = {
        "expression": text,
        "at": {k: int(v) for k, v in at.items()},
        "nodes": [
            {"name": n.name, "formula": n.formula} for n in expl.graph.nodes if not n.is_input
        ],
    }
    if level == 1:
        sections, entries = _level_one(expl)
    else:
        sections, entries = _level_two(expl)

    def mistakes(key: str, answers: Mapping[str, Any]) -> list[Mistake]:
        return _mistakes(expl, key, answers)

    return Exercise(level, seed, None, given, sections, entries, mistakes, expl)


# ---- drawing an expression ---------------------------------------------------------------
def _draw(rng: np.random.Generator, shape: _Shape) -> tuple[str, dict[str, int]]:
    """A random expression over x1..xn with one sub-expression used twice, and a point."""
    names = [f"x{i}" for i in range(1, shape.inputs + 1)]
    first, second = rng.choice(names, size=2, replace=False)
    shared = str(rng.choice([f"({first} + {second})", f"{first} * {second}", f"({first} + 1)"]))
    pool = [*names, shared, shared]
    text = _tree(rng, pool, shape.depth)
    at = {n: int(rng.choice(shape.values)) for n in names}
    return f"y = {text}", at


def _tree(rng: np.random.Generator, pool: list[str], depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        return str(rng.choice(pool))
    op = str(rng.choice(["+", "*", "*", "sq", "-"]))
    left = _tree(rng, pool, depth - 1)
    if op == "sq":
        return f"{_wrap(left)}**2"
    right = _tree(rng, pool, depth - 1)
    if op == "+":
        return f"{left} + {right}"
    if op == "-":
        return f"{left} - {_wrap(right)}"
    return f"{_wrap(left)} * {_wrap(right)}"


def _wrap(text: str) -> str:
    simple = text.isidentifier() or (text.startswith("(") and text.endswith(")"))
    return text if simple and text.count("(") <= 1 else f"({text})"


def _fits(expl: Explanation, shape: _Shape) -> bool:
    graph, counts = expl.graph, expl.counts
    ops = counts.nodes - counts.inputs
    values = [abs(n.value or 0.0) for n in graph.nodes] + [
        abs(g or 0.0) for g in expl.gradients.values()
    ]
    return (
        counts.inputs == shape.inputs
        and shape.ops[0] <= ops <= shape.ops[1]
        and counts.paths >= counts.inputs + shape.extra_paths
        and max(values) <= shape.largest
        and all(g != 0 for g in expl.gradients.values())
    )


# ---- the blanks --------------------------------------------------------------------------
def _level_one(expl: Explanation) -> tuple[tuple[Section, ...], tuple[Entry, ...]]:
    graph, y = expl.graph, expl.output
    sections = (
        Section("graph", _("Draw the graph"), _('List every edge as "source -> target".')),
        Section("forward", _("Forward pass"), _("The value of every intermediate node.")),
        Section("locals", _("Local partials"), _("The local partial on every edge, at the point.")),
        Section(
            "reverse",
            _("Reverse accumulation"),
            _(
                "From the top, ∂{y}/∂{y} = 1; each node's partial is the sum over the nodes it "
                "feeds of their partial times the local partial. The inputs' rows are the "
                "partials at the point."
            ).format(y=y),
        ),
    )
    entries: list[Entry] = [
        Entry(
            "edges",
            _("edges"),
            r"\text{edges}",
            tuple(f"{e.source} -> {e.target}" for e in graph.edges),
            _("one edge from each operand node to the node it feeds"),
            "graph",
            kind="edges",
        )
    ]
    for node in graph.nodes:
        if not node.is_input:
            step = f"{node.name} = {node.formula} = {format_number(node.value)}"
            entries.append(
                Entry(
                    f"value.{node.name}",
                    node.name,
                    _tex_name(node.name),
                    node.value,
                    step,
                    "forward",
                )
            )
    for edge in graph.edges:
        entries.append(_local_entry(expl, edge))
    entries.extend(_reverse_entry(expl, s.node) for s in expl.steps if s.terms)
    return sections, tuple(entries)


def _level_two(expl: Explanation) -> tuple[tuple[Section, ...], tuple[Entry, ...]]:
    c = expl.counts
    sections = (
        Section(
            "counts",
            _("Operation count"),
            _(
                "Count the chain rule's multiplications and additions (computing the local "
                "partials is not counted). Reverse accumulation: one product per edge, the "
                "products with the top's partial 1 included. Per path: every path from an "
                "input to the output, one product per edge along it."
            ),
        ),
        Section("partials", _("Partials at the point"), _("By either method.")),
    )
    rows = [
        ("nodes", _("nodes"), c.nodes, _("inputs and operations; constants are not nodes")),
        ("edges", _("edges"), c.edges, _("one per operand that is a node")),
        (
            "paths",
            _("paths from the inputs to the output"),
            c.paths,
            _("counted from the top: a node's paths are the sum of its parents' paths"),
        ),
        (
            "reverse_mult",
            _("multiplications, reverse accumulation"),
            c.reverse_mult,
            _("one per edge: {n}").format(n=c.edges),
        ),
        (
            "reverse_add",
            _("additions, reverse accumulation"),
            c.reverse_add,
            _("edges - (nodes - 1) = {e} - {n}").format(e=c.edges, n=c.nodes - 1),
        ),
        (
            "path_mult",
            _("multiplications, per path"),
            c.path_mult,
            _("the lengths of all the paths added up: {n}").format(n=c.path_edges),
        ),
        (
            "path_add",
            _("additions, per path"),
            c.path_add,
            _("for each input, its paths minus one"),
        ),
    ]
    entries = [
        Entry(f"count.{key}", label, rf"\text{{{key.replace('_', ' ')}}}", value, step, "counts")
        for key, label, value, step in rows
    ]
    entries.extend(_reverse_entry(expl, n.name, "partials") for n in expl.graph.inputs)
    return sections, tuple(entries)


def _local_entry(expl: Explanation, edge: Edge) -> Entry:
    graph = expl.graph
    top = local_top(graph, edge.target)
    slot = f".{edge.index + 1}" if _repeated(expl, edge) else ""
    operand = _(" (operand {number})").format(number=edge.index + 1) if slot else ""
    symbol = f"∂{top}/∂{edge.source}{operand}"
    value = format_number(edge.value)
    shown = value if edge.formula == value else f"{edge.formula} = {value}"
    step = f"∂{top}/∂{edge.source} = {shown}"
    tex = rf"\frac{{\partial {_tex_name(top)}}}{{\partial {_tex_name(edge.source)}}}"
    return Entry(
        f"local.{edge.target}.{edge.source}{slot}", symbol, tex, edge.value, step, "locals"
    )


def _reverse_entry(expl: Explanation, node: str, section: str = "reverse") -> Entry:
    y, graph = expl.output, expl.graph
    step_of = {s.node: s for s in expl.steps}[node]
    symbols = " + ".join(
        f"∂{y}/∂{t.node}·∂{local_top(graph, t.edge.target)}/∂{node}" for t in step_of.terms
    )
    numbers = products(((t.partial, t.edge.value) for t in step_of.terms), "·")
    step = f"∂{y}/∂{node} = {symbols} = {numbers} = {format_number(step_of.value)}"
    tex = rf"\frac{{\partial {y}}}{{\partial {_tex_name(node)}}}"
    return Entry(f"reverse.{node}", f"∂{y}/∂{node}", tex, step_of.value, step, section)


def _repeated(expl: Explanation, edge: Edge) -> bool:
    pairs = [(e.source, e.target) for e in expl.graph.edges]
    return pairs.count((edge.source, edge.target)) > 1


def _tex_name(name: str) -> str:
    """``x2`` -> ``x_2``; other names as they are (escaped for math mode)."""
    if name[:1].isalpha() and name[1:].isdigit():
        return f"{name[0]}_{{{name[1:]}}}"
    return name.replace("_", r"\_")


# ---- known mistakes ----------------------------------------------------------------------
def _mistakes(expl: Explanation, key: str, answers: Mapping[str, Any]) -> list[Mistake]:
    if key.startswith("reverse."):
        return _reverse_mistakes(expl, key.removeprefix("reverse."), answers)
    c = expl.counts
    if key == "count.path_mult":
        return [
            Mistake(
                "per_path_count",
                c.reverse_mult,
                N_(
                    "every edge multiplied once, as reverse accumulation does: the per-path "
                    "method multiplies again along every path that shares it ({n} edges on all "
                    "paths)"
                ),
                {"n": c.path_edges},
            )
        ]
    if key == "count.reverse_mult":
        return [
            Mistake(
                "per_path_count",
                c.path_mult,
                N_(
                    "one product per edge of every path is the per-path count; reverse "
                    "accumulation multiplies once per edge ({n})"
                ),
                {"n": c.edges},
            )
        ]
    return []


def _reverse_mistakes(expl: Explanation, node: str, answers: Mapping[str, Any]) -> list[Mistake]:
    y = expl.output
    step = {s.node: s for s in expl.steps}[node]
    found = []
    alternatives = [t.product for t in step.terms]
    for table in expl.paths or ():
        if table.input == node:
            alternatives.extend(p.product for p in table.paths)
    if len(alternatives) > 1:
        found.append(
            Mistake(
                "sum_over_parents",
                np.array(alternatives, dtype=float),
                N_(
                    "∂{y}/∂{node} is the sum of {n} terms, one per node it feeds (one per path "
                    "from it to {y}); only one was kept"
                ),
                {"y": y, "node": node, "n": len(step.terms)},
                alternatives=True,
            )
        )
    carried = 0.0
    differs = []
    for t in step.terms:
        own = _number(answers.get(f"reverse.{t.node}")) if t.node != y else 1.0
        if own is not None and t.partial is not None and not np.isclose(own, t.partial):
            differs.append(f"∂{y}/∂{t.node}")
        carried += (own if own is not None else t.partial or 0.0) * (t.edge.value or 0.0)
    if differs:
        found.append(
            Mistake(
                "carried",
                carried,
                N_("the step is right, from your {names}"),
                {"names": ", ".join(differs)},
            )
        )
    return found


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
