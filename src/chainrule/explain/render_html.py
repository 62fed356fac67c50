"""The explanation as HTML: the drawing and every table, for Jupyter and for the lab report.

One renderer for both: ``Explanation._repr_html_`` shows it in a notebook, and the lab report
embeds the same HTML. The sections, titles and choices are the other formats'
(``render_common``); the page itself is the template ``templates/explanation.html.j2``, whose
values are escaped by Jinja unless they are :class:`~markupsafe.Markup` built here from
escaped pieces (names with their index as a subscript, powers raised).

>>> from chainrule.explain import derive
>>> page = render_html(derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2}))
>>> "∂y/∂x<sub>2</sub>" in page and "<svg" in page and "Per path" in page
True
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from chainrule.explain import escape
from chainrule.explain import render_common as common
from chainrule.explain.draw import to_svg
from chainrule.explain.graph import Graph, format_number
from chainrule.explain.tables import PathSum
from chainrule.explain.templating import environment
from chainrule.i18n import _, localized

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

_INDEXED = re.compile(r"([A-Za-z]+)_?(\d+)")
_POWER = re.compile(r"\s*(?:\*\*|\^)\s*(\(?-?[0-9.]+\)?|[A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)")


@localized
def render_html(expl: Explanation, *, full: bool = True, show_title: bool = True) -> Markup:
    """The whole explanation as an HTML fragment: the drawing, the graph listing, the local
    partials, reverse accumulation, and for scalar graphs the per-path sums, forward mode and
    the operation counts; then the result and the notes. ``full=False`` keeps the drawing, the
    listing, the reverse table and the result (the lab's exercises); ``lang="zh"``: in Chinese."""
    g = expl.graph
    tables = [_reverse_table(expl)]
    if full and g.scalar:
        tables += [_paths_table(expl), _forward_table(expl), _counts_table(expl)]
    view = {
        "show_title": show_title,
        "title": title(expl),
        "svg": Markup(to_svg(g)),
        "graph": _graph_table(g),
        "locals": _locals_table(g) if full and g.scalar else None,
        "tables": [t for t in tables if t is not None],
        "result": _result(expl),
        "check": _check(expl),
        "notes": [common.note_text(note) for note in expl.notes],
    }
    template = environment("chainrule.explain").get_template("explanation.html.j2")
    return Markup(template.render(e=view))


def _check(expl: Explanation) -> Markup:
    """Whether the methods agree (the operation count, for a graph of tensors)."""
    if expl.graph.scalar:
        label, sentence = common.check_label(expl).capitalize(), common.check_sentence(expl)
    else:
        label, sentence = common.heading("counts")[0], common.tensor_counts(expl.counts)
    line = _("{label}: {sentence}.") if expl.graph.scalar else _("{label}: {sentence}")
    return escape.html(line).format(label=escape.html(label), sentence=escape.html(sentence))


# ---- names and formulas ---------------------------------------------------------------------
def sym(name: str) -> Markup:
    """A node name with its index as a subscript: ``x1`` -> x<sub>1</sub>.

    >>> str(sym("x12")), str(sym("a")), str(sym("<b>"))
    ('x<sub>12</sub>', 'a', '&lt;b&gt;')
    """
    match = _INDEXED.fullmatch(name)
    if match:
        return Markup("{}<sub>{}</sub>").format(match.group(1), match.group(2))
    return escape.html(name)


def partial(top: str, node: str) -> Markup:
    """∂top/∂node."""
    return Markup("∂{}/∂{}").format(sym(top), sym(node))


def local(graph: Graph, target: str, node: str) -> Markup:
    """The local partial ∂target/∂node; into the output it is written with the output's
    formula, since ∂y/∂node there is the total partial (see ``explain.graph.local_top``)."""
    if target != graph.output:
        return partial(target, node)
    return Markup("∂({})/∂{}").format(formula(graph.node(target).formula), sym(node))


def formula(text: str) -> Markup:
    """An op formula with names subscripted and powers raised: ``x1**2 + x2`` ->
    x<sub>1</sub><sup>2</sup> + x<sub>2</sub>.

    >>> str(formula("(x1 + x2)**2 * x2^2"))
    '(x<sub>1</sub> + x<sub>2</sub>)<sup>2</sup> * x<sub>2</sub><sup>2</sup>'
    """
    out = []
    for k, piece in enumerate(_POWER.split(text)):
        out.append(
            Markup("<sup>{}</sup>").format(_names(piece.strip("()"))) if k % 2 else _names(piece)
        )
    return Markup("").join(out)


def _names(text: str) -> Markup:
    pieces = _NAME.split(text)
    return Markup("").join(sym(s) if k % 2 else escape.html(s) for k, s in enumerate(pieces))


def title(expl: Explanation) -> Markup:
    """``y = (x1 + x2) * (x2 + 1) at x1 = 1, x2 = 2``, names subscripted."""
    what = formula(common.subject(expl))
    where = Markup(", ").join(Markup("{} = {}").format(sym(k), v) for k, v in common.point(expl))
    return (
        escape.html(_("{subject} at {point}")).format(subject=what, point=where) if where else what
    )


def _caption(key: str, y: str) -> Markup:
    """``Title. Detail``: the shared section title, the output's symbols marked up."""
    name, detail = common.heading(key, escape.html, y=sym(y), dy=partial(y, y))
    if not detail:
        return Markup(name)
    return Markup("{}. ").format(Markup(name)) + Markup(detail[:1].upper() + detail[1:])


def _join(parts: Any, sep: str) -> Markup:
    return Markup(sep).join(parts)


# ---- the tables -----------------------------------------------------------------------------
def _table(key: str, y: str, head: list[str], rows: list[list[Any]], **extra: Any) -> dict:
    view = {"key": key, "caption": _caption(key, y), "head": head, "rows": rows, "cls": "eq"}
    view["note"] = None
    return {**view, **extra}


def _graph_table(g: Graph) -> dict:
    rows = []
    for n in g.nodes:
        cells = [sym(n.name), n.op_label, _join((sym(i) for i in n.inputs), ", ")]
        cells.append(formula(n.formula) if n.formula else "")
        if g.scalar:
            rows.append([*cells, format_number(n.value)])
        else:
            rows.append([*cells, str(n.shape), format_number(n.norm)])
    head = [_("node"), _("op"), _("inputs"), _("formula")]
    head += [_("value")] if g.scalar else [_("shape"), _("norm")]
    return _table("graph", g.output, head, rows, cls=None, numeric=[len(head) - 1])


def _locals_table(g: Graph) -> dict:
    rows = []
    for e in g.edges:
        slot = common.operand_slot(g, e.source, e.target, e.index)
        rule = Markup("∂({})/∂{}{} = {}").format(
            formula(g.node(e.target).formula), sym(e.source), slot, formula(e.formula)
        )
        edge = Markup("{} → {}").format(sym(e.source), sym(e.target))
        rows.append([edge, local(g, e.target, e.source), rule, format_number(e.value)])
    if not rows:
        rows = [[_("(none: the output is an input)"), "", "", ""]]
    head = [_("edge"), _("local partial"), _("from the formula"), _("value")]
    return _table("locals", g.output, head, rows, cls=None, numeric=[3])


def _reverse_table(expl: Explanation) -> dict:
    g, y = expl.graph, expl.output
    rows = []
    for step in expl.steps:
        if not step.terms:
            rows.append([partial(y, y), _("1 (the top node)"), "", "1"])
            continue
        terms = (
            Markup("{} · {}").format(partial(y, t.node), local(g, t.node, step.node))
            for t in step.terms
        )
        if g.scalar:
            numbers = common.products(((t.partial, t.edge.value) for t in step.terms), "·")
            value = format_number(step.value)
        else:
            numbers = "; ".join(t.edge.formula for t in step.terms)
            value = format_number(g.node(step.node).grad_norm)
        rows.append([partial(y, step.node), _join(terms, " + "), numbers, value])
    head = [_("partial"), _("sum over the nodes it feeds")]
    head.append(_("with numbers") if g.scalar else _("local"))
    head.append(_("value") if g.scalar else _("norm of the gradient"))
    return _table("reverse", y, head, rows, numeric=[3])


def _paths_table(expl: Explanation) -> dict | None:
    if expl.paths is None:
        return None
    g, y = expl.graph, expl.output
    rows = [row for t in expl.paths for row in _path_rows(g, y, t)]
    note = None
    repeated = common.most_recomputed(g)
    if repeated is not None:
        node, times = repeated
        note = Markup(common.recomputed_note("{0}", "{1}", times)).format(
            partial(y, node), sym(node)
        )
    head = [_("partial"), _("path"), _("product of the local partials"), _("value")]
    return _table("paths", y, head, rows, numeric=[3], note=note)


def _path_rows(g: Graph, y: str, t: PathSum) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for k, path in enumerate(t.paths[: common.PATHS_LISTED]):
        route = _join((sym(n) for n in path.nodes), " → ")
        top_down = path.edges[::-1]  # ∂y/∂a · ∂a/∂x1, as the lecture writes the rule
        if top_down:
            factors = _join((local(g, e.target, e.source) for e in top_down), " · ")
            values = "·".join(common.signed(e.value) for e in top_down)
            product = Markup("{} = {}").format(factors, values)
        else:
            product = _("1 (the input is the output)")
        label = partial(y, t.input) if k == 0 else ""
        rows.append([label, route, product, format_number(path.product)])
    more = common.unlisted_paths(t)
    if more:
        rows.append(["", _("… and {more} more paths").format(more=more), "", ""])
    rows.append(["", "", common.path_total(t), format_number(t.total)])
    return rows


def _forward_table(expl: Explanation) -> dict | None:
    if expl.forward is None:
        return None
    g, y = expl.graph, expl.output
    rows: list[list[Any]] = []
    for one in expl.forward:
        seeds = _join(
            (Markup("{}′ = {}").format(sym(n.name), int(n.name == one.input)) for n in g.inputs),
            ", ",
        )
        label = Markup(escape.html(_("pass for {input} ({seeds})"))).format(
            input=sym(one.input), seeds=seeds
        )
        for k, step in enumerate(one.steps):
            terms = (
                Markup("{} · {}′").format(local(g, step.node, t.node), sym(t.node))
                for t in step.terms
            )
            numbers = common.products(((t.edge.value, t.partial) for t in step.terms), "·")
            tangent = Markup("{}′ = {}").format(sym(step.node), _join(terms, " + "))
            rows.append([label if k == 0 else "", tangent, numbers, format_number(step.value)])
        result = Markup("{} = {}′").format(partial(y, one.input), sym(y))
        rows.append(["" if one.steps else label, result, "", format_number(one.value)])
    head = [_("pass"), _("tangent"), _("with numbers"), _("value")]
    return _table("forward", y, head, rows, numeric=[3])


def _counts_table(expl: Explanation) -> dict:
    head, *rows = common.count_rows(expl.counts)
    return _table(
        "counts",
        expl.output,
        head,
        rows,
        cls=None,
        numeric=[1, 2, 3],
        note=common.count_verdict(expl.counts),
    )


def _result(expl: Explanation) -> Markup:
    """``Result: y = 9; ∂y/∂x1 = 3, ∂y/∂x2 = 6.`` (norms for a graph of tensors)."""
    g, y = expl.graph, expl.output
    if g.scalar:
        grads = _join(
            (
                Markup("<b>{} = {}</b>").format(partial(y, k), format_number(v))
                for k, v in expl.gradients.items()
            ),
            ", ",
        )
        return escape.html(_("Result: {y} = {value}; {grads}.")).format(
            y=sym(y), value=format_number(expl.value), grads=grads
        )
    out = g.node(y)
    norms = _join(
        (
            Markup("‖{}‖ = {}").format(partial(y, n.name), format_number(n.grad_norm))
            for n in g.inputs
        ),
        ", ",
    )
    return escape.html(_("Result: {y} of shape {shape}, norm {norm}; {norms}.")).format(
        y=sym(y), shape=str(out.shape), norm=format_number(out.norm), norms=norms
    )
