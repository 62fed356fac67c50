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


@pytest.mark.parametrize(
    "settings",
    [
        {"activation": "sigmoid", "cost": "quadratic", "lr": 3.0},
        {"activation": "relu", "cost": "cross-entropy", "optimizer": "adam", "lr": 0.01},
        {"activation": "tanh", "cost": "cross-entropy", "optimizer": "momentum", "lr": 0.1},
        {"activation": "tanh", "cost": "cross-entropy", "schedule": "cosine", "lr": 0.5},
    ],
)
def test_compiled_training_is_bit_identical_to_eager(digits, settings):
    # batch 32 on the bundled digits leaves a short last batch: a second plan each run
    config = TrainConfig(engine="autodiff", epochs=3, batch_size=32, val_size=50, **settings)
    eager, compiled = (trained(config, digits, flag) for flag in (False, True))
    step = compiled.learner.compiled
    assert step is not None and step.traces == 2 and step.reason is None
    assert eager.learner.compiled is None
    for a, b in zip(eager.history, compiled.history, strict=True):
        assert {k: v for k, v in a.items() if k != "seconds"} == {
            k: v for k, v in b.items() if k != "seconds"
        }
    for key, array in eager.learner.state()[0].items():
        np.testing.assert_array_equal(array, compiled.learner.state()[0][key], err_msg=key)


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
