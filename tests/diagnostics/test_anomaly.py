"""Anomaly mode: a planted NaN is reported with its layer, step and op, before any update."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.diagnostics import GradientMonitor, LayerNonFiniteError
from chainrule.errors import NonFiniteError


def make_model() -> nn.Sequential:
    rng = np.random.default_rng(0)
    return nn.Sequential(
        nn.Linear(10, 12, rng=rng),
        nn.Tanh(),
        nn.Linear(12, 12, rng=rng),
        nn.Tanh(),
        nn.Linear(12, 4, rng=rng),
    )


def train(model, mon, opt, x, y, steps: int, plant_at: int | None = None) -> None:
    for step in range(steps):
        if step == plant_at:
            model[2].weight.data[3, 5] = np.nan  # a NaN weight in layer 2
        with mon.guard():
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(model(x), y)
            loss.backward()
            opt.step(loss)


def test_nn_nan_weight_names_layer_step_and_op(nn_batch):
    x, y = nn_batch
    model = make_model()
    mon = GradientMonitor(model, every=5)
    opt = mon.wrap(optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(LayerNonFiniteError) as info:
        train(model, mon, opt, x, y, steps=10, plant_at=4)
    err = info.value
    assert isinstance(err, NonFiniteError)
    assert (err.layer, err.step, err.op, err.phase) == (2, 4, "Linear", "forward")
    assert err.layer_name == "layer 2 (Linear 12->12)"
    assert str(err).startswith("layer 2 (Linear 12->12), step 4: Linear produced")
    assert "its weight holds 1 NaN/Inf" in str(err)
    assert np.isfinite(model[0].weight.numpy()).all()  # the step never ran: no NaN spread
    assert mon.step == 4


def test_nn_backward_overflow_is_located_in_backward(nn_batch):
    x, y = nn_batch
    model = make_model()
    rng = np.random.default_rng(1)
    for m in model:
        if isinstance(m, nn.Linear):
            m.bias.data[...] = 0
    # Forward stays finite (a tiny W^1 cancels the huge W^2; softmax takes logits ~1e20) but
    # backward skips W^1: ∂J/∂W^1 = δ^1ᵀ x with δ^1 ~ (δ^3 W^3) W^2 overflows float32.
    model[0].weight.data *= 1e-20
    model[2].weight.data[...] = 1e20 * rng.standard_normal((12, 12)) / 8
    model[4].weight.data[...] = 1e20 * rng.standard_normal((4, 12))
    mon = GradientMonitor(model, every=1)
    with pytest.raises(NonFiniteError) as info, mon.guard():
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
    err = info.value
    assert isinstance(err, LayerNonFiniteError)
    assert (err.phase, err.layer, err.step, err.op) == ("backward", 1, 0, "Linear")
    assert str(err).startswith("layer 1 (Linear 10->12), step 0: the backward of Linear")


def test_nn_anomaly_option_checks_gradients_before_the_step(nn_batch):
    x, y = nn_batch
    model = make_model()
    mon = GradientMonitor(model, every=1, anomaly=True)
    opt = mon.wrap(optim.SGD(model.parameters(), lr=0.1))
    before = model[2].weight.numpy().copy()
    opt.zero_grad()
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    model[2].weight.grad.data[0, 0] = np.inf
    with pytest.raises(LayerNonFiniteError, match=r"layer 2 .*step 0: the weight gradient"):
        opt.step(loss)
    np.testing.assert_array_equal(model[2].weight.numpy(), before)


def test_classic_nan_weight_names_layer_and_step(blobs):
    x, y = blobs
    net = Network([10, 8, 8, 4], "sigmoid", "quadratic", "normal-scaled", seed=0)
    mon = GradientMonitor(net, every=10, anomaly=True)
    for _ in range(3):
        mon.train_step(x, y, lr=0.1)
    net.weights[1][2, 2] = np.nan
    kept = [w.copy() for w in net.weights]
    with pytest.raises(LayerNonFiniteError) as info:
        mon.train_step(x, y, lr=0.1)
    err = info.value
    assert (err.layer, err.step, err.phase) == (2, 3, "forward")
    assert err.op == "z^2 = W^2 a^1 + b^2"
    assert str(err).startswith("layer 2 (W 8->8), step 3: z^2 = W^2 a^1 + b^2 has 64 NaN")
    assert "W^2, b^2 hold 1 NaN/Inf" in str(err)
    for w, k in zip(net.weights, kept):
        np.testing.assert_array_equal(w, k)  # nothing was updated


def test_classic_guard_and_backward_overflow(blobs):
    x, y = blobs
    net = Network([10, 8, 8, 4], "identity", "cross-entropy", "normal-scaled", seed=0)
    # Forward stays finite (W^1 tiny cancels W^2 huge; softmax takes logits ~1e20), but
    # backward skips W^1: δ^1 = (δ^3 W^3) W^2 ~ 1e40 overflows float32.
    rng = np.random.default_rng(0)
    net.weights[0] *= 1e-20
    net.weights[1][...] = 1e20 * rng.standard_normal((8, 8))
    net.weights[2][...] = 1e20 * rng.standard_normal((4, 8))
    mon = GradientMonitor(net)
    with pytest.raises(LayerNonFiniteError) as info, mon.guard():
        mon.train_step(x, y, lr=0.1)
    assert (info.value.phase, info.value.layer, info.value.step) == ("backward", 1, 0)
    assert info.value.op == "δ^1 = (W^2)^T δ^2 ⊙ σ'(z^1)"
    assert not mon.anomaly  # guard restores the option


def test_nn_error_outside_an_op_is_located_from_the_gradients(nn_batch):
    x, y = nn_batch
    model = make_model()
    mon = GradientMonitor(model, every=1)
    with pytest.raises(LayerNonFiniteError) as info, mon.guard():
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        model[2].weight.grad.data[1, 1] = np.inf  # as if it overflowed
        optim.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    err = info.value
    assert (err.layer, err.phase, err.op, err.step) == (2, "step", None, 0)
    assert "clip_grad_norm_" in str(err)
