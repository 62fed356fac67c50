"""One run, a step at a time: the loop train() drives, per-layer records, both engines alike."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.classic import Network
from chainrule.diagnostics import ClassicMonitor, ModuleMonitor
from chainrule.errors import ConfigError, NonFiniteError
from chainrule.training import Run, TrainConfig, build_learner, train

SMALL = {"layers": (64, 16, 10), "epochs": 2, "batch_size": 25}


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
def test_stepping_a_run_by_hand_is_train(digits, engine, same_run):
    config = TrainConfig(engine=engine, **SMALL)
    run = Run(config, digits)
    assert run.epoch == 0 and run.history[0]["epoch"] == 0 and not run.done
    per_epoch = len(run.loader)
    losses = [run.step() for _ in range(per_epoch)]
    assert run.epoch == 1 and run.steps == per_epoch and len(run.history) == 2
    assert run.history[1]["mean_batch_loss"] == pytest.approx(np.mean(losses))
    entry = run.run_epoch()
    assert entry is run.history[-1] and entry["epoch"] == 2 and run.done
    trained = train(config, data=digits)
    trained.learner, trained.history = run.learner, run.history
    same_run(trained, train(config, data=digits))


def test_records_between_steps_show_every_layer(digits):
    run = Run(TrainConfig(layers=(64, 12, 8, 10), batch_size=20), digits)
    with pytest.raises(ConfigError, match="no step"):
        run.records("batch")
    before = run.records()
    run.step()
    after = run.records()
    batch = run.records("batch")
    m = len(digits.x_train)
    assert [z.shape for z in before.z] == [(m, 12), (m, 8), (m, 10)]
    assert [a.shape for a in before.a] == [(m, 64), (m, 12), (m, 8), (m, 10)]
    assert batch.deltas[0].shape == (20, 12)
    assert not np.allclose(before.grad_weights[0], after.grad_weights[0])  # a step was taken
    with pytest.raises(ConfigError, match="use 'batch'"):
        run.records("val")  # no validation split without val_size


def layer_pair(engine_config: dict, x: np.ndarray, y: np.ndarray):
    """The same network's layer_pass on both engines (float64, so they agree closely)."""
    net = Network([6, 5, 4, 3], "tanh", engine_config["cost"], "xavier", dtype=np.float64)
    passes = []
    for engine in ("classic", "autodiff"):
        config = TrainConfig(layers=(6, 5, 4, 3), engine=engine, **engine_config)
        passes.append(build_learner(config, net).layer_pass(x, y))
    return passes


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_both_engines_give_the_same_layer_records(cost):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((7, 6)), rng.integers(0, 3, 7)
    classic, autodiff = layer_pair({"cost": cost, "activation": "tanh"}, x, y)
    assert classic.cost == pytest.approx(autodiff.cost, rel=1e-12)
    for name in ("z", "deltas", "grad_weights", "grad_biases"):
        for l, (c, a) in enumerate(zip(getattr(classic, name), getattr(autodiff, name))):
            np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-12, err_msg=f"{name}[{l}]")
    # hidden activations agree; the output's a^L differs only where the softmax is in the cost
    for c, a in zip(classic.hidden_activations(), autodiff.hidden_activations()):
        np.testing.assert_allclose(a, c, rtol=1e-12)
    for field in ("speeds", "grad_norms", "weight_norms"):
        np.testing.assert_allclose(getattr(autodiff, field), getattr(classic, field), rtol=1e-10)
    # BP3: ∂J/∂b^l is δ^l summed over the batch
    for d, gb in zip(autodiff.deltas, autodiff.grad_biases):
        np.testing.assert_allclose(d.sum(axis=0), gb, rtol=1e-10, atol=1e-14)


def test_layer_pass_changes_nothing(digits):
    config = TrainConfig(engine="autodiff", batch_norm=True, dropout=0.2, **SMALL)
    learner = build_learner(config)
    x, y = digits.x_train[:50], digits.y_train[:50]
    arrays, values = learner.state()
    p = learner.layer_pass(x, y)
    assert np.isfinite(p.speeds).all() and p.grad_biases[0].shape == (16,)  # β of the BN
    arrays_after, values_after = learner.state()
    for name, array in arrays.items():
        np.testing.assert_array_equal(arrays_after[name], array, err_msg=name)
    assert values_after == values  # dropout generators untouched


@pytest.mark.parametrize(
    ("engine", "kind"), [("classic", ClassicMonitor), ("autodiff", ModuleMonitor)]
)
def test_a_watched_learner_records_its_steps(digits, engine, kind, same_run):
    config = TrainConfig(engine=engine, **SMALL)
    run = Run(config, digits)
    monitor = run.learner.watch(every=3)
    assert isinstance(monitor, kind)
    run.run_epoch()
    rec = monitor.records
    assert rec.steps.tolist() == list(range(0, len(run.loader), 3))
    assert np.isfinite(rec.speeds).all() and np.isfinite(rec.update_ratios).all()
    unwatched = Run(config, digits)
    unwatched.run_epoch()  # watching changes no number
    assert [h["train_loss"] for h in unwatched.history] == [h["train_loss"] for h in run.history]


def test_divergence_raises_or_stops(digits):
    config = TrainConfig(
        layers=(64, 64, 64, 10), activation="relu", init="normal", cost="cross-entropy", lr=1e3
    )
    with pytest.raises(NonFiniteError, match=r"training diverged in epoch 1, batch \d+"):
        Run(config, digits).run_epoch()
    run = Run(config, digits, evaluate=False, stop_on_divergence=True)
    assert run.history == []
    assert run.run_epoch() is None and run.diverged and run.done and run.epoch == 0
    with pytest.raises(NonFiniteError, match="no more steps"):
        run.step()


def test_clipping_refuses_a_non_finite_gradient(digits):
    """Clipping cannot scale an infinite gradient: the step is refused, the weights kept."""
    config = TrainConfig(layers=(64, 16, 10), engine="autodiff", clip_norm=1.0)
    learner = build_learner(config)
    x = digits.x_train[:10].copy()
    x[0, 0] = np.inf
    before = learner.state()[0]["model.0.weight"].copy()
    with np.errstate(all="ignore"):
        assert np.isnan(learner.train_batch(x, digits.y_train[:10]))
    np.testing.assert_array_equal(learner.state()[0]["model.0.weight"], before)


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
def test_records_are_not_overwritten_by_later_steps(digits, engine):
    """A front end keeps the records of step k while the run goes on to step k + 1."""
    run = Run(TrainConfig(engine=engine, **SMALL), digits)
    run.step()
    records = run.records("batch")
    kept = {name: [a.copy() for a in getattr(records, name)] for name in ("z", "a", "deltas")}
    kept["grads"] = [g.copy() for g in records.grad_weights + records.grad_biases]
    run.step()
    run.records("batch")
    for name in ("z", "a", "deltas"):
        for old, now in zip(kept[name], getattr(records, name), strict=True):
            np.testing.assert_array_equal(now, old, err_msg=name)
    for old, now in zip(kept["grads"], records.grad_weights + records.grad_biases, strict=True):
        np.testing.assert_array_equal(now, old)
