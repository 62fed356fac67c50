"""A 2-2-1 sigmoid network worked out by hand with the lecture's formulas, one sample.

Network: x = (1, 2), W^1 = [[0.1, -0.2], [0.4, 0.3]], b^1 = (0, -0.5), W^2 = [[0.5, -0.6]],
b^2 = (0.1), target y = 1, quadratic cost J = 1/2 (y - a^2)² (m = 1), σ the logistic function.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule.classic import Network


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@pytest.fixture
def net() -> Network:
    net = Network([2, 2, 1], "sigmoid", "quadratic", dtype=np.float64)
    net.weights[0][:] = [[0.1, -0.2], [0.4, 0.3]]
    net.biases[0][:] = [0.0, -0.5]
    net.weights[1][:] = [[0.5, -0.6]]
    net.biases[1][:] = [0.1]
    return net


X = np.array([[1.0, 2.0]])
Y = np.array([[1.0]])


def test_forward_pass_by_hand(net):
    fp = net.forward(X)
    # z_j^1 = Σ_k w_jk^1 x_k + b_j^1
    #   z_1^1 = 0.1·1 + (-0.2)·2 + 0    = -0.3
    #   z_2^1 = 0.4·1 + 0.3·2 + (-0.5)  =  0.5
    np.testing.assert_allclose(fp.z[0], [[-0.3, 0.5]], rtol=1e-12)
    # a^1 = σ(z^1) = (σ(-0.3), σ(0.5)) = (0.4255575, 0.6224593)
    np.testing.assert_allclose(fp.a[1], [[0.42555748, 0.62245933]], rtol=1e-7)
    # z^2 = 0.5·0.4255575 + (-0.6)·0.6224593 + 0.1 = -0.0606969
    assert fp.z[1][0, 0] == pytest.approx(-0.06069686, rel=1e-6)
    # a^2 = σ(-0.0606969) = 0.4848304
    assert fp.output[0, 0] == pytest.approx(0.48483044, rel=1e-7)


def test_backward_pass_by_hand(net):
    g = net.backward(X, Y)
    a1 = [sigma(-0.3), sigma(0.5)]
    a2 = sigma(0.5 * a1[0] - 0.6 * a1[1] + 0.1)
    # J = 1/2 (y - a^2)² = 1/2 (1 - 0.4848304)² = 0.1326998
    assert g.cost == pytest.approx(0.5 * (1 - a2) ** 2, rel=1e-12)
    assert g.cost == pytest.approx(0.13269984, rel=1e-7)
    # Output layer: δ^2 = ∇_a J ⊙ σ'(z^2) = (a^2 - y) · a^2 (1 - a^2)
    #   = (0.4848304 - 1) · 0.4848304 · 0.5151696 = -0.1286738
    d2 = (a2 - 1.0) * a2 * (1 - a2)
    assert g.deltas[1][0, 0] == pytest.approx(d2, rel=1e-12)
    assert d2 == pytest.approx(-0.12867384, rel=1e-7)
    # Hidden layer: δ_j^1 = Σ_k δ_k^2 w_kj^2 σ'(z_j^1) = δ^2 · w_1j^2 · a_j^1 (1 - a_j^1)
    #   δ_1^1 = -0.1286738 ·  0.5 · 0.4255575 · 0.5744425 = -0.0157277
    #   δ_2^1 = -0.1286738 · -0.6 · 0.6224593 · 0.3775407 =  0.0181433
    d1 = [d2 * w * a * (1 - a) for w, a in zip([0.5, -0.6], a1, strict=True)]
    np.testing.assert_allclose(g.deltas[0], [d1], rtol=1e-12)
    np.testing.assert_allclose(d1, [-0.01572769, 0.01814330], rtol=1e-6)
    # ∂J/∂w_jk^l = a_k^(l-1) δ_j^l and ∂J/∂b_j^l = δ_j^l
    #   ∂J/∂W^2 = δ^2 · (a_1^1, a_2^1) = (-0.0547581, -0.0800942)
    np.testing.assert_allclose(g.grad_weights[1], [[-0.05475812, -0.08009423]], rtol=1e-6)
    np.testing.assert_allclose(g.grad_biases[1], [d2], rtol=1e-12)
    #   ∂J/∂W^1 = [[δ_1^1 · 1, δ_1^1 · 2], [δ_2^1 · 1, δ_2^1 · 2]]
    np.testing.assert_allclose(
        g.grad_weights[0], [[d1[0], 2 * d1[0]], [d1[1], 2 * d1[1]]], rtol=1e-12
    )
    np.testing.assert_allclose(g.grad_biases[0], d1, rtol=1e-12)


def test_update_rule_by_hand(net):
    # W ← W - α ∂J/∂W with α = 0.5: w_11^2 = 0.5 - 0.5·(-0.0547581) = 0.5273791
    net.train_step(X, Y, lr=0.5)
    assert net.weights[1][0, 0] == pytest.approx(0.52737906, rel=1e-7)
    # b^2 = 0.1 - 0.5·(-0.1286738) = 0.1643369
    assert net.biases[1][0] == pytest.approx(0.16433692, rel=1e-7)
