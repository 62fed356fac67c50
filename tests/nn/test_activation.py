"""Activation layers, Flatten and Identity: values and gradients against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ConfigError, ShapeError

X = np.random.default_rng(0).standard_normal((4, 5)) * 3
X[0, :3] = [0.5, -0.5, 25.0]  # include a value in softplus's linear regime

LAYERS = [
    (nn.Sigmoid(), "Sigmoid()", lambda t: t.nn.Sigmoid()),
    (nn.Tanh(), "Tanh()", lambda t: t.nn.Tanh()),
    (nn.ReLU(), "ReLU()", lambda t: t.nn.ReLU()),
    (nn.LeakyReLU(0.2), "LeakyReLU(negative_slope=0.2)", lambda t: t.nn.LeakyReLU(0.2)),
    (nn.ELU(0.7), "ELU(alpha=0.7)", lambda t: t.nn.ELU(0.7)),
    (nn.GELU(), "GELU(approximate='none')", lambda t: t.nn.GELU()),
    (nn.GELU("tanh"), "GELU(approximate='tanh')", lambda t: t.nn.GELU(approximate="tanh")),
    (nn.Softplus(), "Softplus(beta=1.0)", lambda t: t.nn.Softplus()),
    (nn.Softplus(beta=2.0), "Softplus(beta=2.0)", lambda t: t.nn.Softplus(beta=2.0)),
    (nn.Softmax(dim=1), "Softmax(dim=1)", lambda t: t.nn.Softmax(dim=1)),
    (nn.Softmax(dim=0), "Softmax(dim=0)", lambda t: t.nn.Softmax(dim=0)),
    (nn.LogSoftmax(dim=1), "LogSoftmax(dim=1)", lambda t: t.nn.LogSoftmax(dim=1)),
    (nn.Identity(), "Identity()", lambda t: t.nn.Identity()),
    (nn.Flatten(0), "Flatten(start_dim=0, end_dim=-1)", lambda t: t.nn.Flatten(0)),
]


@pytest.mark.torch
@pytest.mark.parametrize(("ours", "text", "make_theirs"), LAYERS, ids=[t for _, t, _ in LAYERS])
def test_matches_torch(torch, ours, text, make_theirs):
    theirs = make_theirs(torch)
    upstream = np.random.default_rng(1).standard_normal(X.shape)
    xc = cr.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    out_c, out_t = ours(xc), theirs(xt)
    np.testing.assert_allclose(
        out_c.numpy(), out_t.detach().numpy().reshape(out_c.shape), rtol=1e-10, atol=1e-12
    )
    (out_c.reshape(X.shape) * upstream).sum().backward()
    (out_t.reshape(X.shape) * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(ours) == text


def test_by_hand_and_dtype_kept():
    x = cr.tensor([-2.0, 0.0, 3.0])
    assert nn.ReLU()(x).tolist() == [0.0, 0.0, 3.0]
    assert nn.LeakyReLU(0.5)(x).tolist() == [-1.0, 0.0, 3.0]
    assert nn.Sigmoid()(x).dtype == np.float32
    assert nn.Softplus(beta=2.0)(x).dtype == np.float32


def test_flatten_shapes():
    x = cr.tensor(np.zeros((2, 3, 4, 5), dtype=np.float32))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten(0, 0)(x).shape == (2, 3, 4, 5)
    assert nn.Flatten()(cr.tensor(np.zeros((0, 2, 2), dtype=np.float32))).shape == (0, 4)


@pytest.mark.parametrize(
    ("layer", "shape", "message"),
    [
        (nn.Flatten(start_dim=2), (4, 5), "dim 2 is out of range"),
        (nn.Flatten(), (5,), "dim 1 is out of range"),
        (nn.Flatten(2, 1), (2, 3, 4), "start_dim 2 comes after end_dim 1"),
    ],
)
def test_flatten_refuses_dims_that_do_not_fit_the_input(layer, shape, message):
    """PyTorch raises here too; wrapping the dim around would merge the batch axis."""
    with pytest.raises(ShapeError, match=message):
        layer(cr.tensor(np.zeros(shape)))


def test_bad_settings():
    with pytest.raises(ConfigError, match="'none' or 'tanh'"):
        nn.GELU(approximate="erf")
    with pytest.raises(ConfigError, match="beta"):
        nn.Softplus(beta=0)
