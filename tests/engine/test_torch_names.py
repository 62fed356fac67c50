"""PyTorch's names that live in the engine (factories, dtypes, dim=/keepdim=, size(), clone,
autograd.grad...), each case run as the same code on chainrule and on PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError, GraphError
from helpers.same_code import same_as_torch

M = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]

FACTORIES = {
    "zeros": lambda t: t.zeros(2, 3),
    "zeros-tuple": lambda t: t.zeros((2, 3)),
    "ones-list": lambda t: t.ones([3]),
    "empty-shape": lambda t: t.tensor(t.empty(2, 4).shape),
    "full-float": lambda t: t.full((2, 2), 0.5),
    "full-int": lambda t: t.full((3,), 7),
    "eye": lambda t: t.eye(3),
    "eye-rect": lambda t: t.eye(2, 3),
    "arange-int": lambda t: t.arange(5),
    "arange-start-step": lambda t: t.arange(1, 10, 3),
    "arange-float": lambda t: t.arange(0, 1, 0.25),
    "linspace": lambda t: t.linspace(-1, 1, 5),
    "zeros_like": lambda t: t.zeros_like(t.tensor(M)),
    "ones_like-int": lambda t: t.ones_like(t.tensor([1, 2])),
    "full_like": lambda t: t.full_like(t.tensor(M), 2.5),
    "empty_like-shape": lambda t: t.tensor(t.empty_like(t.tensor(M)).shape),
    "zeros-float64": lambda t: t.zeros(2, dtype=t.float64),
    "ones-int64": lambda t: t.ones(2, dtype=t.long),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_factories(name):
    def case(lib):
        out = FACTORIES[name](lib)
        return out, lib.tensor(str(out.dtype).replace("torch.", "") == str(np.dtype("float32")))

    same_as_torch(case)
    ours = FACTORIES[name](cr)
    torch = pytest.importorskip("torch")
    assert str(ours.dtype) == str(FACTORIES[name](torch).dtype).replace("torch.", "")


@pytest.mark.parametrize("name", ["rand", "randn", "rand_like", "randn_like", "randint"])
def test_random_factories_follow_manual_seed_and_take_the_shape(name):
    make = {
        "rand": lambda: cr.rand(3, 4),
        "randn": lambda: cr.randn((3, 4)),
        "rand_like": lambda: cr.rand_like(cr.zeros(3, 4)),
        "randn_like": lambda: cr.randn_like(cr.zeros(3, 4, dtype=cr.float64)),
        "randint": lambda: cr.randint(0, 10, (3, 4)),
    }[name]
    cr.manual_seed(11)
    first = make()
    cr.manual_seed(11)
    again = make()
    assert first.shape == (3, 4) and np.array_equal(first.numpy(), again.numpy())
    assert not np.array_equal(first.numpy(), make().numpy())


def test_random_factories_draw_from_their_distributions():
    cr.manual_seed(0)
    u, n = cr.rand(20000).numpy(), cr.randn(20000).numpy()
    k = cr.randint(3, 7, (20000,)).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    assert set(np.unique(k)) == {3, 4, 5, 6} and k.dtype == np.int64
    assert cr.rand(2, requires_grad=True).requires_grad


def test_bad_factory_arguments_are_one_line_errors():
    with pytest.raises(cr.ChainruleError):
        cr.zeros(-1)
    with pytest.raises(ConfigError):
        cr.arange(0, 5, 0)
    with pytest.raises(ConfigError):
        cr.randint(5, 5, (2,))


def test_dtypes_are_attributes():
    def case(lib):
        x = lib.tensor([1, 2], dtype=lib.float64)
        y = lib.tensor([1.5], dtype=lib.float32)
        return x, y, float(x.dtype == lib.float64), float(y.dtype == lib.float32)

    same_as_torch(case)
    assert cr.long == np.int64 and cr.double == np.float64 and cr.half == np.float16
    assert cr.bool == np.bool_ and cr.int32 == np.int32 and cr.uint8 == np.uint8


DIM_CASES = {
    "sum-dim": lambda x: x.sum(dim=1),
    "sum-keepdim": lambda x: x.sum(dim=0, keepdim=True),
    "sum-dims": lambda x: x.sum(dim=(0, 1)),
    "mean-dim": lambda x: x.mean(dim=1, keepdim=True),
    "logsumexp": lambda x: x.logsumexp(dim=1),
    "softmax": lambda x: x.softmax(dim=0),
    "log_softmax": lambda x: x.log_softmax(dim=1),
    "max-dim-values": lambda x: x.max(dim=1).values,
    "max-dim-indices": lambda x: x.max(dim=1)[1],
    "min-dim-keepdim": lambda x: x.min(dim=0, keepdim=True)[0],
    "argmax-dim": lambda x: x.argmax(dim=1),
    "argmax-keepdim": lambda x: x.argmax(dim=1, keepdim=True),
    "argmin-dim": lambda x: x.argmin(dim=0),
    "unsqueeze": lambda x: x.unsqueeze(dim=1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(dim=0),
}


@pytest.mark.parametrize("name", list(DIM_CASES))
def test_dim_and_keepdim_as_pytorch(name):
    def case(lib):
        x = lib.tensor(M, requires_grad=True)
        out = DIM_CASES[name](x)
        if (
            out.dtype.is_floating_point
            if hasattr(out.dtype, "is_floating_point")
            else (out.dtype.kind == "f")
        ):
            (out * lib.arange(out.numel()).reshape(out.shape)).sum().backward()
        return out, x.grad if x.grad is not None else lib.zeros(1)

    same_as_torch(case)


def test_functions_take_dim_too():
    def case(lib):
        x = lib.tensor(M)
        return (
            lib.sum(x, dim=1),
            lib.mean(x, dim=0, keepdim=True),
            lib.max(x, dim=1).values,
            lib.min(x, dim=1).indices,
            lib.softmax(x, dim=1),
            lib.log_softmax(x, dim=0),
            lib.cat([x, x], dim=1),
            lib.cat([x, x]),
            lib.stack([x, x], dim=2),
            lib.where(x > 2, x, lib.zeros_like(x)),
        )

    same_as_torch(case)
    with pytest.raises(ConfigError, match="not both"):
        cr.tensor(M).sum(axis=0, dim=1)


def test_size_dim_numel_tolist_view_and_t():
    def case(lib):
        x = lib.tensor(M)
        return (
            lib.tensor(x.size()),
            x.size(1),
            x.size(-1),
            x.dim(),
            x.numel(),
            lib.tensor(x.tolist()),
            x.view(3, 2),
            x.view(-1),
            x.T,
            x.transpose(0, 1),
            x.transpose(1, 0),
            x.reshape(1, 2, 3).transpose(0, 2),
            x.reshape(1, 2, 3).permute(2, 0, 1),
            x.reshape(1, 2, 3).permute((1, 2, 0)),
        )

    same_as_torch(case)
    x = cr.tensor(M)
    assert x.size == 6 and int(x.size) == 6  # NumPy's x.size still reads as the count


def test_clone_is_a_copy_in_the_graph():
    def case(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = a.clone()
        c = b * 3
        b.add_(10)  # its own memory: a is unchanged, and c did not save b
        (c.sum() + (b * b).sum()).backward()
        return a, b, a.grad

    same_as_torch(case)


def test_requires_grad_and_detach_in_place():
    def case(lib):
        w = lib.zeros(2).requires_grad_()
        y = w * 2
        y.detach_()
        return float(w.requires_grad), float(w.is_leaf), float(y.requires_grad), float(y.is_leaf)

    same_as_torch(case)


def test_autograd_grad_single_and_several():
    def case(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, -1.0], requires_grad=True)
        (gx,) = lib.autograd.grad((x * x * w).sum(), x)
        gx2, gw = lib.autograd.grad([(x * w).sum(), (x * x).sum()], [x, w])
        (hx,) = lib.autograd.grad((x**3).sum(), [x], create_graph=True)
        (hxx,) = lib.autograd.grad(hx.sum(), x)
        (seeded,) = lib.autograd.grad(x * 2, x, grad_outputs=lib.tensor([1.0, 10.0]))
        return gx, gx2, gw, hx, hxx, seeded, float(x.grad is None)

    same_as_torch(case)


def test_autograd_grad_of_an_unused_input():
    def case(lib):
        x = lib.tensor([1.0], requires_grad=True)
        unused = lib.tensor([1.0], requires_grad=True)
        return lib.autograd.grad((x * 2).sum(), [x, unused])

    same_as_torch(case, error="appears to not have been used in the graph")
    x, unused = cr.tensor([1.0], requires_grad=True), cr.tensor([1.0], requires_grad=True)
    assert cr.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)[1] is None
    with pytest.raises(GraphError):
        cr.autograd.grad([x.sum(), x.sum()], x, grad_outputs=[None])


def test_autograd_backward_and_no_grad():
    def case(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        lib.autograd.backward([(x * x).sum(), (3 * x).sum()])
        with lib.autograd.no_grad():
            y = x * 2
        return x.grad, float(y.requires_grad)

    same_as_torch(case)


def test_arithmetic_and_conversions_by_name():
    def case(lib):
        x = lib.tensor([1.5, -2.0, 0.0], requires_grad=True)
        y = x.add(1, alpha=2).mul(x).sub(x, alpha=3).div(2).pow(2).neg()
        z = x.reshape(1, 3).matmul(lib.ones(3, 1))
        (y.sum() + z.sum()).backward()
        flags = [float(t.requires_grad) for t in (x.long(), x.int(), x.bool())]
        return y, z, x.grad, x.long(), x.int(), x.bool(), x.half(), x.to(lib.float64), *flags

    same_as_torch(case)


def test_backward_takes_pytorchs_gradient_keyword():
    def case(lib):
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        b = lib.tensor([6.0, 4.0], requires_grad=True)
        q = 3 * a**3 - b**2
        q.backward(gradient=lib.tensor([1.0, 1.0]))
        checks = (9 * a**2 == a.grad).all(), (b.grad > 0).any(), (a > 2).all(dim=0)
        return a.grad, b.grad, *checks

    same_as_torch(case)
