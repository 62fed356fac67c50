"""A compiled step never replays a stale plan: what the user changes between steps (weights,
layers, optimizer state and settings) reaches the compiled step as it reaches the eager one."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.compiler import MAX_RETRACES
from helpers.lockstep import batch, eager_step, lockstep, make


def pair(optimizer="sgd", cost="quadratic"):
    eager, compiled = (make(np.float64, "tanh", cost, optimizer) for _ in range(2))
    return eager, compiled, cr.compile(*compiled, warn=False)


def run(eager, compiled, step, rng, n=3, cost="quadratic"):
    lockstep(eager, compiled, step, [batch(rng, 6, np.float64, cost) for _ in range(n)])


def both(eager, compiled, change) -> None:
    change(eager)
    change(compiled)


def test_weights_replaced_by_data_assignment_retrace() -> None:
    eager, compiled, step = pair()
    rng = np.random.default_rng(0)
    run(eager, compiled, step, rng)

    def replace(m):
        m[0][0].weight.data = np.full((9, 12), 0.01)

    both(eager, compiled, replace)
    run(eager, compiled, step, rng)
    assert step.traces == 2 and step.retraces == 1


def test_weights_edited_in_place_are_seen_without_a_retrace() -> None:
    eager, compiled, step = pair("momentum")
    rng = np.random.default_rng(1)
    run(eager, compiled, step, rng)

    def halve(m):
        with cr.no_grad():
            m[0][2].weight.mul_(0.5)

    both(eager, compiled, halve)
    run(eager, compiled, step, rng)
    assert step.traces == 1  # the plan reads the same arrays, now halved


def test_a_replaced_layer_retraces() -> None:
    eager, compiled, step = pair()
    rng = np.random.default_rng(2)
    run(eager, compiled, step, rng)

    def swap(m):
        m[0][2] = nn.Linear(9, 7, rng=42, dtype=np.float64)
        m[2].param_groups[0]["params"] = list(m[0].parameters())

    both(eager, compiled, swap)
    run(eager, compiled, step, rng)
    assert step.retraces >= 1


def test_a_loaded_optimizer_state_retraces() -> None:
    eager, compiled, step = pair("adam")
    rng = np.random.default_rng(3)
    run(eager, compiled, step, rng)
    saved = eager[2].state_dict()
    run(eager, compiled, step, rng)

    def load(m):
        m[2].load_state_dict(saved)

    both(eager, compiled, load)
    run(eager, compiled, step, rng)
    assert step.retraces == 1


@pytest.mark.parametrize(
    ("optimizer", "setting", "value"),
    [
        ("sgd", "lr", 0.05),
        ("sgd", "momentum", 0.5),
        ("sgd", "weight_decay", 0.01),
        ("adam", "lr", 0.1),
        ("adam", "weight_decay", 0.01),
        ("adam", "betas", (0.5, 0.9)),
    ],
)
def test_optimizer_settings_changed_between_steps_are_honoured(optimizer, setting, value) -> None:
    eager, compiled, step = pair(optimizer)
    rng = np.random.default_rng(4)
    run(eager, compiled, step, rng)

    def change(m):
        m[2].param_groups[0][setting] = value

    both(eager, compiled, change)
    run(eager, compiled, step, rng, n=4)
    assert step.traces == 1


def test_a_model_that_keeps_changing_runs_eagerly_with_a_reason() -> None:
    eager, compiled, step = pair()
    rng = np.random.default_rng(5)
    for _ in range(MAX_RETRACES + 2):
        both(eager, compiled, lambda m: setattr(m[0][0].bias, "data", np.zeros(9)))
        run(eager, compiled, step, rng, n=2)
    assert "changed" in step.reason


def test_no_grad_runs_the_eager_step_and_its_error() -> None:
    eager, compiled, step = pair()
    rng = np.random.default_rng(6)
    run(eager, compiled, step, rng)
    with cr.no_grad(), pytest.raises(cr.errors.GraphError):
        step(*batch(rng, 6, np.float64, "quadratic"))


def test_grads_after_a_step_match_torch(torch) -> None:
    model, loss, opt = make(np.float64, "sigmoid", "cross-entropy", "momentum")
    reference = torch.nn.Sequential(
        *[
            torch.nn.Linear(m.in_features, m.out_features).double()
            if isinstance(m, nn.Linear)
            else torch.nn.Sigmoid()
            for m in model
        ]
    )
    with torch.no_grad():
        for ours, theirs in zip(model.parameters(), reference.parameters(), strict=True):
            theirs.copy_(torch.from_numpy(ours.array.copy()))
    torch_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    step = cr.compile(model, loss, opt)
    rng = np.random.default_rng(7)
    for _ in range(6):
        x, y = batch(rng, 8, np.float64, "cross-entropy")
        ours = step(x, y)
        torch_opt.zero_grad()
        theirs = torch.nn.functional.cross_entropy(
            reference(torch.from_numpy(x)), torch.from_numpy(y)
        )
        theirs.backward()
        torch_opt.step()
        assert ours == pytest.approx(theirs.item(), rel=1e-12)
    for ours, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_a_frozen_parameter_is_not_updated_as_in_eager() -> None:
    eager, compiled, step = pair("momentum")
    rng = np.random.default_rng(8)
    run(eager, compiled, step, rng)
    both(eager, compiled, lambda m: m[0][0].weight.requires_grad_(False))
    frozen = compiled[0][0].weight.array.copy()
    for _ in range(3):
        x, y = batch(rng, 6, np.float64, "quadratic")
        compiled[0][0].weight.grad = cr.tensor(np.ones((9, 12)))  # zero_grad() drops it
        assert eager_step(*eager, x, y) == step(x, y)
    np.testing.assert_array_equal(compiled[0][0].weight.array, frozen)
    assert compiled[0][0].weight.grad is None and step.retraces == 1


def test_an_activation_swapped_for_another_retraces() -> None:
    eager, compiled, step = pair()
    rng = np.random.default_rng(9)
    run(eager, compiled, step, rng)

    def swap(m):
        m[0][1] = nn.ReLU()

    both(eager, compiled, swap)
    run(eager, compiled, step, rng)
    assert step.retraces == 1


def test_a_parameter_swapped_inside_the_optimizer_group_retraces() -> None:
    eager, compiled, step = pair()
    rng = np.random.default_rng(10)
    run(eager, compiled, step, rng)

    def drop_first(m):
        m[2].param_groups[0]["params"][0] = m[2].param_groups[0]["params"][2]

    both(eager, compiled, drop_first)
    run(eager, compiled, step, rng)
    assert step.retraces == 1
