"""+ - * / ** and negation: every broadcasting pair, constants on both sides, both oracles."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from helpers.oracles import BROADCAST_PAIRS, UNARY_SHAPES, torch_op

# ---- binary ops on two tensors, over every broadcasting pair --------------------------------


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_add(check, shapes):
    check(lambda a, b: a + b, *shapes)


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_subtract(check, shapes):
    check(lambda a, b: a - b, *shapes)


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_multiply(check, shapes):
    check(lambda a, b: a * b, *shapes)


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_divide(check, shapes):
    check(lambda a, b: a / b, *shapes, domain=("real", "nonzero"))


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_power_tensor_exponent(check, shapes):
    check(lambda a, b: a**b, *shapes, domain=("positive", "real"))


@pytest.mark.parametrize(
    ("cr_fn", "torch_name"),
    [
        (cr.add, "add"),
        (cr.subtract, "subtract"),
        (cr.multiply, "multiply"),
        (cr.divide, "divide"),
        (cr.power, "pow"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_named_functions(check, cr_fn, torch_name):
    check(cr_fn, (3, 1), (1, 4), torch_fn=torch_op(torch_name), domain=("positive", "nonzero"))


# ---- a tensor and a Python/NumPy constant, on either side -----------------------------------

CONSTANT_CASES = {
    "t+c": lambda a: a + 2.5,
    "c+t": lambda a: 2.5 + a,
    "t-c": lambda a: a - 1.5,
    "c-t": lambda a: 1.5 - a,
    "t*c": lambda a: a * -3.0,
    "c*t": lambda a: -3.0 * a,
    "t/c": lambda a: a / 4.0,
    "c/t": lambda a: 4.0 / a,
    "t*int": lambda a: a * 3,
    "int/t": lambda a: 3 / a,
    "t**2": lambda a: a**2,
    "t**3": lambda a: a**3,
    "t**-1": lambda a: a**-1,
    "t**0.5": lambda a: a**0.5,
    "t**-1.5": lambda a: a**-1.5,
    "c**t": lambda a: 2.0**a,
    "t**t": lambda a: a**a,
    "neg": lambda a: -a,
}
POSITIVE_ONLY = {"c/t", "int/t", "t**-1", "t**0.5", "t**-1.5", "t**t"}


@pytest.mark.parametrize("case", list(CONSTANT_CASES))
@pytest.mark.parametrize("shape", [(), (2, 3)], ids=str)
def test_constant_operand(check, case, shape):
    domain = "positive" if case in POSITIVE_ONLY else "real"
    check(CONSTANT_CASES[case], shape, domain=domain)


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
def test_negative(check, shape):
    check(cr.negative, shape, torch_fn=lambda a: -a)


def test_numpy_constants_on_either_side(check):
    c = np.array([[0.5], [-1.0], [2.0]])  # ndarray (op) Tensor defers to the Tensor

    def torch_fn(a):
        k = torch_op("from_numpy")(c)
        return (a * k - k) / (k * k) + k * a

    check(lambda a: (a * c - c) / (c * c) + c * a, (3, 4), torch_fn=torch_fn)


def test_constant_operand_needs_no_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    constant = y.grad_fn.inputs[1]
    assert not constant.requires_grad
    assert y.grad_fn.needs_input_grad == [True, False]


def test_pow_keeps_a_constant_exponent_in_one_node():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x**3
    assert y.grad_fn.name == "Pow"
    assert y.grad_fn.exponent == 3
    assert (x**x).grad_fn.name == "PowTensor"


def test_pow_zero_exponent_has_zero_gradient_everywhere():
    # d/dx x**0 = 0, also at x = 0 (PyTorch agrees); 0 * 0**-1 must not become NaN.
    x = cr.tensor(np.array([0.0, 1.0, -2.0]), requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_power_tensor_exponent_at_zero_base():
    # d(a^b)/db = a^b log a is taken as 0 at a = 0 (the limit), like PyTorch.
    a = cr.tensor(np.array([0.0, 2.0]), requires_grad=True)
    b = cr.tensor(np.array([2.0, 3.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 8 * np.log(2.0)])
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 12.0])


def test_division_by_a_tensor_matches_hand_derivative():
    a = cr.tensor(np.array([3.0]), requires_grad=True)
    b = cr.tensor(np.array([2.0]), requires_grad=True)
    (a / b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5])
    np.testing.assert_allclose(b.grad.numpy(), [-3.0 / 4.0])


@pytest.mark.torch
def test_power_tensor_exponent_edges_match_torch(torch):
    """a^0 is constant (gradient 0 even at a = 0); a negative base has no real log (NaN)."""
    a_np, b_np = np.array([0.0, 0.0, 2.0, -2.0, 0.0]), np.array([0.0, 1.0, 0.0, 2.0, 2.0])
    a, b = cr.tensor(a_np, requires_grad=True), cr.tensor(b_np, requires_grad=True)
    (a**b).sum().backward()
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    (ta**tb).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())
