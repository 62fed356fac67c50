"""The training loop compiles autodiff steps by default, with the eager loop's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.compiler import set_compiling
from chainrule.training import Run, TrainConfig, build_learner


def trained(config, digits, compile):
    run = Run(config, digits, learner=build_learner(config, compile=compile))
    while not run.done:
        run.run_epoch()
    return run


EXACT = [
    {"activation": "relu", "cost": "cross-entropy", "optimizer": "adam", "lr": 0.01},
    {"activation": "tanh", "cost": "cross-entropy", "optimizer": "momentum", "lr": 0.1},
]
# plain SGD folds α into the loss gradient: the eager loop's numbers to float32 rounding
FOLDED = [
    {"activation": "sigmoid", "cost": "quadratic", "lr": 3.0},
    {"activation": "tanh", "cost": "cross-entropy", "schedule": "cosine", "lr": 0.5},
]


def eager_and_compiled(digits, settings):
    # batch 32 on the bundled digits leaves a short last batch: a second plan each run
    config = TrainConfig(engine="autodiff", epochs=3, batch_size=32, val_size=50, **settings)
    eager, compiled = (trained(config, digits, flag) for flag in (False, True))
    step = compiled.learner.compiled
    assert step is not None and step.traces == 2 and step.reason is None
    assert eager.learner.compiled is None
    return eager, compiled


def numbers(entry):
    return {k: v for k, v in entry.items() if k != "seconds"}


@pytest.mark.parametrize("settings", EXACT)
def test_compiled_training_is_bit_identical_to_eager(digits, settings):
    eager, compiled = eager_and_compiled(digits, settings)
    for a, b in zip(eager.history, compiled.history, strict=True):
        assert numbers(a) == numbers(b)
    for key, array in eager.learner.state()[0].items():
        np.testing.assert_array_equal(array, compiled.learner.state()[0][key], err_msg=key)


@pytest.mark.parametrize("settings", FOLDED)
def test_compiled_sgd_training_equals_eager_to_rounding(digits, settings):
    eager, compiled = eager_and_compiled(digits, settings)
    assert all(p.grad is None for p in compiled.learner.model.parameters())  # it folded
    for a, b in zip(eager.history, compiled.history, strict=True):
        ours, theirs = numbers(a), numbers(b)
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            if isinstance(value, float):
                assert value == pytest.approx(theirs[key], rel=1e-4, abs=1e-6), key
            else:
                assert value == theirs[key], key
    for key, array in eager.learner.state()[0].items():
        theirs = compiled.learner.state()[0][key]
        np.testing.assert_allclose(theirs, array, rtol=1e-4, atol=1e-5, err_msg=key)


def test_batch_norm_and_dropout_train_eagerly_with_a_reason(digits):
    config = TrainConfig(engine="autodiff", epochs=1, batch_norm=True, dropout=0.2, lr=0.1)
    run = trained(config, digits, None)
    assert "BatchNorm1d" in run.learner.compiled.reason
    assert run.learner.compiled.traces == 0


def test_the_environment_and_set_compiling_opt_out(monkeypatch):
    config = TrainConfig(engine="autodiff")
    monkeypatch.setenv("CHAINRULE_COMPILE", "0")
    assert build_learner(config).compiled is None
    monkeypatch.delenv("CHAINRULE_COMPILE")
    assert build_learner(config).compiled is not None
    set_compiling(False)
    try:
        assert build_learner(config).compiled is None
    finally:
        set_compiling(None)
