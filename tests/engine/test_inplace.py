"""In-place operations, ``.data`` and the version counter, each case run as the same code on
chainrule and on PyTorch (the oracle): same numbers, same versions, or an error in both."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import DTypeError, GraphError, ShapeError
from helpers.oracles import import_torch
from helpers.same_code import outcome, same_as_torch

MODIFIED = "modified by an inplace operation"
LEAF = "a leaf Variable that requires grad is being used in an in-place operation"


def leaf(lib: Any, values: list[float]) -> Any:
    return lib.tensor(values, requires_grad=True)


# ---- the two silent failures of issue 12 --------------------------------------------------


def sgd_with_no_grad(lib: Any) -> Any:
    """The hand-written SGD step over a model's parameters: micrograd's and PyTorch's first
    loop. ``q -= ...`` must change the parameter the list holds, not rebind ``q``."""
    params = [leaf(lib, [1.0, -2.0, 3.0])]
    for _ in range(3):
        loss = (params[0] * params[0]).sum()
        loss.backward()
        with lib.no_grad():
            for q in params:
                q -= 0.1 * q.grad
                q.grad = None
    return params[0], params[0]._version


def sgd_through_data(lib: Any) -> Any:
    p = leaf(lib, [1.0, -2.0, 3.0])
    (p * p * p).sum().backward()
    p.data = p.data - 0.1 * p.grad
    return p, (p * 2).sum()


def test_sgd_step_with_no_grad_changes_the_parameter():
    same_as_torch(sgd_with_no_grad)
    p = sgd_with_no_grad(cr)[0]
    np.testing.assert_allclose(p.numpy(), 0.8**3 * np.array([1.0, -2.0, 3.0]), rtol=1e-6)


def test_data_assignment_takes_a_tensor_and_stores_its_values():
    same_as_torch(sgd_through_data)
    p, _ = sgd_through_data(cr)
    assert type(p.array) is np.ndarray and p.requires_grad and p.is_leaf


def test_data_assignment_takes_an_array():
    p = leaf(cr, [1.0, 2.0])
    p.data = np.array([5.0, 6.0], dtype=np.float32)
    assert p.tolist() == [5.0, 6.0] and p.requires_grad
    with pytest.raises(DTypeError):
        p.data = np.array([1, 2])  # a tensor that requires grad must stay float


def test_changing_data_before_backward_is_refused_not_silently_wrong():
    # PyTorch's .data has its own version counter and gives [20, 4, 6] here; chainrule's
    # shares the tensor's, so backward() refuses instead of using the changed value.
    x = leaf(cr, [1.0, 2.0, 3.0])
    y = (x * x).sum()
    x.data[0] = 10
    with pytest.raises(GraphError, match=MODIFIED):
        y.backward()
    assert x.grad is None


def test_changing_a_detached_alias_before_backward_is_refused_as_in_torch():
    def case(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        y = (x * x).sum()
        x.detach()[0] = 10
        y.backward()
        return x.grad

    same_as_torch(case, error=MODIFIED)


# ---- in place means in place --------------------------------------------------------------


def test_augmented_assignment_keeps_the_tensor_and_its_memory():
    def case(lib):
        x = lib.tensor([1.0, 2.0, 4.0])
        alias, data = x, x.data
        x += 1
        x -= 0.5
        x *= 2
        x /= 4
        return x, alias, data, x._version, float(x is alias)

    same_as_torch(case)


@pytest.mark.parametrize(
    "method",
    [
        lambda x: x.add_(2.0),
        lambda x: x.add_(2.0, alpha=3),
        lambda x: x.sub_(1.5, alpha=2),
        lambda x: x.mul_(-3.0),
        lambda x: x.div_(4.0),
        lambda x: x.zero_(),
        lambda x: x.fill_(7.5),
        lambda x: x.clamp_(0.0, 2.5),
        lambda x: x.clamp_(min=1.0),
        lambda x: x.copy_(x * 0 + 9),
        lambda x: x.add_(x).mul_(x),
    ],
    ids=[
        "add",
        "add-alpha",
        "sub-alpha",
        "mul",
        "div",
        "zero",
        "fill",
        "clamp",
        "clamp-min",
        "copy",
        "chained",
    ],
)
def test_underscore_methods_change_the_tensor_and_return_it(method):
    def case(lib):
        x = lib.tensor([[-1.0, 0.5], [2.0, 3.0]])
        data = x.data
        out = method(x)
        return x, data, out, float(out is x), x._version

    same_as_torch(case)


def test_copy_broadcasts_the_source():
    def case(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        x.copy_(lib.tensor([5.0, 6.0]))
        return x, x._version

    same_as_torch(case)


def test_setitem_writes_in_place_and_bumps_the_version():
    def case(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        data = x.data
        x[0, 1] = 9.0
        x[1] = lib.tensor([7.0, 8.0, 9.0])
        x[:, 0] = 0.0
        return x, data, x._version

    same_as_torch(case)


def test_view_and_detached_alias_share_memory_and_version():
    def case(lib):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0])
        row = x.reshape(2, 2)
        row[0] += 10
        x.detach().mul_(2)
        return x, row, x._version, row._version

    same_as_torch(case)


def test_an_integer_tensor_refuses_a_float_result_in_place():
    def case(lib):
        x = lib.tensor([1, 2])
        x += 0.5
        return x

    torch = import_torch()
    assert outcome(case, torch)[0] == "error"
    with pytest.raises(DTypeError, match="can't be cast"):
        case(cr)


def test_a_result_that_does_not_fit_the_shape_is_refused():
    x = cr.tensor([1.0, 2.0])
    with pytest.raises(ShapeError, match="does not fit"):
        x.add_(cr.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert x._version[0] == 0


def test_tensor_copies_and_from_numpy_shares():
    def case(lib):
        array = np.array([1.0, 2.0])
        copied, shared = lib.tensor(array), lib.from_numpy(array)
        array[0] = 5.0
        shared[1] = 7.0
        return copied, shared, array

    same_as_torch(case)
    assert cr.from_numpy(np.zeros(2)).dtype == np.float64
    with pytest.raises(DTypeError, match=r"numpy\.ndarray"):
        cr.from_numpy([1.0, 2.0])


# ---- in place under autograd --------------------------------------------------------------


def test_in_place_on_a_leaf_that_requires_grad_is_refused():
    def case(lib):
        x = leaf(lib, [1.0, 2.0])
        x += 1
        return x

    same_as_torch(case, error=LEAF)
    for change in (lambda x: x.zero_(), lambda x: x.mul_(2), lambda x: x.__setitem__(0, 1.0)):
        x = leaf(cr, [1.0, 2.0])
        with pytest.raises(GraphError, match=LEAF):
            change(x)
        assert x.tolist() == [1.0, 2.0] and x._version[0] == 0


@pytest.mark.parametrize(
    "change",
    [lambda b: b.mul_(2), lambda b: b.add_(1), lambda b: b.__setitem__(0, 5.0)],
    ids=["mul_", "add_", "setitem"],
)
def test_a_saved_input_changed_in_place_is_refused_at_backward(change):
    def case(lib):
        a = leaf(lib, [1.0, 2.0, 3.0])
        b = a * 2
        c = b * b  # Mul saves b
        change(b)
        c.sum().backward()
        return a.grad

    same_as_torch(case, error=MODIFIED)


def test_the_error_names_the_tensor_the_op_and_the_versions():
    a = leaf(cr, [1.0, 2.0, 3.0])
    b = (a * 2).sigmoid()
    b.name = "h"
    c = b * a
    b.add_(1)
    with pytest.raises(GraphError) as info:
        c.sum().backward()
    message = str(info.value)
    assert "'h'" in message and "input 0 of Mul" in message and "Sigmoid" in message
    assert "is at version 1; expected version 0" in message


@pytest.mark.parametrize(
    "op", [lambda t: t.exp(), lambda t: t.sigmoid(), lambda t: t.tanh(), lambda t: t.relu()]
)
def test_a_saved_output_changed_in_place_is_refused_at_backward(op):
    def case(lib):
        a = leaf(lib, [0.5, -1.0, 2.0])
        c = op(a * 1)
        c.mul_(3)
        c.sum().backward()
        return a.grad

    same_as_torch(case, error=MODIFIED)


def test_changing_an_input_its_op_does_not_read_is_allowed():
    def case(lib):
        a = leaf(lib, [0.5, -1.0, 2.0])
        b = a * 2
        c = b.exp()  # saves its output, not b
        d = b + 1  # saves nothing
        b.mul_(3)
        (c.sum() + d.sum() + (b * b).sum()).backward()
        return a.grad

    same_as_torch(case)


@pytest.mark.parametrize(
    "change",
    [
        lambda b, a: b.mul_(3),
        lambda b, a: b.add_(a),
        lambda b, a: b.mul_(a),
        lambda b, a: b.sub_(a * a, alpha=2),
        lambda b, a: b.div_(2.0),
        lambda b, a: b.clamp_(-1.0, 1.5),
        lambda b, a: b.zero_(),
        lambda b, a: b.fill_(2.0),
        lambda b, a: b.copy_(a * 5),
        lambda b, a: b.mul_(2).add_(1),
    ],
    ids=[
        "mul",
        "add-leaf",
        "mul-leaf",
        "sub-alpha",
        "div",
        "clamp",
        "zero",
        "fill",
        "copy",
        "chained",
    ],
)
def test_in_place_on_a_non_leaf_is_recorded(change):
    def case(lib):
        a = leaf(lib, [0.5, -1.0, 2.0])
        b = a * 2
        change(b, a)
        (b * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return b, a.grad, float(b.requires_grad), float(b.is_leaf)

    same_as_torch(case)


def test_in_place_from_a_tensor_that_requires_grad_is_recorded():
    def case(lib):
        w = leaf(lib, [1.0, 2.0])
        x = lib.tensor([3.0, 4.0])
        x += w * w
        x.sum().backward()
        return x, w.grad, float(x.is_leaf)

    same_as_torch(case)


def test_setitem_on_a_non_leaf_is_recorded():
    def case(lib):
        a = leaf(lib, [1.0, 2.0, 3.0])
        v = leaf(lib, [4.0])
        z = a * 1
        z[0] = 5.0
        z[2] = v[0] * 3
        (z * z).sum().backward()
        return z, a.grad, v.grad

    same_as_torch(case)


def test_setitem_of_a_tensor_that_requires_grad_into_a_constant_is_recorded():
    def case(lib):
        w = leaf(lib, [2.0, 3.0])
        z = lib.tensor([[0.0, 0.0], [1.0, 1.0]])
        z[0] = w
        (z * z).sum().backward()
        return z, w.grad

    same_as_torch(case)


def test_in_place_on_a_view_that_requires_grad_is_refused():
    a = leaf(cr, [1.0, 2.0, 3.0])
    view = (a * 2)[0:2]
    with pytest.raises(GraphError, match="view"):
        view.add_(1)


def test_in_place_under_no_grad_on_a_saved_tensor_is_caught():
    def case(lib):
        w = leaf(lib, [1.0, 2.0])
        loss = (w * w).sum()
        with lib.no_grad():
            w -= 0.1
        loss.backward()
        return w.grad

    same_as_torch(case, error=MODIFIED)


def test_a_graph_built_after_the_change_is_fine():
    def case(lib):
        w = leaf(lib, [1.0, 2.0])
        with lib.no_grad():
            w.mul_(3)
        (w * w).sum().backward()
        return w, w.grad

    same_as_torch(case)


# ---- gradients stay separate --------------------------------------------------------------


def test_zeroing_one_gradient_leaves_the_others():
    def case(lib):
        x1, x2 = leaf(lib, [1.0]), leaf(lib, [2.0])
        (x1 + x2).sum().backward()  # Add hands the same gradient to both
        x1.grad.zero_()
        return x1.grad, x2.grad

    same_as_torch(case)


def test_a_gradient_from_a_broadcast_can_be_zeroed_and_accumulates_again():
    def case(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        x.sum().backward()
        x.grad.zero_()
        seed = lib.tensor(2.0)
        (x * 2).sum().backward(seed)
        seed.zero_()
        return x.grad

    same_as_torch(case)


def test_the_autograd_tutorial_training_loop():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((16, 3)).astype(np.float32)
    targets = (features @ np.array([1.0, -2.0, 0.5], dtype=np.float32) + 0.3)[:, None]

    def case(lib):
        x, y = lib.tensor(features), lib.tensor(targets)
        w = lib.tensor(np.full((3, 1), 0.1, dtype=np.float32), requires_grad=True)
        b = lib.tensor([0.0], requires_grad=True)
        for _ in range(5):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
                b -= 0.1 * b.grad
                w.grad.zero_()
                b.grad.zero_()
        return w, b, loss

    same_as_torch(case)


# ---- random fills -------------------------------------------------------------------------


def test_normal_and_uniform_fill_in_place_from_the_seeded_default_generator():
    def draw() -> tuple[np.ndarray, np.ndarray]:
        x = cr.tensor(np.zeros((200, 50), dtype=np.float32))
        data = x.data
        x.normal_(1.0, 2.0)
        assert data.array is x.array and x._version[0] == 1 and x.dtype == np.float32
        u = cr.tensor(np.zeros(1000, dtype=np.float32)).uniform_(-1.0, 3.0)
        return x.numpy(), u.numpy()

    cr.manual_seed(5)
    normal, uniform = draw()
    assert abs(normal.mean() - 1.0) < 0.05 and abs(normal.std() - 2.0) < 0.05
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and abs(uniform.mean() - 1.0) < 0.15
    cr.manual_seed(5)
    again = draw()
    assert np.array_equal(again[0], normal) and np.array_equal(again[1], uniform)
