"""Initializers: statistics over a large seeded sample, fans and gains as PyTorch's."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from chainrule.nn import init

SHAPE = (400, 500)  # fan_out = 400, fan_in = 500: 200,000 draws


def stats(values):
    values = np.asarray(values, dtype=np.float64)
    return values.mean(), values.std(), np.abs(values).max()


@pytest.mark.parametrize(
    ("fn", "kwargs", "std", "bound"),
    [
        (init.normal, {}, 1.0, None),
        (init.normal, {"mean": 0.0, "std": 0.1}, 0.1, None),
        (init.normal_scaled, {}, 1 / math.sqrt(500), None),
        (init.xavier_normal, {}, math.sqrt(2 / 900), None),
        (init.xavier_normal, {"gain": 5 / 3}, 5 / 3 * math.sqrt(2 / 900), None),
        (init.kaiming_normal, {}, math.sqrt(2 / 500), None),
        (
            init.kaiming_normal,
            {"mode": "fan_out", "nonlinearity": "relu"},
            math.sqrt(2 / 400),
            None,
        ),
        (init.xavier_uniform, {}, None, math.sqrt(6 / 900)),
        (init.kaiming_uniform, {}, None, math.sqrt(6 / 500)),
        (init.kaiming_uniform, {"a": math.sqrt(5)}, None, 1 / math.sqrt(500)),
        (init.kaiming_uniform, {"nonlinearity": "tanh"}, None, 5 / 3 * math.sqrt(3 / 500)),
        (init.uniform, {"a": -0.5, "b": 0.5}, None, 0.5),
    ],
)
def test_distribution_statistics(fn, kwargs, std, bound):
    values = fn(SHAPE, np.random.default_rng(0), **kwargs)
    mean, sample_std, largest = stats(values)
    if bound is not None:  # U(-r, r): mean 0, std r / sqrt(3), nothing beyond r
        std = bound / math.sqrt(3)
        assert largest <= bound * (1 + 1e-6) and largest > 0.999 * bound
    assert abs(mean) < 5 * std / math.sqrt(values.size)
    assert sample_std == pytest.approx(std, rel=0.01)


def test_constants_and_dtypes():
    np.testing.assert_array_equal(init.zeros((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.ones(4), np.ones(4))
    np.testing.assert_array_equal(init.constant((2,), 0.25), [0.25, 0.25])
    assert init.normal((2, 2), rng=0).dtype == np.float32
    assert init.normal((2, 2), rng=0, dtype=np.float64).dtype == np.float64


def test_seed_reproducibility_and_generators():
    a = init.xavier_uniform((3, 4), rng=5)
    np.testing.assert_array_equal(a, init.xavier_uniform((3, 4), rng=np.random.default_rng(5)))
    rng = np.random.default_rng(5)
    first, second = init.normal(3, rng), init.normal(3, rng)
    assert not np.array_equal(first, second)  # one generator advances
    with pytest.raises(ConfigError, match="rng must be"):
        init.normal(3, rng="seed")


def test_tensor_targets_are_filled_in_place_keeping_dtype():
    t = cr.tensor(np.zeros((3, 4), dtype=np.float64), requires_grad=True)
    assert init.kaiming_uniform(t, rng=0) is t
    assert t.dtype == np.float64 and t.requires_grad and np.abs(t.numpy()).max() > 0
    expected = init.kaiming_uniform((3, 4), rng=0, dtype=np.float64)
    np.testing.assert_array_equal(t.numpy(), expected)


def test_fans_and_errors():
    assert init.compute_fans((3, 4)) == (4, 3)
    assert init.compute_fans((8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ConfigError, match="at least 2 dimensions"):
        init.xavier_uniform((5,), rng=0)
    with pytest.raises(ConfigError, match="fan_in' or 'fan_out'"):
        init.kaiming_normal((2, 2), rng=0, mode="fan_both")
    with pytest.raises(ConfigError, match="unknown nonlinearity"):
        init.calculate_gain("swish")


def test_gain_of_a_non_string_is_a_config_error():
    with pytest.raises(ConfigError, match=r"needs a nonlinearity name.*got int 3"):
        init.calculate_gain(3)
    with pytest.raises(ConfigError, match="needs a nonlinearity name"):
        init.calculate_gain(None)
    with pytest.raises(ConfigError, match="param must be a number"):
        init.calculate_gain("leaky_relu", "0.2")


@pytest.mark.parametrize(
    ("fn", "shape", "fan"),
    [
        (init.kaiming_uniform, (3, 0), "fan_in = 0"),
        (init.kaiming_normal, (3, 0), "fan_in = 0"),
        (init.kaiming_normal, (4, 3, 0), "fan_in = 0"),
        (init.xavier_uniform, (0, 0), "fan_in \\+ fan_out = 0"),
        (init.xavier_normal, (2, 3, 0, 1), "fan_in \\+ fan_out = 0"),
        (init.normal_scaled, (5, 0), "fan_in = 0"),
    ],
    ids=lambda v: v.__name__ if callable(v) else str(v),
)
def test_zero_sized_weights_are_a_config_error(fn, shape, fan):
    with pytest.raises(ConfigError, match=f"{fn.__name__}: a weight of shape .* has {fan}"):
        fn(shape, rng=0)
    with pytest.raises(ConfigError, match=fan):  # a tensor target too
        fn(cr.tensor(np.zeros(shape)), rng=0)


def test_zero_sized_weights_with_a_usable_fan_stay_empty():
    assert init.kaiming_uniform((0, 3), rng=0).shape == (0, 3)
    assert init.xavier_uniform((3, 0), rng=0).shape == (3, 0)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
    ],
)
def test_gains_match_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-12
    )


@pytest.mark.torch
def test_fans_match_torch(torch):
    for shape in [(3, 4), (8, 4, 3, 3), (5, 2, 7)]:
        t = torch.empty(shape)
        assert init.compute_fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(t)
