"""Grading a learner's own ``backward()``: run it on small networks, point at the first error.

The function to write has the signature of :func:`chainrule.classic.backprop`::

    def backward(weights, biases, x, y, activation):
        '''weights[l-1] is W^l, shape (N^l, N^(l-1)); biases[l-1] is b^l, shape (N^l,);
        x has shape (m, N^0), one sample per row; y has shape (m, N^L);
        activation is "sigmoid" or "tanh", the σ of every layer, the output layer included.
        The cost is the lecture's J = 1/(2m) Σ_i ||y_i - a_i^L||².
        Returns (grads_W, grads_b), lists indexed like weights and biases and shaped like
        them, or (grads_W, grads_b, deltas) with deltas[l-1] = δ^l of shape (m, N^l).'''

It is run on a few level-3 exercises (a square network with m = 3 samples, so that W not
transposed and the cost's 1/2 and 1/m each give numbers of their own, then a non-square one)
and graded as answers to them, layer L first, as backpropagation computes them: δ^l when it is
returned, then ∂J/∂W^l, then ∂J/∂b^l. The first wrong element is named by its layer and index
(w_jk^l for a weight), with the misconception when it is recognised.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import ConfigError
from chainrule.exercises.grading import NAMES, Grade, Result, grade
from chainrule.exercises.model import Exercise
from chainrule.exercises.networks import network_exercise
from chainrule.i18n import _

#: The networks a ``backward`` is run on, in order: (sizes, activation, samples).
CASES = (((2, 2, 2, 2), "sigmoid", 3), ((3, 4, 2), "tanh", 2))


@dataclass(frozen=True)
class CaseGrade:
    """One network: the exercise it was, the grade, or the error the function raised."""

    exercise: Exercise
    grade: Grade | None
    error: str | None = None
    misconception: str | None = None

    @property
    def all_right(self) -> bool:
        return self.grade is not None and self.grade.all_right

    @property
    def first_wrong(self) -> Result | None:
        if self.grade is None:
            return None
        return next((r for r in self.grade.results if not r.right), None)

    def describe(self) -> str:
        g = self.exercise.given
        return _("sizes {sizes}, {activation}, m = {m}").format(
            sizes=g["sizes"], activation=g["activation"], m=self.exercise.samples
        )


@dataclass(frozen=True)
class BackwardGrade:
    """Every case graded; ``first`` is the first case with an error (None when all right)."""

    cases: tuple[CaseGrade, ...]

    @property
    def all_right(self) -> bool:
        return all(c.all_right for c in self.cases)

    @property
    def first(self) -> CaseGrade | None:
        return next((c for c in self.cases if not c.all_right), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "all_right": self.all_right,
            "cases": [
                {
                    "case": c.describe(),
                    "error": c.error,
                    "misconception": c.misconception,
                    "grade": None if c.grade is None else c.grade.to_json(),
                }
                for c in self.cases
            ],
        }


def grade_backward(function: Callable[..., Any], seed: int = 0) -> BackwardGrade:
    """Run ``function`` (the signature above) on each case and grade what it returns.

    >>> from chainrule.classic import backprop
    >>> grade_backward(backprop).all_right
    True
    """
    cases = []
    for k, (sizes, activation, m) in enumerate(CASES):
        exercise = network_exercise(seed + k, samples=m, sizes=sizes, activation=activation)
        cases.append(_grade_case(function, exercise))
        if not cases[-1].all_right:
            break  # the first error is the one to fix
    return BackwardGrade(tuple(cases))


def _grade_case(function: Callable[..., Any], exercise: Exercise) -> CaseGrade:
    g = exercise.given
    arrays = [np.array(w) for w in g["W"]], [np.array(b) for b in g["b"]]
    x, y = np.array(g["x"]), np.array(g["y"])
    try:
        with np.errstate(all="ignore"):
            returned = function(*arrays, x, y, g["activation"])
    except Exception as exc:  # the learner's code: any error is a finding, not a crash
        text = f"{type(exc).__name__}: {exc}".splitlines()[0]
        shape = re.search(r"shape|align|mismatch|broadcast|dimension", text, re.IGNORECASE)
        return CaseGrade(exercise, None, text, "shape" if shape else None)
    L = len(g["W"])
    answers, problem = _as_answers(returned, L)
    if problem:
        return CaseGrade(exercise, None, problem)
    keys = []
    for l in range(L, 0, -1):
        keys += [k for k in (f"delta{l}", f"dW{l}", f"db{l}") if k in answers]
    return CaseGrade(exercise, grade(exercise, answers, keys))


def _as_answers(returned: Any, layers: int) -> tuple[dict[str, Any], str | None]:
    """The returned lists as answers by entry key, or a sentence saying what is wrong."""
    if not isinstance(returned, tuple | list) or len(returned) not in (2, 3):
        return {}, _("backward must return (grads_W, grads_b) or (grads_W, grads_b, deltas)")
    answers: dict[str, Any] = {}
    for name, values in zip(("dW", "db", "delta"), returned, strict=False):
        if not isinstance(values, list | tuple) or len(values) != layers:
            return {}, _("{name} must be a list of {n} arrays, one per layer").format(
                name=name, n=layers
            )
        for l, value in enumerate(values, start=1):
            try:
                answers[f"{name}{l}"] = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                return {}, _("{name}[{i}] is not an array of numbers").format(name=name, i=l - 1)
    return answers, None


def describe_where(result: Result) -> str:
    """``layer 2, w_12`` and the like: the first wrong element in the lecture's indices."""
    key, where = result.key, result.where
    layer = re.sub(r"\D", "", key)
    if where is None:
        return _("layer {l}").format(l=layer)
    if key.startswith("dW"):
        j, k = where
        return _("layer {l}, ∂J/∂w_{j}{k} (j = {j}, k = {k})").format(l=layer, j=j, k=k)
    if key.startswith("db"):
        return _("layer {l}, ∂J/∂b_{j} (j = {j})").format(l=layer, j=where[0])
    i, j = where
    return _("layer {l}, δ_{j} of sample {i} (j = {j})").format(l=layer, i=i, j=j)


