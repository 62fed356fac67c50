"""The monitor's numbers against δ computed independently and against finite differences."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.data import one_hot
from chainrule.diagnostics import (
    ClassicMonitor,
    GradientMonitor,
    GradientRecords,
    ModuleMonitor,
    activation_stats,
    collect_activations,
    layer_speeds,
)
from chainrule.errors import ConfigError


def hand_deltas(net: Network, x: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
    """δ^l of the quadratic cost with logistic layers, written out again in float64."""
    ws = [w.astype(np.float64) for w in net.weights]
    bs = [b.astype(np.float64) for b in net.biases]
    a = x.astype(np.float64)
    zs, acts = [], [a]
    for w, b in zip(ws, bs):
        z = a @ w.T + b
        a = 1 / (1 + np.exp(-z))
        zs.append(z)
        acts.append(a)
    m = len(x)
    delta = (acts[-1] - t) / m * acts[-1] * (1 - acts[-1])
    deltas = [delta]
    for l in range(len(ws) - 1, 0, -1):
        delta = (delta @ ws[l]) * acts[l] * (1 - acts[l])
        deltas.insert(0, delta)
    return deltas


def fd_bias_speeds(cost, biases: list[np.ndarray], eps: float = 1e-6) -> np.ndarray:
    """‖∂J/∂b^l‖ by central differences, one bias entry at a time (float64)."""
    speeds = []
    for b in biases:
        grad = np.zeros_like(b)
        for i in range(b.size):
            keep = b[i]
            b[i] = keep + eps
            up = cost()
            b[i] = keep - eps
            down = cost()
            b[i] = keep
            grad[i] = (up - down) / (2 * eps)
        speeds.append(np.linalg.norm(grad))
    return np.array(speeds)


def test_classic_speeds_equal_batch_summed_deltas(blobs):
    x, y = blobs
    net = Network([10, 7, 6, 5, 4], "sigmoid", "quadratic", "normal-scaled", seed=3)
    mon = GradientMonitor(net, every=1)
    grads = net.backward(x, y)
    mine = hand_deltas(net, x, one_hot(y, 4, np.float64))  # the lecture's formulas, by hand
    w_norms = [np.linalg.norm(w) for w in net.weights]
    mon.train_step(x, y, lr=0.1)
    rec = mon.records
    summed = [np.linalg.norm(d.sum(axis=0)) for d in grads.deltas]
    np.testing.assert_allclose(rec.speeds[0], summed, rtol=1e-5)
    np.testing.assert_allclose(rec.speeds[0], net.learning_speeds(grads), rtol=1e-5)
    # independently: the lecture's formulas again, by hand, in float64
    np.testing.assert_allclose(rec.speeds[0], [np.linalg.norm(d.sum(0)) for d in mine], rtol=1e-4)
    gw = [np.linalg.norm(d.T @ a) for d, a in zip(mine, [x, *grads.forward.a[1:-1]])]
    np.testing.assert_allclose(rec.grad_norms[0], gw, rtol=1e-4)
    # the classic step is W -= lr ∂J/∂W, so ‖ΔW‖/‖W‖ = lr ‖∂J/∂W‖ / ‖W‖ (W before the step)
    np.testing.assert_allclose(rec.update_ratios[0], 0.1 * np.array(gw) / w_norms, rtol=1e-4)


def test_classic_speeds_match_finite_differences(blobs):
    x, y = blobs
    x, y = x[:12].astype(np.float64), y[:12]
    net = Network([10, 5, 4, 4], "tanh", "cross-entropy", "xavier", seed=1, dtype=np.float64)
    net.biases = [
        np.random.default_rng(l).normal(0, 0.3, b.shape) for l, b in enumerate(net.biases)
    ]
    mon = GradientMonitor(net, every=1)
    mon.observe(net.backward(x, y))
    fd = fd_bias_speeds(lambda: net.cost(x, y), net.biases)
    np.testing.assert_allclose(mon.records.speeds[0], fd, rtol=1e-6)


def test_nn_speeds_match_classic_and_finite_differences(blobs, nn_copy, default_float64):
    x, y = blobs
    x = x[:16].astype(np.float64)
    y = y[:16]
    net = Network([10, 6, 5, 4], "sigmoid", "quadratic", "normal-scaled", seed=2, dtype=np.float64)
    model = nn_copy(net)
    mon = GradientMonitor(model, every=1)
    t = one_hot(y, 4, np.float64)
    loss_fn = nn.QuadraticCost()
    loss = loss_fn(model(cr.tensor(x)), t)
    loss.backward()
    mon.before_step(loss)
    mon.after_step()
    rec = mon.records
    np.testing.assert_allclose(rec.speeds[0], net.learning_speeds(net.backward(x, t)), rtol=1e-10)
    np.testing.assert_allclose(rec.speeds[0], layer_speeds(model), rtol=1e-12)
    biases = [m.bias.data for m in model if isinstance(m, nn.Linear)]

    def cost() -> float:
        with cr.no_grad():
            return float(loss_fn(model(cr.tensor(x)), t).item())

    np.testing.assert_allclose(rec.speeds[0], fd_bias_speeds(cost, biases), rtol=1e-6)
    assert rec.loss[0] == pytest.approx(float(loss.item()))


def test_batch_norm_speed_is_the_shift_gradient(blobs, nn_copy, default_float64):
    """With BatchNorm the Linear bias gradient is 0; the speed is ‖∂J/∂β‖ (by differences)."""
    x, y = blobs
    x = x[:16].astype(np.float64)
    y = y[:16]
    net = Network([10, 6, 5, 4], "relu", "cross-entropy", "he", seed=4, dtype=np.float64)
    model = nn_copy(net, batch_norm=True)
    mon = GradientMonitor(model, every=1)
    assert [info.batch_norm for info in mon.layers] == [True, True, False]
    loss_fn = nn.CrossEntropyLoss()
    state = model.state_dict()
    model(cr.tensor(x))  # advance the running stats once, so restoring them below matters
    model.load_state_dict(state)
    loss = loss_fn(model(cr.tensor(x)), y)
    loss.backward()
    mon.before_step(loss)
    mon.after_step()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert np.abs(linears[0].bias.grad.numpy()).max() < 1e-12
    shifts = [m.bias.data for m in model if isinstance(m, nn.BatchNorm1d)] + [linears[-1].bias.data]

    def cost() -> float:
        with cr.no_grad():
            return float(loss_fn(model(cr.tensor(x)), y).item())

    np.testing.assert_allclose(mon.records.speeds[0], fd_bias_speeds(cost, shifts), rtol=1e-6)


def test_every_k_and_update_ratio_measured_around_the_step(nn_batch):
    x, y = nn_batch
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(10, 8, rng=rng), nn.Tanh(), nn.Linear(8, 4, rng=rng))
    mon = GradientMonitor(model, every=3)
    opt = mon.wrap(optim.SGD(model.parameters(), lr=0.2))
    loss_fn = nn.CrossEntropyLoss()
    expected = []
    for step in range(7):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if step % 3 == 0:
            expected.append(
                [
                    0.2 * np.linalg.norm(m.weight.grad.numpy()) / np.linalg.norm(m.weight.numpy())
                    for m in model
                    if isinstance(m, nn.Linear)
                ]
            )
        opt.step(loss)
    rec = mon.records
    assert rec.steps.tolist() == [0, 3, 6]
    assert mon.step == 7
    np.testing.assert_allclose(rec.update_ratios, expected, rtol=1e-4)
    assert np.isfinite(rec.act_mean).all() and np.isfinite(rec.act_std).all()
    assert np.isnan(rec.saturated[:, 1]).all()  # no activation after the output layer
    mon.close()
    assert all(not m._forward_hooks for m in model)


def test_classic_every_k_uses_the_hot_path_between_records(blobs):
    x, y = blobs
    net = Network([10, 8, 4], "relu", "cross-entropy", "he", seed=0)
    twin = Network([10, 8, 4], "relu", "cross-entropy", "he", seed=0)
    mon = GradientMonitor(net, every=4)
    for _ in range(9):
        mon.train_step(x, y, lr=0.1)
        twin.train_step(x, y, lr=0.1)
    assert mon.records.steps.tolist() == [0, 4, 8]
    for w, v in zip(net.weights, twin.weights):
        np.testing.assert_allclose(w, v, rtol=1e-5, atol=1e-6)


def test_activation_stats_definitions():
    sig = np.array([[0.01, 0.5, 0.98], [0.2, 0.99, 0.5]])
    mean, std, sat, dead = activation_stats(sig, "sigmoid")
    assert sat == pytest.approx(3 / 6) and math.isnan(dead)
    assert mean == pytest.approx(sig.mean()) and std == pytest.approx(sig.std())
    _, _, sat, _ = activation_stats(np.array([[-0.99, 0.1], [0.98, 0.96]]), "tanh")
    assert sat == pytest.approx(0.5)
    relu = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    *_, dead = activation_stats(relu, "relu")
    assert dead == pytest.approx(1 / 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_stats_std_is_stable_around_a_large_mean(dtype):
    noise = np.random.default_rng(0).standard_normal((256, 64)) * 0.01
    a = (1e4 + noise).astype(dtype)
    exact = a.astype(np.float64)
    mean, std, _, _ = activation_stats(a, None)
    assert mean == pytest.approx(exact.mean(), rel=1e-12)
    assert std == pytest.approx(exact.std(), rel=1e-6)  # E[x²] - mean² gave 0 or ~1


def test_activation_stats_of_huge_float32_values_is_finite():
    a = np.full((4, 3), 1e20, dtype=np.float32)  # squares overflow float32
    a[0, 0] = -1e20
    _, std, _, _ = activation_stats(a, None)
    exact = a.astype(np.float64)
    assert std == pytest.approx(exact.std(), rel=1e-12)


def test_nonfinite_counts_and_json_round_trip(blobs):
    x, y = blobs
    net = Network([10, 5, 4], "sigmoid", "quadratic", "normal", seed=0)
    net.weights[1][0, 0] = np.nan
    mon = GradientMonitor(net, every=1)
    with np.errstate(all="ignore"):
        mon.train_step(x, y, lr=0.1)
    rec = mon.records
    assert rec.nonfinite[0, 1] > 0
    text = json.dumps(rec.to_dict())
    again = GradientRecords.from_dict(json.loads(text))
    np.testing.assert_array_equal(again.nonfinite, rec.nonfinite)
    np.testing.assert_allclose(again.speeds, rec.speeds, equal_nan=True)
    assert again.layers == rec.layers and again.hidden.tolist() == [True, False]


def test_collect_activations_for_both_engines(blobs, nn_copy):
    x, _ = blobs
    net = Network([10, 6, 4], "tanh", "quadratic", "xavier", seed=0)
    classic = collect_activations(net, x)
    from_nn = collect_activations(nn_copy(net), x)
    assert list(classic) == ["layer 1 (W 10->6)", "layer 2 (W 6->4)"]
    assert list(from_nn) == ["layer 1 (Linear 10->6)", "layer 2 (Linear 6->4)"]
    for a, b in zip(classic.values(), from_nn.values()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ConfigError):
        GradientMonitor(Network([2, 2]), every=0)
    with pytest.raises(ConfigError, match="no Linear"):
        GradientMonitor(nn.Sequential(nn.Tanh()))
    with pytest.raises(ConfigError, match="nn models"):
        GradientMonitor(Network([2, 2])).before_step()
    with pytest.raises(ConfigError, match="classic"):
        GradientMonitor(nn.Sequential(nn.Linear(2, 2, rng=0))).train_step(None, None, 0.1)


def test_import_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import sys, chainrule.diagnostics; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_one_monitor_per_engine():
    """GradientMonitor(model) is the monitor of the model's engine, each with its own methods;
    the other engine's methods say which to call instead."""
    classic = GradientMonitor(Network([2, 3, 1], seed=0), every=1)
    module = GradientMonitor(nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh()), every=1)
    assert type(classic) is ClassicMonitor and type(module) is ModuleMonitor
    assert isinstance(classic, GradientMonitor) and isinstance(module, GradientMonitor)
    assert type(ClassicMonitor(Network([2, 3, 1], seed=0))) is ClassicMonitor
    with pytest.raises(ConfigError, match=r"observe\(\) is for a classic Network"):
        module.observe(None)
    with pytest.raises(ConfigError, match="for nn models"):
        classic.after_step()


def test_diagnostics_imports_nothing_above_it():
    """Layers: diagnostics sits below training, report and cli (training drives its monitor)."""
    import subprocess
    import sys

    code = (
        "import sys, chainrule.diagnostics; "
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in "
        "(['chainrule', 'training'], ['chainrule', 'report'], ['chainrule', 'cli'])))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
