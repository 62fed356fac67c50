"""Losses: the quadratic cost by hand, the others against PyTorch, gradient checks."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ConfigError, ShapeError

RNG = np.random.default_rng(0)
OUT = RNG.standard_normal((4, 3))
TARGET = RNG.standard_normal((4, 3))
LABELS = np.array([0, 2, 1, 2])
PROBS = RNG.dirichlet(np.ones(3), size=4)
BINARY = (RNG.random((4, 3)) > 0.5).astype(np.float64)


def test_quadratic_cost_on_a_2x2_example_by_hand():
    a = cr.tensor(np.array([[0.5, 1.0], [2.0, 0.0]]), requires_grad=True)
    y = np.array([[1.0, 1.0], [0.0, 1.0]])
    j = nn.QuadraticCost()(a, y)
    # ||y1 - a1||² = 0.25, ||y2 - a2||² = 4 + 1 = 5; J = (0.25 + 5) / (2 · 2)
    assert j.item() == pytest.approx(1.3125)
    j.backward()
    np.testing.assert_allclose(a.grad.numpy(), (a.numpy() - y) / 2)  # (a - y) / m
    assert j.grad_fn.name == "QuadraticCost"


def test_quadratic_cost_against_mse_convention():
    a, y = cr.tensor(OUT), cr.tensor(TARGET)
    n_out = OUT.shape[1]
    assert nn.QuadraticCost()(a, y).item() == pytest.approx(
        nn.MSELoss()(a, y).item() * n_out / 2, rel=1e-12
    )


def test_targets_may_be_arrays_lists_or_tensors():
    a = cr.tensor(OUT)
    expected = nn.MSELoss()(a, TARGET).item()
    assert nn.MSELoss()(a, cr.tensor(TARGET)).item() == pytest.approx(expected)
    assert nn.MSELoss()(a, TARGET.tolist()).item() == pytest.approx(expected)
    ce = nn.CrossEntropyLoss()(a, LABELS).item()
    assert nn.CrossEntropyLoss()(a, cr.tensor(LABELS)).item() == pytest.approx(ce)
    assert nn.CrossEntropyLoss()(a, LABELS.tolist()).item() == pytest.approx(ce)


def loss_pairs(torch):
    yield nn.QuadraticCost(), lambda o, t: ((o - t) ** 2).sum() / (2 * o.shape[0]), TARGET
    for reduction in ("mean", "sum", "none"):
        yield (nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction), TARGET)
        yield (
            nn.CrossEntropyLoss(reduction),
            torch.nn.CrossEntropyLoss(reduction=reduction),
            LABELS,
        )
        yield (
            nn.CrossEntropyLoss(reduction),
            torch.nn.CrossEntropyLoss(reduction=reduction),
            PROBS,
        )
        yield (
            nn.BCEWithLogitsLoss(reduction),
            torch.nn.BCEWithLogitsLoss(reduction=reduction),
            BINARY,
        )


@pytest.mark.torch
def test_losses_match_torch(torch):
    upstream = RNG.standard_normal(OUT.shape[0])
    for ours, theirs, target in loss_pairs(torch):
        oc = cr.tensor(OUT * 3, requires_grad=True)
        ot = torch.tensor(OUT * 3, requires_grad=True)
        lc, lt = ours(oc, target), theirs(ot, torch.from_numpy(target))
        label = f"{ours!r} {target.dtype}"
        np.testing.assert_allclose(lc.numpy(), lt.detach().numpy(), rtol=1e-12, err_msg=label)
        if lc.ndim == 0:
            lc.backward()
            lt.backward()
        else:  # reduction="none": weigh each element before summing
            weight = upstream.reshape((-1,) + (1,) * (lc.ndim - 1))
            (lc * weight).sum().backward()
            (lt * torch.from_numpy(weight)).sum().backward()
        np.testing.assert_allclose(
            oc.grad.numpy(), ot.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=label
        )


@pytest.mark.torch
def test_mse_differentiates_a_target_that_requires_grad(torch):
    for ours, reduction in ((nn.MSELoss(), "mean"), (nn.MSELoss("sum"), "sum")):
        tc = cr.tensor(TARGET, requires_grad=True)
        tt = torch.tensor(TARGET, requires_grad=True)
        ours(cr.tensor(OUT), tc).backward()
        torch.nn.functional.mse_loss(torch.from_numpy(OUT), tt, reduction=reduction).backward()
        np.testing.assert_allclose(tc.grad.numpy(), tt.grad.numpy(), rtol=1e-12)
    tc = cr.tensor(TARGET, requires_grad=True)
    nn.QuadraticCost()(cr.tensor(OUT), tc).backward()
    np.testing.assert_allclose(tc.grad.numpy(), (TARGET - OUT) / 4, rtol=1e-12)


def test_gradcheck_every_loss():
    for reduction in ("mean", "sum", "none"):
        for loss, target in (
            (nn.MSELoss(reduction), TARGET),
            (nn.CrossEntropyLoss(reduction), LABELS),
            (nn.CrossEntropyLoss(reduction), PROBS),
            (nn.BCEWithLogitsLoss(reduction), BINARY),
        ):
            cr.gradcheck(lambda o: loss(o, target), OUT)  # noqa: B023 - used at once
    cr.gradcheck(lambda o: nn.QuadraticCost()(o, TARGET), OUT)


def test_errors():
    with pytest.raises(ConfigError, match="reduction"):
        nn.MSELoss("avg")
    with pytest.raises(ShapeError):
        nn.MSELoss()(cr.tensor(OUT), TARGET[:, :2])
    with pytest.raises(ShapeError):
        nn.MSELoss("none")(cr.tensor(OUT), TARGET[:, :2])
    with pytest.raises(ShapeError, match="labels must lie"):
        nn.CrossEntropyLoss()(cr.tensor(OUT), np.array([0, 1, 2, 3]))
    with pytest.raises(ShapeError):
        nn.BCEWithLogitsLoss("none")(cr.tensor(OUT), BINARY[:2])
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.MSELoss("sum")) == "MSELoss(reduction='sum')"


def test_float32_stays_float32():
    out = cr.tensor(OUT.astype(np.float32))
    for loss, target in (
        (nn.MSELoss(), TARGET),
        (nn.CrossEntropyLoss("none"), PROBS),
        (nn.BCEWithLogitsLoss("none"), BINARY),
        (nn.QuadraticCost(), TARGET),
    ):
        assert loss(out, target).dtype == np.float32, loss


CE_OPTIONS = {
    "weight": dict(weight=[0.2, 1.0, 3.0]),
    "ignore_index": dict(ignore_index=1),
    "default ignore_index": dict(),
    "label_smoothing": dict(label_smoothing=0.15),
    "all three": dict(weight=[0.2, 1.0, 3.0], ignore_index=2, label_smoothing=0.3),
}


# ignore_index applies to class labels only (in PyTorch too)
CE_CASES = [("labels", name) for name in CE_OPTIONS] + [
    ("probabilities", name) for name in ("weight", "label_smoothing")
]


@pytest.mark.torch
@pytest.mark.parametrize(("kind", "options"), CE_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_options_match_torch(torch, kind, options, reduction):
    """Values and gradients of class weights, ignore_index and label smoothing."""
    kwargs = CE_OPTIONS[options]
    if kind == "probabilities":
        target = RNG.dirichlet(np.ones(3), size=6)
    elif options == "default ignore_index":
        target = np.array([0, -100, 1, 2, -100, 0])
    else:
        target = np.array([0, 2, 1, 2, 1, 0])
    logits = RNG.standard_normal((6, 3)) * 2
    theirs_kwargs = dict(kwargs)
    if "weight" in kwargs:
        theirs_kwargs["weight"] = torch.tensor(kwargs["weight"], dtype=torch.float64)
    ours = nn.CrossEntropyLoss(reduction, **kwargs)
    theirs = torch.nn.CrossEntropyLoss(reduction=reduction, **theirs_kwargs)
    oc, ot = cr.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    lc, lt = ours(oc, target), theirs(ot, torch.from_numpy(target))
    np.testing.assert_allclose(lc.numpy(), lt.detach().numpy(), rtol=1e-12, atol=1e-15)
    upstream = np.arange(1.0, 7.0)
    if lc.ndim:
        (lc * upstream).sum().backward()
        (lt * torch.from_numpy(upstream)).sum().backward()
    else:
        lc.backward()
        lt.backward()
    np.testing.assert_allclose(oc.grad.numpy(), ot.grad.numpy(), rtol=1e-10, atol=1e-14)
    cr.gradcheck(lambda o: ours(o, target).sum(), logits)


def test_cross_entropy_option_errors():
    with pytest.raises(ConfigError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ConfigError, match="one number per class"):
        nn.CrossEntropyLoss(weight=[[1.0, 2.0]])
    with pytest.raises(ShapeError, match="weight of shape"):
        nn.CrossEntropyLoss(weight=[1.0, 2.0])(cr.tensor(OUT), LABELS)
    with pytest.raises(ShapeError, match="0/0"):
        nn.CrossEntropyLoss(ignore_index=0)(cr.tensor(np.zeros((2, 3))), [0, 0])
    with pytest.raises(ShapeError, match="or be ignore_index=-100"):
        nn.CrossEntropyLoss(label_smoothing=0.1)(cr.tensor(np.zeros((2, 3))), [0, 5])
    loss = nn.CrossEntropyLoss("sum", weight=[1, 2], ignore_index=3, label_smoothing=0.1)
    assert repr(loss) == (
        "CrossEntropyLoss(reduction='sum', weight=[1, 2], ignore_index=3, label_smoothing=0.1)"
    )


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_losses_of_an_empty_batch_match_torch_where_defined(torch, reduction):
    """A sum over no examples is 0 and their rows are empty; only the mean is 0/0."""
    empty, labels = np.zeros((0, 3)), np.zeros(0, dtype=np.int64)
    pairs = [
        (nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction), empty),
        (nn.BCEWithLogitsLoss(reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction), empty),
        (nn.CrossEntropyLoss(reduction), torch.nn.CrossEntropyLoss(reduction=reduction), labels),
    ]
    for ours, theirs, target in pairs:
        lc = ours(cr.tensor(empty), target)
        lt = theirs(torch.from_numpy(empty), torch.from_numpy(target))
        assert lc.shape == tuple(lt.shape)
        np.testing.assert_array_equal(lc.numpy(), lt.numpy())


@pytest.mark.torch
def test_softmax_of_a_scalar_matches_torch(torch):
    x = cr.tensor(3.0, requires_grad=True)
    (cr.softmax(x, 0) + cr.log_softmax(x, -1)).backward()
    t = torch.tensor(3.0, requires_grad=True)
    (torch.softmax(t, 0) + torch.log_softmax(t, -1)).backward()
    assert cr.softmax(x, 0).item() == 1.0 and cr.log_softmax(x).item() == 0.0
    assert x.grad.item() == t.grad.item() == 0.0
