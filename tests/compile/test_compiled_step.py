"""The compiled training step gives the eager step's numbers bit for bit, step after step.

Each test trains two copies of one model side by side, one eagerly and one through
``chainrule.compile``, and compares J, the weights and the gradients exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.compiler import MAX_SHAPES, CompileWarning
from helpers.lockstep import (
    ACTIVATIONS,
    OPTIMIZERS,
    SIZES,
    assert_same,
    batch,
    eager_step,
    lockstep,
    make,
)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_bit_identical_to_eager_over_many_steps(dtype, activation, cost, optimizer) -> None:
    eager, compiled = (make(dtype, activation, cost, optimizer) for _ in range(2))
    step = cr.compile(*compiled)
    rng = np.random.default_rng(0)
    # a short last batch every fifth step: a second plan, traced once
    batches = [batch(rng, 3 if i % 5 == 4 else 8, dtype, cost) for i in range(25)]
    lockstep(eager, compiled, step, batches)
    assert (step.traces, step.reason) == (2, None)


@pytest.mark.parametrize("name", ["W1", "W5"])
def test_bit_identical_on_workload_shapes(name) -> None:
    sizes, activation, cost, size = {
        "W1": ((784, 30, 10), "sigmoid", "quadratic", 10),
        "W5": ((64, 32, 10), "tanh", "cross-entropy", 32),
    }[name]
    eager, compiled = (make(np.float64, activation, cost, "sgd", sizes) for _ in range(2))
    step = cr.compile(*compiled)
    rng = np.random.default_rng(1)
    lockstep(eager, compiled, step, [batch(rng, size, np.float64, cost, sizes) for _ in range(8)])
    assert step.traces == 1


def test_one_trace_per_batch_shape_and_reuse() -> None:
    model, loss, opt = make(np.float64)
    step = cr.compile(model, loss, opt)
    rng = np.random.default_rng(2)
    for size in (8, 8, 5, 8, 5, 1, 1):
        step(*batch(rng, size, np.float64, "quadratic"))
    assert step.traces == 3


def test_a_dataloaders_tensor_batches_are_compiled_with_the_same_numbers() -> None:
    eager, compiled = (make(np.float32, "relu", "cross-entropy") for _ in range(2))
    step = cr.compile(*compiled)
    rng = np.random.default_rng(3)
    data = cr.utils.data.TensorDataset(*map(cr.tensor, batch(rng, 24, np.float32, "cross-entropy")))
    for x, y in cr.utils.data.DataLoader(data, batch_size=8):
        assert isinstance(x, cr.Tensor) and isinstance(y, cr.Tensor)
        assert step(x, y) == eager_step(*eager, x.numpy(), y.numpy())
    assert (step.traces, step.reason) == (1, None)
    assert_same(eager[0], compiled[0])


def test_too_many_shapes_fall_back_with_a_reason() -> None:
    model, loss, opt = make(np.float64)
    step = cr.compile(model, loss, opt, warn=False)
    rng = np.random.default_rng(3)
    for size in range(1, MAX_SHAPES + 3):
        step(*batch(rng, size, np.float64, "quadratic"))
    assert "dynamic shapes" in step.reason


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (lambda: nn.BatchNorm1d(9, dtype=np.float64), "BatchNorm1d"),
        (lambda: nn.Dropout(0.5, rng=0), "Dropout"),
        (lambda: nn.LeakyReLU(), "LeakyReLU"),
    ],
)
def test_modules_without_a_kernel_run_eagerly_with_a_reason(extra, words) -> None:
    def model():
        return nn.Sequential(nn.Linear(12, 9, rng=0, dtype=np.float64), extra(), nn.Sigmoid())

    eager = (a := model(), nn.QuadraticCost(), optim.SGD(a.parameters(), lr=0.1))
    compiled = (b := model(), nn.QuadraticCost(), optim.SGD(b.parameters(), lr=0.1))
    step = cr.compile(*compiled)
    rng = np.random.default_rng(4)
    batches = [batch(rng, 6, np.float64, "quadratic", (12, 9)) for _ in range(4)]
    with pytest.warns(CompileWarning, match=words):
        lockstep(eager, compiled, step, batches)
    assert words in step.reason and "\n" not in step.reason
    assert step.traces == 0


def test_a_subclass_with_its_own_forward_is_not_compiled() -> None:
    class Doubled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2.0

    model = nn.Sequential(Doubled(3, 2, rng=0))
    step = cr.compile(model, nn.QuadraticCost(), optim.SGD(model.parameters(), lr=0.1), warn=False)
    step(np.ones((2, 3), np.float32), np.zeros((2, 2), np.float32))
    assert "Doubled" in step.reason


@pytest.mark.parametrize(
    "loss_fn",
    [nn.MSELoss(), nn.CrossEntropyLoss(label_smoothing=0.1), nn.CrossEntropyLoss(reduction="sum")],
)
def test_losses_without_a_kernel_run_eagerly(loss_fn) -> None:
    model = nn.Sequential(nn.Linear(3, 2, rng=0))
    step = cr.compile(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), warn=False)
    target = np.zeros((2, 2), np.float32) if isinstance(loss_fn, nn.MSELoss) else np.array([0, 1])
    assert np.isfinite(step(np.ones((2, 3), np.float32), target))
    assert step.reason is not None and step.traces == 0


def test_labels_outside_the_classes_get_the_eager_error() -> None:
    model, loss, opt = make(np.float64, cost="cross-entropy")
    step = cr.compile(model, loss, opt, warn=False)
    x = np.ones((2, SIZES[0]))
    step(x, np.array([0, 1]))
    with pytest.raises(cr.errors.ShapeError, match="labels must lie in"):
        step(x, np.array([0, 7]))
    assert "labels" in step.reason


def test_a_forward_hook_runs_eagerly_until_removed() -> None:
    eager, compiled = make(np.float64), make(np.float64)
    step = cr.compile(*compiled, warn=False)
    rng = np.random.default_rng(5)
    seen = []
    lockstep(eager, compiled, step, [batch(rng, 4, np.float64, "quadratic") for _ in range(2)])
    handle = compiled[0][1].register_forward_hook(lambda m, i, o: seen.append(o.shape))
    lockstep(eager, compiled, step, [batch(rng, 4, np.float64, "quadratic") for _ in range(2)])
    assert len(seen) == 2 and "hooks" in step.reason  # the hook ran at every step
    handle.remove()
    lockstep(eager, compiled, step, [batch(rng, 4, np.float64, "quadratic") for _ in range(2)])
    assert step.reason is None and len(seen) == 2


def test_ignored_labels_run_eagerly_and_later_batches_compile() -> None:
    eager, compiled = (make(np.float64, cost="cross-entropy") for _ in range(2))
    step = cr.compile(*compiled, warn=False)
    rng = np.random.default_rng(6)
    x, y = batch(rng, 5, np.float64, "cross-entropy")
    y[1] = -100  # ignore_index: the general (eager) cross-entropy
    assert eager_step(*eager, x, y) == step(x, y)
    assert "labels" in step.reason and step.traces == 0
    lockstep(eager, compiled, step, [batch(rng, 5, np.float64, "cross-entropy") for _ in range(3)])
    assert step.reason is None and step.traces == 1


def test_a_compiled_step_pickles_and_retraces_after() -> None:
    import pickle

    eager, compiled = make(np.float64), make(np.float64)
    step = cr.compile(*compiled)
    rng = np.random.default_rng(7)
    lockstep(eager, compiled, step, [batch(rng, 4, np.float64, "quadratic") for _ in range(3)])
    copy = pickle.loads(pickle.dumps(step))
    assert copy.traces == 1 and not copy._plans
    rebuilt = (copy.model, copy.loss_fn, copy.optimizer)
    lockstep(eager, rebuilt, copy, [batch(rng, 4, np.float64, "quadratic") for _ in range(3)])
    assert copy.traces == 2 and copy.reason is None
