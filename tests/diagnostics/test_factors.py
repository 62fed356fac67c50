"""The factor split of ‖δ^l‖/‖δ^(l+1)‖: exact, the same in both engines, and read by the
diagnosis (σ' blamed for the lecture's vanishing net, the weights for an exploding ReLU net)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.classic import Network
from chainrule.classic.initializers import he
from chainrule.diagnostics import GradientMonitor, diagnose
from chainrule.diagnostics.factors import FACTOR_FIELDS, FactorSplit, LayerFactors
from chainrule.diagnostics.records import GradientRecords

LECTURE = [784, 30, 30, 30, 30, 10]


def pixels(m: int = 100, n: int = 784, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.random((m, n)), np.arange(m) % 10


def classic_records(net: Network, x, y) -> GradientRecords:
    mon = GradientMonitor(net, every=1)
    mon.observe(net.backward(x, y))
    return mon.records


def module_records(net: Network, x, y, nn_copy, *, batch_norm: bool = False) -> GradientRecords:
    model = nn_copy(net, batch_norm=batch_norm)
    mon = GradientMonitor(model, every=1)
    loss_fn = nn.CrossEntropyLoss() if net.cost_function.name == "cross-entropy" else None
    targets = y if loss_fn else np.eye(net.sizes[-1])[y]
    loss = (loss_fn or nn.QuadraticCost())(model(cr.tensor(x)), targets)
    loss.backward()
    mon.before_step(loss)
    mon.after_step()
    return mon.records


def assert_split_is_exact(rec: GradientRecords) -> None:
    measured = rec.delta_norms[0, :-1] / rec.delta_norms[0, 1:]
    product = rec.weight_factor[0, :-1] * rec.sigma_factor[0, :-1]
    assert np.isfinite(product).all()
    np.testing.assert_allclose(product, measured, rtol=1e-9, atol=0)
    assert np.isnan(rec.weight_factor[0, -1]) and np.isnan(rec.sigma_factor[0, -1])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_split_multiplies_back_to_the_measured_ratio_in_both_engines(activation, cost, nn_copy):
    net = Network([12, 9, 8, 7, 4], activation, cost, "xavier", seed=1, dtype=np.float64)
    x, y = pixels(20, 12)
    y = y % 4
    classic = classic_records(net, x, y)
    autodiff = module_records(net, x, y, nn_copy)
    for rec in (classic, autodiff):
        assert_split_is_exact(rec)
    for name in FACTOR_FIELDS:  # the same numbers from the hand-written δ and from autodiff
        np.testing.assert_allclose(getattr(autodiff, name), getattr(classic, name), rtol=1e-9)


def test_sigma_factor_is_what_the_hadamard_product_does():
    net = Network([6, 5, 5, 3], "sigmoid", "cross-entropy", "xavier", seed=2, dtype=np.float64)
    x, y = pixels(8, 6)
    g = net.backward(x, y % 3)
    rec = classic_records(net, x, y % 3)
    back = g.deltas[1] @ net.weights[1]  # (W^2)^T δ^2, samples as rows
    s = 1 / (1 + np.exp(-g.forward.z[0]))
    sigma_prime = s * (1 - s)
    expected = np.linalg.norm(back * sigma_prime) / np.linalg.norm(back)
    assert rec.sigma_factor[0, 0] == pytest.approx(expected, rel=1e-12)
    assert rec.sigma_prime_mean[0, 0] == pytest.approx(sigma_prime.mean(), rel=1e-12)
    assert rec.weight_factor[0, 0] == pytest.approx(
        np.linalg.norm(back) / np.linalg.norm(g.deltas[1]), rel=1e-12
    )


def test_batch_norm_has_no_split(nn_copy):
    net = Network([6, 5, 5, 3], "relu", "cross-entropy", "he", seed=0, dtype=np.float64)
    x, y = pixels(8, 6)
    rec = module_records(net, x, y % 3, nn_copy, batch_norm=True)
    assert np.isnan(rec.weight_factor).all() and np.isfinite(rec.delta_norms).all()


def test_lecture_sigmoid_net_blames_sigma_prime():
    net = Network(LECTURE, "sigmoid", "quadratic", "normal-scaled", seed=0, dtype=np.float64)
    d = diagnose(classic_records(net, *pixels()))
    (finding,) = d.of_kind("vanishing")
    assert finding.numbers["shrinking_factor"] == "sigma_prime"
    assert finding.details[-1].startswith("σ' is what shrinks δ")
    layer2 = next(line for line in finding.details if line.startswith("layer 2 "))
    assert "σ' averages 0.2" in layer2 and "shrinks δ" in layer2
    assert "details" in finding.to_dict() and finding.details[0] in d.report()


def test_relu_with_three_times_he_blames_the_weights():
    def big(shape, rng):
        return 3 * he(shape, rng)

    net = Network(LECTURE, "relu", "cross-entropy", big, seed=0, dtype=np.float64)
    d = diagnose(classic_records(net, *pixels()))
    (finding,) = d.of_kind("exploding")
    assert finding.numbers["growing_factor"] == "weights"
    assert finding.details[-1].startswith("the weights are what grow δ")


def test_lines_read_as_the_issue_asks():
    row = LayerFactors("layer 2", 0.19 * 1.3 / 0.19 / 5.2, 1.3, 1 / 5.2, 0.19)
    assert row.line() == "layer 2: σ' averages 0.19 and shrinks δ 5.2×; the weights grow it 1.3×"
    split = FactorSplit([row])
    assert split.culprit("vanishing") == "sigma_prime"
    assert split.culprit("exploding") == "weights"


def test_records_without_a_split_leave_the_finding_alone():
    rec = GradientRecords.empty(["layer 1", "layer 2", "layer 3"], ["sigmoid"] * 3)
    rec.steps, rec.loss = np.array([0]), np.array([0.5])
    for name in GradientRecords.FIELDS:
        setattr(rec, name, np.full((1, 3), np.nan))
    rec.nonfinite = np.zeros((1, 3), int)
    rec.speeds = np.array([[0.001, 0.05, 0.2]])
    (finding,) = diagnose(rec).findings
    assert finding.details == () and "details" not in finding.to_dict()
    assert FactorSplit.from_records(rec) is None
    older = {k: v for k, v in rec.to_dict().items() if k not in FACTOR_FIELDS}  # before the split
    assert GradientRecords.from_dict(older).weight_factor.shape == (1, 3)
