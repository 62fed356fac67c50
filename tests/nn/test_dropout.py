"""Dropout: inverted scaling, train/eval behaviour, reproducible masks, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ConfigError


def test_training_zeroes_a_fraction_p_and_scales_the_rest():
    drop = nn.Dropout(0.3, rng=0)
    out = drop(cr.tensor(np.ones((200, 500), dtype=np.float32))).numpy()
    assert out.dtype == np.float32
    kept = out != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.005)
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert out.mean() == pytest.approx(1.0, abs=0.01)  # the expectation is the input


def test_eval_and_p_zero_return_the_input_itself():
    x = cr.tensor([1.0, 2.0])
    assert nn.Dropout(0.5).eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).numpy(), [0.0, 0.0])


def test_same_seed_same_masks_and_the_gradient_is_the_mask():
    a, b = nn.Dropout(0.5, rng=3), nn.Dropout(0.5, rng=np.random.default_rng(3))
    x = cr.tensor(np.ones(50), requires_grad=True)
    first = a(x)
    np.testing.assert_array_equal(first.numpy(), b(x).numpy())
    assert not np.array_equal(first.numpy(), a(x).numpy())  # the generator moves on
    first.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), first.numpy())


def test_bad_p():
    for p in (-0.1, 1.5, "half"):
        with pytest.raises(ConfigError, match="probability"):
            nn.Dropout(p)
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"  # PyTorch's repr
