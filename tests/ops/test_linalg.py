"""matmul (every NumPy case: 1-D, 2-D, batched with broadcast batch dims) and fused linear."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ChainruleError, ShapeError
from helpers.oracles import torch_op

MATMUL_SHAPES = {
    "1-D . 1-D": ((3,), (3,)),
    "1-D . 2-D": ((3,), (3, 4)),
    "2-D . 1-D": ((2, 3), (3,)),
    "2-D . 2-D": ((2, 3), (3, 4)),
    "batched . 2-D": ((2, 2, 3), (3, 4)),
    "2-D . batched": ((2, 3), (2, 3, 4)),
    "batched . batched": ((2, 2, 3), (2, 3, 4)),
    "broadcast batch dims": ((2, 1, 2, 3), (3, 3, 2)),
    "1-D . batched": ((3,), (2, 3, 4)),
    "batched . 1-D": ((2, 2, 3), (3,)),
}


@pytest.mark.parametrize("name", list(MATMUL_SHAPES))
def test_matmul_operator(check, name):
    check(lambda a, b: a @ b, *MATMUL_SHAPES[name])


@pytest.mark.parametrize("name", ["1-D . 1-D", "2-D . 2-D", "broadcast batch dims"])
def test_matmul_function(check, name):
    check(cr.matmul, *MATMUL_SHAPES[name], torch_fn=torch_op("matmul"))


def test_matmul_with_a_constant_on_either_side(check):
    w = np.random.default_rng(5).standard_normal((3, 2))
    check(lambda x: (x @ w) @ w.T, (4, 3), torch_fn=lambda x: x @ _t(w) @ _t(w.T))
    check(lambda x: w.T @ x, (3, 4), torch_fn=lambda x: _t(w.T) @ x)


def _t(array):
    return torch_op("from_numpy")(np.ascontiguousarray(array))


def test_matmul_1d_by_1d_is_the_dot_product():
    a = cr.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = cr.tensor(np.array([4.0, 5.0, 6.0]), requires_grad=True)
    y = a @ b
    assert y.shape == ()
    assert y.item() == 32.0
    y.backward()
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0, 3.0])


def test_matmul_shape_error_names_the_op_and_both_shapes():
    a, b = cr.tensor(np.ones((3, 4))), cr.tensor(np.ones((5, 6)))
    with pytest.raises(ShapeError) as info:
        a @ b
    message = str(info.value)
    assert "matmul" in message
    assert "(3, 4)" in message
    assert "(5, 6)" in message
    assert isinstance(info.value, ChainruleError)


@pytest.mark.parametrize(
    "shapes",
    [((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 2)), ((), (3,)), ((2, 3, 4), (5, 4, 6))],
    ids=str,
)
def test_matmul_mismatches_are_shape_errors(shapes):
    a, b = (cr.tensor(np.ones(s)) for s in shapes)
    with pytest.raises(ShapeError, match="matmul") as info:
        cr.matmul(a, b)
    assert str(shapes[0]) in str(info.value)
    assert str(shapes[1]) in str(info.value)


LINEAR_SHAPES = {
    "batch": ((4, 3), (2, 3), (2,)),
    "single sample": ((3,), (2, 3), (2,)),
    "3-D input": ((2, 4, 3), (5, 3), (5,)),
}


@pytest.mark.parametrize("name", list(LINEAR_SHAPES))
def test_linear(check, name):
    check(cr.linear, *LINEAR_SHAPES[name], torch_fn=torch_op("nn.functional.linear"))


@pytest.mark.parametrize("name", list(LINEAR_SHAPES))
def test_linear_without_bias(check, name):
    x_shape, w_shape, _ = LINEAR_SHAPES[name]
    check(cr.linear, x_shape, w_shape, torch_fn=torch_op("nn.functional.linear"))


def test_linear_is_one_node_equal_to_matmul_plus_bias():
    rng = np.random.default_rng(1)
    x, w, b = (cr.tensor(rng.standard_normal(s)) for s in [(4, 3), (2, 3), (2,)])
    y = cr.linear(x, w, b)
    assert y.shape == (4, 2)
    np.testing.assert_allclose(y.numpy(), (x @ w.T + b).numpy(), rtol=1e-12)


def test_linear_with_a_constant_input(check):
    x = np.random.default_rng(2).standard_normal((4, 3))
    check(
        lambda w, b: cr.linear(x, w, b),
        (2, 3),
        (2,),
        torch_fn=lambda w, b: torch_op("nn.functional.linear")(_t(x), w, b),
    )


def test_linear_shape_errors():
    w, b = cr.tensor(np.ones((2, 3))), cr.tensor(np.ones(2))
    with pytest.raises(ShapeError, match="linear"):
        cr.linear(cr.tensor(np.ones((4, 5))), w, b)
    with pytest.raises(ShapeError, match="bias"):
        cr.linear(cr.tensor(np.ones((4, 3))), w, cr.tensor(np.ones(3)))
