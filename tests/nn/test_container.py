"""Sequential and ModuleList: indexing, length, iteration, append, names."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def test_sequential_applies_layers_in_order():
    net = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1))
    x = cr.tensor(np.array([[1.0, -2.0]], dtype=np.float32))
    expected = net[2](net[1](net[0](x)))
    np.testing.assert_array_equal(net(x).numpy(), expected.numpy())


def test_indexing_length_iteration_append():
    a, b, c = nn.Tanh(), nn.ReLU(), nn.Sigmoid()
    net = nn.Sequential(a, b)
    assert len(net) == 2 and net[0] is a and net[-1] is b and list(net) == [a, b]
    assert net.append(c) is net and net[2] is c
    sliced = net[1:]
    assert isinstance(sliced, nn.Sequential) and list(sliced) == [b, c]
    assert [n for n, _ in sliced.named_children()] == ["1", "2"]  # names kept, as PyTorch
    net[0] = nn.Identity()
    assert isinstance(net[0], nn.Identity)
    del net[0]
    assert list(net) == [b, c] and [n for n, _ in net.named_children()] == ["0", "1"]
    with pytest.raises(IndexError, match="out of range"):
        net[5]
    named = nn.Sequential({"hidden": nn.Linear(2, 2, rng=0), "act": nn.Tanh()})
    assert [n for n, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(2, 2, rng=i) for i in range(2)])
    layers.append(nn.Linear(2, 1, rng=3))
    assert len(layers) == 3 and isinstance(layers[-1], nn.Linear)
    assert [n for n, _ in layers.named_parameters()][-1] == "2.bias"
    assert len(layers[:2]) == 2
    assert repr(layers).startswith("ModuleList(\n  (0): Linear(")
