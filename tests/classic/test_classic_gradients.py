"""Backpropagation in chainrule.classic against central finite differences, in float64."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.classic import Network

ACTIVATIONS = ["sigmoid", "tanh", "relu"]
COSTS = ["quadratic", "cross-entropy"]
HIDDEN = [[5], [5, 4], [5, 4, 6], [5, 4, 6, 3]]  # 1 to 4 hidden layers


def make_case(activation: str, cost: str, hidden: list[int], seed: int = 0, **kwargs):
    """A small float64 network with a batch of 4 samples (int labels for cross-entropy)."""
    sizes = [3, *hidden, 3]
    init = kwargs.pop("init", "xavier" if activation != "sigmoid" else "normal")
    net = Network(sizes, activation, cost, init, seed=seed, dtype=np.float64, **kwargs)
    rng = np.random.default_rng(seed + 100)
    x = rng.standard_normal((4, sizes[0]))
    if cost == "cross-entropy":
        y = rng.integers(0, sizes[-1], size=4)
    else:
        y = rng.random((4, sizes[-1]))
    if activation == "relu":  # non-zero biases keep every z away from the kink at 0
        for b in net.biases:
            b[:] = rng.uniform(0.1, 0.3, size=b.shape)
    return net, x, y


def finite_difference_gradients(net: Network, x, y, h: float = 1e-5):
    """∂J/∂W^l and ∂J/∂b^l by central differences (J(p + h) - J(p - h)) / 2h, entry by entry."""
    grads = []
    for params in (net.weights, net.biases):
        layer_grads = []
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                keep = p[idx]
                p[idx] = keep + h
                up = net.cost(x, y)
                p[idx] = keep - h
                down = net.cost(x, y)
                p[idx] = keep
                g[idx] = (up - down) / (2 * h)
            layer_grads.append(g)
        grads.append(layer_grads)
    return grads


def assert_gradients_close(actual, expected, rel: float = 1e-7, what: str = "") -> None:
    """Relative error ||a - e|| / max(||a||, ||e||) below ``rel``, layer by layer."""
    for l, (a, e) in enumerate(zip(actual, expected, strict=True), start=1):
        scale = max(np.linalg.norm(a), np.linalg.norm(e), 1e-12)
        err = np.linalg.norm(a - e) / scale
        assert err < rel, f"{what} layer {l}: relative error {err:.2e}\n{a}\nvs\n{e}"


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda h: f"{len(h)}hidden")
@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_finite_differences(activation, cost, hidden):
    net, x, y = make_case(activation, cost, hidden)
    g = net.backward(x, y)
    fd_w, fd_b = finite_difference_gradients(net, x, y)
    assert_gradients_close(g.grad_weights, fd_w, what="∂J/∂W")
    assert_gradients_close(g.grad_biases, fd_b, what="∂J/∂b")
    assert g.cost == pytest.approx(net.cost(x, y), rel=1e-12)


@pytest.mark.parametrize("output_activation", ["identity", "sigmoid", "relu"])
def test_quadratic_cost_with_other_output_activations(output_activation):
    net, x, y = make_case("tanh", "quadratic", [4, 4], output_activation=output_activation)
    if output_activation == "relu":
        net.biases[-1][:] = 0.5
    g = net.backward(x, y)
    fd_w, fd_b = finite_difference_gradients(net, x, y)
    assert_gradients_close(g.grad_weights, fd_w)
    assert_gradients_close(g.grad_biases, fd_b)


def test_soft_targets_for_cross_entropy():
    net, x, _ = make_case("tanh", "cross-entropy", [4])
    y = np.random.default_rng(3).dirichlet(np.ones(3), size=4)
    g = net.backward(x, y)
    fd_w, fd_b = finite_difference_gradients(net, x, y)
    assert_gradients_close(g.grad_weights, fd_w)
    assert_gradients_close(g.grad_biases, fd_b)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_are_the_lecture_formulas_summed_over_the_batch(activation):
    net, x, y = make_case(activation, "quadratic", [5, 4])
    g = net.backward(x, y)
    acts = g.forward.a
    for l in range(net.num_layers):
        # ∂J/∂W^l = δ^l (a^(l-1))^T summed over samples; ∂J/∂b^l = δ^l summed over samples
        expected_w = sum(np.outer(g.deltas[l][i], acts[l][i]) for i in range(len(x)))
        np.testing.assert_allclose(g.grad_weights[l], expected_w, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(g.grad_biases[l], g.deltas[l].sum(axis=0), rtol=1e-12)
    # δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l), one sample (one column) at a time
    act = net.activation
    for l in range(net.num_layers - 1):
        for i in range(len(x)):
            column = net.weights[l + 1].T @ g.deltas[l + 1][i]
            prime = act.prime(g.forward.z[l][i], g.forward.a[l + 1][i])
            np.testing.assert_allclose(g.deltas[l][i], column * prime, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_train_step_is_step_of_backward(activation, cost):
    net_a, x, y = make_case(activation, cost, [5, 4], seed=1)
    net_b, _, _ = make_case(activation, cost, [5, 4], seed=1)
    expected = net_a.backward(x, y)
    net_a.step(expected, lr=0.3)
    j = net_b.train_step(x, y, lr=0.3)
    assert j == pytest.approx(expected.cost, rel=1e-12)
    for wa, wb in zip(net_a.weights + net_a.biases, net_b.weights + net_b.biases, strict=True):
        np.testing.assert_allclose(wb, wa, rtol=1e-12, atol=1e-14)


def test_int_labels_equal_one_hot_targets():
    net, x, y = make_case("relu", "cross-entropy", [5])
    g_labels = net.backward(x, y)
    g_onehot = net.backward(x, np.eye(3)[y])
    assert g_labels.cost == g_onehot.cost
    for a, b in zip(g_labels.grad_weights, g_onehot.grad_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_learning_speeds_are_bias_gradient_norms():
    net, x, y = make_case("sigmoid", "quadratic", [5, 4, 6])
    g = net.backward(x, y)
    speeds = net.learning_speeds(g)
    assert speeds.shape == (4,)
    for l, speed in enumerate(speeds):
        assert speed == pytest.approx(np.linalg.norm(g.deltas[l].sum(axis=0)))
