"""softmax, log_softmax and the fused losses: values, gradients, stability, errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ShapeError
from helpers.oracles import check_against_torch, torch_op

# ---- softmax and log_softmax ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize(
    ("shape", "axis"),
    [((5,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), 1)],
    ids=str,
)
def test_softmax_family(check, name, shape, axis):
    check(
        lambda x: getattr(cr, name)(x, axis=axis),
        shape,
        torch_fn=lambda x: getattr(x, name)(dim=axis),
    )


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_methods(check, name):
    check(lambda x: getattr(x, name)(), (3, 4), torch_fn=lambda x: getattr(x, name)(dim=-1))


def test_softmax_rows_sum_to_one():
    x = cr.tensor(np.random.default_rng(0).standard_normal((4, 5)))
    np.testing.assert_allclose(cr.softmax(x).numpy().sum(axis=-1), np.ones(4), rtol=1e-12)


HUGE = np.array([[1000.0, 0.0, -1000.0], [3000.0, 3000.0, -3000.0]])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_huge_logits_give_finite_values_and_gradients(name):
    x = cr.tensor(HUGE, requires_grad=True)
    y = getattr(cr, name)(x)
    (y * cr.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    assert np.isfinite(y.numpy()).all()
    assert np.isfinite(x.grad.numpy()).all()


def test_log_softmax_of_huge_logits_is_exact():
    y = cr.log_softmax(cr.tensor(HUGE)).numpy()
    np.testing.assert_allclose(y[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(y[1], [-np.log(2), -np.log(2), -6000.0 - np.log(2)])


@pytest.mark.torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_huge_logits_match_torch(name):
    check_against_torch(
        lambda x: getattr(cr, name)(x), HUGE, torch_fn=lambda x: getattr(x, name)(-1)
    )


# ---- cross_entropy --------------------------------------------------------------------------

LABELS = np.array([2, 0, 1, 2])


def test_cross_entropy_with_labels(check):
    check(
        lambda z: cr.cross_entropy(z, LABELS),
        (4, 3),
        torch_fn=lambda z: torch_op("nn.functional.cross_entropy")(z, _torch_tensor(LABELS)),
    )


def test_cross_entropy_with_probability_targets(check):
    targets = np.random.default_rng(4).dirichlet(np.ones(3), size=4)
    check(
        lambda z: cr.cross_entropy(z, targets),
        (4, 3),
        torch_fn=lambda z: torch_op("nn.functional.cross_entropy")(z, _torch_tensor(targets)),
    )


def test_cross_entropy_with_labels_as_a_list_or_tensor():
    logits = cr.tensor(np.random.default_rng(1).standard_normal((4, 3)))
    expected = cr.cross_entropy(logits, LABELS).item()
    assert cr.cross_entropy(logits, LABELS.tolist()).item() == pytest.approx(expected)
    assert cr.cross_entropy(logits, cr.tensor(LABELS)).item() == pytest.approx(expected)


def test_cross_entropy_by_hand():
    z = np.array([[0.0, 0.0], [2.0, 0.0]])
    x = cr.tensor(z, requires_grad=True)
    loss = cr.cross_entropy(x, [1, 0])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert loss.item() == pytest.approx(-(np.log(p[0, 1]) + np.log(p[1, 0])) / 2)
    loss.backward()
    onehot = np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(x.grad.numpy(), (p - onehot) / 2)


def test_cross_entropy_of_huge_logits_is_finite():
    x = cr.tensor(HUGE, requires_grad=True)
    loss = cr.cross_entropy(x, [2, 0])
    loss.backward()
    assert loss.item() == pytest.approx((2000.0 + np.log(2)) / 2)
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0]])
def test_cross_entropy_labels_out_of_range(labels):
    with pytest.raises(ShapeError, match="labels"):
        cr.cross_entropy(cr.tensor(np.zeros((2, 3))), labels)


def test_cross_entropy_shape_errors():
    with pytest.raises(ShapeError):
        cr.cross_entropy(cr.tensor(np.zeros((2, 3))), [0, 1, 2])
    with pytest.raises(ShapeError):
        cr.cross_entropy(cr.tensor(np.zeros((2, 3))), np.zeros((2, 4)))
    with pytest.raises(ShapeError):
        cr.cross_entropy(cr.tensor(np.zeros(3)), [0])


# ---- binary_cross_entropy_with_logits -------------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (4, 3)], ids=str)
def test_bce_with_logits(check, shape):
    targets = np.random.default_rng(6).uniform(0, 1, shape)
    check(
        lambda z: cr.binary_cross_entropy_with_logits(z, targets),
        shape,
        torch_fn=lambda z: torch_op("nn.functional.binary_cross_entropy_with_logits")(
            z, _torch_tensor(targets)
        ),
    )


def test_bce_with_logits_is_stable_for_huge_logits():
    z = cr.tensor(np.array([-1000.0, 1000.0, -1000.0, 1000.0]), requires_grad=True)
    loss = cr.binary_cross_entropy_with_logits(z, np.array([0.0, 1.0, 1.0, 0.0]))
    loss.backward()
    assert loss.item() == pytest.approx(500.0)
    np.testing.assert_allclose(z.grad.numpy(), [0.0, 0.0, -0.25, 0.25])


def test_bce_with_logits_shape_error():
    with pytest.raises(ShapeError):
        cr.binary_cross_entropy_with_logits(cr.tensor(np.zeros(3)), np.zeros(4))


# ---- quadratic_cost -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 3), (5, 1), (3,)], ids=str)
def test_quadratic_cost_gradient(check, shape):
    y = np.random.default_rng(7).standard_normal(shape)
    m = shape[0]
    # PyTorch's MSELoss averages over every element and has no 1/2: J = MSE * (size / m) / 2.
    check(
        lambda a: cr.quadratic_cost(a, y),
        shape,
        torch_fn=lambda a: (
            torch_op("nn.functional.mse_loss")(a, _torch_tensor(y)) * (a.numel() / m) / 2
        ),
    )


def test_quadratic_cost_is_the_lecture_formula():
    rng = np.random.default_rng(8)
    a, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    x = cr.tensor(a, requires_grad=True)
    cost = cr.quadratic_cost(x, y)
    m = a.shape[0]
    expected = sum(np.sum((y[i] - a[i]) ** 2) for i in range(m)) / (2 * m)
    assert cost.item() == pytest.approx(expected, rel=1e-12)
    cost.backward()
    np.testing.assert_allclose(x.grad.numpy(), (a - y) / m, rtol=1e-12)


def test_quadratic_cost_is_half_mse_times_output_units(torch):
    rng = np.random.default_rng(9)
    a, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    cost = cr.quadratic_cost(cr.tensor(a), y).item()
    mse = torch.nn.MSELoss()(torch.from_numpy(a), torch.from_numpy(y)).item()
    assert cost == pytest.approx(mse * a.shape[1] / 2, rel=1e-12)


def test_quadratic_cost_shape_error():
    with pytest.raises(ShapeError):
        cr.quadratic_cost(cr.tensor(np.zeros((2, 3))), np.zeros((3, 2)))


def _torch_tensor(array):
    return torch_op("as_tensor")(array)


@pytest.mark.parametrize(
    "loss",
    [
        lambda x: cr.cross_entropy(x, np.zeros(0, dtype=int)),
        lambda x: cr.quadratic_cost(x, np.zeros((0, 3))),
        lambda x: cr.binary_cross_entropy_with_logits(x, np.zeros((0, 3))),
    ],
    ids=["cross_entropy", "quadratic_cost", "bce"],
)
def test_a_mean_loss_over_an_empty_batch_is_a_shape_error(loss):
    with pytest.raises(ShapeError, match="empty"):
        loss(cr.tensor(np.zeros((0, 3))))
