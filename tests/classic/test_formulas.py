"""``chainrule.classic.formulas``: the written formulas agree with both engines, or raise."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.classic import Network
from chainrule.classic import formulas as formulas_module
from chainrule.classic.formulas import FormulaCheckError, check, evaluate_formulas, formulas
from chainrule.errors import ConfigError

HIDDEN = {1: [5, 4, 3], 2: [5, 4, 4, 3], 3: [5, 4, 6, 4, 3], 4: [5, 4, 4, 4, 4, 3]}


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
@pytest.mark.parametrize("n_hidden", [1, 2, 3, 4])
def test_every_formula_matches_both_engines(activation, cost, n_hidden):
    sizes = HIDDEN[n_hidden]
    f = formulas(sizes, activation, cost, seed=n_hidden)
    assert len(f.formulas) == 3 * (len(sizes) - 1)
    assert 0 <= f.max_error <= 1e-9
    # the formulas evaluated here, on another sample, against the classic engine in float64
    net = Network(sizes, activation, cost, "xavier", seed=7, dtype=np.float64)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((sizes[0], 1))
    y = np.eye(sizes[-1])[:, [1]]
    written = evaluate_formulas(net, x, y)
    g = net.backward(x.T, y.T)
    for l in range(1, len(sizes)):
        np.testing.assert_allclose(written[(l, "delta")].T, g.deltas[l - 1], rtol=1e-12)
        np.testing.assert_allclose(written[(l, "grad_w")], g.grad_weights[l - 1], rtol=1e-12)


def test_output_delta_drops_sigma_prime_only_for_cross_entropy():
    ce = formulas([4, 3, 2], "sigmoid", "cross-entropy")
    quad = formulas([4, 3, 2], "sigmoid", "quadratic")
    assert ce.of(2, "delta").text == "δ^2 = a^2 − y"
    assert quad.of(2, "delta").text == "δ^2 = (a^2 − y) ⊙ σ'(z^2)"
    assert quad.of(2, "delta").where_text == "σ'(z^2) = σ(z^2) ⊙ (1 − σ(z^2))"


@pytest.mark.parametrize(
    ("activation", "written"),
    [
        ("sigmoid", "σ'(z^1) = σ(z^1) ⊙ (1 − σ(z^1))"),
        ("tanh", "σ'(z^1) = 1 − tanh²(z^1)"),
        ("relu", "σ'(z^1) = 1[z^1 > 0]"),
    ],
)
def test_sigma_prime_is_written_out_per_activation(activation, written):
    assert formulas([3, 4, 2], activation, "cross-entropy").of(1, "delta").where_text == written


def test_every_shape_of_the_lecture_net():
    f = formulas([784, 30, 30, 10], "sigmoid", "cross-entropy")
    assert f.of(2, "delta").shapes_text() == "δ^2: 30×1, W^3: 10×30, δ^3: 10×1, z^2: 30×1"
    assert f.of(1, "grad_w").shapes_text() == "∂J/∂W^1: 30×784, δ^1: 30×1, a^0: 784×1"
    assert f.of(3, "grad_b").shapes_text() == "∂J/∂b^3: 10×1, δ^3: 10×1"


def test_a_wrong_formula_is_an_error_not_printed(monkeypatch):
    # plant the classic mistake: σ' forgotten in the hidden layers
    monkeypatch.setitem(formulas_module._SIGMA_PRIME, "tanh", np.ones_like)
    with pytest.raises(FormulaCheckError, match="delta of layer 1 disagrees"):
        formulas([3, 4, 2], "tanh", "cross-entropy")


def test_check_reports_relative_differences():
    net = Network([3, 4, 2], "relu", "cross-entropy", "he", dtype=np.float64, seed=0)
    errors = check(net, np.random.default_rng(0))
    assert set(errors) == {(l, q) for l in (1, 2) for q in ("delta", "grad_w", "grad_b")}
    assert max(errors.values()) < 1e-12


@pytest.mark.parametrize("render", ["to_text", "to_markdown", "to_latex"])
def test_renders(render):
    out = getattr(formulas([4, 3, 3, 2], "relu", "quadratic"), render)()
    assert ("1[z^2 > 0]" in out) or (r"\mathbb{1}[z^{(2)} > 0]" in out)
    assert out.count("3") > 3 and "2" in out


def test_latex_has_an_align_block_per_layer():
    out = formulas([4, 3, 3, 2], "tanh", "cross-entropy").to_latex()
    assert out.count(r"\begin{align*}") == 3 and r"\delta^{(3)} &= a^{(3)} - y" in out


def test_bad_network_is_a_config_error():
    with pytest.raises(ConfigError, match="cross-entropy"):
        formulas([3, 4, 2], "tanh", "cross-entropy", output_activation="tanh")


def test_a_network_without_hidden_layers_names_no_hidden_activation():
    f = formulas([3, 2], "tanh", "quadratic")
    assert [g.layer for g in f.formulas] == [1, 1, 1]
    assert "hidden" not in f.to_text().splitlines()[0]
    assert f.of(1, "delta").text == "δ^1 = (a^1 − y) ⊙ σ'(z^1)"
