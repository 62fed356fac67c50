"""diagnose() on networks built to vanish, to explode, to saturate, to die, and to be healthy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.data import load, standardize
from chainrule.diagnostics import REMEDIES, GradientMonitor, GradientRecords, diagnose
from chainrule.diagnostics.diagnosis import input_scale


def run_classic(net: Network, x, y, *, steps: int = 10, lr: float = 0.05) -> GradientRecords:
    mon = GradientMonitor(net, every=1)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            mon.train_step(x, y, lr)
    return mon.records


def test_deep_sigmoid_vanishes(blobs):
    x, y = blobs
    net = Network([10, 20, 20, 20, 20, 20, 4], "sigmoid", "cross-entropy", "normal-scaled")
    d = diagnose(run_classic(net, x, y))
    assert d.kinds == ["vanishing"]
    (finding,) = d.findings
    assert finding.layers == ("layer 1 (W 10->20)", "layer 5 (W 20->20)")
    assert finding.numbers["ratio"] < 0.01  # σ' ≤ 0.25 per layer: ~4x or more per layer
    assert finding.numbers["speeds"] == sorted(finding.numbers["speeds"])
    assert "batch normalization" in finding.remedy and "initialization" in finding.remedy
    assert "layer 1 (W 10->20) learns" in finding.message


@pytest.mark.parametrize("batch_norm", [False, True])
def test_batch_norm_cures_the_deep_sigmoid(nn_batch, nn_copy, batch_norm):
    """With BatchNorm the diagnosis compares ‖∂J/∂W‖/‖W‖ (β speeds are small by design)."""
    x, y = nn_batch
    net = Network([10, 20, 20, 20, 20, 20, 4], "sigmoid", "cross-entropy", "normal-scaled")
    model = nn_copy(net, batch_norm=batch_norm)
    mon = GradientMonitor(model, every=1)
    opt = mon.wrap(optim.SGD(model.parameters(), lr=0.05))
    for _ in range(3):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        opt.step(loss)
    d = diagnose(mon.records)
    if batch_norm:
        assert d.healthy and d.findings[0].numbers["ratio"] > 0.3
        assert mon.records.batch_norm.tolist() == [True] * 5 + [False]
    else:
        assert d.kinds == ["vanishing"]
        assert d.findings[0].numbers["measure"] == "speed ‖∂J/∂b‖"


def test_deep_linear_with_large_weights_explodes_layer_by_layer(blobs, big_weights):
    x, y = blobs
    net = Network([10, 20, 20, 20, 20, 20, 4], "identity", "cross-entropy", big_weights)
    rec = run_classic(net, x, y, steps=1)
    d = diagnose(rec)
    assert d.kinds == ["exploding"]
    speeds = rec.hidden_speeds[0]
    assert np.all(speeds[:-1] > 1.5 * speeds[1:])  # growing toward the input, layer by layer
    assert "clip" in d.findings[0].remedy.lower()


def test_diverging_training_is_non_finite_and_exploding(blobs, big_weights):
    x, y = blobs
    net = Network([10, 20, 20, 20, 20, 20, 4], "identity", "cross-entropy", big_weights)
    rec = run_classic(net, x, y, steps=8, lr=0.05)
    assert not np.isfinite(rec.speeds[-1]).all()
    d = diagnose(rec)
    assert "non_finite" in d and "exploding" in d
    assert d.of_kind("non_finite")[0].numbers["step"] > 0


def test_growth_across_steps_is_exploding():
    rec = GradientRecords.empty(["layer 1", "layer 2", "layer 3"], ["tanh", "tanh", None])
    rec.steps = np.arange(4)
    rec.loss = np.ones(4)
    for name in GradientRecords.FIELDS:
        setattr(rec, name, np.full((4, 3), np.nan))
    rec.nonfinite = np.zeros((4, 3), int)
    rec.speeds = np.array([[1.0, 1.0, 1.0]]) * np.array([[1], [30], [900], [2e4]])
    rec.grad_norms = rec.speeds * 2
    d = diagnose(rec)
    assert d.kinds == ["exploding"]
    assert d.findings[0].numbers["growth"] == pytest.approx(2e4)


def test_shallow_relu_with_he_init_is_healthy(blobs):
    x, y = blobs
    net = Network([10, 32, 32, 4], "relu", "cross-entropy", "he")
    d = diagnose(run_classic(net, x, y, lr=0.05))
    assert d.healthy
    assert d.findings[0].remedy == REMEDIES["healthy"]


def test_tanh_with_large_weights_saturates(blobs):
    x, y = blobs
    net = Network([10, 20, 20, 4], "tanh", "cross-entropy", lambda s, r: 3 * r.standard_normal(s))
    d = diagnose(run_classic(net, x, y))
    assert "saturation" in d
    assert d.of_kind("saturation")[0].layers == ("layer 1 (W 10->20)", "layer 2 (W 20->20)")


def test_relu_with_negative_biases_has_dead_units(nn_batch):
    x, y = nn_batch
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Linear(10, 16, init="kaiming_normal", rng=rng),
        nn.ReLU(),
        nn.Linear(16, 16, init="kaiming_normal", rng=rng),
        nn.ReLU(),
        nn.Linear(16, 4, rng=rng),
    )
    model[2].bias.data[:12] = -50.0  # 12 of 16 units of layer 2 never fire
    mon = GradientMonitor(model, every=1)
    opt = mon.wrap(optim.SGD(model.parameters(), lr=0.01))
    for _ in range(3):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        opt.step(loss)
    d = diagnose(mon.records)
    (finding,) = d.of_kind("dead_units")
    assert finding.layers == ("layer 2 (Linear 16->16)",)
    assert finding.numbers["fractions"]["layer 2 (Linear 16->16)"] == pytest.approx(0.75)


def test_thresholds_and_json(blobs):
    x, y = blobs
    net = Network([10, 20, 20, 20, 20, 20, 4], "sigmoid", "cross-entropy", "normal-scaled")
    rec = run_classic(net, x, y, steps=2)
    assert diagnose(rec, vanishing_ratio=1e-9).healthy
    payload = json.loads(json.dumps(diagnose(rec).to_dict()))
    assert payload["findings"][0]["kind"] == "vanishing"
    assert "Remedy:" in diagnose(rec).report()


def test_empty_records_are_healthy():
    assert diagnose(GradientRecords.empty(["a", "b"], [None, None])).healthy


def epoch_records(speeds: np.ndarray, activation: str) -> GradientRecords:
    """Records like SpeedResult.to_records(): hidden layers only, no activation statistics."""
    n_records, n = speeds.shape
    rec = GradientRecords.empty([f"hidden layer {j}" for j in range(1, n + 1)], [activation] * n)
    rec.steps, rec.loss = np.arange(n_records), np.full(n_records, 2.9)
    for name in GradientRecords.FIELDS:
        setattr(rec, name, np.full(speeds.shape, np.nan))
    rec.nonfinite = np.zeros(speeds.shape, int)
    rec.speeds, rec.grad_norms = speeds, speeds * 3
    rec.hidden = np.ones(n, bool)
    return rec


@pytest.mark.parametrize(
    ("activation", "kind"), [("relu", "dead_units"), ("sigmoid", "saturation")]
)
def test_gradients_all_zero_after_training_are_a_stalled_network(activation, kind):
    """A pre-training record alone must not decide the ratio when every later one is 0/0."""
    before = [0.0876, 0.0293, 0.00715, 0.00218]  # 40x: exploding, were it the only record
    rec = epoch_records(np.array([before, [0.0] * 4, [0.0] * 4]), activation)
    d = diagnose(rec)
    assert d.kinds == [kind]
    (finding,) = d.findings
    assert finding.layers == tuple(f"hidden layer {j}" for j in range(1, 5))
    assert finding.numbers["stalled"] == list(finding.layers)
    assert "no gradient reaches hidden layer 1" in finding.message and "2 of 3" in finding.message
    # 0/0 records in the minority leave the ratio to the others
    speeds = np.array([[1.0, 1.0]] * 3 + [[0.0, 0.0]] * 2) * np.array([[0.01, 1.0]])
    d = diagnose(epoch_records(speeds, activation))
    assert d.kinds == ["vanishing"]  # the last record is 0/0, but 3 of 5 give 0.01
    assert d.findings[0].numbers["ratio"] == pytest.approx(0.01)


@pytest.mark.parametrize("activations", [True, False])
def test_healthy_names_only_what_was_measured(blobs, activations):
    x, y = blobs
    net = Network([10, 32, 32, 4], "relu", "cross-entropy", "he")
    mon = GradientMonitor(net, every=1, activations=activations)
    for _ in range(5):
        mon.train_step(x, y, lr=0.05)
    (finding,) = diagnose(mon.records).findings
    assert finding.kind == "healthy"
    claimed = finding.message.split(";")[0]
    assert "saturation" not in finding.message  # ReLU has no saturation to measure
    if activations:
        assert "dead units" in claimed and finding.numbers["not_checked"] == []
        assert finding.numbers["checked"] == ["vanishing", "exploding", "dead units", "NaN/Inf"]
    else:
        assert "dead units" not in claimed
        assert "not checked: dead units (no activation statistics recorded)" in finding.message


def test_the_vanishing_remedy_names_the_lectures_initialization():
    """The lecture's first remedy is standard-normal weights; the advice must not only point
    to the smaller N(0, 1/n_in) that a vanishing run has often been started from."""
    from chainrule.diagnostics.diagnosis import REMEDIES

    assert "N(0, 1)" in REMEDIES["vanishing"] and "learning rate" in REMEDIES["vanishing"]


def test_a_network_at_chance_is_not_learning_and_names_the_likely_cause():
    speeds = np.array([[0.001, 0.01, 0.1]] * 3)  # vanishing: ratio 0.01
    rec = epoch_records(speeds, "sigmoid")
    rec.loss = np.array([1.36, 1.1, 1.02])
    d = diagnose(rec, accuracy=0.1, chance=0.1)
    assert d.kinds == ["vanishing", "not_learning"]
    finding = d.of_kind("not_learning")[0]
    assert finding.numbers == {
        "accuracy": 0.1,
        "chance": 0.1,
        "loss_first": 1.36,
        "loss_last": 1.02,
    }
    assert "at chance level" in finding.message
    assert "likely cause: vanishing" in finding.message
    assert "standardize" in finding.remedy and "learning rate" in finding.remedy
    # alone, the finding is the whole diagnosis, not "healthy"
    flat = epoch_records(np.array([[0.1, 0.1, 0.1]] * 3), "tanh")
    assert diagnose(flat, accuracy=0.12, chance=0.1).kinds == ["not_learning"]
    assert diagnose(flat, accuracy=0.16, chance=0.1).healthy  # above chance + 0.05
    assert diagnose(flat).healthy  # without an accuracy, the loss alone decides nothing


def test_dead_relu_network_at_chance_is_not_learning(blobs):
    x, y = blobs
    net = Network([10, 16, 16, 4], "relu", "cross-entropy", "he", seed=0)
    net.biases[0][:] = -50.0  # every first-layer unit is 0 for every input
    rec = run_classic(net, x, y, steps=4)
    d = diagnose(rec, accuracy=net.accuracy(x, y), chance=0.25)
    assert d.kinds[-1] == "not_learning" and "dead_units" in d
    assert "likely cause: dead_units" in d.findings[-1].message
    trained = Network([10, 16, 16, 4], "relu", "cross-entropy", "he", seed=0)
    rec = run_classic(trained, x, y, steps=30, lr=0.1)
    accuracy = trained.accuracy(x, y)
    assert accuracy > 0.4  # well above chance (0.25)
    assert "not_learning" not in diagnose(rec, accuracy=accuracy, chance=0.25)


def test_inputs_far_from_unit_scale_get_a_hint_to_standardize():
    digits = load("digits").x_train  # the loader scales the pixels 0..16 to [0, 1]
    raw = digits * 16
    finding = input_scale(raw)
    assert finding is not None and finding.kind == "input_scale"
    assert finding.numbers["max"] == 16 and finding.numbers["rms"] > 3
    assert "standardize" in finding.message and "--standardize" in finding.remedy
    assert input_scale(digits) is None
    assert input_scale(standardize(raw)[0]) is None
    assert input_scale(digits * 1e-3) is not None  # too small is far too
    one_big_feature = np.hstack([digits, 1000 * np.ones((len(digits), 1))])
    assert input_scale(one_big_feature) is not None
    # through diagnose: a finding beside the others, and no longer "healthy"
    rec = epoch_records(np.array([[0.1, 0.1, 0.1]] * 3), "tanh")
    assert diagnose(rec, inputs=digits).healthy
    assert diagnose(rec, inputs=raw).kinds == ["input_scale"]
