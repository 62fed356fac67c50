"""gradcheck is itself an oracle: it must pass right derivatives and catch wrong ones."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.engine.function import Function


class WrongSquare(Function):
    """x^2 with the derivative off by a factor at one place: what gradcheck must catch."""

    __slots__ = ()

    def forward(self, x):
        return x * x

    def backward(self, xp, g, out, x):
        wrong = 2 * x
        wrong = wrong * 1.0  # a copy, so the flat write below never touches x
        wrong.reshape(-1)[-1] *= 1.01
        return g * wrong


def wrong_square(x):
    return WrongSquare.apply(x)


def test_gradcheck_passes_a_right_derivative():
    assert cr.gradcheck(
        lambda x, y: (x.sin() * y).sum(), np.array([0.3, -1.2]), np.array([2.0, 1.0])
    )


def test_gradcheck_checks_non_scalar_and_one_element_outputs():
    assert cr.gradcheck(lambda x: cr.tanh(x) * 3.0, np.ones((2, 3)))
    assert cr.gradcheck(lambda x: x.sum(axis=(0, 1), keepdims=True), np.ones((2, 3)))


def test_gradcheck_names_the_worst_element():
    with pytest.raises(cr.GradcheckError) as info:
        cr.gradcheck(lambda x: wrong_square(x).sum(), np.array([[1.0, 2.0], [3.0, 4.0]]))
    message = str(info.value)
    assert "input 0" in message
    assert "(1, 1)" in message
    assert re.search(r"analytic 8\.08 vs numeric (8|7\.99)", message)


class NaNGradient(Function):
    """2x forward with a NaN derivative: NaN compares false with everything, so a check
    written as ``error > allowed`` would let it through."""

    __slots__ = ()

    def forward(self, x):
        return 2 * x

    def backward(self, xp, g, out, x):
        return g * np.nan


def test_gradcheck_fails_a_nan_gradient():
    with pytest.raises(cr.GradcheckError, match="analytic nan vs numeric 2"):
        cr.gradcheck(lambda x: NaNGradient.apply(x).sum(), np.array([1.0, 2.0]))


def test_gradcheck_can_return_false():
    assert not cr.gradcheck(
        lambda x: wrong_square(x).sum(), np.array([1.0, 2.0]), raise_exception=False
    )


def test_gradcheck_is_an_assertion_and_a_chainrule_error():
    assert issubclass(cr.GradcheckError, AssertionError)
    assert issubclass(cr.GradcheckError, cr.ChainruleError)


def test_gradcheck_of_large_inputs_uses_random_directions_and_still_catches_errors():
    x = np.random.default_rng(0).uniform(1, 2, 50)
    assert cr.gradcheck(lambda t: (t * t).sum(), x, max_elements=10)
    with pytest.raises(cr.GradcheckError, match="random direction"):
        cr.gradcheck(lambda t: wrong_square(t).sum(), x, max_elements=10, directions=4)


def test_gradcheck_converts_inputs_to_float64():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return (x * x).sum()

    cr.gradcheck(f, np.ones(2, dtype=np.float32))
    assert set(seen) == {np.dtype(np.float64)}


def test_gradcheck_of_a_second_input_that_is_unused():
    assert cr.gradcheck(lambda x, unused: (x * 2.0).sum(), np.ones(2), np.ones(3))
