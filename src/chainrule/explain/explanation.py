"""``derive`` and ``trace``: an expression or a tensor computation, explained as data.

An :class:`Explanation` holds the graph, the reverse-accumulation table, the per-path table,
the forward-mode passes, the operation counts and the result, and checks that all of them agree
with the engine's own reverse pass. Rendering (text, Markdown, LaTeX, DOT, SVG, PNG, HTML) lives
in the modules beside this one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.engine.autograd import grad as engine_grad
from chainrule.engine.tensor import Tensor
from chainrule.errors import ExpressionError, GraphError
from chainrule.explain.graph import Graph, build_graph, format_number
from chainrule.explain.parser import Expression, Term, evaluate, number_value, parse
from chainrule.explain.render_common import LISTED_NOTE, NOT_SCALAR_NOTE, TENSOR_NOTE
from chainrule.explain.tables import (
    Counts,
    ForwardPass,
    PathSum,
    ReverseStep,
    count_operations,
    forward_table,
    path_table,
    reverse_table,
)
from chainrule.i18n import _
from chainrule.nn import Module

#: Relative tolerance within which the methods and the engine must agree, for float64 graphs;
#: a graph in a narrower dtype gets ``AGREEMENT_EPS_FACTOR`` times its machine epsilon.
AGREEMENT_RTOL = 1e-9
AGREEMENT_EPS_FACTOR = 4096


@dataclass(frozen=True, repr=False)
class Explanation:
    """Everything :func:`derive` or :func:`trace` found, as data.

    ``paths`` and ``forward`` are ``None`` when the graph is not scalar (see ``notes``).
    ``gradients`` are the partials of the output with respect to each input by reverse
    accumulation (``None`` for a non-scalar input: see the node's ``grad_norm``);
    ``engine_gradients`` are the engine's, and ``max_difference`` is the largest relative
    difference between any two methods (reverse, per path, forward, engine).
    """

    graph: Graph
    steps: tuple[ReverseStep, ...]
    paths: tuple[PathSum, ...] | None
    forward: tuple[ForwardPass, ...] | None
    counts: Counts
    gradients: dict[str, float | None]
    engine_gradients: dict[str, float | None]
    max_difference: float | None
    tolerance: float = AGREEMENT_RTOL
    expression: str | None = None
    at: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def output(self) -> str:
        return self.graph.output

    @property
    def value(self) -> float | None:
        return self.graph.node(self.graph.output).value

    @property
    def agrees(self) -> bool:
        """Whether every method agrees with the engine (within ``tolerance``, relative)."""
        return self.max_difference is None or self.max_difference <= self.tolerance

    def to_json(self) -> dict[str, Any]:
        """One JSON-able dict: output, gradients, steps, paths, forward, counts, graph.

        Non-finite numbers become ``None``.
        """
        return _jsonable(
            {
                "expression": self.expression,
                "at": dict(self.at),
                "output": {"name": self.output, "value": self.value},
                "gradients": dict(self.gradients),
                "engine_gradients": dict(self.engine_gradients),
                "agrees": self.agrees,
                "max_difference": self.max_difference,
                "tolerance": self.tolerance,
                "scalar": self.graph.scalar,
                "graph": {
                    "nodes": [dataclasses.asdict(n) for n in self.graph.nodes],
                    "edges": [dataclasses.asdict(e) for e in self.graph.edges],
                    "output": self.graph.output,
                },
                "steps": [_step_json(s) for s in self.steps],
                "paths": None if self.paths is None else [_paths_json(p) for p in self.paths],
                "forward": None if self.forward is None else [_pass_json(p) for p in self.forward],
                "counts": dataclasses.asdict(self.counts),
                "notes": list(self.notes),
            }
        )

    def to_text(self, lang: str | None = None) -> str:
        """``render_text(self, lang=lang)`` (``lang="zh"``: Chinese)."""
        from chainrule.explain.render_text import render_text

        return render_text(self, lang=lang)

    def to_markdown(self, lang: str | None = None) -> str:
        """``render_markdown(self, lang=lang)`` (``lang="zh"``: Chinese)."""
        from chainrule.explain.render_markdown import render_markdown

        return render_markdown(self, lang=lang)

    def to_latex(self, lang: str | None = None) -> str:
        """``render_latex(self, lang=lang)`` (``lang="zh"``: Chinese)."""
        from chainrule.explain.render_latex import render_latex

        return render_latex(self, lang=lang)

    def to_dot(self) -> str:
        from chainrule.explain.draw import to_dot

        return to_dot(self.graph)

    def to_svg(self) -> str:
        from chainrule.explain.draw import to_svg

        return to_svg(self.graph)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from chainrule.explain.render_html import render_html

        return str(render_html(self))

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        what = self.expression or f"trace of {self.output}"
        return (
            f"<Explanation {what!r}: {len(self.graph.nodes)} nodes, {len(self.graph.edges)} edges>"
        )


def derive(text: str | Expression, at: Mapping[str, Any] | None = None) -> Explanation:
    """Explain the partial derivatives of an expression at a point.

    >>> e = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})
    >>> e.value, e.gradients
    (9.0, {'x1': 3.0, 'x2': 6.0})
    >>> print(e.to_text().splitlines()[0])
    y = (x1 + x2) * (x2 + 1)   at x1 = 1, x2 = 2
    """
    expression = text if isinstance(text, Expression) else parse(text)
    values = _point(expression, dict(at or {}))
    if expression.root.kind == "number":
        raise ExpressionError(
            _("the expression has no variables: there is nothing to differentiate")
        )
    out, inputs, origin = evaluate(expression, values)
    output_name = expression.output or ("y" if "y" not in inputs else "out")
    graph, tensors = build_graph(out, inputs, output_name)
    _check_derivatives(graph, tensors, origin)
    explanation = _explain(graph, tensors, expression.text.strip(), values)
    for step in explanation.steps:
        if step.value is not None and not math.isfinite(step.value):
            term = origin.get(id(tensors[step.node]))
            raise ExpressionError(
                _("the partial {partial} overflows float64 at this point").format(
                    partial=f"d{graph.output}/d{step.node}"
                ),
                term.position if term else None,
            )
    return explanation


def trace(output: Tensor, names: Mapping[str, Tensor] | Module | None = None) -> Explanation:
    """Explain any chainrule computation that ends in ``output``.

    ``names`` maps a name to a tensor (``names=dict(W1=W1, b1=b1)``); otherwise ``.name`` is
    used when set. An ``nn`` model's parameters are labelled as the model names them
    (``0.weight``, ``layer1.bias``); ``names=module`` takes that module's names instead (the
    ones its ``named_parameters()`` gives). An unnamed scalar cost of arrays is called J (y
    being the targets' name), any other output y. For a graph with non-scalar nodes
    the explanation shows shapes and norms, and local partials as formulas; the per-path and
    forward-mode tables are skipped.
    Nothing is written to any tensor's ``.grad``.

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    >>> e = trace((w * w).sum())
    >>> [n.shape for n in e.graph.nodes], e.forward is None
    ([(2,), (2,), ()], True)
    """
    graph, tensors = build_graph(output, _tensor_names(names))
    return _explain(graph, tensors, None, {})


def _tensor_names(names: Mapping[str, Tensor] | Module | None) -> Mapping[str, Tensor] | None:
    """``names`` as trace takes it (a mapping, a module or None) -> name -> tensor."""
    if names is None or isinstance(names, Mapping):
        return names
    if isinstance(names, Module):
        return dict(names.named_parameters())
    raise GraphError(
        f"trace(names=...) takes a dict of name -> tensor or an nn.Module, "
        f"got {type(names).__name__}"
    )


# ---- the shared part ----------------------------------------------------------------------
def _explain(
    graph: Graph, tensors: dict[str, Tensor], expression: str | None, at: dict[str, float]
) -> Explanation:
    inputs = [n.name for n in graph.inputs]
    out = tensors[graph.output]
    steps = reverse_table(graph)
    counts = count_operations(graph)
    notes: list[str] = []
    engine = _engine_gradients(out, [tensors[n] for n in inputs], inputs)
    if graph.scalar:
        partial = {s.node: s.value for s in steps}
        paths = path_table(graph)
        forward = forward_table(graph)
        gradients = {n: partial[n] for n in inputs}
        estimates = [gradients, {p.input: p.total for p in paths if p.complete}]
        estimates.append({p.input: p.value for p in forward})
        difference = _max_difference(engine, estimates, _magnitudes(graph))
        if not all(p.complete for p in paths):
            listed = sum(len(p.paths) for p in paths)
            notes.append(LISTED_NOTE.format(total=counts.paths, listed=listed))
        nodes = tuple(
            dataclasses.replace(n, grad=partial[n.name], grad_norm=_abs(partial[n.name]))
            for n in graph.nodes
        )
    else:
        paths = forward = None
        difference = None
        notes.append(TENSOR_NOTE)
        norms = _engine_gradient_norms(out, tensors)
        if not norms:
            notes.append(NOT_SCALAR_NOTE)
        gradients = {n: None for n in inputs}
        nodes = tuple(dataclasses.replace(n, grad_norm=norms.get(n.name)) for n in graph.nodes)
    graph = dataclasses.replace(graph, nodes=nodes)
    return Explanation(
        graph=graph,
        steps=steps,
        paths=paths,
        forward=forward,
        counts=counts,
        gradients=gradients,
        engine_gradients=engine,
        max_difference=difference,
        tolerance=_tolerance(out),
        expression=expression,
        at=at,
        notes=tuple(notes),
    )


def _engine_gradients(
    out: Tensor, tensors: list[Tensor], names: list[str]
) -> dict[str, float | None]:
    """d(out)/d(input) from the engine's own reverse pass, for scalar inputs (touches no .grad)."""
    if out.array.size != 1:
        return {n: None for n in names}
    with np.errstate(all="ignore"):
        grads = engine_grad(out, tensors)
    result: dict[str, float | None] = {}
    for name, g in zip(names, grads):
        if g is None or g.array.size != 1:
            result[name] = None
        else:
            result[name] = float(np.asarray(g.numpy()).reshape(-1)[0])
    return result


def _engine_gradient_norms(out: Tensor, tensors: dict[str, Tensor]) -> dict[str, float]:
    """The 2-norm of d(out)/d(node) for every node, one engine pass per node."""
    if out.array.size != 1:
        return {}
    norms = {}
    with np.errstate(all="ignore"):
        for name, t in tensors.items():
            if t is out:
                norms[name] = 1.0
                continue
            (g,) = engine_grad(out, [t])
            if g is not None:
                norms[name] = float(np.linalg.norm(g.numpy().astype(np.float64).ravel()))
    return norms


def _tolerance(out: Tensor) -> float:
    dtype = out.dtype
    if dtype.kind != "f" or dtype.itemsize >= 8:
        return AGREEMENT_RTOL
    return float(AGREEMENT_EPS_FACTOR * np.finfo(dtype).eps)


def _magnitudes(graph: Graph) -> dict[str, float]:
    """The sum over all paths of |product of local partials|, per node: the size of the terms
    a partial is summed from, against which rounding differences are measured."""
    size = {graph.output: 1.0}
    for node in reversed(graph.nodes):
        if node.name != graph.output:
            size[node.name] = sum(
                size[e.target] * abs(e.value or 0.0) for e in graph.edges_from(node.name)
            )
    return size


def _max_difference(
    engine: dict[str, float | None],
    estimates: list[dict[str, float | None]],
    magnitudes: dict[str, float],
) -> float:
    """The largest difference between the engine and any estimate, relative to the size of the
    terms summed (at least 1), so that cancellation does not pass for disagreement."""
    worst = 0.0
    for name, reference in engine.items():
        for estimate in estimates:
            if name not in estimate:
                continue
            value = estimate[name]
            if reference is None or value is None:
                continue
            if not (math.isfinite(value) and math.isfinite(reference)):
                if value != reference:
                    worst = math.inf
                continue
            scale = max(1.0, abs(reference), magnitudes.get(name, 0.0))
            worst = max(worst, abs(value - reference) / scale)
    return worst


def _point(expression: Expression, at: dict[str, Any]) -> dict[str, float]:
    """The values of the variables: every variable needs one, and nothing else may have one."""
    for name, position in expression.positions.items():
        if name not in at:
            message = _("no value given for {name} (give it as {name}=...)").format(name=name)
            raise ExpressionError(message, position)
    extra = [name for name in at if name not in expression.positions]
    if extra:
        listed = ", ".join(str(n) for n in extra)
        raise ExpressionError(
            _("a value is given for {names}, which the expression does not use").format(
                names=listed
            )
        )
    values = {}
    for name in expression.variables:
        values[name] = number_value(at[name], name)
    return values


def _check_derivatives(graph: Graph, tensors: dict[str, Tensor], origin: dict[int, Term]) -> None:
    """A local partial that is infinite or NaN (sqrt at 0, say) is an error at that term."""
    for edge in graph.edges:
        if edge.value is not None and not math.isfinite(edge.value):
            term = origin.get(id(tensors[edge.target]))
            where = term.source if term else edge.target
            # an inner node has a generated name (a, b...): say which part of the text it is
            inner = not graph.node(edge.source).is_input
            operand = origin.get(id(tensors[edge.source])) if inner else None
            named = (
                _(", where {name} = {source}").format(name=edge.source, source=operand.source)
                if operand
                else ""
            )
            wrt = operand.source if operand else edge.source
            message = _(
                "the derivative of {where} with respect to {wrt} is not finite at "
                "this point ({formula} = {value}{named})"
            ).format(
                where=where,
                wrt=wrt,
                formula=edge.formula,
                value=format_number(edge.value),
                named=named,
            )
            raise ExpressionError(message, term.position if term else None)


def _abs(value: float | None) -> float | None:
    return None if value is None else abs(value)


def _step_json(step: ReverseStep) -> dict[str, Any]:
    return {
        "node": step.node,
        "value": step.value,
        "terms": [
            {
                "node": t.node,
                "partial": t.partial,
                "local": t.edge.formula,
                "local_value": t.edge.value,
                "edge": [t.edge.source, t.edge.target, t.edge.index],
            }
            for t in step.terms
        ],
    }


def _paths_json(table: PathSum) -> dict[str, Any]:
    return {
        "input": table.input,
        "count": table.count,
        "total": table.total,
        "complete": table.complete,
        "paths": [
            {"nodes": list(p.nodes), "locals": [e.value for e in p.edges], "product": p.product}
            for p in table.paths
        ],
    }


def _pass_json(one: ForwardPass) -> dict[str, Any]:
    return {
        "input": one.input,
        "value": one.value,
        "steps": [
            {
                "node": s.node,
                "value": s.value,
                "terms": [
                    {
                        "node": t.node,
                        "tangent": t.partial,
                        "local": t.edge.formula,
                        "local_value": t.edge.value,
                    }
                    for t in s.terms
                ],
            }
            for s in one.steps
        ],
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
