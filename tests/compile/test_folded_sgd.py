"""``keep_grads=False``: a float32 step under plain SGD folds α into the loss gradient.

It must equal the eager step to float32 rounding, leave ``.grad`` None (its buffers hold α g),
follow the learning rate as it changes, and fold nothing it cannot: float64, momentum or
weight decay (even switched on mid-run), other optimizers, several groups.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from helpers.lockstep import ACTIVATIONS, batch, eager_step, lockstep, make

COSTS = ["quadratic", "cross-entropy"]


def batches(cost, count=25, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    # a short last batch every fifth step: a second plan, with its own m in α/m
    return [batch(rng, 3 if i % 5 == 4 else 8, dtype, cost) for i in range(count)]


def assert_close(eager, compiled, atol=1e-5) -> None:
    for p, q in zip(eager[0].parameters(), compiled[0].parameters(), strict=True):
        np.testing.assert_allclose(q.array, p.array, rtol=1e-5, atol=atol)


def folded_pair(activation="tanh", cost="cross-entropy", dtype=np.float32, optimizer="sgd"):
    eager, compiled = (make(dtype, activation, cost, optimizer) for _ in range(2))
    return eager, compiled, cr.compile(*compiled, keep_grads=False)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("cost", COSTS)
def test_float32_sgd_equals_eager_to_rounding_without_grads(activation, cost) -> None:
    eager, compiled, step = folded_pair(activation, cost)
    for x, y in batches(cost):
        assert step(x, y) == pytest.approx(eager_step(*eager, x, y), rel=1e-5)
        replayed = step.reason is None  # a trace is an eager step, with its .grad
        assert all((p.grad is None) == replayed for p in compiled[0].parameters())
    assert (step.traces, step.reason) == (2, None)
    assert_close(eager, compiled)


def test_a_new_learning_rate_is_folded_in() -> None:
    eager, compiled, step = folded_pair()
    for i, (x, y) in enumerate(batches("cross-entropy", 30)):
        if i in (10, 20):  # as a scheduler would: 0.3, then 3.0, then 0.0
            for opt in (eager[2], compiled[2]):
                opt.param_groups[0]["lr"] = {10: 3.0, 20: 0.0}[i]
        step(x, y)
        eager_step(*eager, x, y)
    assert_close(eager, compiled)


def test_momentum_switched_on_unfolds_and_keeps_grads() -> None:
    eager, compiled, step = folded_pair()
    for i, (x, y) in enumerate(batches("cross-entropy", 30)):
        if i in (10, 20):  # momentum on, then off again
            for opt in (eager[2], compiled[2]):
                opt.param_groups[0]["momentum"] = 0.9 if i == 10 else 0.0
        step(x, y)
        eager_step(*eager, x, y)
        kept = [p.grad is not None for p in compiled[0].parameters()]
        assert all(kept) if 10 <= i < 20 or step.reason else not any(kept)
        if i == 19:  # the unfolded step's gradients are the eager step's, to rounding
            for p, q in zip(eager[0].parameters(), compiled[0].parameters(), strict=True):
                np.testing.assert_allclose(q.grad.array, p.grad.array, rtol=1e-4, atol=1e-5)
    assert_close(eager, compiled)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adam"])
def test_other_optimizers_stay_bit_identical(optimizer) -> None:
    eager, compiled, step = folded_pair(optimizer=optimizer)
    lockstep(eager, compiled, step, batches("cross-entropy"))


@pytest.mark.parametrize("cost", COSTS)
def test_float64_stays_bit_identical(cost) -> None:
    eager, compiled, step = folded_pair("sigmoid", cost, np.float64)
    lockstep(eager, compiled, step, batches(cost, dtype=np.float64))


def test_two_groups_are_not_folded() -> None:
    def two_groups():
        model, loss, _opt = make(np.float32, "relu", "cross-entropy")
        params = list(model.parameters())
        groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.05}]
        return model, loss, optim.SGD(groups, lr=0.3)

    eager, compiled = two_groups(), two_groups()
    step = cr.compile(*compiled, keep_grads=False)
    lockstep(eager, compiled, step, batches("cross-entropy"))
