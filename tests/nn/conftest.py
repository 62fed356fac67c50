"""Shared fixtures: ``torch`` in float64 and ``check_param_grads``."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def torch(torch):
    """The suite's ``torch`` fixture, with float64 as PyTorch's default dtype for the test
    (so that layers made by torch match chainrule's float64 ones); restored afterwards."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


def _check_param_grads(module, loss, eps=1e-6, rtol=1e-5, atol=1e-8):
    """Compare each float64 parameter's ``.grad`` from ``loss(module).backward()`` with central
    differences of ``loss`` (chainrule.gradcheck covers the inputs; this covers parameters,
    which a module owns and so cannot be gradcheck's inputs)."""
    module.zero_grad()
    loss(module).backward()
    for name, p in module.named_parameters():
        assert p.dtype == np.float64, f"{name} must be float64 for a gradient check"
        numeric = np.zeros(p.shape)
        for index in np.ndindex(p.shape):
            original = p.data[index]
            p.data[index] = original + eps
            plus = loss(module).item()
            p.data[index] = original - eps
            minus = loss(module).item()
            p.data[index] = original
            numeric[index] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(p.grad.numpy(), numeric, rtol=rtol, atol=atol, err_msg=name)


@pytest.fixture
def check_param_grads():
    return _check_param_grads
