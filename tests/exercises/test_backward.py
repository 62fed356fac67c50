"""A learner's own backward(): right is right, and each planted bug is pointed at and named.

``learner`` below is one backward() written the way a learner would, with a switch per bug;
each bug is planted alone and the grader must name the first wrong element (layer, j, k)
and the misconception.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.exercises import grade_backward
from chainrule.exercises.backward import describe_where
from chainrule.exercises.render import render_backward_grade


def learner(bug=None, with_deltas=False):
    def backward(weights, biases, x, y, activation):
        f = np.tanh if activation == "tanh" else (lambda z: 1 / (1 + np.exp(-z)))

        def prime(a):
            return 1 - a**2 if activation == "tanh" else a * (1 - a)

        m, L = len(x), len(weights)
        acts = [x]
        for W, b in zip(weights, biases, strict=True):
            acts.append(f(acts[-1] @ W.T + b))
        factor = {"half": 2.0, "one_over_m": float(m)}.get(bug, 1.0)
        grad_a = factor * (acts[-1] - y) / m
        deltas = [None] * L
        deltas[-1] = grad_a if bug == "no_prime_out" else grad_a * prime(acts[-1])
        for l in range(L - 2, -1, -1):
            W = weights[l + 1]
            if bug == "not_transposed":
                back = deltas[l + 1] @ W.T
            elif bug == "one_term":
                back = deltas[l + 1][:, :1] * W[0]
            else:
                back = deltas[l + 1] @ W
            deltas[l] = back if bug == "no_prime_hidden" else back * prime(acts[l + 1])
        grads_W = [d.T @ a for d, a in zip(deltas, acts, strict=False)]
        if bug == "grad_transposed":
            grads_W = [g.T for g in grads_W]
        grads_b = [d.sum(axis=0) for d in deltas]
        if with_deltas:
            return grads_W, grads_b, deltas
        return grads_W, grads_b

    return backward


@pytest.mark.parametrize("with_deltas", [False, True])
def test_a_right_backward_is_right_on_every_network(with_deltas):
    graded = grade_backward(learner(with_deltas=with_deltas))
    assert graded.all_right and len(graded.cases) == 2
    assert "right on all 2 networks" in render_backward_grade(graded)


# bug -> (misconception, layer of the first wrong element, words in the report)
PLANTED = {
    "no_prime_out": ("sigma_prime", "3", "a missing σ' factor"),
    "no_prime_hidden": ("sigma_prime", "2", "a missing σ' factor"),
    "not_transposed": ("transpose", "2", "W not transposed"),
    "one_term": ("sum_over_parents", "2", "a missing sum over parents"),
    "half": ("cost_factor", "3", "the 1/2 of J"),
    "one_over_m": ("cost_factor", "3", "the 1/m of J"),
    "grad_transposed": ("transpose", "3", "∂J/∂W^l = (δ^l)^T a^(l-1) has the shape of W^l"),
}


@pytest.mark.parametrize("with_deltas", [False, True])
@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_each_planted_bug_is_pointed_at_and_named(bug, with_deltas):
    misconception, layer, words = PLANTED[bug]
    graded = grade_backward(learner(bug, with_deltas))
    assert not graded.all_right
    case = graded.first
    assert case is graded.cases[0]  # the square network with m = 3 shows every bug
    wrong = case.first_wrong
    assert wrong.misconception == misconception, (wrong.key, wrong.message)
    assert wrong.key.endswith(layer)
    if with_deltas and bug != "grad_transposed":
        assert wrong.key.startswith("delta")  # δ^l is graded before the gradients it makes
    report = render_backward_grade(graded)
    assert words in report
    assert f"layer {layer}" in report


def test_the_first_wrong_weight_is_named_by_j_and_k():
    graded = grade_backward(learner("no_prime_hidden"))
    wrong = graded.first.first_wrong
    assert wrong.key == "dW2"
    j, k = wrong.where
    expected = np.array(wrong.expected)
    mine = np.array(wrong.given)
    assert not np.isclose(mine[j - 1, k - 1], expected[j - 1, k - 1])
    assert np.allclose(
        mine.ravel()[: (j - 1) * mine.shape[1] + k - 1],
        expected.ravel()[: (j - 1) * mine.shape[1] + k - 1],
        rtol=2e-3,
    )
    assert describe_where(wrong) == f"layer 2, ∂J/∂w_{j}{k} (j = {j}, k = {k})"


def test_a_backward_that_raises_is_reported_with_the_likely_mistake():
    def broken(weights, biases, x, y, activation):
        return weights[0] @ x, None

    graded = grade_backward(broken)
    assert not graded.all_right
    assert graded.first.error.startswith("ValueError: matmul")
    assert graded.first.misconception == "shape"
    assert "a shape mismatch" in render_backward_grade(graded)


@pytest.mark.parametrize("returned", [None, ([], []), (1, 2, 3, 4)])
def test_a_backward_returning_the_wrong_thing_is_wrong_not_a_crash(returned):
    graded = grade_backward(lambda *args: returned)
    assert not graded.all_right
    assert graded.first.error
