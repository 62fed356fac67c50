"""trace() of an nn model reads as the model does: its parameter names, a cost called J, and
edge labels drawn whole."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.explain import trace
from chainrule.explain.draw import to_dot


class TwoLayers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer1 = nn.Linear(3, 5)
        self.layer2 = nn.Linear(5, 2)

    def forward(self, x):
        return self.layer2(cr.sigmoid(self.layer1(x)))


def _cost(model: nn.Module):
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.normal(size=(4, 3)).astype(np.float32))
    y = cr.tensor(np.zeros((4, 2), dtype=np.float32))  # the targets: y in the lecture
    return ((model(x) - y) ** 2).mean()


def _sequential() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 5), nn.Sigmoid(), nn.Linear(5, 2))


def test_parameters_are_named_as_the_module_names_them():
    model = _sequential()
    e = trace(_cost(model))
    assert [n.name for n in e.graph.inputs] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n.name for n in trace(_cost(TwoLayers())).graph.inputs] == [
        "layer1.weight",
        "layer1.bias",
        "layer2.weight",
        "layer2.bias",
    ]


def test_a_model_inside_a_model_gives_the_outer_names():
    outer = nn.Sequential(TwoLayers())
    names = [n.name for n in trace(_cost(outer)).graph.inputs]
    assert names == ["0.layer1.weight", "0.layer1.bias", "0.layer2.weight", "0.layer2.bias"]


def test_names_may_be_a_module():
    model = _sequential()
    inner = model[0] if hasattr(model, "__getitem__") else None
    assert inner is not None
    e = trace(_cost(model), names=model)
    assert [n.name for n in e.graph.inputs] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    own = trace(inner(cr.tensor(np.ones((2, 3), dtype=np.float32))).sum(), names=inner)
    assert [n.name for n in own.graph.inputs] == ["weight", "bias"]


def test_given_and_set_names_win_over_module_names():
    model = _sequential()
    model[0].weight.name = "W1"
    e = trace(_cost(model), names={"b1": model[0].bias})
    assert [n.name for n in e.graph.inputs] == ["W1", "b1", "2.weight", "2.bias"]


def test_the_cost_of_a_model_is_J_not_the_targets_y():
    e = trace(_cost(_sequential()))
    assert e.graph.output == "J"
    assert "y" not in {n.name for n in e.graph.nodes}
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="J")
    assert trace((w * w).sum()).graph.output not in {"J", "y"}


def test_a_scalar_expression_keeps_y():
    x = cr.tensor(3.0, requires_grad=True, name="x")
    assert trace(x * x + 1).graph.output == "y"


def test_edge_labels_of_a_model_are_drawn_whole():
    e = trace(_cost(_sequential()))
    dot = to_dot(e)
    for edge in e.graph.edges:
        if edge.value is None:
            assert f'label="{edge.formula}"' in dot, (edge.formula, dot)  # not clipped


def test_constants_are_shown_by_shape():
    e = trace(_cost(_sequential()))
    first = e.graph.nodes[len(e.graph.inputs)]
    assert first.formula == "[4x3] @ 0.weight^T + 0.bias"


@pytest.mark.parametrize("bad", [3, "model", [1, 2]])
def test_names_of_a_wrong_kind_is_one_error(bad):
    from chainrule.errors import GraphError

    with pytest.raises(GraphError, match="names"):
        trace(_cost(_sequential()), names=bad)
