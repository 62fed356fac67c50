"""The two engines behind one interface: same numbers, state round trips, standardization."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.training import TrainConfig, build_learner, train


@pytest.mark.parametrize(
    ("activation", "cost", "init", "lr"),
    [("sigmoid", "quadratic", "normal", 3.0), ("tanh", "cross-entropy", "xavier", 0.5)],
)
def test_classic_and_autodiff_give_the_same_history(digits, activation, cost, init, lr):
    runs = {
        engine: train(
            TrainConfig(
                epochs=3,
                engine=engine,
                activation=activation,
                cost=cost,
                init=init,
                lr=lr,
                val_size=50,
            ),
            data=digits,
        )
        for engine in ("classic", "autodiff")
    }
    classic, autodiff = runs["classic"].history, runs["autodiff"].history
    assert len(classic) == len(autodiff) == 4
    for a, b in zip(classic, autodiff, strict=True):
        for key in ("train_loss", "val_loss", "test_loss", "mean_batch_loss"):
            if a[key] is not None:
                assert a[key] == pytest.approx(b[key], abs=1e-5), (a["epoch"], key)
        for key in ("train_accuracy", "val_accuracy", "test_accuracy"):
            assert a[key] == pytest.approx(b[key], abs=1 / 250), (a["epoch"], key)
    w_classic = runs["classic"].learner.state()[0]["W1"]
    w_autodiff = runs["autodiff"].learner.state()[0]["model.0.weight"]
    np.testing.assert_allclose(w_classic, w_autodiff, atol=1e-5)


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
def test_standardization_is_part_of_the_model(digits, engine):
    config = TrainConfig(engine=engine, standardize=True, epochs=1)
    learner = build_learner(config)
    learner.fit_input_stats(digits.x_train)
    scaled = learner.input_stats.apply(digits.x_train)
    moving = digits.x_train.std(axis=0) > 0
    np.testing.assert_allclose(scaled[:, moving].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled[:, moving].std(axis=0), 1, atol=1e-3)
    # a learner restored from the state predicts from raw pixels exactly as the original
    arrays, values = learner.state()
    assert {"input.mean", "input.std"} <= set(arrays)
    again = build_learner(config)
    again.load_state(arrays, values)
    np.testing.assert_array_equal(
        again.predict_proba(digits.x_test), learner.predict_proba(digits.x_test)
    )
    plain = build_learner(config)  # same weights, no statistics: other outputs
    assert not np.allclose(plain.predict_proba(digits.x_test), learner.predict_proba(digits.x_test))


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
def test_set_lr_changes_the_step(digits, engine):
    x, y = digits.x_train[:10], digits.y_train[:10]
    steps = []
    for lr in (1.0, 2.0):
        learner = build_learner(TrainConfig(engine=engine))
        before = learner.state()[0]
        learner.set_lr(lr)
        learner.train_batch(x, y)
        after = learner.state()[0]
        key = "W1" if engine == "classic" else "model.0.weight"
        steps.append(after[key] - before[key])
    np.testing.assert_allclose(steps[1], 2 * steps[0], rtol=1e-4, atol=1e-6)  # f32 rounding


def test_evaluation_goes_chunk_by_chunk(digits, monkeypatch):
    from chainrule.training import learners

    learner = build_learner(TrainConfig(engine="autodiff"))
    whole = learner.evaluate(digits.x_train, digits.y_train)
    proba = learner.predict_proba(digits.x_train)
    monkeypatch.setattr(learners, "EVAL_CHUNK", 7)
    chunked = learner.evaluate(digits.x_train, digits.y_train)
    assert chunked[0] == pytest.approx(whole[0], rel=1e-6)
    assert chunked[1] == whole[1]
    np.testing.assert_allclose(learner.predict_proba(digits.x_train), proba, atol=1e-6)
