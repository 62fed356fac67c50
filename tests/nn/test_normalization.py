"""BatchNorm1d against PyTorch (train, eval, running statistics) and by gradient checks."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ConfigError, ShapeError


def pair(torch, shape_c=3, **options):
    ours = nn.BatchNorm1d(shape_c, dtype=np.float64, **options)
    theirs = torch.nn.BatchNorm1d(shape_c, **options)
    if ours.affine:
        rng = np.random.default_rng(5)
        ours.weight.data[...] = rng.uniform(0.5, 1.5, shape_c)
        ours.bias.data[...] = rng.standard_normal(shape_c)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.numpy()))
            theirs.bias.copy_(torch.from_numpy(ours.bias.numpy()))
    return ours, theirs


@pytest.mark.torch
@pytest.mark.parametrize(
    ("shape", "options"),
    [
        ((8, 3), {}),
        ((6, 3, 4), {}),
        ((8, 3), {"momentum": None}),
        ((8, 3), {"affine": False, "momentum": 0.3}),
        ((8, 3), {"track_running_stats": False}),
    ],
)
def test_matches_torch_over_several_steps_then_in_eval(torch, shape, options):
    ours, theirs = pair(torch, **options)
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        upstream = rng.standard_normal(shape)
        xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out_c, out_t = ours(xc), theirs(xt)
        np.testing.assert_allclose(out_c.numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
        (out_c * upstream).sum().backward()
        (out_t * torch.from_numpy(upstream)).sum().backward()
        np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        if ours.affine:
            np.testing.assert_allclose(
                ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-12
            )
            np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-9)
    theirs_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_allclose(value, theirs_state[key].numpy(), rtol=1e-12, err_msg=key)
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_c, out_t = ours(xc), theirs(xt)
    np.testing.assert_allclose(out_c.numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    out_c.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if ours.affine:
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-9)


def test_running_stats_by_hand():
    bn = nn.BatchNorm1d(1, momentum=0.5, dtype=np.float64)
    bn(cr.tensor(np.array([[1.0], [3.0]])))
    # batch mean 2, unbiased var 2: running = 0.5 · old + 0.5 · batch
    np.testing.assert_allclose(bn.running_mean.numpy(), [1.0])
    np.testing.assert_allclose(bn.running_var.numpy(), [1.5])
    assert int(bn.num_batches_tracked.item()) == 1
    bn.eval()
    out = bn(cr.tensor(np.array([[1.0]])))
    np.testing.assert_allclose(out.numpy(), [[0.0]], atol=1e-12)
    assert int(bn.num_batches_tracked.item()) == 1  # eval leaves the buffers alone


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_gradcheck(check_param_grads, shape, training):
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    bn.weight.data[...] = rng.uniform(0.5, 1.5, 3)
    bn.bias.data[...] = rng.standard_normal(3)
    bn.running_mean.data[...] = rng.standard_normal(3)
    bn.running_var.data[...] = rng.uniform(0.5, 2.0, 3)
    bn.train(training)
    x = rng.standard_normal(shape)
    upstream = rng.standard_normal(shape)
    cr.gradcheck(lambda x: bn(x) * upstream, x)
    check_param_grads(bn, lambda m: (m(x) * upstream).sum())


def test_errors_and_float32():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ShapeError, match="more than one value per feature"):
        bn(cr.tensor(np.ones((1, 3), dtype=np.float32)))
    with pytest.raises(ShapeError, match=r"\(m, 3\)"):
        bn(cr.tensor(np.ones((4, 2), dtype=np.float32)))
    with pytest.raises(ConfigError, match="momentum"):
        nn.BatchNorm1d(3, momentum=1.5)
    out = bn(cr.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)))
    assert out.dtype == np.float32 and bn.running_var.dtype == np.float32
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_var.numpy(), 1.0)
