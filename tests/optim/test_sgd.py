"""SGD: the lecture's plain update, momentum and Nesterov by hand, PyTorch's rules."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim


def run(steps: int, **kwargs) -> list[float]:
    """Minimize w² from w = 1 with lr = 0.1; the values of w after each step."""
    w = nn.Parameter(np.array([1.0]))
    opt = optim.SGD([w], lr=0.1, **kwargs)
    values = []
    for _ in range(steps):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        values.append(float(w.item()))
    return values


def test_plain_step_is_w_minus_alpha_grad():
    assert run(2) == pytest.approx([0.8, 0.64])  # w ← w - 0.1 · 2w


def test_momentum_two_steps_by_hand():
    # g1 = 2, b1 = 2, w1 = 1 - 0.2 = 0.8; g2 = 1.6, b2 = 0.9 · 2 + 1.6 = 3.4, w2 = 0.46
    assert run(2, momentum=0.9) == pytest.approx([0.8, 0.46])
    # dampening 0.5: b2 = 0.9 · 2 + 0.5 · 1.6 = 2.6 (the first buffer is g1 undamped)
    assert run(2, momentum=0.9, dampening=0.5) == pytest.approx([0.8, 0.54])


def test_nesterov_two_steps_by_hand():
    # step 1: b = 2, g + 0.9 b = 3.8, w1 = 0.62
    # step 2: g = 1.24, b = 1.8 + 1.24 = 3.04, g + 0.9 b = 3.976, w2 = 0.62 - 0.3976
    assert run(2, momentum=0.9, nesterov=True) == pytest.approx([0.62, 0.2224])


def test_weight_decay_by_hand():
    # g = 2w + 0.5 w = 2.5: w1 = 1 - 0.25
    assert run(1, weight_decay=0.5) == pytest.approx([0.75])


@pytest.mark.torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
        {"lr": 0.05, "momentum": 0.8, "nesterov": True},
        {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.01},
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01},
    ],
    ids=str,
)
def test_matches_torch(torch, compare_with_torch, kwargs):
    compare_with_torch(optim.SGD, torch.optim.SGD, **kwargs)


@pytest.mark.torch
def test_param_groups_match_torch(torch, compare_with_torch):
    compare_with_torch(
        optim.SGD,
        torch.optim.SGD,
        lr=0.1,
        momentum=0.9,
        groups=[{"lr": 0.01}, {"momentum": 0.5, "nesterov": True}],
    )


def test_float32_stays_float32_in_place():
    w = nn.Parameter(np.ones((3, 3), dtype=np.float32))
    data = w.array
    opt = optim.SGD([w], lr=np.float64(0.1), momentum=0.9, weight_decay=np.float64(0.01))
    opt.param_groups[0]["lr"] = np.float64(0.1)  # as a careless scheduler might set it
    for _ in range(3):
        w.grad = cr.tensor(np.ones((3, 3), dtype=np.float32))
        opt.step()
    assert w.array is data and w.dtype == np.float32
    assert opt.state[w]["momentum_buffer"].dtype == np.float32
