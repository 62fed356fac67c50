"""Linear: forward and gradients against PyTorch and by hand, initialization, errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ConfigError, ShapeError


def test_forward_is_the_lectures_z_equals_w_a_plus_b():
    layer = nn.Linear(2, 3, rng=0, dtype=np.float64)
    layer.weight.data[...] = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    layer.bias.data[...] = [0.5, -0.5, 1.0]
    z = layer(cr.tensor(np.array([[1.0, -1.0]])))
    np.testing.assert_allclose(z.numpy(), [[-0.5, -1.5, 0.0]])
    assert z.grad_fn.name == "Linear"  # one fused node


def test_a_numpy_batch_takes_the_layers_dtype():
    layer = nn.Linear(3, 2, rng=0)  # float32
    z = layer(np.ones((4, 3)))  # a float64 batch: no silent float64 forward or gradients
    assert z.dtype == np.float32
    z.sum().backward()
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


@pytest.mark.torch
def test_matches_torch_forward_and_gradients(torch):
    rng = np.random.default_rng(1)
    ours = nn.Linear(4, 3, rng=rng, dtype=np.float64)
    theirs = torch.nn.Linear(4, 3)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.numpy()))
        theirs.bias.copy_(torch.from_numpy(ours.bias.numpy()))
    x = rng.standard_normal((5, 4))
    upstream = rng.standard_normal((5, 3))
    xc = cr.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    (ours(xc) * upstream).sum().backward()
    (theirs(xt) * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-12)


def test_gradcheck_through_linear_with_and_without_bias(check_param_grads):
    rng = np.random.default_rng(2)
    x, upstream = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    for bias in (True, False):
        layer = nn.Linear(4, 2, bias=bias, rng=rng, dtype=np.float64)
        cr.gradcheck(lambda x: cr.tanh(layer(x)), x)  # noqa: B023 - used at once
        check_param_grads(layer, lambda m: (cr.tanh(m(x)) * upstream).sum())
    assert layer.bias is None


def test_default_init_is_pytorchs_uniform_bound():
    layer = nn.Linear(400, 300, rng=0)
    bound = 1 / np.sqrt(400)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / np.sqrt(3), rel=0.01)  # U(-r, r) has std r/sqrt(3)
    assert layer.weight.dtype == np.float32


def test_same_seed_same_layer_and_dtypes_agree():
    a, b = nn.Linear(5, 4, rng=7), nn.Linear(5, 4, rng=7)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())
    c = nn.Linear(5, 4, rng=7, dtype=np.float64)
    np.testing.assert_array_equal(a.weight.numpy(), c.weight.numpy().astype(np.float32))
    assert not np.array_equal(a.weight.numpy(), nn.Linear(5, 4, rng=8).weight.numpy())


def test_init_names_callables_and_bias_companions():
    normal = nn.Linear(200, 100, init="normal", rng=0)
    assert normal.weight.numpy().std() == pytest.approx(1.0, rel=0.02)
    assert normal.bias.numpy().std() == pytest.approx(1.0, rel=0.2)  # the lecture's N(0, 1)
    scaled = nn.Linear(200, 100, init="normal-scaled", rng=0)
    assert scaled.weight.numpy().std() == pytest.approx(1 / np.sqrt(200), rel=0.02)
    assert not scaled.bias.numpy().any()
    he = nn.Linear(200, 100, init="he", rng=0)
    assert he.weight.numpy().std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    custom = nn.Linear(3, 2, init=lambda shape, rng: np.full(shape, 0.5), bias_init="ones")
    np.testing.assert_array_equal(custom.weight.numpy(), 0.5)
    np.testing.assert_array_equal(custom.bias.numpy(), 1.0)
    xavier = nn.Linear(3, 2, init=nn.init.xavier_normal, rng=3, dtype=np.float64)
    expected = nn.init.xavier_normal((2, 3), np.random.default_rng(3), dtype=np.float64)
    np.testing.assert_array_equal(xavier.weight.numpy(), expected)


def test_errors():
    with pytest.raises(ConfigError, match="in_features"):
        nn.Linear(0, 2)
    with pytest.raises(ConfigError, match="unknown init 'glorot'"):
        nn.Linear(2, 2, init="glorot")
    with pytest.raises(ConfigError, match="returned shape"):
        nn.Linear(2, 2, init=lambda shape, rng: np.zeros(3))
    with pytest.raises(ShapeError, match="takes 2 features"):
        nn.Linear(2, 2)(cr.tensor(np.zeros((1, 3), dtype=np.float32)))
