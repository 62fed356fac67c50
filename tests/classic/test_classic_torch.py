"""Backpropagation in chainrule.classic against PyTorch's autograd, in float64."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.classic import Network

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def torch_gradients(net: Network, x: np.ndarray, y: np.ndarray):
    """J, ∂J/∂W^l and ∂J/∂b^l of the same network, computed by torch.autograd."""
    weights = [torch.tensor(w, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    hidden = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
    a = torch.tensor(x)
    target = torch.tensor(y)
    m = x.shape[0]
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = torch.nn.functional.linear(a, w, b)  # a @ w.T + b, the row-sample form
        if l < len(weights) - 1:
            a = hidden[net.activation.name](z)
        elif net.cost_function.name == "cross-entropy":
            cost = torch.nn.functional.cross_entropy(z, target, reduction="mean")
        else:
            a = hidden[net.output_activation.name](z)
            cost = 0.5 * ((target - a) ** 2).sum() / m
    cost.backward()
    return (
        cost.item(),
        [w.grad.numpy() for w in weights],
        [b.grad.numpy() for b in biases],
    )


@pytest.mark.parametrize("depth", [1, 2, 4])
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_gradients_match_torch_autograd(activation, cost, depth):
    sizes = [6, *[7, 5, 6, 4][:depth], 3]
    net = Network(sizes, activation, cost, "xavier", seed=depth, dtype=np.float64)
    rng = np.random.default_rng(depth)
    for b in net.biases:
        b[:] = rng.uniform(-0.5, 0.5, size=b.shape)
    x = rng.standard_normal((8, sizes[0]))
    if cost == "cross-entropy":
        y = rng.integers(0, sizes[-1], size=8)  # torch takes class indices as they are
    else:
        y = rng.random((8, sizes[-1]))
    ours = net.backward(x, y)
    cost_t, grad_w_t, grad_b_t = torch_gradients(net, x, y)
    assert ours.cost == pytest.approx(cost_t, rel=1e-12)
    for l in range(net.num_layers):
        np.testing.assert_allclose(ours.grad_weights[l], grad_w_t[l], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(ours.grad_biases[l], grad_b_t[l], rtol=1e-10, atol=1e-13)


def test_weight_layout_is_torch_linear_weight():
    """weights[l-1] (shape (N^l, N^(l-1))) drops into torch.nn.Linear.weight unchanged."""
    net = Network([4, 3], "sigmoid", seed=0, dtype=np.float64)
    linear = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(net.weights[0]))
        linear.bias.copy_(torch.tensor(net.biases[0]))
    x = np.random.default_rng(0).standard_normal((5, 4))
    expected = torch.sigmoid(linear(torch.tensor(x))).detach().numpy()
    np.testing.assert_allclose(net.output(x), expected, rtol=1e-12)
