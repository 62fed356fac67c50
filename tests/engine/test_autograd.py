"""The backward pass: ordering, accumulation, broadcasting, hooks, graph controls, higher orders,
and the lecture's worked example checked against sympy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import chainrule as cr
from chainrule.engine.autograd import topological_order, unbroadcast
from chainrule.errors import GraphError
from helpers.oracles import assert_close, check_against_torch, numeric_jacobian

# ---- the lecture's example and its two exercises, against sympy -----------------------------

x1_sym, x2_sym = sympy.symbols("x1 x2")
LECTURE = {
    "example": (
        lambda a, b: (a + b) * (b + 1),
        (x1_sym + x2_sym) * (x2_sym + 1),
        (9.0, 3.0, 6.0),
    ),
    "exercise 1": (
        lambda a, b: a**2 + (a + b) ** 2,
        x1_sym**2 + (x1_sym + x2_sym) ** 2,
        (10.0, 8.0, 6.0),
    ),
    "exercise 2": (
        lambda a, b: (a + b) ** 2 * b**2 + b,
        (x1_sym + x2_sym) ** 2 * x2_sym**2 + x2_sym,
        (38.0, 24.0, 61.0),
    ),
}


@pytest.mark.parametrize("name", list(LECTURE))
def test_lecture_values_at_one_two(name):
    fn, _, (value, d1, d2) = LECTURE[name]
    x1 = cr.tensor(1.0, requires_grad=True, name="x1")
    x2 = cr.tensor(2.0, requires_grad=True, name="x2")
    y = fn(x1, x2)
    y.backward()
    assert (y.item(), x1.grad.item(), x2.grad.item()) == (value, d1, d2)


@pytest.mark.parametrize("name", list(LECTURE))
def test_lecture_partials_match_sympy_at_random_points(name):
    fn, expression, _ = LECTURE[name]
    value = sympy.lambdify((x1_sym, x2_sym), expression)
    partials = [
        sympy.lambdify((x1_sym, x2_sym), sympy.diff(expression, s)) for s in (x1_sym, x2_sym)
    ]
    rng = np.random.default_rng(11)
    for a, b in rng.uniform(-3, 3, size=(6, 2)):
        x1 = cr.tensor(np.float64(a), requires_grad=True)
        x2 = cr.tensor(np.float64(b), requires_grad=True)
        y = fn(x1, x2)
        y.backward()
        assert y.item() == pytest.approx(value(a, b), rel=1e-12)
        assert x1.grad.item() == pytest.approx(partials[0](a, b), rel=1e-12, abs=1e-12)
        assert x2.grad.item() == pytest.approx(partials[1](a, b), rel=1e-12, abs=1e-12)


def test_lecture_graph_records_the_constant_as_a_leaf():
    x1 = cr.tensor(1.0, requires_grad=True)
    x2 = cr.tensor(2.0, requires_grad=True)
    y = (x1 + x2) * (x2 + 1)
    assert y.grad_fn.name == "Mul"
    left, right = y.grad_fn.inputs
    assert left.grad_fn.inputs == (x1, x2)
    constant = right.grad_fn.inputs[1]
    assert constant.item() == 1.0 and not constant.requires_grad and constant.grad_fn is None
    order = topological_order(y)
    assert order[0] is y
    assert set(order) == {y, left, right, x1, x2}
    assert order.index(left) < order.index(x1) and order.index(right) < order.index(x2)


# ---- graph shapes: deep chains, reuse, diamonds ---------------------------------------------


def test_a_chain_of_100000_ops_backpropagates():
    x = cr.tensor(np.float64(1.0), requires_grad=True)
    y = x
    c = 1.00001
    for _ in range(100_000):
        y = y * c
    y.backward()
    assert y.item() == pytest.approx(c**100_000, rel=1e-9)
    assert x.grad.item() == pytest.approx(c**100_000, rel=1e-9)
    del y  # freeing the chain must not overflow the stack either


def test_reused_node():
    a = cr.tensor(np.array([1.5, -2.0]), requires_grad=True)
    b = a + a
    c = b * b
    c.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 8 * a.numpy())  # c = 4a^2


def test_diamond_graph():
    x = cr.tensor(np.array([0.5, 2.0]), requires_grad=True)
    u = x * 2.0
    v = cr.sin(x)
    w = u * v + u
    w.sum().backward()
    expected = 2 * np.sin(x.numpy()) + 2 * x.numpy() * np.cos(x.numpy()) + 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_the_same_tensor_on_both_sides_of_an_op(check):
    check(lambda a: a * a / (a + a) - a @ a, (3,), domain="positive")


def test_gradients_accumulate_across_backward_calls():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.numpy())
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_a_leaf_that_is_its_own_output():
    x = cr.tensor(np.array(2.0), requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_only_inputs_that_require_grad_get_one():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = cr.tensor(np.array([3.0, 4.0]))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


# ---- errors ---------------------------------------------------------------------------------


def test_backward_on_a_non_scalar_needs_grad_and_names_the_shape():
    y = cr.tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(GraphError, match=r"\(2, 3\)"):
        y.backward()


@pytest.mark.parametrize("shape", [(3, 2), (6,), (2, 3, 1), ()], ids=str)
def test_backward_with_a_wrong_shape_grad(shape):
    y = cr.tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(GraphError, match=r"\(2, 3\)"):
        y.backward(np.ones(shape))


def test_backward_with_a_non_scalar_grad():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x).backward(cr.tensor(np.array([1.0, -1.0])))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0])


def test_backward_on_a_tensor_outside_the_graph():
    with pytest.raises(GraphError, match="requires_grad"):
        cr.tensor(1.0).backward()


# ---- graph controls -------------------------------------------------------------------------


def test_no_grad_records_nothing():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with cr.no_grad():
        assert not cr.is_grad_enabled()
        y = cr.exp(x * 2.0).sum()
        with cr.enable_grad():
            z = x * 2.0
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    with pytest.raises(GraphError):
        y.backward()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(RuntimeError), cr.no_grad():
        raise RuntimeError
    assert cr.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_the_data():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.numpy())
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])  # d is a constant


def test_retain_grad_on_an_intermediate():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    kept = (x * 2.0).retain_grad()
    y = (h * h).sum() + kept.sum() * 5.0
    y.backward()
    assert h.grad is None
    np.testing.assert_array_equal(kept.grad.numpy(), [5.0, 5.0])
    with pytest.raises(GraphError):
        cr.tensor(1.0).retain_grad()


def test_register_hook_sees_replaces_and_is_removed():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    seen = []
    remove_seen = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    remove_double = x.register_hook(lambda g: g * 2.0)
    (x * x).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])

    remove_double()
    remove_seen()
    remove_double()  # removing twice is harmless
    x.grad = None
    (x * x).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_hook_on_an_intermediate_changes_what_flows_upstream():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    h.register_hook(lambda g: g * 0.0 + 1.0)  # pretend the gradient at h is 1
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    with pytest.raises(GraphError):
        cr.tensor(1.0).register_hook(print)


# ---- autograd_grad (torch.autograd.grad) ----------------------------------------------------


def test_autograd_grad_touches_no_leaf_grad():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = cr.tensor(np.array([3.0, 4.0]), requires_grad=True)
    out = (x * y).sum()
    gx, gy = cr.autograd_grad(out, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gy.numpy(), [1.0, 2.0])
    assert x.grad is None and y.grad is None


def test_autograd_grad_of_an_unused_input_is_none():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    unused = cr.tensor(np.array([1.0]), requires_grad=True)
    assert cr.autograd_grad((x * x).sum(), [x, unused])[1] is None


def test_autograd_grad_with_respect_to_an_intermediate_and_its_input():
    # d(out)/dx is the total derivative, through h as well (as torch.autograd.grad gives it).
    x = cr.tensor(np.float64(2.0), requires_grad=True)
    h = x * 3.0
    out = h * x  # 3 x^2
    gx, gh = cr.autograd_grad(out, [x, h])
    assert gh.item() == 2.0
    assert gx.item() == 12.0


# ---- broadcasting: a property over random shapes --------------------------------------------

BINARY_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "maximum": cr.maximum,
    "where": lambda a, b: cr.where(np.bool_(True), a * b, b),
}
broadcast_pairs = mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)


@settings(max_examples=40, deadline=None, database=None)
@given(shapes=broadcast_pairs, op=st.sampled_from(sorted(BINARY_OPS)), seed=st.integers(0, 99))
def test_broadcast_gradient_has_the_input_shape_and_matches_finite_differences(shapes, op, seed):
    fn = BINARY_OPS[op]
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, shape) for shape in shapes.input_shapes]
    a, b = (cr.tensor(x, requires_grad=True) for x in arrays)
    fn(a, b).sum().backward()
    for leaf, x, i in [(a, arrays[0], 0), (b, arrays[1], 1)]:
        assert leaf.grad.shape == x.shape

        def total(value, i=i):
            args = list(arrays)
            args[i] = value
            return fn(*(cr.tensor(v) for v in args)).sum().numpy()

        assert_close(leaf.grad, numeric_jacobian(total, x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(2, 3), (1, 3), (1, 1, 3)])
def test_unbroadcast_stretches_a_gradient_with_fewer_dims(shape):
    # an op may hand back a scalar (or lower-rank) gradient for a larger input
    for grad in (np.float32(2.0), np.full(3, 2.0, np.float32)):
        out = unbroadcast(grad, shape)
        assert out.shape == shape and out.dtype == np.float32
        assert np.all(out == 2.0)


@pytest.mark.torch
@settings(max_examples=40, deadline=None, database=None)
@given(shapes=broadcast_pairs, op=st.sampled_from(sorted(BINARY_OPS)), seed=st.integers(0, 99))
def test_broadcast_gradient_matches_torch(shapes, op, seed):
    fn = BINARY_OPS[op]
    torch_fn = {"maximum": lambda a, b: a.maximum(b), "where": lambda a, b: a * b}.get(op, fn)
    check_against_torch(
        lambda a, b: fn(a, b).sum(),
        *shapes.input_shapes,
        torch_fn=lambda a, b: torch_fn(a, b).sum(),
        seed=seed,
    )


# ---- higher orders through backward(create_graph=True) --------------------------------------


def test_backward_create_graph_gives_a_differentiable_gradient():
    x = cr.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    y = (x**3).sum()
    y.backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    np.testing.assert_allclose(first.numpy(), 3 * x.numpy() ** 2)
    x.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy())


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_third_derivative_by_repeated_create_graph(name):
    x = cr.tensor(np.array([-1.5, 0.2, 0.9]), requires_grad=True)
    grads = []
    g = getattr(cr, name)(x).sum()
    for _ in range(3):
        (g,) = cr.autograd_grad(g, [x], create_graph=True)
        grads.append(g.numpy())
        g = g.sum()
    _assert_closed_forms(name, x.numpy(), grads)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_third_derivative_by_repeated_backward_create_graph(name):
    x = cr.tensor(np.array([-1.5, 0.2, 0.9]), requires_grad=True)
    grads = []
    y = getattr(cr, name)(x).sum()
    for _ in range(3):
        y.backward(create_graph=True)
        grads.append(x.grad.numpy())
        y = x.grad.sum()
        x.grad = None
    _assert_closed_forms(name, x.numpy(), grads)


def _assert_closed_forms(name, x, grads):
    if name == "tanh":
        t = np.tanh(x)
        expected = [1 - t**2, -2 * t * (1 - t**2), -2 * (1 - t**2) * (1 - 3 * t**2)]
    else:
        s = 1 / (1 + np.exp(-x))
        expected = [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s**2)]
    for order, (got, want) in enumerate(zip(grads, expected, strict=True), start=1):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=f"order {order}")


def test_hessian_vector_product_via_create_graph():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 3))
    a = a + a.T
    v = rng.standard_normal(3)
    x = cr.tensor(rng.standard_normal(3), requires_grad=True)
    f = 0.5 * (x @ (cr.tensor(a) @ x)) + (x**3).sum()
    (g,) = cr.autograd_grad(f, [x], create_graph=True)
    (hv,) = cr.autograd_grad((g * cr.tensor(v)).sum(), [x])
    np.testing.assert_allclose(hv.numpy(), a @ v + 6 * x.numpy() * v, rtol=1e-12)


def test_create_graph_accumulates_into_a_graph_connected_grad():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    (x * x * x).sum().backward(create_graph=True)
    g = x.grad  # 2x + 3x^2
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy() + 3 * x.numpy() ** 2)
    (dg,) = cr.autograd_grad(g.sum(), [x])
    np.testing.assert_allclose(dg.numpy(), 2 + 6 * x.numpy())
