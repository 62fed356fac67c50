"""The learning-speed experiment, both engines, gradient clipping, and the remedies table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.classic import Network
from chainrule.data import load
from chainrule.diagnostics import SpeedResult, diagnose
from chainrule.errors import ConfigError
from chainrule.training import compare_remedies, learning_speed_experiment

SIZES = [64, 16, 16, 16, 10]


@pytest.fixture(scope="module")
def digits():
    return load("digits", train_size=200)


def test_speeds_before_training_are_nielsens_measure(digits):
    r = learning_speed_experiment(digits, SIZES, "sigmoid", "normal-scaled", epochs=2, lr=1.0)
    assert isinstance(r, SpeedResult) and r.engine == "classic"
    assert r.x.tolist() == [0, 1, 2] and r.speeds.shape == (3, 3)
    # epoch 0: ‖∂J/∂b^l‖ of J averaged over the whole training set, with the initial weights
    net = Network(SIZES, "sigmoid", "quadratic", "normal-scaled", seed=0)
    full = net.backward(digits.x_train, digits.y_train)
    np.testing.assert_allclose(r.speeds[0], net.learning_speeds(full)[:-1], rtol=1e-6)
    # ... which is the norm of the mean over the images of the per-image gradient
    per_image = [
        net.backward(digits.x_train[i : i + 1], digits.y_train[i : i + 1]).grad_biases[0]
        for i in range(len(digits.x_train))
    ]
    np.testing.assert_allclose(r.speeds[0, 0], np.linalg.norm(np.mean(per_image, 0)), rtol=1e-4)
    assert np.all(np.diff(r.speeds[0]) > 0)  # vanishing: each hidden layer slower than the next
    assert r.initial_ratio < 0.1
    payload = json.loads(json.dumps(r.to_dict()))
    assert payload["epochs"] == [0, 1, 2] and len(payload["speeds"][0]) == 3


def test_both_engines_report_the_same_speeds(digits):
    kwargs = {"epochs": 2, "batch_size": 20, "lr": 0.5, "cost": "quadratic"}
    classic = learning_speed_experiment(digits, SIZES, "tanh", "xavier", engine="classic", **kwargs)
    autodiff = learning_speed_experiment(
        digits, SIZES, "tanh", "xavier", engine="autodiff", **kwargs
    )
    assert autodiff.engine == "autodiff"
    np.testing.assert_allclose(autodiff.speeds, classic.speeds, rtol=2e-3)
    np.testing.assert_allclose(autodiff.grad_norms, classic.grad_norms, rtol=2e-3)
    np.testing.assert_allclose(autodiff.train_loss, classic.train_loss, rtol=1e-4)
    assert autodiff.test_accuracy == pytest.approx(classic.test_accuracy, abs=0.01)


def test_step_records_and_batch_norm(digits):
    r = learning_speed_experiment(
        digits, SIZES, "sigmoid", "normal-scaled", epochs=1, batch_size=50, record="step"
    )
    assert r.x.tolist() == [0, 1, 2, 3] and r.records is not None
    assert "vanishing" in diagnose(r.records)
    bn = learning_speed_experiment(
        digits, SIZES, "sigmoid", "normal-scaled", epochs=1, batch_size=20, batch_norm=True
    )
    assert bn.engine == "autodiff" and np.isfinite(bn.speeds).all() and np.all(bn.speeds > 0)
    assert bn.speeds.shape == bn.grad_norms.shape == (2, 3)
    # below a BatchNorm the batch-summed δ (the β gradient) shrinks, but ∂J/∂W does not
    assert bn.initial_weight_ratio > 3 * bn.initial_ratio


def test_clipping_keeps_an_exploding_run_finite(digits, big_weights):
    kwargs = {
        "cost": "cross-entropy",
        "epochs": 2,
        "batch_size": 20,
        "lr": 0.05,
        "engine": "autodiff",
    }
    sizes = [64, 32, 32, 32, 32, 10]
    wild = learning_speed_experiment(digits, sizes, "identity", big_weights, **kwargs)
    assert wild.diverged
    assert wild.speeds[0, 0] / wild.speeds[0, -1] > 10  # exploding toward the input
    tamed = learning_speed_experiment(digits, sizes, "identity", big_weights, clip=1.0, **kwargs)
    assert not tamed.diverged
    assert np.isfinite(tamed.speeds).all() and np.isfinite(tamed.train_loss).all()
    assert tamed.train_loss[-1] < tamed.train_loss[0]
    np.testing.assert_allclose(tamed.speeds[0], wild.speeds[0])  # same start


def test_compare_remedies_table(digits):
    res = compare_remedies(
        digits,
        SIZES,
        {"activation": ["sigmoid", "relu"], "init": ["normal-scaled", "he"], "batch_norm": [False]},
        epochs=1,
        batch_size=20,
        lr=0.5,
    )
    assert [r.label() for r in res.rows] == [
        "sigmoid/normal-scaled lr=0.5",
        "sigmoid/he lr=0.5",
        "relu/normal-scaled lr=0.5",
        "relu/he lr=0.5",
    ]
    by_label = {r.label(): r for r in res.rows}
    assert by_label["relu/he lr=0.5"].ratio > 5 * by_label["sigmoid/normal-scaled lr=0.5"].ratio
    for row in res.rows:
        assert row.ratio == pytest.approx(row.first_speed / row.last_speed)
        assert 0.0 <= row.accuracy <= 1.0
    table = res.table()
    assert table.count("\n") == 1 + len(res.rows) and "relu/he" in table
    assert json.loads(json.dumps(res.to_dict()))["rows"][3]["activation"] == "relu"


def test_bad_settings(digits):
    with pytest.raises(ConfigError, match="sizes"):
        learning_speed_experiment(digits, [10, 5, 10], epochs=0)
    with pytest.raises(ConfigError, match="classic engine"):
        learning_speed_experiment(digits, SIZES, engine="classic", clip=1.0, epochs=0)
    with pytest.raises(ConfigError, match="grid"):
        compare_remedies(digits, SIZES, {"momentum": [0.9]})
    with pytest.raises(ConfigError, match="record"):
        learning_speed_experiment(digits, SIZES, record="batch", epochs=0)


def test_a_dead_relu_network_is_diagnosed_dead_not_exploding():
    # chainrule gradients --data digits --epochs 2 --lr 5 --activation relu --init normal
    r = learning_speed_experiment(
        "digits", [64, 30, 30, 30, 30, 10], "relu", "normal", epochs=2, lr=5.0
    )
    assert (r.speeds[1:] == 0).all() and r.initial_ratio > 10
    d = diagnose(r.to_records())
    assert d.kinds == ["dead_units"]
    assert d.findings[0].layers == tuple(r.layers)


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
@pytest.mark.parametrize("record", ["epoch", "step"])
def test_lab_runs_measure_activations(digits, engine, record):
    r = learning_speed_experiment(
        digits, SIZES, "relu", "he", epochs=1, batch_size=50, engine=engine, record=record
    )
    rec = r.to_records()
    hidden = rec.hidden
    assert np.isfinite(rec.dead[:, hidden]).all() and np.isfinite(rec.act_std[:, hidden]).all()
    assert "dead units" in diagnose(rec).findings[-1].numbers.get("checked", ["dead units"])
    if record == "epoch":
        # over the whole training set: a dead unit is 0 for every image
        net = Network(SIZES, "relu", "quadratic", "he", seed=0)
        a1 = net.forward(digits.x_train).a[1]
        assert r.dead[0, 0] == pytest.approx(np.mean(~a1.any(axis=0)))


def test_sigmoid_saturation_is_measured_per_epoch(digits):
    r = learning_speed_experiment(digits, SIZES, "sigmoid", "normal", epochs=1)
    assert r.saturated is not None and np.isfinite(r.saturated).all()
    assert np.isnan(r.dead).all()  # no dead units to count in a logistic layer


@pytest.mark.parametrize("record", ["epoch", "step"])
def test_batch_norm_drops_a_last_batch_of_one(digits, record):
    kwargs = {"epochs": 2, "batch_size": 10, "batch_norm": True, "record": record}
    r = learning_speed_experiment(digits, SIZES, train_size=11, **kwargs)
    assert not r.diverged and np.isfinite(r.speeds).all()
    assert r.x.tolist() == ([0, 1, 2] if record == "epoch" else [0, 1])  # one step an epoch
    res = compare_remedies(
        digits, SIZES, {"batch_norm": [False, True]}, epochs=1, batch_size=10, train_size=11
    )
    assert [row.diverged for row in res.rows] == [False, False]
    with pytest.raises(ConfigError, match="batch norm needs at least 2"):
        learning_speed_experiment(digits, SIZES, train_size=11, **{**kwargs, "batch_size": 1})
