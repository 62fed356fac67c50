"""sigmoid, tanh, relu, leaky_relu, elu, softplus and gelu: one node each, checked two ways."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from helpers.oracles import UNARY_SHAPES, torch_op

ACTIVATIONS = {
    "sigmoid": (cr.sigmoid, torch_op("sigmoid"), "real"),
    "tanh": (cr.tanh, torch_op("tanh"), "real"),
    "relu": (cr.relu, torch_op("relu"), "nonzero"),
    "leaky_relu": (cr.leaky_relu, torch_op("nn.functional.leaky_relu"), "nonzero"),
    "leaky_relu(0.2)": (
        lambda x: cr.leaky_relu(x, 0.2),
        torch_op("nn.functional.leaky_relu", negative_slope=0.2),
        "nonzero",
    ),
    "elu": (cr.elu, torch_op("nn.functional.elu"), "nonzero"),
    "elu(0.5)": (
        lambda x: cr.elu(x, alpha=0.5),
        torch_op("nn.functional.elu", alpha=0.5),
        "nonzero",
    ),
    "softplus": (cr.softplus, torch_op("nn.functional.softplus"), "real"),
    "gelu": (cr.gelu, torch_op("nn.functional.gelu"), "real"),
    "gelu(tanh)": (
        lambda x: cr.gelu(x, "tanh"),
        torch_op("nn.functional.gelu", approximate="tanh"),
        "real",
    ),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
def test_activation(check, name, shape):
    cr_fn, torch_fn, domain = ACTIVATIONS[name]
    check(cr_fn, shape, torch_fn=torch_fn, domain=domain)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_method(check, name):
    check(lambda x: getattr(x, name)(), (2, 3), domain="nonzero")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "gelu", "softplus", "elu"])
def test_activation_is_one_node(name):
    x = cr.tensor([0.5, -0.5], requires_grad=True)
    y = getattr(cr, name)(x)
    assert y.grad_fn.inputs == (x,)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "gelu", "elu"])
def test_activation_is_finite_for_huge_inputs(name):
    x = cr.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True)
    y = getattr(cr, name)(x)
    y.sum().backward()
    assert np.isfinite(y.numpy()).all()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize(
    ("dtype", "x", "rtol"), [(np.float64, 40.0, 1e-12), (np.float32, 20.0, 1e-5)]
)
def test_sigmoid_keeps_its_relative_precision_in_both_tails(dtype, x, rtol):
    # sigmoid(-x) = e^-x / (1 + e^-x): tiny but representable, so log(sigmoid(-x)) is finite.
    values = cr.sigmoid(cr.tensor(np.array([-x, x], dtype=dtype))).numpy()
    np.testing.assert_allclose(values[0], np.exp(-x) / (1 + np.exp(-x)), rtol=rtol)
    np.testing.assert_allclose(values[1], 1 / (1 + np.exp(-x)), rtol=rtol)
    logged = cr.log(cr.sigmoid(cr.tensor(np.array([-x], dtype=dtype))))
    np.testing.assert_allclose(logged.numpy(), [-x - np.log1p(np.exp(-x))], rtol=rtol)


def test_huge_inputs_match_torch(torch):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    for name in ["sigmoid", "tanh", "softplus", "gelu", "gelu(tanh)", "elu"]:
        cr_fn, torch_fn, _ = ACTIVATIONS[name]
        y = cr_fn(cr.tensor(x))
        np.testing.assert_allclose(y.numpy(), torch_fn(torch.from_numpy(x)).numpy(), rtol=1e-12)


def test_relu_family_gradient_at_zero_matches_torch_convention():
    # PyTorch: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha (x > 0 is the test).
    x = cr.tensor(np.zeros(1), requires_grad=True)
    for fn, expected in [
        (cr.relu, 0.0),
        (lambda t: cr.leaky_relu(t, 0.1), 0.1),
        (lambda t: cr.elu(t, 0.5), 0.5),
    ]:
        x.grad = None
        fn(x).sum().backward()
        assert x.grad.item() == pytest.approx(expected)


def test_sigmoid_of_float32_stays_float32():
    x = cr.tensor(np.array([-3.0, 0.0, 3.0], dtype=np.float32), requires_grad=True)
    for name in ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu"]:
        x.grad = None
        y = getattr(cr, name)(x)
        y.sum().backward()
        assert y.dtype == np.float32, name
        assert x.grad.dtype == np.float32, name


def test_gelu_second_derivative_matches_torch(torch):
    """The exact form's derivative is built from erf and exp, so it differentiates again."""
    x_np = np.linspace(-3, 3, 7)
    x = cr.tensor(x_np, requires_grad=True)
    d2 = cr.grad(lambda t: cr.grad(lambda s: cr.gelu(s).sum())(t).sum())(x)
    t = torch.tensor(x_np, requires_grad=True)
    (g,) = torch.autograd.grad(torch.nn.functional.gelu(t).sum(), t, create_graph=True)
    (expected,) = torch.autograd.grad(g.sum(), t)
    np.testing.assert_allclose(d2.numpy(), expected.numpy(), rtol=1e-12)


def test_gelu_refuses_an_unknown_form():
    with pytest.raises(ConfigError, match="'none' or 'tanh'"):
        cr.gelu(cr.tensor([1.0]), approximate="exact")


@pytest.mark.parametrize("name", ["gelu", "erf"])
def test_erf_and_gelu_keep_float16(name):
    """SciPy has no float16 erf: its float64 result is brought back to the input's dtype."""
    x = cr.tensor(np.array([-1.0, 0.5], dtype=np.float16), requires_grad=True)
    y = getattr(cr, name)(x)
    y.sum().backward()
    assert y.dtype == np.float16 and x.grad.dtype == np.float16
