"""``classic.reference.backprop``, the lecture's four formulas as plain code, against its oracles.

The reference agrees with the autodiff engine and with torch (float64, to 1e-10) for sigmoid,
tanh and ReLU nets of 1 to 4 hidden layers; it then serves as the oracle of the fast classic
path (``Network.backward`` and the α-folded ``train_step``), and reproduces the lecture's
hand-worked 2-2-1 example.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

import chainrule as cr
from chainrule.classic import Network, backprop
from chainrule.errors import ConfigError, DataError, DTypeError, ShapeError

ACTIVATIONS = ["sigmoid", "tanh", "relu"]
HIDDEN_LAYERS = [1, 2, 3, 4]
TOLERANCE = {"rtol": 1e-10, "atol": 1e-13}


def random_net(hidden: int, seed: int = 0, m: int = 6):
    """Weights, biases, a batch x and targets y of a net with ``hidden`` hidden layers."""
    rng = np.random.default_rng(seed)
    sizes = [*[5, 4, 6, 3, 4][: hidden + 1], 3]  # N^0 .. N^L
    weights = [rng.standard_normal((n, k)) / np.sqrt(k) for k, n in pairwise(sizes)]
    biases = [rng.standard_normal(n) * 0.5 for n in sizes[1:]]
    x = rng.standard_normal((m, sizes[0]))
    y = rng.uniform(size=(m, sizes[-1]))
    return weights, biases, x, y


def assert_all_close(actual, expected) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, **TOLERANCE)


@pytest.mark.parametrize("hidden", HIDDEN_LAYERS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_reference_agrees_with_the_autodiff_engine(activation: str, hidden: int) -> None:
    weights, biases, x, y = random_net(hidden)
    grad_w, grad_b, deltas = backprop(weights, biases, x, y, activation)

    ws = [cr.tensor(w, requires_grad=True) for w in weights]
    bs = [cr.tensor(b, requires_grad=True) for b in biases]
    sigma = getattr(cr, activation)
    a, zs = cr.tensor(x), []
    for w, b in zip(ws, bs, strict=True):
        zs.append(cr.linear(a, w, b).retain_grad())  # keep z^l to read δ^l = ∂J/∂z^l
        a = sigma(zs[-1])
    cr.quadratic_cost(a, y).backward()

    assert ws[0].grad.dtype == np.float64
    assert_all_close(grad_w, [w.grad.numpy() for w in ws])
    assert_all_close(grad_b, [b.grad.numpy() for b in bs])
    assert_all_close(deltas, [z.grad.numpy() for z in zs])


@pytest.mark.torch
@pytest.mark.parametrize("hidden", HIDDEN_LAYERS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_reference_agrees_with_torch(activation: str, hidden: int) -> None:
    torch = pytest.importorskip("torch")
    weights, biases, x, y = random_net(hidden, seed=1)
    grad_w, grad_b, deltas = backprop(weights, biases, x, y, activation)

    ws = [torch.tensor(w, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, requires_grad=True) for b in biases]
    sigma = getattr(torch, activation)
    a, zs = torch.tensor(x), []
    for w, b in zip(ws, bs, strict=True):
        zs.append(torch.nn.functional.linear(a, w, b))
        zs[-1].retain_grad()
        a = sigma(zs[-1])
    (0.5 * ((torch.tensor(y) - a) ** 2).sum() / len(x)).backward()

    assert ws[0].grad.dtype == torch.float64
    assert_all_close(grad_w, [w.grad.numpy() for w in ws])
    assert_all_close(grad_b, [b.grad.numpy() for b in bs])
    assert_all_close(deltas, [z.grad.numpy() for z in zs])


@pytest.mark.parametrize("hidden", HIDDEN_LAYERS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fast_classic_backward_agrees_with_the_reference(activation: str, hidden: int) -> None:
    weights, biases, x, y = random_net(hidden, seed=2)
    sizes = [weights[0].shape[1], *(w.shape[0] for w in weights)]
    net = Network(sizes, activation, "quadratic", dtype=np.float64)
    net.weights = [w.copy() for w in weights]
    net.biases = [b.copy() for b in biases]
    assert net.output_activation.name == activation  # the lecture's σ on the output layer too

    fast = net.backward(x, y)
    grad_w, grad_b, deltas = backprop(weights, biases, x, y, activation)
    assert_all_close(fast.grad_weights, grad_w)
    assert_all_close(fast.grad_biases, grad_b)
    assert_all_close(fast.deltas, deltas)

    # train_step folds α into δ^L and reuses buffers; it must still step by -α ∂J/∂W
    lr = 0.3
    net.train_step(x, y, lr=lr)
    assert_all_close(net.weights, [w - lr * g for w, g in zip(weights, grad_w, strict=True)])
    assert_all_close(net.biases, [b - lr * g for b, g in zip(biases, grad_b, strict=True)])


def test_reference_works_the_lecture_example_by_hand() -> None:
    # tests/classic/test_classic_handworked.py: x = (1, 2), y = 1, one sample, σ logistic
    W = [np.array([[0.1, -0.2], [0.4, 0.3]]), np.array([[0.5, -0.6]])]
    b = [np.array([0.0, -0.5]), np.array([0.1])]
    grad_w, grad_b, deltas = backprop(W, b, [[1.0, 2.0]], [[1.0]])
    # δ^2 = (a^2 - y) · a^2 (1 - a^2) = (0.4848304 - 1) · 0.4848304 · 0.5151696
    assert deltas[1][0, 0] == pytest.approx(-0.12867384, rel=1e-7)
    # δ^1 = δ^2 · w_1j^2 · a_j^1 (1 - a_j^1)
    np.testing.assert_allclose(deltas[0], [[-0.01572769, 0.01814330]], rtol=1e-6)
    # ∂J/∂W^2 = δ^2 (a^1)^T, ∂J/∂b^2 = δ^2
    np.testing.assert_allclose(grad_w[1], [[-0.05475812, -0.08009423]], rtol=1e-6)
    np.testing.assert_allclose(grad_b[1], deltas[1][0], rtol=1e-12)
    # ∂J/∂W^1 = δ^1 x^T with x = (1, 2)
    d1 = deltas[0][0]
    np.testing.assert_allclose(grad_w[0], [[d1[0], 2 * d1[0]], [d1[1], 2 * d1[1]]], rtol=1e-12)
    np.testing.assert_allclose(grad_b[0], d1, rtol=1e-12)
    # the update W ← W - α ∂J/∂W with α = 0.5 gives the lecture's w_11^2 = 0.5273791
    assert W[1][0, 0] - 0.5 * grad_w[1][0, 0] == pytest.approx(0.52737906, rel=1e-7)


W, B, X, Y = [np.ones((2, 3))], [np.ones(2)], np.ones((4, 3)), np.ones((4, 2))


@pytest.mark.parametrize(
    ("args", "error", "named"),
    [
        ((W, B, np.ones((4, 2)), Y), ShapeError, "weights[0]"),
        ((W, [np.ones(3)], X, Y), ShapeError, "biases[0]"),
        ((W, B, X, np.ones((4, 3))), ShapeError, "y"),
        ((W, [], X, Y), ShapeError, "bias"),
        ((W, B, np.ones(3), Y), ShapeError, "x"),
        ((W, B, [["a"] * 3], Y), DTypeError, "x"),
        ((W, [np.full(2, np.nan)], X, Y), DataError, "biases[0]"),
    ],
)
def test_bad_input_is_one_line_naming_it(args, error, named: str) -> None:
    with pytest.raises(error, match=named.replace("[", r"\[")) as info:
        backprop(*args)
    assert "\n" not in str(info.value)


def test_unknown_activation_is_a_config_error() -> None:
    weights, biases, x, y = random_net(1)
    with pytest.raises(ConfigError, match="softplus"):
        backprop(weights, biases, x, y, "softplus")
