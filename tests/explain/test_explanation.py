"""derive() and trace(): the lecture's example and exercises, errors, tensors, JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ExpressionError, GraphError
from chainrule.explain import Explanation, derive, trace

LECTURE = [
    ("y = (x1 + x2) * (x2 + 1)", 9.0, {"x1": 3.0, "x2": 6.0}),
    ("y = x1**2 + (x1 + x2)**2", 10.0, {"x1": 8.0, "x2": 6.0}),
    ("y = (x1 + x2)**2 * x2**2 + x2", 38.0, {"x1": 24.0, "x2": 61.0}),
]


@pytest.mark.parametrize(("text", "value", "gradients"), LECTURE)
def test_lecture_example_and_exercises(text: str, value: float, gradients: dict) -> None:
    e = derive(text, at={"x1": 1, "x2": 2})
    assert e.value == value
    assert e.gradients == gradients
    assert e.engine_gradients == gradients
    assert e.agrees and e.max_difference == 0.0
    assert {p.input: p.total for p in e.paths} == gradients
    assert {p.input: p.value for p in e.forward} == gradients


def test_lecture_graph_and_tables() -> None:
    e = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})
    g = e.graph
    assert [(n.name, n.op, n.formula, n.value) for n in g.nodes] == [
        ("x1", "input", "", 1.0),
        ("x2", "input", "", 2.0),
        ("a", "Add", "x1 + x2", 3.0),
        ("b", "Add", "x2 + 1", 3.0),
        ("y", "Mul", "a * b", 9.0),
    ]
    assert g.node("b").inputs == ("x2", "1")  # the constant is inline, not a node
    assert [(e.source, e.target, e.formula, e.value) for e in g.edges] == [
        ("x1", "a", "1", 1.0),
        ("x2", "a", "1", 1.0),
        ("x2", "b", "1", 1.0),
        ("a", "y", "b", 3.0),
        ("b", "y", "a", 3.0),
    ]
    assert [(s.node, s.value) for s in e.steps] == [
        ("y", 1.0),
        ("b", 3.0),
        ("a", 3.0),
        ("x2", 6.0),
        ("x1", 3.0),
    ]
    x2 = e.steps[3]
    assert [(t.node, t.partial, t.edge.value) for t in x2.terms] == [
        ("a", 3.0, 1.0),
        ("b", 3.0, 1.0),
    ]
    c = e.counts
    assert (c.nodes, c.inputs, c.edges, c.paths) == (5, 2, 5, 3)
    assert (c.reverse_mult, c.path_mult, c.forward_mult) == (5, 6, 10)
    assert (c.reverse_add, c.path_add, c.forward_add) == (1, 1, 4)


def test_shared_subexpression_is_one_node() -> None:
    e = derive("y = (x1 + x2) * (x1 + x2) + (x1 + x2)", at={"x1": 1, "x2": 2})
    assert [n.name for n in e.graph.nodes] == ["x1", "x2", "a", "b", "y"]
    assert [(x.source, x.target, x.index) for x in e.graph.edges_into("b")] == [
        ("a", "b", 0),
        ("a", "b", 1),
    ]
    assert e.gradients == {"x1": 7.0, "x2": 7.0}


def test_names_skip_variables_and_output() -> None:
    e = derive("f = (a + b) * (c + 1) * exp(a)", at={"a": 0, "b": 1, "c": 2})
    names = [n.name for n in e.graph.nodes]
    assert names[:3] == ["a", "b", "c"] and names[-1] == "f"
    assert len(set(names)) == len(names)
    assert not {"d", "e", "x", "y"} & set(names[3:])


def test_output_name_defaults_to_y_and_avoids_a_variable_y() -> None:
    assert derive("x * 2", {"x": 1}).output == "y"
    assert derive("x * y", {"x": 1, "y": 2}).output == "out"


def test_the_output_may_be_an_input() -> None:
    e = derive("y = x", {"x": 3})
    assert e.value == 3.0 and e.gradients == {"x": 1.0}


@pytest.mark.parametrize(
    ("text", "at", "words", "position"),
    [
        ("y = x1 * x2", {"x1": 1}, "no value given for x2", 9),
        ("y = x1", {"x1": 1, "x3": 2}, "x3", None),
        ("y = x1", {"x1": "one"}, "not a number", None),
        ("y = x1", {"x1": float("inf")}, "finite", None),
        ("y = log(x - 2)", {"x": 1}, "log needs a positive argument", 4),
        ("y = 1 + sqrt(x)", {"x": -1}, "sqrt needs a non-negative argument", 8),
        ("y = x / (x - 1)", {"x": 1}, "division by zero", 4),
        ("y = exp(exp(x))", {"x": 10}, "overflows", 4),
        ("y = x ** 0.5", {"x": -1}, "fractional power", 4),
        ("y = x ** -2", {"x": 0}, "zero to a negative power", 4),
        ("y = sqrt(x)", {"x": 0}, "derivative of sqrt(x)", 4),
        ("y = sqrt(x*x)", {"x": 0}, "with respect to x*x is not finite", 4),
        ("y = 3", {}, "no variables", None),
        ("y = sin(x * 1e200) * 1e200", {"x": 1}, "dy/dx overflows", 8),
    ],
)
def test_bad_points_are_one_clear_error(text: str, at: dict, words: str, position) -> None:
    with pytest.raises(ExpressionError) as info:
        derive(text, at)
    assert words in str(info.value)
    assert info.value.position == position
    assert "\n" not in str(info.value)


def test_no_runtime_warnings_escape(recwarn: pytest.WarningsRecorder) -> None:
    for text, at in [("y = log(x)", {"x": -1}), ("y = exp(x)", {"x": 800})]:
        with pytest.raises(ExpressionError):
            derive(text, at)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_json_is_complete_and_serialisable() -> None:
    data = derive("y = (x1 + x2) * (x2 + 1)", {"x1": 1, "x2": 2}).to_json()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["output"] == {"name": "y", "value": 9.0}
    assert data["gradients"] == {"x1": 3.0, "x2": 6.0}
    assert [s["node"] for s in data["steps"]] == ["y", "b", "a", "x2", "x1"]
    assert data["steps"][3]["terms"][0] == {
        "node": "a",
        "partial": 3.0,
        "local": "1",
        "local_value": 1.0,
        "edge": ["x2", "a", 1],
    }
    assert [p["count"] for p in data["paths"]] == [1, 2]
    assert [p["value"] for p in data["forward"]] == [3.0, 6.0]
    assert data["counts"]["reverse_mult"] == 5
    assert len(data["graph"]["nodes"]) == 5 and len(data["graph"]["edges"]) == 5


def test_trace_scalar_tensors_matches_derive() -> None:
    x1 = cr.tensor(1.0, requires_grad=True, name="x1")
    x2 = cr.tensor(2.0, requires_grad=True, name="x2")
    e = trace((x1 + x2) * (x2 + 1))
    assert isinstance(e, Explanation) and e.expression is None
    assert e.gradients == {"x1": 3.0, "x2": 6.0}
    assert e.agrees
    assert x1.grad is None and x2.grad is None  # trace touches no .grad


def test_trace_names_from_mapping_and_unnamed_inputs() -> None:
    a = cr.tensor(1.5, requires_grad=True)
    b = cr.tensor(2.0, requires_grad=True)
    e = trace(a * b + a, names={"w": a})
    assert [n.name for n in e.graph.nodes] == ["w", "x1", "a", "y"]
    assert e.gradients == {"w": 3.0, "x1": 1.5}


def _two_layer_network():
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.normal(size=(4, 3)), name="X")
    w1 = cr.tensor(rng.normal(size=(5, 3)), requires_grad=True, name="W1")
    b1 = cr.tensor(np.zeros(5), requires_grad=True, name="b1")
    w2 = cr.tensor(rng.normal(size=(2, 5)), requires_grad=True, name="W2")
    b2 = cr.tensor(np.zeros(2), requires_grad=True, name="b2")
    h = cr.sigmoid(cr.linear(x, w1, b1))
    loss = cr.cross_entropy(cr.linear(h, w2, b2), np.array([0, 1, 1, 0]))
    return loss, (w1, b1, w2, b2)


def test_trace_vector_network() -> None:
    loss, params = _two_layer_network()
    e = trace(loss)
    assert not e.graph.scalar
    assert e.paths is None and e.forward is None
    assert any("not all scalars" in note for note in e.notes)
    assert e.graph.node("a").shape == (4, 5) and e.graph.node("a").value is None
    assert e.graph.node("a").formula == "X @ W1^T + b1"
    assert all(edge.value is None for edge in e.graph.edges)
    loss.backward()
    for p in params:
        node = e.graph.node(p.name)
        assert node.grad_norm == pytest.approx(float(np.linalg.norm(p.grad.numpy())))
    json.dumps(e.to_json(), allow_nan=False)


def test_trace_needs_a_graph() -> None:
    with pytest.raises(GraphError):
        trace(cr.tensor(1.0))
    with pytest.raises(GraphError):
        trace(3.0)  # type: ignore[arg-type]


def test_repr_and_str() -> None:
    e = derive("y = x * x", {"x": 3})
    assert repr(e) == "<Explanation 'y = x * x': 2 nodes, 2 edges>"
    assert str(e) == e.to_text()


def test_trace_float32_agrees_within_its_precision() -> None:
    rng = np.random.default_rng(0)
    xs = [cr.tensor(rng.normal(), requires_grad=True, name=f"x{i}") for i in range(3)]
    y = cr.tanh(xs[0] * xs[1] + xs[2]) * cr.exp(xs[0]) / (xs[1] ** 2 + 1)
    for k in range(10):
        y = cr.sin(y) * xs[k % 3] + y
    e = trace(y)
    assert xs[0].dtype == np.float32
    assert 0 < e.max_difference <= e.tolerance < 1e-3
    assert e.agrees
    assert "(to a relative" in e.to_text()
