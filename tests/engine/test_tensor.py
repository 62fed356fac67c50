"""Tensor: construction, dtype rules, NumPy interop, repr, operators and their errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ChainruleError, DTypeError, GraphError, ShapeError

# ---- construction and dtypes ----------------------------------------------------------------


def test_python_floats_and_lists_take_the_default_float32():
    assert cr.tensor(1.5).dtype == np.float32
    assert cr.tensor([1, 2.5]).dtype == np.float32
    assert cr.tensor([[1.0], [2.0]]).shape == (2, 1)


def test_arrays_keep_their_dtype():
    assert cr.tensor(np.ones(2)).dtype == np.float64
    assert cr.tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert cr.tensor(np.arange(3)).dtype.kind == "i"
    assert cr.tensor([1, 2]).dtype.kind == "i"
    assert cr.tensor(np.ones(2), dtype=np.float32).dtype == np.float32


def test_requires_grad_on_ints_becomes_float_and_other_dtypes_are_refused():
    assert cr.tensor([1, 2], requires_grad=True).dtype == np.float32
    with pytest.raises(DTypeError):
        cr.tensor(np.arange(3), requires_grad=True, dtype=np.int64)
    with pytest.raises(DTypeError):
        cr.tensor(object())


@pytest.mark.parametrize("data", [[1.0, 2.0], np.ones(2), 3.0], ids=str)
def test_unknown_dtype_is_a_dtype_error_naming_it(data):
    with pytest.raises(DTypeError, match="unknown dtype 'bogus'"):
        cr.tensor(data, dtype="bogus")
    with pytest.raises(DTypeError, match="unknown dtype"):
        cr.Tensor(data, dtype=object())
    assert cr.tensor(data, dtype="float64").dtype == np.float64


def test_default_dtype_switch(default_float64):
    assert cr.get_default_dtype() == np.float64
    assert cr.tensor(1.0).dtype == np.float64
    assert cr.tensor([1.0, 2.0]).dtype == np.float64
    assert cr.tensor([1, 2], requires_grad=True).dtype == np.float64
    # arrays still keep their own dtype
    assert cr.tensor(np.ones(2, dtype=np.float32)).dtype == np.float32


def test_default_dtype_is_float32_again_after_the_fixture():
    assert cr.get_default_dtype() == np.float32
    assert cr.tensor(1.0).dtype == np.float32


def test_default_dtype_must_be_a_float():
    with pytest.raises(ChainruleError):
        cr.set_default_dtype(np.int32)
    assert cr.get_default_dtype() == np.float32


# float32 stays float32 whatever constant it meets (NumPy 2 would promote some of these).
FLOAT32_CASES = {
    "python float": lambda x: x * 2.5,
    "python float on the left": lambda x: 2.5 - x,
    "python int": lambda x: x / 3,
    "list": lambda x: x + [1.0, 2.0, 3.0],  # noqa: RUF005 - a Tensor plus a list
    "list on the left": lambda x: [1.0, 2.0, 3.0] * x,
    "float64 numpy scalar": lambda x: x * np.float64(2.0),
    "float64 numpy scalar on the left": lambda x: np.float64(2.0) / x,
    "float64 0-d array": lambda x: x + np.array(2.0),
    "float64 array on the left": lambda x: np.ones(3) - x,
    "int array": lambda x: x * np.arange(3),
    "power python": lambda x: x**2.0,
    "power numpy": lambda x: x ** np.float64(0.5),
    "rpow": lambda x: 2.0**x,
    "maximum": lambda x: cr.maximum(x, 0.0),
    "minimum float64 array": lambda x: cr.minimum(np.zeros(3), x),
    "where": lambda x: cr.where(np.array([True, False, True]), x, 0.0),
    "clip": lambda x: cr.clip(x, 0.0, 1.5),
    "add function": lambda x: cr.add(np.float64(1.0), x),
    "matmul float64 array": lambda x: x @ np.ones((3, 2)),
    "quadratic cost float64 target": lambda x: cr.quadratic_cost(x, np.zeros(3)),
    "bce float64 target": lambda x: cr.binary_cross_entropy_with_logits(x, np.ones(3)),
    "cross_entropy float64 target": lambda x: cr.cross_entropy(
        x.reshape(1, 3), np.array([[0.2, 0.3, 0.5]])
    ),
    "mean var": lambda x: x.mean() + x.var() * 0.5,
    "softmax": lambda x: cr.softmax(x) + cr.log_softmax(x) + cr.logsumexp(x),
    "leaky_relu gelu elu": lambda x: cr.leaky_relu(x, 0.2) + cr.gelu(x) + cr.elu(x, 0.5),
}


@pytest.mark.parametrize("name", list(FLOAT32_CASES))
def test_float32_stays_float32_and_so_does_its_gradient(name):
    x = cr.tensor(np.array([0.5, 1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = FLOAT32_CASES[name](x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_gradients_keep_the_input_dtype_with_a_float64_upstream_array():
    x = cr.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (x * 2.0).backward(np.array([1.0, 1.0]))
    assert x.grad.dtype == np.float32


def test_float32_gradient_of_a_float32_matmul_chain():
    rng = np.random.default_rng(0)
    w = cr.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    x = cr.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    loss = cr.cross_entropy(cr.tanh(x @ w), [0, 3])
    loss.backward()
    assert loss.dtype == np.float32
    assert w.grad.dtype == np.float32


# ---- NumPy interop --------------------------------------------------------------------------


def test_numpy_interop():
    data = np.arange(6.0).reshape(2, 3)
    t = cr.tensor(data)
    np.testing.assert_array_equal(np.asarray(t), data)
    np.testing.assert_array_equal(t.numpy(), data)
    assert isinstance(t.numpy(), np.ndarray)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.tolist() == data.tolist()
    assert t.device == "cpu"


def test_item_and_python_scalars():
    t = cr.tensor(np.array([[2.5]]))
    assert t.item() == 2.5
    assert float(cr.tensor(3.0)) == 3.0
    assert int(cr.tensor(np.array(4))) == 4
    assert bool(cr.tensor(1.0))
    with pytest.raises(GraphError, match=r"\(3,\)"):
        cr.tensor([1.0, 2.0, 3.0]).item()


def test_ndarray_op_tensor_returns_a_tensor_in_the_graph():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    for y in [np.ones(2) + x, np.ones(2) * x, np.ones(2) - x, np.ones(2) / x, np.ones((2, 2)) @ x]:
        assert isinstance(y, cr.Tensor)
        assert y.requires_grad
    y = np.array([3.0, 4.0]) * x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def test_numpy_ufuncs_on_a_tensor_are_refused():
    with pytest.raises(TypeError):
        np.exp(cr.tensor([1.0]))


def test_repr():
    assert repr(cr.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(cr.tensor(np.array([1.0]))) == "tensor([1.], dtype=float64)"
    x = cr.tensor([1.0], requires_grad=True, name="x")
    assert repr(x) == "tensor([1.], requires_grad=True, name='x')"
    assert repr(x + 1) == "tensor([2.], grad_fn=<Add>)"
    assert "<pre>" in x._repr_html_()


def test_iteration_and_indexing_give_tensors():
    t = cr.tensor(np.arange(6.0).reshape(3, 2))
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, cr.Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1].numpy(), [2.0, 3.0])
    with pytest.raises(TypeError):
        len(cr.tensor(1.0))


def test_comparisons_give_boolean_tensors_outside_the_graph():
    x = cr.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    for mask, expected in [
        (x > 2, [False, False, True]),
        (x >= 2, [False, True, True]),
        (x < 2, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x == 2, [False, True, False]),
        (x != cr.tensor(np.array([1.0, 0.0, 3.0])), [False, True, False]),
    ]:
        assert mask.dtype == bool
        assert not mask.requires_grad
        np.testing.assert_array_equal(mask.numpy(), expected)
    assert x.argmax().item() == 2


def test_positive_and_float_conversions():
    x = cr.tensor(np.array([1.0, -2.0]), requires_grad=True)
    assert +x is x
    assert x.float().dtype == np.float32
    assert x.float().double().dtype == np.float64
    assert x.to(dtype=np.float32).dtype == np.float32
    assert x.to("cpu") is x
    assert x.cpu() is x


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a + b, "Add"),
        (lambda a, b: a - b, "Sub"),
        (lambda a, b: a * b, "Mul"),
        (lambda a, b: a / b, "Div"),
        (lambda a, b: a**b, "PowTensor"),
        (cr.maximum, "Maximum"),
        (cr.minimum, "Minimum"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_broadcasting_mismatch_names_the_op_and_both_shapes(op, name):
    a, b = cr.tensor(np.ones((2, 3))), cr.tensor(np.ones(4))
    with pytest.raises(ShapeError) as info:
        op(a, b)
    message = str(info.value)
    assert name in message
    assert "(2, 3)" in message
    assert "(4,)" in message


def test_broadcasting_mismatch_with_a_list_operand():
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2,\)"):
        cr.tensor([1.0, 2.0, 3.0]) + [1.0, 2.0]  # noqa: RUF005 - a Tensor plus a list


def test_where_condition_of_a_wrong_shape_is_a_shape_error():
    with pytest.raises(ShapeError, match="where"):
        cr.where(np.ones(4, dtype=bool), cr.tensor(np.ones(3)), 0.0)


def test_every_error_is_a_chainrule_error():
    for error in [ShapeError, DTypeError, GraphError, cr.errors.NonFiniteError]:
        assert issubclass(error, ChainruleError)


# ---- promotion: PyTorch's rule where NumPy's differs ---------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize(
    "expression",
    [
        lambda i, f: i / 2,
        lambda i, f: 1 / i,
        lambda i, f: i * 2.5,
        lambda i, f: 2.5 - i,
        lambda i, f: i + f,
        lambda i, f: f * i,
        lambda i, f: i**2,
        lambda i, f: i**2.0,
        lambda i, f: i + 1,
        lambda i, f: i.exp(),
        lambda i, f: i.sigmoid(),
    ],
)
def test_integer_tensors_promote_as_in_torch(torch, expression):
    ours = expression(cr.tensor([1, 2, 3]), cr.tensor([0.5, 1.0, 2.0]))
    theirs = expression(torch.tensor([1, 2, 3]), torch.tensor([0.5, 1.0, 2.0]))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_float_only_reductions_of_integer_tensors_give_the_default_float():
    # PyTorch refuses these for integers; NumPy would give float64
    i = cr.tensor([1, 2, 3])
    assert i.mean().dtype == i.var().dtype == i.softmax(0).dtype == np.float32


def test_a_float64_float_meeting_an_int_tensor_keeps_float64():
    assert (cr.tensor([1, 2]) * cr.tensor(np.ones(2))).dtype == np.float64
    assert (cr.tensor(np.array([True, False])) * cr.tensor([0.5, 0.5])).dtype == np.float32


def test_numpy_float64_parameters_do_not_upcast_float32_tensors():
    x = cr.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    outputs = [
        cr.clip(x, np.float64(0), np.float64(1)),
        cr.leaky_relu(x, np.float64(0.1)),
        cr.elu(x, np.float64(1.0)),
        cr.batch_norm(x.reshape(3, 1), None, None, eps=np.float64(1e-5))[0],
        cr.concatenate([x, np.zeros(2)]),
        cr.concatenate([np.zeros(2), x]),
        cr.stack([x, np.zeros(3)]),
    ]
    assert [str(y.dtype) for y in outputs] == ["float32"] * len(outputs)
    sum(y.sum() for y in outputs).backward()
    assert x.grad.dtype == np.float32


def test_gradients_take_their_tensors_dtype():
    """A float32 weight fed float64 data gets a float32 gradient; backward(grad=) is cast to
    the output's dtype (both as PyTorch)."""
    lin = nn.Linear(3, 2)
    lin(cr.tensor(np.ones((4, 3)))).sum().backward()
    assert lin.weight.grad.dtype == np.float32 and lin.bias.grad.dtype == np.float32
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(cr.tensor(np.ones(2)))
    assert x.grad.dtype == np.float32
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    (a * cr.tensor(np.ones(2))).sum().backward()
    assert a.grad.dtype == np.float32
    y = cr.tensor([1.0, 2.0], requires_grad=True)
    (g,) = cr.autograd_grad((y * y).sum(), [y], create_graph=True)
    assert g.dtype == np.float32
    nn_input = nn.Linear(2, 2)(cr.tensor([[1, 2]]))
    assert nn_input.dtype == np.float32
