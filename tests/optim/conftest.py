"""Shared fixtures: ``torch`` in float64 and ``compare_with_torch``."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import nn
from chainrule.engine.tensor import Tensor

SHAPES = [(3, 4), (4,), ()]


@pytest.fixture
def torch(torch):
    """The suite's ``torch`` fixture, with float64 as PyTorch's default dtype for the test
    (so that layers made by torch match chainrule's float64 ones); restored afterwards."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.fixture
def compare_with_torch(torch):
    """Run one optimizer in chainrule and in PyTorch from the same float64 parameters, feeding
    the same random gradients for ``steps`` steps (parameter 1 gets no gradient every third
    step, so it must be skipped), and compare the parameters after every step."""

    def compare(ours_cls, theirs_cls, steps: int = 8, groups: list[dict] | None = None, **kwargs):
        rng = np.random.default_rng(0)
        start = [np.asarray(rng.standard_normal(shape)) for shape in SHAPES]
        ours = [nn.Parameter(a.copy()) for a in start]
        theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in start]
        if groups is None:
            opt_c, opt_t = ours_cls(ours, **kwargs), theirs_cls(theirs, **kwargs)
        else:  # the first parameter in group 0, the rest in group 1
            split = [[ours[:1], ours[1:]], [theirs[:1], theirs[1:]]]
            opt_c = ours_cls([{"params": p, **g} for p, g in zip(split[0], groups)], **kwargs)
            opt_t = theirs_cls([{"params": p, **g} for p, g in zip(split[1], groups)], **kwargs)
        for step in range(steps):
            for i, (pc, pt) in enumerate(zip(ours, theirs)):
                if i == 1 and step % 3 == 1:
                    pc.grad = pt.grad = None
                    continue
                g = np.asarray(rng.standard_normal(pc.shape))
                pc.grad = Tensor(g)
                pt.grad = torch.from_numpy(g.copy())
            opt_c.step()
            opt_t.step()
            for i, (pc, pt) in enumerate(zip(ours, theirs)):
                np.testing.assert_allclose(
                    pc.numpy(),
                    pt.detach().numpy(),
                    rtol=1e-12,
                    atol=1e-14,
                    err_msg=f"parameter {i} after step {step + 1}",
                )
        return opt_c, opt_t

    return compare
