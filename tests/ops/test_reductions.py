"""sum, mean, max, min, var and logsumexp over every kind of axis, with and without keepdims."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ShapeError
from helpers.oracles import check_against_torch, torch_op

SHAPE = (2, 3, 4)
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


def _dims(axis, ndim):
    """torch's ``dim`` for a NumPy ``axis`` (None: every axis)."""
    return tuple(range(ndim)) if axis is None else axis


TORCH_REDUCTIONS = {
    "sum": lambda x, axis, keep: x.sum(dim=_dims(axis, x.ndim), keepdim=keep),
    "mean": lambda x, axis, keep: x.mean(dim=_dims(axis, x.ndim), keepdim=keep),
    "max": lambda x, axis, keep: x.amax(dim=_dims(axis, x.ndim), keepdim=keep),
    "min": lambda x, axis, keep: x.amin(dim=_dims(axis, x.ndim), keepdim=keep),
    "var": lambda x, axis, keep: x.var(dim=_dims(axis, x.ndim), keepdim=keep),
    "logsumexp": lambda x, axis, keep: x.logsumexp(dim=_dims(axis, x.ndim), keepdim=keep),
}


@pytest.mark.parametrize("keepdims", [False, True], ids=["drop", "keep"])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", list(TORCH_REDUCTIONS))
def test_reduction(check, name, axis, keepdims):
    torch_reduce = TORCH_REDUCTIONS[name]
    check(
        lambda x: getattr(cr, name)(x, axis=axis, keepdims=keepdims),
        SHAPE,
        torch_fn=lambda x: torch_reduce(x, axis, keepdims),
    )


@pytest.mark.parametrize("name", list(TORCH_REDUCTIONS))
def test_reduction_method_and_shapes(name):
    x = cr.tensor(np.random.default_rng(0).standard_normal(SHAPE))
    method = getattr(x, name)
    assert method().shape == ()
    assert method(axis=1).shape == (2, 4)
    assert method(axis=(0, -1), keepdims=True).shape == (1, 3, 1)
    np.testing.assert_allclose(method(axis=-1).numpy(), getattr(cr, name)(x, 2).numpy())


@pytest.mark.parametrize("name", list(TORCH_REDUCTIONS))
@pytest.mark.parametrize("shape", [(), (5,)], ids=str)
def test_reduction_of_small_tensors(check, name, shape):
    if name == "var" and shape == ():  # one element: n - 1 = 0 (NaN in both); n is fine
        check(lambda x: cr.var(x, correction=0), shape, torch_fn=lambda x: x.var(correction=0))
        return
    check(getattr(cr, name), shape, torch_fn=lambda x: TORCH_REDUCTIONS[name](x, None, False))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "logsumexp"])
@pytest.mark.parametrize("axis", [3, -4, (0, 3)], ids=str)
def test_axis_out_of_range_is_a_shape_error(name, axis):
    x = cr.tensor(np.ones(SHAPE))
    with pytest.raises(cr.errors.ShapeError, match="axis"):
        getattr(cr, name)(x, axis=axis)


# Tied extremes share the gradient evenly (PyTorch's amax/amin and full max()/min()).
def test_max_ties_share_the_gradient():
    x = cr.tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_max_backward_stays_in_the_input_dtype(dtype):
    # A float64 share (bool / int) of x's size used to sit beside the float32 one: 17 bytes
    # per element at the peak of backward instead of 9.
    n = 1 << 20
    x = cr.tensor(np.random.default_rng(0).standard_normal(n).astype(dtype), requires_grad=True)
    y = cr.max(x)
    tracemalloc.start()
    try:
        y.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert x.grad.dtype == dtype
    assert peak < 3 * x.array.nbytes + n, f"peak {peak / n:.1f} bytes per element"


def test_max_ties_in_float16_share_exactly():
    x = cr.tensor(np.ones(3000, dtype=np.float16), requires_grad=True)  # 3000 > 2048
    cr.max(x).backward()
    assert x.grad.dtype == np.float16
    np.testing.assert_array_equal(x.grad.numpy(), np.float16(1 / 3000))


def test_min_ties_share_the_gradient():
    x = cr.tensor(np.array([1.0, -2.0, 5.0, -2.0]), requires_grad=True)
    cr.min(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0.5, 0, 0.5])


