"""Gradient clipping against PyTorch, by hand, and with non-finite gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.errors import ConfigError, NonFiniteError


def params_with_grads(scale: float = 1.0):
    rng = np.random.default_rng(0)
    params = [nn.Parameter(np.zeros(s)) for s in [(3, 4), (4,), ()]]
    for p in params:
        p.grad = cr.tensor(np.asarray(rng.standard_normal(p.shape) * scale))
    return params


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.0, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours = params_with_grads()
    theirs = [torch.nn.Parameter(torch.zeros(p.shape)) for p in ours]
    for p, t in zip(ours, theirs):
        t.grad = torch.from_numpy(p.grad.numpy().copy())
    total = optim.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(float(expected), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.torch
def test_clip_grad_value_matches_torch(torch):
    ours = params_with_grads()
    theirs = [torch.nn.Parameter(torch.zeros(p.shape)) for p in ours]
    for p, t in zip(ours, theirs):
        t.grad = torch.from_numpy(p.grad.numpy().copy())
    optim.clip_grad_value_(ours, 0.3)
    torch.nn.utils.clip_grad_value_(theirs, 0.3)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())


def test_by_hand_and_gradients_are_replaced_not_written():
    w = nn.Parameter(np.zeros(2, dtype=np.float32))
    original = np.array([3.0, 4.0], dtype=np.float32)
    w.grad = cr.tensor(original)
    assert optim.clip_grad_norm_(w, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(w.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(original, [3.0, 4.0])
    assert optim.clip_grad_norm_(w, 10.0) == pytest.approx(1.0, rel=1e-5)  # no change below
    assert optim.clip_grad_norm_([nn.Parameter(np.zeros(1))], 1.0) == 0.0  # no gradients


def test_non_finite_norm_leaves_gradients_and_is_returned():
    params = params_with_grads()
    params[1].grad = cr.tensor(np.array([1.0, np.inf, 0.0, 0.0]))
    before = [p.grad.numpy().copy() for p in params]
    assert optim.clip_grad_norm_(params, 1.0) == math.inf
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.grad.numpy(), b)
    params[0].grad = cr.tensor(np.full((3, 4), np.nan))
    assert math.isnan(optim.clip_grad_norm_(params, 1.0))
    with pytest.raises(NonFiniteError, match=r"total 2\.0-norm"):
        optim.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


def test_bad_arguments():
    with pytest.raises(ConfigError, match="norm_type"):
        optim.clip_grad_norm_(params_with_grads(), 1.0, norm_type=-1)
    with pytest.raises(ConfigError, match="clip_value"):
        optim.clip_grad_value_(params_with_grads(), -1.0)
