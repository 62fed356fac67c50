"""Adam, AdamW and RMSprop against PyTorch and by hand."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim


def test_adam_first_step_moves_by_lr():
    w = nn.Parameter(np.array([1.0, -3.0, 0.5]))
    opt = optim.Adam([w], lr=0.01)
    w.grad = cr.tensor(np.array([4.0, -0.1, 2.0]))
    opt.step()
    # m̂ = g, v̂ = g²: the step is lr · g / (|g| + eps)
    np.testing.assert_allclose(w.numpy(), [0.99, -2.99, 0.49], rtol=1e-9)
    assert opt.state[w]["step"] == 1


def test_rmsprop_first_step_by_hand():
    w = nn.Parameter(np.array([1.0]))
    opt = optim.RMSprop([w], lr=0.01, alpha=0.75)
    w.grad = cr.tensor(np.array([2.0]))
    opt.step()
    # s = 0.25 · 4 = 1: the step is 0.01 · 2 / (1 + 1e-8)
    np.testing.assert_allclose(w.numpy(), [0.98], rtol=1e-9)


@pytest.mark.torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "amsgrad": True},
        {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "betas": (0.0, 0.5)},
    ],
    ids=str,
)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_matches_torch(torch, compare_with_torch, name, kwargs):
    compare_with_torch(getattr(optim, name), getattr(torch.optim, name), **kwargs)


@pytest.mark.torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"lr": 0.001, "alpha": 0.9, "eps": 1e-6},
        {"lr": 0.001, "weight_decay": 0.1},
        {"lr": 0.001, "momentum": 0.9},
        {"lr": 0.001, "centered": True},
        {"lr": 0.001, "centered": True, "momentum": 0.5, "weight_decay": 0.01},
    ],
    ids=str,
)
def test_rmsprop_matches_torch(torch, compare_with_torch, kwargs):
    compare_with_torch(optim.RMSprop, torch.optim.RMSprop, **kwargs)


@pytest.mark.torch
def test_adam_param_groups_match_torch(torch, compare_with_torch):
    compare_with_torch(
        optim.AdamW,
        torch.optim.AdamW,
        lr=0.01,
        groups=[{"weight_decay": 0.0}, {"betas": (0.5, 0.6), "amsgrad": True}],
    )


@pytest.mark.parametrize(
    ("make", "state_keys"),
    [
        (lambda p: optim.Adam(p, amsgrad=True), {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
        (lambda p: optim.AdamW(p), {"exp_avg", "exp_avg_sq"}),
        (
            lambda p: optim.RMSprop(p, momentum=0.9, centered=True),
            {"square_avg", "momentum_buffer", "grad_avg"},
        ),
    ],
)
def test_float32_state_in_place(make, state_keys):
    w = nn.Parameter(np.ones(4, dtype=np.float32))
    data = w.array
    opt = make([w])
    for _ in range(3):
        w.grad = cr.tensor(np.full(4, 0.5, dtype=np.float32))
        opt.step()
    assert w.array is data and w.dtype == np.float32
    assert set(opt.state[w]) == state_keys | {"step"} and opt.state[w]["step"] == 3
    assert all(opt.state[w][k].dtype == np.float32 for k in state_keys)


def test_amsgrad_switched_on_mid_training_keeps_stepping() -> None:
    w = cr.tensor([1.0, -2.0], requires_grad=True)
    opt = cr.optim.Adam([w], lr=0.1)
    for turn in range(4):
        if turn == 2:
            opt.param_groups[0]["amsgrad"] = True
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    state = opt.state[w]
    assert np.all(state["max_exp_avg_sq"] >= state["exp_avg_sq"])
    assert np.all(np.isfinite(w.detach().numpy()))
