"""grad, value_and_grad, vjp and jvp: values, composition to higher orders, linearity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import GraphError
from helpers.oracles import assert_close, numeric_jacobian, torch_op

# ---- grad and value_and_grad ----------------------------------------------------------------


def test_grad_of_a_scalar_function():
    slope = cr.grad(lambda x: x**3)(2.0)
    assert isinstance(slope, cr.Tensor)
    assert slope.item() == pytest.approx(12.0)


def test_value_and_grad_with_several_argnums():
    def f(x, y, scale):
        return (x * y).sum() * scale

    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    value, (gx, gy) = cr.value_and_grad(f, argnums=(0, 1))(x, y, 2.0)
    assert value.item() == 26.0
    assert not value.requires_grad
    np.testing.assert_array_equal(gx.numpy(), 2 * y)
    np.testing.assert_array_equal(gy.numpy(), 2 * x)
    gy_only = cr.grad(f, argnums=1)(x, y, 2.0)
    np.testing.assert_array_equal(gy_only.numpy(), 2 * x)


def test_grad_writes_no_grad_attribute():
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    g = cr.grad(lambda t: (t * t).sum())(x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    assert x.grad is None


def test_grad_of_a_function_that_ignores_its_input_is_zero():
    g = cr.grad(lambda x: cr.tensor(3.0))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


def test_the_zero_gradient_of_an_unused_input_stays_zero_at_inf_and_nan():
    x, unused = cr.tensor([1.0]), cr.tensor([np.inf, np.nan])
    _, g = cr.grad(lambda a, b: (a * 2).sum(), argnums=(0, 1))(x, unused)
    assert g.tolist() == [0.0, 0.0]
    _, tangent = cr.jvp(lambda a: a * 3, (cr.tensor([np.inf, 1.0]),), (cr.tensor([1.0, 1.0]),))
    assert tangent.tolist() == [3.0, 3.0]


def test_grad_needs_a_one_element_output():
    with pytest.raises(GraphError, match=r"\(2,\)"):
        cr.grad(lambda x: x * 2.0)(np.array([1.0, 2.0]))


# ---- higher orders by composing grad --------------------------------------------------------


def _closed_forms(name, x):
    if name == "tanh":
        t = np.tanh(x)
        return [1 - t**2, -2 * t * (1 - t**2), -2 * (1 - t**2) * (1 - 3 * t**2)]
    s = 1 / (1 + np.exp(-x))
    return [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s**2)]


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("x", [-2.0, -0.4, 0.0, 0.7, 3.0])
def test_grad_of_grad_of_grad_matches_closed_forms(name, x):
    fn = getattr(cr, name)
    d1 = cr.grad(fn)
    d2 = cr.grad(d1)
    d3 = cr.grad(d2)
    point = np.float64(x)
    for order, (derivative, expected) in enumerate(
        zip([d1, d2, d3], _closed_forms(name, point), strict=True), start=1
    ):
        got = derivative(point).item()
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-13), f"order {order}"


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_elementwise_second_derivative_over_a_vector(name):
    fn = getattr(cr, name)
    x = np.linspace(-3, 3, 7)

    def first(t):
        return cr.grad(lambda u: fn(u).sum())(t)

    second = cr.grad(lambda t: first(t).sum())(x)
    np.testing.assert_allclose(second.numpy(), _closed_forms(name, x)[1], rtol=1e-12, atol=1e-14)


# Composites checked against torch's double backward (Hessian-vector products):
# name -> (chainrule function, torch function, input shapes).
WEIGHTS = np.arange(12.0).reshape(3, 4)
F = "nn.functional."
COMPOSITES = {
    "x sin(x) exp(-x^2)": (
        lambda x: (x * cr.sin(x) * cr.exp(-(x**2))).sum(),
        lambda x: (x * x.sin() * (-(x**2)).exp()).sum(),
        [(5,)],
    ),
    "log_softmax": (
        lambda x: (cr.log_softmax(x) * WEIGHTS).sum(),
        lambda x: (x.log_softmax(-1) * x.new_tensor(WEIGHTS)).sum(),
        [(3, 4)],
    ),
    "matmul chain": (
        lambda w1, w2, x: (cr.tanh(x @ w1) @ w2).sum() ** 2,
        lambda w1, w2, x: ((x @ w1).tanh() @ w2).sum() ** 2,
        [(3, 4), (4, 2), (5, 3)],
    ),
    "softmax cross_entropy": (
        lambda w, x: cr.cross_entropy(x @ w, [0, 2, 1, 0]),
        lambda w, x: torch_op(F + "cross_entropy")(x @ w, torch_op("tensor")([0, 2, 1, 0])),
        [(3, 3), (4, 3)],
    ),
    "gelu softplus var": (
        lambda x: (cr.gelu(x) * cr.softplus(x)).var() + cr.logsumexp(x),
        lambda x: (
            (torch_op(F + "gelu")(x) * torch_op(F + "softplus")(x)).var() + x.logsumexp(dim=(0, 1))
        ),
        [(2, 3)],
    ),
    "linear elu max": (
        lambda x, w, b: cr.elu(cr.linear(x, w, b)).max(axis=1).mean(),
        lambda x, w, b: torch_op(F + "elu")(torch_op(F + "linear")(x, w, b)).amax(dim=1).mean(),
        [(4, 3), (2, 3), (2,)],
    ),
}


@pytest.mark.parametrize("name", list(COMPOSITES))
def test_hessian_vector_products_match_torch(torch, name):
    cr_fn, torch_fn, shapes = COMPOSITES[name]
    rng = np.random.default_rng(21)
    arrays = [rng.uniform(-1.5, 1.5, s) for s in shapes]
    vectors = [rng.standard_normal(s) for s in shapes]

    # chainrule: grad with create_graph, then the gradient of <grad, v>
    xs = [cr.tensor(a, requires_grad=True) for a in arrays]
    grads = cr.autograd_grad(cr_fn(*xs), xs, create_graph=True)
    inner = sum((g * cr.tensor(v)).sum() for g, v in zip(grads, vectors, strict=True))
    hvps = cr.autograd_grad(inner, xs)

    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    torch_grads = torch.autograd.grad(torch_fn(*ts), ts, create_graph=True)
    torch_inner = sum((g * torch.from_numpy(v)).sum() for g, v in zip(torch_grads, vectors))
    torch_hvps = torch.autograd.grad(torch_inner, ts)

    for g, tg, hv, thv in zip(grads, torch_grads, hvps, torch_hvps, strict=True):
        assert_close(g, tg.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert_close(hv, thv.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", ["x sin(x) exp(-x^2)", "log_softmax", "matmul chain"])
def test_hessian_vector_products_match_finite_differences_of_the_gradient(name):
    cr_fn, _, shapes = COMPOSITES[name]
    rng = np.random.default_rng(22)
    arrays = [rng.uniform(-1.5, 1.5, s) for s in shapes]
    v = rng.standard_normal(shapes[0])
    xs = [cr.tensor(a, requires_grad=True) for a in arrays]
    (g,) = cr.autograd_grad(cr_fn(*xs), xs[:1], create_graph=True)
    (hv,) = cr.autograd_grad((g * cr.tensor(v)).sum(), xs[:1])

    def gradient_at(first):
        return cr.grad(cr_fn)(first, *arrays[1:]).numpy()

    eps = 1e-5
    numeric = (gradient_at(arrays[0] + eps * v) - gradient_at(arrays[0] - eps * v)) / (2 * eps)
    assert_close(hv, numeric, rtol=1e-6, atol=1e-7)


# ---- vjp and jvp ----------------------------------------------------------------------------


def _vector_function(x):
    """R^3 -> R^2, nonlinear, with a matmul and a reduction."""
    w = cr.tensor(np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 0.25]]))
    return cr.tanh(x @ w) * x.sum() + cr.exp(x[:2])


X0 = np.array([0.3, -0.8, 1.1])


def _jacobian():
    return numeric_jacobian(lambda x: _vector_function(cr.tensor(x)).numpy(), X0)


def test_vjp_matches_finite_differences():
    u = np.array([0.7, -1.3])
    out, pullback = cr.vjp(_vector_function, X0)
    assert not out.requires_grad
    np.testing.assert_allclose(out.numpy(), _vector_function(cr.tensor(X0)).numpy())
    (cotangent,) = pullback(u)
    assert_close(cotangent, u @ _jacobian(), rtol=1e-7, atol=1e-9)


def test_jvp_matches_finite_differences():
    v = np.array([1.0, 0.5, -2.0])
    out, tangent = cr.jvp(_vector_function, (X0,), (v,))
    np.testing.assert_allclose(out.numpy(), _vector_function(cr.tensor(X0)).numpy())
    assert_close(tangent, _jacobian() @ v, rtol=1e-7, atol=1e-9)


def test_vjp_and_jvp_are_transposes():
    # <u, J v> = <J^T u, v> for any u and v
    rng = np.random.default_rng(3)
    _, pullback = cr.vjp(_vector_function, X0)
    for _ in range(3):
        u, v = rng.standard_normal(2), rng.standard_normal(3)
        _, jv = cr.jvp(_vector_function, (X0,), (v,))
        (jtu,) = pullback(u)
        assert np.dot(u, jv.numpy()) == pytest.approx(np.dot(jtu.numpy(), v), rel=1e-12)


def test_jvp_with_several_primals_and_an_unused_one():
    _, tangent = cr.jvp(
        lambda a, b, c: a * b + cr.sin(a),
        (np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([9.0])),
        (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([5.0])),
    )
    np.testing.assert_allclose(tangent.numpy(), [3.0 + np.cos(1.0), 2.0])


def test_jvp_checks_it_has_one_tangent_per_primal():
    with pytest.raises(GraphError):
        cr.jvp(lambda a: a, (np.ones(2),), ())


def test_vjp_of_several_inputs():
    _, pullback = cr.vjp(lambda a, b: a @ b, np.ones((2, 3)), np.arange(12.0).reshape(3, 4))
    ga, gb = pullback(np.ones((2, 4)))
    np.testing.assert_allclose(ga.numpy(), np.ones((2, 4)) @ np.arange(12.0).reshape(3, 4).T)
    np.testing.assert_allclose(gb.numpy(), np.ones((3, 2)) @ np.ones((2, 4)))


# ---- linearity of the backward pass in the upstream gradient --------------------------------

VJP_FUNCTIONS = {
    "vector": (_vector_function, [(3,)], (2,)),
    "softmax": (lambda x: cr.softmax(x, axis=0) * x, [(3, 2)], (3, 2)),
    "broadcast product": (lambda a, b: cr.sigmoid(a * b) + a / (b * b + 1), [(3, 1), (4,)], (3, 4)),
    "matmul max": (lambda a, b: (a @ b).max(axis=0), [(2, 3), (3, 4)], (4,)),
}


@settings(max_examples=30, deadline=None, database=None)
@given(
    name=st.sampled_from(sorted(VJP_FUNCTIONS)),
    c1=st.floats(-3, 3, allow_nan=False),
    c2=st.floats(-3, 3, allow_nan=False),
    seed=st.integers(0, 1000),
)
def test_vjp_is_linear_in_the_upstream_gradient(name, c1, c2, seed):
    fn, shapes, out_shape = VJP_FUNCTIONS[name]
    rng = np.random.default_rng(seed)
    primals = [rng.uniform(-2, 2, s) for s in shapes]
    u1, u2 = rng.standard_normal(out_shape), rng.standard_normal(out_shape)
    _, pullback = cr.vjp(fn, *primals)
    combined = pullback(c1 * u1 + c2 * u2)
    separate = [
        c1 * g1.numpy() + c2 * g2.numpy() for g1, g2 in zip(pullback(u1), pullback(u2), strict=True)
    ]
    for got, want in zip(combined, separate, strict=True):
        assert_close(got, want, rtol=1e-9, atol=1e-9)
