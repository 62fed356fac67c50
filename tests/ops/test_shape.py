"""reshape, transpose, flatten, squeeze/unsqueeze, indexing, concatenate, stack, broadcast_to."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ChainruleError, ShapeError
from helpers.oracles import check_against_torch, torch_op

# Each case: (chainrule function, torch function or None for the same code, input shape).
SHAPE_CASES = {
    "reshape": (lambda x: x.reshape(4, 6), None, (2, 3, 4)),
    "reshape -1": (lambda x: cr.reshape(x, (-1, 3)), lambda x: x.reshape(-1, 3), (2, 3, 4)),
    "reshape scalar": (lambda x: x.reshape(1, 1), None, ()),
    "view": (lambda x: x.view(3, 8), None, (2, 3, 4)),
    "transpose": (lambda x: cr.transpose(x), lambda x: x.permute(2, 1, 0), (2, 3, 4)),
    "transpose axes": (
        lambda x: cr.transpose(x, (1, 2, 0)),
        lambda x: x.permute(1, 2, 0),
        (2, 3, 4),
    ),
    "transpose negative axes": (
        lambda x: x.transpose(-1, 0, -2),
        lambda x: x.permute(2, 0, 1),
        (2, 3, 4),
    ),
    "T": (lambda x: x.T, lambda x: x.t(), (2, 3)),
    "mT": (lambda x: x.mT, None, (2, 3, 4)),
    "swapaxes": (lambda x: cr.swapaxes(x, 0, -1), lambda x: x.transpose(0, -1), (2, 3, 4)),
    "flatten": (lambda x: x.flatten(), None, (2, 3, 4)),
    "flatten from 1": (lambda x: cr.flatten(x, 1), lambda x: x.flatten(1), (2, 3, 4)),
    "squeeze all": (lambda x: x.squeeze(), None, (1, 3, 1)),
    "squeeze axis": (lambda x: cr.squeeze(x, -1), lambda x: x.squeeze(-1), (1, 3, 1)),
    "squeeze tuple": (lambda x: cr.squeeze(x, (0, 2)), lambda x: x.squeeze((0, 2)), (1, 3, 1)),
    "unsqueeze 0": (lambda x: x.unsqueeze(0), None, (2, 3)),
    "unsqueeze -1": (lambda x: x.unsqueeze(-1), None, (2, 3)),
    "expand_dims": (lambda x: cr.expand_dims(x, 1), lambda x: x.unsqueeze(1), (2, 3)),
    "broadcast_to": (
        lambda x: cr.broadcast_to(x, (2, 3, 4)),
        lambda x: x.broadcast_to((2, 3, 4)),
        (3, 1),
    ),
    "broadcast_to method": (lambda x: x.broadcast_to((4, 3)), None, (3,)),
}


@pytest.mark.parametrize("name", list(SHAPE_CASES))
def test_shape_op(check, name):
    cr_fn, torch_fn, shape = SHAPE_CASES[name]
    check(cr_fn, shape, torch_fn=torch_fn)


INDEX_CASES = {
    "int": (lambda x: x[1], None),
    "negative int": (lambda x: x[-1, 2], None),
    "slice": (lambda x: x[1:, :2], None),
    "slice with step": (lambda x: x[::2, 1::2], None),
    "ellipsis and None": (lambda x: x[..., None, 0], None),
    "negative step": (lambda x: x[::-1], lambda x: x.flip(0)),
    "negative step inner": (
        lambda x: x[:, 3:0:-2],
        lambda x: x[:, torch_op("arange")(3, 0, -2)],
    ),
    "int array repeated": (
        lambda x: x[np.array([0, 2, 0, 0])],
        lambda x: x[torch_op("tensor")([0, 2, 0, 0])],
    ),
    "list repeated": (lambda x: x[[1, 1, 0]], None),
    "two int arrays": (
        lambda x: x[np.array([0, 1, 1]), np.array([3, 0, 3])],
        lambda x: x[torch_op("tensor")([0, 1, 1]), torch_op("tensor")([3, 0, 3])],
    ),
    "slice and int array": (
        lambda x: x[1:, np.array([0, 0, 3])],
        lambda x: x[1:, torch_op("tensor")([0, 0, 3])],
    ),
    "boolean mask": (
        lambda x: x[x.numpy() > 0],
        lambda x: x[x.detach() > 0],
    ),
    "boolean row mask": (
        lambda x: x[np.array([True, False, True])],
        lambda x: x[torch_op("tensor")([True, False, True])],
    ),
    "tensor index": (
        lambda x: x[cr.tensor(np.array([2, 0]))],
        lambda x: x[torch_op("tensor")([2, 0])],
    ),
}


@pytest.mark.parametrize("name", list(INDEX_CASES))
def test_indexing(check, name):
    cr_fn, torch_fn = INDEX_CASES[name]
    check(cr_fn, (3, 4), torch_fn=torch_fn)


def test_repeated_indices_add_up():
    x = cr.tensor(np.zeros(3), requires_grad=True)
    x[np.array([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_index_out_of_range_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"\(3, 4\)"):
        cr.tensor(np.ones((3, 4)))[3]


CONCAT_CASES = [
    (((2, 3), (4, 3)), 0),
    (((2, 3), (2, 1), (2, 2)), 1),
    (((2, 3, 1), (2, 3, 2)), -1),
    (((3,), (2,)), 0),
]


@pytest.mark.parametrize(("shapes", "axis"), CONCAT_CASES, ids=str)
def test_concatenate(check, shapes, axis):
    check(
        lambda *xs: cr.concatenate(xs, axis=axis),
        *shapes,
        torch_fn=lambda *xs: torch_op("cat", dim=axis)(xs),
    )


@pytest.mark.parametrize("axis", [0, 1, -1, 2], ids=str)
@pytest.mark.parametrize("count", [1, 3])
def test_stack(check, axis, count):
    shapes = [(2, 3)] * count
    check(
        lambda *xs: cr.stack(xs, axis=axis),
        *shapes,
        torch_fn=lambda *xs: torch_op("stack", dim=axis)(xs),
    )


def test_concatenate_with_a_constant():
    x = cr.tensor(np.ones(2), requires_grad=True)
    y = cr.concatenate([x, np.zeros(3)])
    (y * cr.tensor(np.arange(5.0))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])


def test_reshape_to_a_wrong_size_is_a_shape_error():
    x = cr.tensor(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"reshape.*\(2, 3\).*\(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(ShapeError):
        x.reshape(-1, 4)
    with pytest.raises(ShapeError):
        x.reshape(-1, -1)


AXIS_ERRORS = {
    "squeeze": lambda x: cr.squeeze(x, 3),
    "squeeze a long axis": lambda x: cr.squeeze(x, 0),
    "unsqueeze": lambda x: x.unsqueeze(4),
    "unsqueeze negative": lambda x: cr.expand_dims(x, -5),
    "transpose": lambda x: cr.transpose(x, (0, 1, 5)),
    "transpose not a permutation": lambda x: cr.transpose(x, (0, 1, 1)),
    "swapaxes": lambda x: cr.swapaxes(x, 0, 3),
    "concatenate": lambda x: cr.concatenate([x, x], axis=3),
    "stack": lambda x: cr.stack([x, x], axis=4),
    "stack negative": lambda x: cr.stack([x, x], axis=-5),
    "softmax": lambda x: cr.softmax(x, axis=3),
    "log_softmax": lambda x: cr.log_softmax(x, axis=-4),
}


@pytest.mark.parametrize("name", list(AXIS_ERRORS))
def test_axis_out_of_range_is_a_chainrule_error(name):
    x = cr.tensor(np.ones((2, 3, 4)))
    with pytest.raises(ShapeError, match=r"axis|axes") as info:
        AXIS_ERRORS[name](x)
    assert isinstance(info.value, ChainruleError)


def test_transpose_does_not_wrap_an_axis_out_of_range():
    # (0, 5) must not be read as (0, 1) on a 2-D tensor
    with pytest.raises(ShapeError):
        cr.transpose(cr.tensor(np.ones((2, 3))), (0, 5))


def test_broadcast_to_a_wrong_shape_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"\(3, 2\).*\(3, 4\)"):
        cr.broadcast_to(cr.tensor(np.ones((3, 2))), (3, 4))


def test_concatenate_and_stack_mismatches_are_shape_errors():
    a, b = cr.tensor(np.ones((2, 3))), cr.tensor(np.ones((2, 4)))
    with pytest.raises(ShapeError):
        cr.concatenate([a, b], axis=0)
    with pytest.raises(ShapeError):
        cr.stack([a, b])
    with pytest.raises(ShapeError):
        cr.concatenate([])


@pytest.mark.torch
def test_shape_ops_against_torch_on_views_of_one_input():
    # A composite of shape ops and arithmetic, so the gradients of several views add up.
    def fn(x):
        return (x.T @ x[:, ::-1]).sum(axis=0) * x.reshape(-1)[:3] + x.flatten()[[0, 0, 5]]

    def torch_fn(x):
        return (x.T @ x.flip(1)).sum(0) * x.reshape(-1)[:3] + x.flatten()[[0, 0, 5]]

    check_against_torch(fn, (2, 3), torch_fn=torch_fn)


def test_flatten_refuses_a_start_axis_out_of_range():
    x = cr.tensor(np.zeros((4, 5)))
    with pytest.raises(ShapeError, match="axis 3"):
        x.flatten(3)
    assert x.flatten(-1).shape == (4, 5)
    assert cr.flatten(cr.tensor(2.0)).shape == (1,)


def test_numpy_integers_as_shapes_and_axes():
    x = cr.tensor(np.zeros((2, 3)))
    assert x.reshape(np.int64(6)).shape == (6,)
    assert x.reshape((np.int64(3), -1)).shape == (3, 2)
    assert x.unsqueeze(np.int64(0)).shape == (1, 2, 3)
    with pytest.raises(ShapeError, match="reshape"):
        x.reshape("6")


def test_swapping_an_axis_with_itself_is_a_no_op():
    x = cr.tensor(np.arange(6.0).reshape(2, 3))
    assert x.swapaxes(1, 1).shape == (2, 3) and cr.swapaxes(x, -1, 1).shape == (2, 3)
    np.testing.assert_array_equal(cr.swapaxes(x, 0, 0).numpy(), x.numpy())
