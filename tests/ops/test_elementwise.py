"""exp, log, sqrt, abs, sin, cos, maximum, minimum, clip, where and astype."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from helpers.oracles import BROADCAST_PAIRS, UNARY_SHAPES, check_against_torch, torch_op

UNARY = {
    "exp": (cr.exp, torch_op("exp"), "real"),
    "erf": (cr.erf, torch_op("erf"), "real"),
    "log": (cr.log, torch_op("log"), "positive"),
    "sqrt": (cr.sqrt, torch_op("sqrt"), "positive"),
    "abs": (cr.abs, torch_op("abs"), "nonzero"),
    "sin": (cr.sin, torch_op("sin"), "real"),
    "cos": (cr.cos, torch_op("cos"), "real"),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
def test_unary(check, name, shape):
    cr_fn, torch_fn, domain = UNARY[name]
    check(cr_fn, shape, torch_fn=torch_fn, domain=domain)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_as_method(check, name):
    # The Tensor method and the function are the same op (torch has the same method names).
    domain = UNARY[name][2]
    check(lambda x: getattr(x, name)(), (2, 3), domain=domain)


def test_abs_operator(check):
    check(lambda x: abs(x), (4,), domain="nonzero")


def test_abs_gradient_is_zero_at_zero():
    x = cr.tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    cr.abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_maximum_minimum(check, op, shapes):
    check(getattr(cr, op), *shapes, torch_fn=torch_op(op))


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_with_a_constant(check, op):
    bound = {"maximum": "min", "minimum": "max"}[op]
    check(lambda x: getattr(cr, op)(0.5, x), (3, 4), torch_fn=lambda x: x.clamp(**{bound: 0.5}))


# At a tie each side gets half the gradient, as in PyTorch.
TIES = {
    "maximum": ([1.0, 2.0, 3.0, -1.0], [1.0, 0.0, 3.0, 5.0], [0.5, 1.0, 0.5, 0.0]),
    "minimum": ([1.0, 2.0, 3.0, -1.0], [1.0, 0.0, 3.0, 5.0], [0.5, 0.0, 0.5, 1.0]),
}


@pytest.mark.parametrize("op", list(TIES))
def test_maximum_minimum_ties_split_the_gradient(op):
    a_values, b_values, share_a = TIES[op]
    a = cr.tensor(np.array(a_values), requires_grad=True)
    b = cr.tensor(np.array(b_values), requires_grad=True)
    getattr(cr, op)(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), share_a)
    np.testing.assert_array_equal(b.grad.numpy(), 1 - np.array(share_a))


@pytest.mark.torch
@pytest.mark.parametrize("op", list(TIES))
def test_maximum_minimum_ties_match_torch(op):
    a_values, b_values, _ = TIES[op]
    a, b = np.array(a_values), np.array(b_values)
    check_against_torch(getattr(cr, op), a, b, torch_fn=torch_op(op))
    # a broadcast tie: one scalar against a vector with two equal entries
    check_against_torch(
        getattr(cr, op), np.array(2.0), np.array([2.0, 2.0, 1.0]), torch_fn=torch_op(op)
    )


CLIPS = {
    "both": ((-0.5, 0.5), {"min": -0.5, "max": 0.5}),
    "min only": ((-0.5, None), {"min": -0.5}),
    "max only": ((None, 0.5), {"max": 0.5}),
}


@pytest.mark.parametrize("bounds", list(CLIPS))
@pytest.mark.parametrize("shape", [(), (3, 4)], ids=str)
def test_clip(check, bounds, shape):
    (low, high), torch_kwargs = CLIPS[bounds]
    check(lambda x: cr.clip(x, low, high), shape, torch_fn=torch_op("clamp", **torch_kwargs))


def test_clip_method(check):
    check(lambda x: x.clip(-1.0, 1.0), (5,), torch_fn=torch_op("clamp", min=-1.0, max=1.0))


def test_clip_passes_the_gradient_at_the_bounds():
    # PyTorch's clamp lets the gradient through where lo <= x <= hi, bounds included.
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    got = cr.grad(lambda t: cr.clip(t, -0.5, 0.5).sum())(x)
    np.testing.assert_array_equal(got.numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])


@pytest.mark.torch
def test_clip_at_the_bounds_matches_torch():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    check_against_torch(lambda t: cr.clip(t, -0.5, 0.5), x, torch_fn=lambda t: t.clamp(-0.5, 0.5))


WHERE_SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 4), (3, 1), (4,)), ((4,), (3, 4), ())]


@pytest.mark.parametrize("shapes", WHERE_SHAPES, ids=str)
def test_where(check, shapes):
    condition_shape, a_shape, b_shape = shapes
    condition = np.random.default_rng(3).random(condition_shape) > 0.5

    def torch_fn(a, b):
        return torch_op("where")(torch_op("from_numpy")(condition), a, b)

    check(lambda a, b: cr.where(condition, a, b), a_shape, b_shape, torch_fn=torch_fn)


def test_where_with_a_constant_branch_and_a_tensor_condition():
    x = cr.tensor(np.array([-1.0, 2.0, -3.0]), requires_grad=True)
    y = cr.where(x > 0, x, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


def test_astype_sends_the_gradient_back_in_the_input_dtype():
    x32 = cr.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = x32.astype(np.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_array_equal(x32.grad.numpy(), [2.0, 4.0])

    x64 = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = cr.astype(x64, np.float32)
    assert z.dtype == np.float32
    (z * 3.0).sum().backward()
    assert x64.grad.dtype == np.float64
    np.testing.assert_array_equal(x64.grad.numpy(), [3.0, 3.0])


def test_astype_round_trip_is_differentiable(check):
    check(lambda x: x.astype(np.float64).to(dtype=np.float64) * x, (3,), torch_fn=lambda x: x * x)


@pytest.mark.torch
def test_clip_takes_elementwise_bounds_as_torch_clamp(torch):
    x_np = np.array([-1.0, 0.5, 2.0, 3.0], dtype=np.float32)
    low, high = np.array([0.0, 0.6, 0.0, 1.0]), np.array([1.0, 1.0, 1.5, 2.5])
    x = cr.tensor(x_np, requires_grad=True)
    y = cr.clip(x, low, high)
    y.sum().backward()
    t = torch.tensor(x_np, requires_grad=True)
    ty = torch.clamp(
        t, torch.tensor(low, dtype=torch.float32), torch.tensor(high, dtype=torch.float32)
    )
    ty.sum().backward()
    assert y.dtype == np.float32  # float64 bounds do not upcast
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
