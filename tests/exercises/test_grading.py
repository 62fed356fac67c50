"""Exercises: the same seed makes the same exercise, the library's answers score 100%, and each
planted mistake is named.

The planted mistakes are computed here by hand, from the givens alone (NumPy, float64), as a
learner who makes that mistake would: an oracle independent of the grader's own variants.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.exercises import generate, grade
from chainrule.exercises.grading import grade_entry

SEEDS = range(6)


def _result(exercise, answers, key):
    return grade_entry(exercise, exercise.entry(key), answers)


# ---- determinism and solutions -------------------------------------------------------------
@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_same_seed_makes_the_same_exercise(level):
    one, two = generate(level, 11), generate(level, 11)
    assert one.to_json(solutions=True) == two.to_json(solutions=True)
    others = {str(generate(level, s).given) for s in SEEDS}
    assert len(others) == len(SEEDS)  # and different seeds differ


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_solutions_score_100_percent(level, seed):
    exercise = generate(level, seed)
    result = grade(exercise, exercise.solutions())
    assert result.all_right and result.score == 1.0 and result.total > 5


def test_level_one_matches_the_engine():
    """The reverse table's input rows are the engine's gradients, and every node is there."""
    exercise = generate(1, 4)
    expl = exercise.worked
    for name, value in expl.engine_gradients.items():
        assert exercise.entry(f"reverse.{name}").value == pytest.approx(value, rel=1e-12)
    assert len(exercise.entry("edges").value) == len(expl.graph.edges)


def test_level_three_matches_finite_differences():
    """∂J/∂W^1 of the exercise, against central differences of J in float64."""
    exercise = generate(3, 2)
    g = exercise.given
    W = [np.array(w) for w in g["W"]]
    b = [np.array(v) for v in g["b"]]
    x, y = np.array(g["x"]), np.array(g["y"])

    def cost(weights):
        a = x
        for w, v in zip(weights, b, strict=True):
            a = (
                1 / (1 + np.exp(-(a @ w.T + v)))
                if g["activation"] == "sigmoid"
                else np.tanh(a @ w.T + v)
            )
        return ((a - y) ** 2).sum() / (2 * len(x))

    numeric = np.zeros_like(W[0])
    for index in np.ndindex(W[0].shape):
        up, down = [w.copy() for w in W], [w.copy() for w in W]
        up[0][index] += 1e-6
        down[0][index] -= 1e-6
        numeric[index] = (cost(up) - cost(down)) / 2e-6
    assert np.allclose(exercise.entry("dW1").value, numeric, rtol=1e-6, atol=1e-10)
    assert exercise.entry("J").value == pytest.approx(cost(W), rel=1e-12)


# ---- levels 1 and 2: sums over parents, counts --------------------------------------------------
def _shared_node(exercise):
    """A node with two or more parents' terms whose first term alone is a wrong answer."""
    for step in exercise.worked.steps:
        if len(step.terms) > 1:
            only = step.terms[0].partial * step.terms[0].edge.value
            if not np.isclose(only, step.value):
                return step.node, only
    return None


def test_one_parents_term_alone_is_a_missing_sum_over_parents():
    planted = 0
    for seed in range(12):
        exercise = generate(1, seed)
        found = _shared_node(exercise)
        if found is None:  # every multi-parent node's first term equals the sum there
            continue
        node, only = found
        answers = exercise.solutions()
        answers[f"reverse.{node}"] = only
        result = _result(exercise, answers, f"reverse.{node}")
        assert result.status == "wrong"
        assert result.misconception == "sum_over_parents"
        assert "a missing sum over parents" in result.message
        planted += 1
    assert planted >= 8


@pytest.mark.parametrize("seed", SEEDS)
def test_one_path_alone_is_a_missing_sum_over_parents_at_level_two(seed):
    exercise = generate(2, seed)
    table = next(t for t in exercise.worked.paths if t.count > 1)
    answers = exercise.solutions()
    answers[f"reverse.{table.input}"] = table.paths[-1].product
    result = _result(exercise, answers, f"reverse.{table.input}")
    if np.isclose(table.paths[-1].product, table.total):
        assert result.right
    else:
        assert result.misconception == "sum_over_parents"


def test_a_wrong_parent_is_carried_over_not_a_second_mistake():
    exercise = generate(1, 1)  # ∂y/∂c = -2 feeds ∂y/∂b = ∂y/∂c · 1
    answers = exercise.solutions()
    answers["reverse.c"] = 5.0
    answers["reverse.b"] = 5.0
    assert _result(exercise, answers, "reverse.c").misconception is None
    result = _result(exercise, answers, "reverse.b")
    assert result.misconception == "carried"
    assert "∂y/∂c" in result.message