@pytest.mark.torch
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", [None, 0, 1], ids=str)
def test_ties_match_torch(name, axis):
    x = np.array([[1.0, 3.0, 3.0], [3.0, 1.0, 1.0]])
    check_against_torch(
        lambda t: getattr(cr, name)(t, axis=axis),
        x,
        torch_fn=lambda t: TORCH_REDUCTIONS[name](t, axis, False),
    )


def test_var_and_std_divide_by_n_minus_one_unless_corrected():
    # PyTorch's default (Bessel's correction); NumPy's and batch norm's is correction=0
    data = cr.tensor(np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]]))
    np.testing.assert_allclose(cr.var(data, 1).numpy(), [5 / 3, 0.0])
    np.testing.assert_allclose(data.var(dim=1, unbiased=False).numpy(), [1.25, 0.0])
    np.testing.assert_allclose(data.var(axis=1, correction=0).numpy(), [1.25, 0.0])
    np.testing.assert_allclose(data.var(1, correction=2).numpy(), [2.5, 0.0])
    np.testing.assert_allclose(data.std(1).numpy() ** 2, [5 / 3, 0.0])
    np.testing.assert_allclose(cr.std(data, 1, False).numpy() ** 2, [1.25, 0.0])


def test_var_of_too_few_elements_is_nan_without_a_warning():
    x = cr.tensor([3.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = x.var()
        v.backward()
    assert np.isnan(v.item()) and x.grad.item() == 0.0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"unbiased": True, "correction": 1}, "not both"), ({"correction": -1}, "correction")],
)
def test_var_refuses_unclear_corrections(kwargs, words):
    with pytest.raises(cr.errors.ConfigError, match=words):
        cr.tensor([1.0, 2.0]).var(**kwargs)


def test_mean_of_a_sum_chain_matches_hand_gradient():
    x = cr.tensor(np.ones((4, 5)), requires_grad=True)
    cr.mean(x, axis=0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((4, 5), 0.25))


@pytest.mark.parametrize("axis", [None, 0, -1], ids=str)
def test_logsumexp_is_finite_for_huge_values(axis):
    data = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]])
    x = cr.tensor(data, requires_grad=True)
    y = cr.logsumexp(x, axis=axis)
    y.sum().backward()
    assert np.isfinite(y.numpy()).all()
    assert np.isfinite(x.grad.numpy()).all()
    shifted = data.max(axis=axis, keepdims=True)
    expected = np.log(np.exp(data - shifted).sum(axis=axis, keepdims=True)) + shifted
    np.testing.assert_allclose(y.numpy(), np.squeeze(expected, axis=axis))


@pytest.mark.torch
def test_logsumexp_huge_values_match_torch():
    data = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]])
    check_against_torch(
        lambda t: cr.logsumexp(t, axis=1), data, torch_fn=torch_op("logsumexp", dim=1)
    )


@pytest.mark.torch
def test_reductions_of_empty_tensors_match_torch(torch):
    x, t = cr.tensor(np.zeros((0, 3))), torch.zeros((0, 3), dtype=torch.float64)
    assert x.max(axis=1).shape == tuple(t.amax(dim=1).shape) == (0,)
    np.testing.assert_array_equal(x.logsumexp(axis=0).numpy(), t.logsumexp(dim=0).numpy())
    assert cr.softmax(x, 0).shape == cr.log_softmax(x, 1).shape == (0, 3)
    with pytest.raises(ShapeError, match="empty axis"):
        x.max(axis=0)
    with pytest.raises(ShapeError, match="empty axis"):
        x.min()


def test_numpy_integer_axes_and_the_axis_of_a_scalar():
    x = cr.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(axis=np.int64(1)).numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(x.max(axis=(np.int64(0),)).numpy(), [3.0, 4.0, 5.0])
    assert cr.softmax(x, np.int64(0)).shape == (2, 3)
    assert cr.tensor(2.0).sum(axis=0).item() == cr.tensor(2.0).mean(axis=-1).item() == 2.0
    with pytest.raises(ShapeError, match="repeats"):
        x.sum(axis=(0, -2))
    with pytest.raises(ShapeError, match="int"):
        x.sum(axis=1.5)
