"""The lecture's matrix-form backprop and the autodiff engine agree to rounding (float64).

Same weights, same batch: every ∂J/∂W^l, ∂J/∂b^l and every δ^l = ∂J/∂z^l of the classic
network equals what the engine's reverse accumulation finds through ``nn.Sequential``.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.classic import Network, from_sequential, to_sequential
from chainrule.errors import ConfigError

CASES = [
    (activation, cost, sizes)
    for activation in ("sigmoid", "tanh", "relu")
    for cost in ("quadratic", "cross-entropy")
    for sizes in ((5, 3), (5, 4, 3), (6, 5, 4, 4, 3))
]


def batch(sizes: tuple[int, ...], m: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.standard_normal((m, sizes[0])), rng.integers(0, sizes[-1], m)


@pytest.mark.parametrize(("activation", "cost", "sizes"), CASES)
def test_classic_gradients_equal_the_engines(activation: str, cost: str, sizes) -> None:
    init = "he" if activation == "relu" else "normal-scaled"
    net = Network(sizes, activation, cost, init, seed=3, dtype=np.float64)
    x, y = batch(sizes)
    expected = net.backward(x, y)

    model = to_sequential(net)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    zs: list[cr.Tensor] = []
    for layer in linears:  # keep every z^l to read δ^l = ∂J/∂z^l off the engine
        layer.register_forward_hook(lambda module, inputs, out: zs.append(out.retain_grad()))
    out = model(cr.tensor(x))
    if cost == "quadratic":
        loss = nn.QuadraticCost()(out, np.eye(sizes[-1])[y])
    else:
        loss = nn.CrossEntropyLoss()(out, y)
    loss.backward()

    assert loss.item() == pytest.approx(expected.cost, rel=1e-12)
    for l, layer in enumerate(linears):
        np.testing.assert_allclose(
            layer.weight.grad.numpy(), expected.grad_weights[l], rtol=1e-10, atol=1e-13
        )
        np.testing.assert_allclose(
            layer.bias.grad.numpy(), expected.grad_biases[l], rtol=1e-10, atol=1e-13
        )
        np.testing.assert_allclose(zs[l].grad.numpy(), expected.deltas[l], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_classic_loss_passes_gradcheck_through_the_engine(activation: str) -> None:
    net = Network((4, 3, 2), activation, "quadratic", "normal-scaled", seed=0, dtype=np.float64)
    x, y = batch((4, 3, 2), m=5)
    target = np.eye(2)[y]
    # biases away from 0 keep every z off ReLU's kink, where differences are meaningless
    net.biases = [np.full_like(b, 0.3) for b in net.biases]

    def cost(w1, b1, w2, b2):
        a = cr.tensor(x)
        f = getattr(cr, activation)
        a = f(cr.linear(a, w1, b1))
        return cr.quadratic_cost(f(cr.linear(a, w2, b2)), target)

    params = [net.weights[0], net.biases[0], net.weights[1], net.biases[1]]
    assert cr.gradcheck(cost, *params)
    grads = net.backward(x, y)
    leaves = [cr.tensor(p, requires_grad=True) for p in params]
    cost(*leaves).backward()
    np.testing.assert_allclose(leaves[0].grad.numpy(), grads.grad_weights[0], rtol=1e-10)
    np.testing.assert_allclose(leaves[3].grad.numpy(), grads.grad_biases[1], rtol=1e-10)


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_round_trip_through_sequential_keeps_the_weights(cost: str) -> None:
    net = Network((6, 4, 3), "tanh", cost, "xavier", seed=2, dtype=np.float64)
    again = from_sequential(to_sequential(net), cost=cost)
    assert again.sizes == net.sizes
    for w, w2 in zip(net.weights + net.biases, again.weights + again.biases, strict=True):
        np.testing.assert_array_equal(w, w2)
    x, _ = batch((6, 4, 3))
    np.testing.assert_allclose(again.output(x), net.output(x), rtol=1e-12)


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            lambda: [nn.Linear(4, 3, rng=0), nn.Linear(3, 2, rng=1), nn.Sigmoid(), nn.Sigmoid()],
            "must alternate Linear and activation",
        ),
        (
            lambda: [nn.Linear(4, 3, rng=0), nn.Sigmoid(), nn.Linear(5, 2, rng=1), nn.Sigmoid()],
            "3 outputs feeds one with 5 inputs",
        ),
    ],
    ids=["out of order", "shapes do not chain"],
)
def test_from_sequential_refuses_a_model_it_would_convert_wrongly(layers, message) -> None:
    with pytest.raises(ConfigError, match=message):
        from_sequential(nn.Sequential(*layers()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_sequential_with_batch_norm_keeps_the_networks_dtype(dtype):

    net = Network([4, 5, 3], dtype=dtype, seed=0)
    model = to_sequential(net, batch_norm=True)
    assert {p.dtype for p in model.parameters()} == {np.dtype(dtype)}
    x = cr.tensor(np.random.default_rng(0).standard_normal((6, 4)).astype(dtype))
    assert model(x).dtype == dtype