def test_per_path_count_taken_for_reverse_is_named():
    exercise = generate(2, 3)
    c = exercise.worked.counts
    assert c.path_mult > c.reverse_mult
    answers = exercise.solutions()
    answers["count.path_mult"] = c.edges
    assert _result(exercise, answers, "count.path_mult").misconception == "per_path_count"


def test_edges_missing_and_extra_are_listed():
    exercise = generate(1, 1)
    answers = exercise.solutions()
    answers["edges"] = ["x1 -> a", "x2->a", "a -> b", "b -> c", "c -> y", "x2 -> y", "x1 -> y"]
    result = _result(exercise, answers, "edges")
    assert result.status == "wrong"
    assert "x2 -> c" in result.message and "x1 -> y" in result.message


def test_an_unrecognised_wrong_answer_shows_the_step():
    exercise = generate(1, 1)
    answers = exercise.solutions()
    answers["value.c"] = 17
    result = _result(exercise, answers, "value.c")
    assert result.status == "wrong" and result.misconception is None
    assert result.step == "c = b - x2 = 3"


# ---- level 3: the network ------------------------------------------------------------------
class Givens:
    """The exercise's network, worked by hand here with every mistake a learner might make."""

    def __init__(self, exercise):
        g = exercise.given
        self.W = [np.array(w) for w in g["W"]]
        self.b = [np.array(v) for v in g["b"]]
        self.x, self.y, self.alpha = np.array(g["x"]), np.array(g["y"]), g["alpha"]
        self.m, self.L = len(self.x), len(self.W)
        self.tanh = g["activation"] == "tanh"
        self.a = [self.x]
        for w, v in zip(self.W, self.b, strict=True):
            z = self.a[-1] @ w.T + v
            self.a.append(np.tanh(z) if self.tanh else 1 / (1 + np.exp(-z)))

    def prime(self, l):
        a = self.a[l]
        return 1 - a**2 if self.tanh else a * (1 - a)

    def delta_out(self, factor=1.0, prime=True):
        grad = factor * (self.a[-1] - self.y) / self.m
        return grad * self.prime(self.L) if prime else grad

    def delta_hidden(self, upper, l, *, prime=True, transpose=True, only_first=False):
        W = self.W[l]  # W^(l+1)
        back = upper @ W if transpose else upper @ W.T
        if only_first:
            back = upper[:, :1] * W[0]
        return back * self.prime(l) if prime else back


def _planted(level_seed=(3, 0), samples=None):
    exercise = generate(*level_seed, samples=samples)
    return exercise, exercise.solutions(), Givens(exercise)


def test_missing_sigma_prime_in_the_output_error():
    exercise, answers, h = _planted()
    answers[f"delta{h.L}"] = h.delta_out(prime=False).tolist()
    result = _result(exercise, answers, f"delta{h.L}")
    assert result.misconception == "sigma_prime"
    assert "σ'" in result.message


def test_missing_sigma_prime_in_a_hidden_error():
    exercise, answers, h = _planted()
    answers["delta1"] = h.delta_hidden(h.delta_out(), 1, prime=False).tolist()
    assert _result(exercise, answers, "delta1").misconception == "sigma_prime"


@pytest.mark.parametrize("seed", range(4))
def test_w_not_transposed(seed):
    exercise, answers, h = _planted((3, seed))
    upper = np.array(exercise.entry("delta2").value)
    wrong = h.delta_hidden(upper, 1, transpose=False)
    answers["delta1"] = wrong.tolist()
    result = _result(exercise, answers, "delta1")
    if np.allclose(wrong, exercise.entry("delta1").value, rtol=2e-3):
        assert result.right  # a symmetric W^2 makes the mistake invisible
    else:
        assert result.misconception == "transpose"


def test_only_one_parents_term_in_a_hidden_error():
    exercise, answers, h = _planted()
    upper = np.array(exercise.entry("delta2").value)
    answers["delta1"] = h.delta_hidden(upper, 1, only_first=True).tolist()
    assert _result(exercise, answers, "delta1").misconception == "sum_over_parents"


@pytest.mark.parametrize(("factor", "words"), [(2.0, "the 1/2 of J"), (3.0, "the 1/m of J")])
def test_the_costs_half_or_one_over_m_dropped(factor, words):
    exercise, answers, h = _planted(samples=3)
    answers[f"delta{h.L}"] = h.delta_out(factor).tolist()
    answers["J"] = exercise.entry("J").value * factor
    for key in (f"delta{h.L}", "J"):
        result = _result(exercise, answers, key)
        assert result.misconception == "cost_factor"
        assert words in result.message


def test_the_wrong_sign_of_the_update():
    exercise, answers, h = _planted()
    grad = np.array(exercise.entry("dW1").value)
    answers["W1_next"] = (h.W[0] + h.alpha * grad).tolist()
    answers["b2_next"] = (h.b[1] + h.alpha * np.array(exercise.entry("db2").value)).tolist()
    assert _result(exercise, answers, "W1_next").misconception == "update_sign"
    assert _result(exercise, answers, "b2_next").misconception == "update_sign"


