"""The JSON API: /api/derive answers what `chainrule derive --json` prints; /api/expression
adds what the expression view draws, every number the engine's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chainrule.cli.main import main
from chainrule.explain import derive
from chainrule.explain.graph import format_number
from chainrule.playground.expression import EXAMPLES

LECTURE = "y = (x1 + x2) * (x2 + 1)"


def cli_json(capsys: pytest.CaptureFixture[str], expression: str, at: dict[str, float]) -> Any:
    assignments = [f"{name}={value!r}" for name, value in at.items()]
    assert main(["derive", expression, "--at", *assignments, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("label", "expression", "at"), EXAMPLES)
def test_derive_answers_what_the_cli_prints(
    client: Any, capsys: pytest.CaptureFixture[str], label: str, expression: str, at: dict
) -> None:
    answer = client.post("/api/derive", json={"expression": expression, "at": at})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == cli_json(capsys, expression, at)


def test_the_lecture_example_gives_3_and_6(client: Any) -> None:
    answer = client.post("/api/derive", json={"expression": LECTURE, "at": {"x1": 1, "x2": 2}})
    body = answer.json()
    assert body["gradients"] == {"x1": 3.0, "x2": 6.0}
    assert body["engine_gradients"] == {"x1": 3.0, "x2": 6.0}
    assert body["output"] == {"name": "y", "value": 9.0}


def view(client: Any, expression: str, at: dict[str, float]) -> dict[str, Any]:
    answer = client.post("/api/expression", json={"expression": expression, "at": at})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_view_holds_the_derivation_and_the_lecture_row(client: Any) -> None:
    at = {"x1": 1, "x2": 2}
    model = view(client, LECTURE, at)
    plain = client.post("/api/derive", json={"expression": LECTURE, "at": at}).json()
    assert model["derivation"] == plain
    rows = {row["node"]: row for row in model["reverse"]}
    assert [row["node"] for row in model["reverse"]] == ["y", "b", "a", "x2", "x1"]
    x2 = rows["x2"]
    line = f"{x2['partial']} = {x2['sum']} = {x2['numbers']} = {x2['value']}"
    assert line == "∂y/∂x2 = ∂y/∂a·∂a/∂x2 + ∂y/∂b·∂b/∂x2 = 3·1 + 3·1 = 6"
    assert x2["parents"] == ["a", "b"]
    assert x2["edges"] == ["x2>a#1", "x2>b#0"]
    assert rows["x1"]["value"] == "3"


@pytest.mark.parametrize(
    ("expression", "at"),
    [
        (LECTURE, {"x1": 1, "x2": 2}),
        (LECTURE, {"x1": -0.3, "x2": 2.75}),
        *[(text, point) for _, text, point in EXAMPLES[1:]],
        ("y = sigmoid(w * x + b) * log(x)", {"w": 0.5, "x": 1.5, "b": -0.25}),
    ],
)
def test_every_number_of_the_view_is_the_engines(
    client: Any, expression: str, at: dict[str, float]
) -> None:
    model = view(client, expression, at)
    expl = derive(expression, at)
    steps = {step.node: step.value for step in expl.steps}
    assert {row["node"]: row["value"] for row in model["reverse"]} == {
        node: format_number(value) for node, value in steps.items()
    }
    assert model["values"] == {n.name: format_number(n.value) for n in expl.graph.nodes}
    boxes = {box["name"]: box for box in model["drawing"]["boxes"]}
    for node in expl.graph.nodes:
        assert boxes[node.name]["grad"].split()[-1] == format_number(engine(expl, node.name))
    assert model["result"]["gradients"] == [
        {"partial": f"∂{expl.output}/∂{name}", "value": format_number(value)}
        for name, value in expl.engine_gradients.items()
    ]
    for table, forward in zip(model["paths"], expl.forward, strict=True):
        assert table["total"] == format_number(forward.value)
    assert [p["value"] for p in model["forward"]] == [format_number(p.value) for p in expl.forward]


def engine(expl: Any, name: str) -> float:
    """The node's gradient: the engine's own for an input, the reverse table's inside."""
    if name in expl.engine_gradients:
        return expl.engine_gradients[name]
    return expl.graph.node(name).grad


def test_paths_mark_the_recomputed_upper_product(client: Any) -> None:
    model = view(client, LECTURE, {"x1": 1, "x2": 2})
    x1, x2 = model["paths"]
    assert [row["route"] for row in x1["rows"] + x2["rows"]] == [
        "x1 → a → y",
        "x2 → a → y",
        "x2 → b → y",
    ]
    assert x1["rows"][0]["recomputed"] is None
    shared = x2["rows"][0]["recomputed"]
    assert shared == {
        "node": "a",
        "partial": "∂y/∂a",
        "value": "3",
        "edges": ["a>y#0"],
        "first": "x1 → a → y",
    }
    assert x2["rows"][1]["recomputed"] is None
    assert (x1["total"], x2["total"]) == ("3", "6")


def test_forward_mode_rows(client: Any) -> None:
    model = view(client, LECTURE, {"x1": 1, "x2": 2})
    second = model["forward"][1]
    assert second["seeds"] == "x1′ = 0, x2′ = 1"
    last = second["rows"][-1]
    assert (last["tangent"], last["numbers"], last["value"]) == ("y′", "3·1 + 3·1", "6")
    assert second["value"] == "6"


def test_the_view_asks_for_a_missing_value_and_drops_unused_ones(client: Any) -> None:
    answer = client.post("/api/expression", json={"expression": "y = x1 * x3", "at": {"x1": 2}})
    assert answer.status_code == 400
    assert answer.json() == {"error": "give a value for x3", "variables": ["x1", "x3"]}
    model = view(client, "y = x1 * x3", {"x1": 2, "x3": 5, "x2": 7})
    assert model["derivation"]["gradients"] == {"x1": 5.0, "x3": 2.0}
    # /api/derive is as strict as the command line about a value nothing uses
    strict = client.post("/api/derive", json={"expression": "y = x1", "at": {"x1": 1, "x2": 7}})
    assert strict.status_code == 400
    assert "x2" in strict.json()["error"]
