"""Random expressions: every method agrees with sympy, with each other and with the engine."""

from __future__ import annotations

import math

import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import ExpressionError
from chainrule.explain import derive
from chainrule.explain.graph import build_graph
from chainrule.explain.parser import evaluate, parse

VARIABLES = ("x1", "x2", "x3")
FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs")

leaves = st.sampled_from([*VARIABLES, *VARIABLES, "1", "2", "0.5", "3", "1.5"])


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    return st.one_of(
        binary,
        binary,
        st.tuples(children, st.sampled_from(["2", "3", "-1", "0.5"])).map(
            lambda t: f"({t[0]})**{t[1]}"
        ),
        children.map(lambda c: f"1.5**({c})"),
        children.map(lambda c: f"-({c})"),
        st.tuples(st.sampled_from(FUNCTIONS), children).map(lambda t: f"{t[0]}({t[1]})"),
    )


expressions = st.recursive(leaves, _extend, max_leaves=14)
points = st.fixed_dictionaries(
    {v: st.floats(-2, 2, allow_nan=False).map(lambda x: round(x, 3)) for v in VARIABLES}
)

SYMBOLS = {v: sympy.Symbol(v, real=True) for v in VARIABLES}
SYMPY_NAMES = {
    **SYMBOLS,
    "sigmoid": lambda u: 1 / (1 + sympy.exp(-u)),
    "relu": lambda u: sympy.Piecewise((u, u > 0), (0, True)),
    "abs": sympy.Abs,
}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(expressions, points)
def test_partials_agree_with_sympy_and_every_method(text: str, point: dict) -> None:
    text = f"y = {text}"
    used = [v for v in VARIABLES if v in text]
    assume(used)
    at = {v: point[v] for v in used}
    try:
        e = derive(text, at)
    except ExpressionError:
        assume(False)
        return
    symbolic = sympy.parse_expr(text.split("=", 1)[1], local_dict=SYMPY_NAMES)
    subs = {SYMBOLS[v]: sympy.Float(at[v], 30) for v in used}
    assert _close(e.value, float(symbolic.evalf(30, subs=subs)))
    for v in used:
        expected = sympy.diff(symbolic, SYMBOLS[v]).evalf(30, subs=subs)
        assume(expected.is_real and expected.is_finite)  # e.g. not at a kink of relu/abs
        assert _close(e.gradients[v], float(expected)), (v, e.gradients[v], expected)

    # The reverse table, the per-path sums, forward mode and the engine agree.
    assert e.agrees
    for table in e.paths:
        assert table.complete
        assert _close(table.total, e.gradients[table.input])
    for one in e.forward:
        assert _close(one.value, e.gradients[one.input])
    for v in used:
        assert _close(e.engine_gradients[v], e.gradients[v])

    # Every node's reverse partial is the engine's gradient with respect to that node.
    out, inputs, _ = evaluate(parse(text), at)
    _, tensors = build_graph(out, inputs, "y")
    for step in e.steps[1:]:
        (g,) = cr.autograd_grad(out, [tensors[step.node]])
        assert _close(step.value, float(g.item()))

    # The counts are consistent with the graph.
    c, g = e.counts, e.graph
    out_degree = {n.name: len(g.edges_from(n.name)) for n in g.nodes}
    in_degree = {n.name: len(g.edges_into(n.name)) for n in g.nodes}
    assert c.edges == len(g.edges) == sum(out_degree.values()) == sum(in_degree.values())
    assert c.reverse_mult == c.edges
    assert c.reverse_add == sum(d - 1 for name, d in out_degree.items() if name != g.output)
    assert c.paths == sum(len(t.paths) for t in e.paths) == sum(t.count for t in e.paths)
    assert c.path_mult == sum(len(p.edges) for t in e.paths for p in t.paths) >= c.reverse_mult
    assert c.path_add == sum(t.count - 1 for t in e.paths)
    assert c.forward_mult == len(e.forward) * c.edges == c.inputs * c.edges
    assert c.forward_add == c.inputs * sum(d - 1 for d in in_degree.values() if d)
    assert sum(len(s.terms) for s in e.steps) == c.edges
    assert all(len(one.steps) == c.nodes - c.inputs for one in e.forward)