def test_bias_gradient_not_summed_is_a_shape_mismatch():
    exercise, answers, _h = _planted()
    answers["db1"] = exercise.entry("delta1").value.tolist()
    result = _result(exercise, answers, "db1")
    assert result.misconception == "shape"
    assert "a shape mismatch" in result.message


def test_any_other_shape_is_a_shape_mismatch():
    exercise, answers, _h = _planted()
    answers["z1"] = [1.0, 2.0, 3.0]
    result = _result(exercise, answers, "z1")
    assert result.misconception == "shape"
    assert "expected shape 2×2, got 3" in result.message


@pytest.mark.parametrize("seed", range(4))
def test_weight_gradient_transposed_is_named(seed):
    exercise, answers, _h = _planted((3, seed))
    right = np.array(exercise.entry("dW1").value)
    answers["dW1"] = right.T.tolist()
    result = _result(exercise, answers, "dW1")
    assert result.misconception == "transpose"


def test_a_wrong_output_error_carries_into_the_hidden_one():
    exercise, answers, h = _planted()
    wrong = h.delta_out() + 0.05
    answers[f"delta{h.L}"] = wrong.tolist()
    answers["delta1"] = h.delta_hidden(wrong, 1).tolist()
    result = _result(exercise, answers, "delta1")
    assert result.misconception == "carried"
    assert result.where == (1, 1)


def test_the_first_wrong_element_is_pointed_at():
    exercise, answers, _h = _planted()
    wrong = np.array(exercise.entry("dW2").value)
    wrong[1, 0] += 0.5
    answers["dW2"] = wrong.tolist()
    result = _result(exercise, answers, "dW2")
    assert result.where == (2, 1) and result.misconception is None


@pytest.mark.parametrize("bad", ["0.5", True, [[1, "x"]], float("nan")])
def test_answers_that_are_not_numbers_are_wrong_not_errors(bad):
    exercise, answers, _h = _planted()
    answers["J"] = bad
    result = _result(exercise, answers, "J")
    assert result.status == "wrong"


# ---- the grader's variants, with nothing wrong, are the library's values -------------------
def test_the_variants_add_back_up_to_the_library_values():
    exercise = generate(3, 0, samples=3)
    right = np.array(exercise.entry("delta1").value)
    by_name = {m.misconception: m for m in exercise.mistakes("delta1", {})}
    assert np.allclose(by_name["sum_over_parents"].value.sum(axis=0), right, rtol=1e-12)
    prime = np.array(exercise.entry("a1").value) * (1 - np.array(exercise.entry("a1").value))
    assert exercise.given["activation"] == "sigmoid"
    assert np.allclose(by_name["sigma_prime"].value * prime, right, rtol=1e-12)


@pytest.mark.parametrize(
    ("key", "upstream"), [("delta1", "delta2"), ("dW2", "delta2"), ("db1", "delta1")]
)
def test_carried_steps_are_linear_in_the_learners_upstream_answer(key, upstream):
    """Scaling the learner's upstream answer scales the carried value: the step itself is the
    library's (δ, ∂J/∂W and ∂J/∂b are linear in the δ before them)."""
    exercise = generate(3, 0)
    answers = {upstream: (np.array(exercise.entry(upstream).value) * 1.5).tolist()}
    carried = [m for m in exercise.mistakes(key, answers) if m.misconception == "carried"]
    assert len(carried) == 1
    assert np.allclose(carried[0].value, np.array(exercise.entry(key).value) * 1.5, rtol=1e-12)


def test_one_sample_has_only_the_half_to_drop():
    exercise = generate(3, 4, samples=1)
    assert grade(exercise, exercise.solutions()).all_right
    answers = exercise.solutions()
    answers["J"] = exercise.entry("J").value * 2
    result = _result(exercise, answers, "J")
    assert result.misconception == "cost_factor" and "1/2" in result.message


def test_rendering_in_chinese_does_not_fail():
    from chainrule.exercises import render_exercise, render_grade
    from chainrule.i18n import language

    with language("zh"):
        exercise = generate(3, 1)
        for fmt in ("text", "markdown", "latex"):
            assert render_exercise(exercise, fmt, solutions=True)
        assert render_grade(grade(exercise, {}))


def test_forward_pass_with_w_not_transposed():
    exercise, answers, h = _planted((3, 0))
    assert h.W[1].shape[0] == h.W[1].shape[1]
    wrong = h.a[1] @ h.W[1] + h.b[1]
    answers["z2"] = wrong.tolist()
    assert not np.allclose(wrong, exercise.entry("z2").value)
    assert _result(exercise, answers, "z2").misconception == "transpose"