def misconception_name(case: CaseGrade) -> str | None:
    """The name of the misconception behind a case's first error, if one is recognised."""
    wrong = case.first_wrong
    key = wrong.misconception if wrong is not None else case.misconception
    return _(NAMES[key]) if key else None


def load_backward(spec: str) -> Callable[..., Any]:
    """``path/to/file.py:function`` -> the function, from the learner's own file.

    The file is the user's own code and is run as a module; what it defines is looked up by
    name. Any error loading it is one ConfigError line.
    """
    path_text, colon, name = spec.rpartition(":")
    if not colon or not path_text or not name.isidentifier():
        raise ConfigError(_("{spec!r}: expected path/to/file.py:function").format(spec=spec))
    path = Path(path_text)
    if path.suffix != ".py" or not path.is_file():
        raise ConfigError(_("{path}: no such Python file").format(path=path))
    module_name = f"_chainrule_learner_{abs(hash(str(path.resolve())))}"
    spec_obj = importlib.util.spec_from_file_location(module_name, path)
    if spec_obj is None or spec_obj.loader is None:
        raise ConfigError(_("{path}: cannot load it as a Python module").format(path=path))
    module = importlib.util.module_from_spec(spec_obj)
    sys.modules[module_name] = module
    try:
        spec_obj.loader.exec_module(module)
    except Exception as exc:  # the learner's code: its error, in one line
        sys.modules.pop(module_name, None)
        first = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise ConfigError(
            _("{path}: cannot load it ({error})").format(path=path, error=first)
        ) from None
    function = getattr(module, name, None)
    if not callable(function):
        raise ConfigError(_("{path}: defines no function {name}").format(path=path, name=name))
    return function
