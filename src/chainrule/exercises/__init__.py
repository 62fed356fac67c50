"""Exercises that check themselves: the lecture's exercises, generated, solved and graded.

Three levels, each drawn from a seed (the same seed always gives the same exercise):

1. a composite function: draw its graph, the intermediate values, the local partials and the
   reverse-accumulation table (solved by :func:`chainrule.explain.derive`);
2. a bigger one: the per-path method's operation count against reverse accumulation's, and
   the partials at the point;
3. a small network and a batch: every z^l and a^l, J, δ^L, δ^l, ∂J/∂W^l, ∂J/∂b^l and one
   step of gradient descent (solved by :class:`chainrule.classic.Network`).

:func:`grade` checks answers and names the misconception behind a wrong one when it knows it;
:func:`grade_backward` does the same for a learner's own ``backward()``.

>>> ex = generate(3, seed=1)
>>> import numpy as np
>>> answers = ex.solutions()
>>> grade(ex, answers).all_right
True
>>> answers["delta1"] = (np.asarray(answers["delta1"]) * 2).tolist()
>>> [r.status for r in grade(ex, answers).results if r.key == "delta1"]
['wrong']
"""

from __future__ import annotations

from chainrule.errors import ConfigError
from chainrule.exercises.backward import BackwardGrade, grade_backward, load_backward
from chainrule.exercises.expressions import expression_exercise
from chainrule.exercises.grading import NAMES, Grade, Result, grade
from chainrule.exercises.model import FORMAT, LEVELS, Entry, Exercise, Mistake
from chainrule.exercises.networks import network_exercise
from chainrule.exercises.render import render_exercise, render_grade
from chainrule.i18n import _
from chainrule.seeding import check_seed

__all__ = [
    "FORMAT",
    "LEVELS",
    "NAMES",
    "BackwardGrade",
    "Entry",
    "Exercise",
    "Grade",
    "Mistake",
    "Result",
    "generate",
    "grade",
    "grade_backward",
    "load_backward",
    "render_exercise",
    "render_grade",
]

#: The most samples a level-3 batch may have (a batch is worked by hand).
MAX_SAMPLES = 8


def generate(level: int, seed: int = 0, *, samples: int | None = None) -> Exercise:
    """The exercise of ``level`` (1, 2 or 3) for ``seed``; ``samples`` sizes level 3's batch.

    >>> generate(1, seed=5).given == generate(1, seed=5).given
    True
    """
    if isinstance(level, bool) or level not in LEVELS:
        raise ConfigError(_("level must be 1, 2 or 3, got {level!r}").format(level=level))
    seed = check_seed(seed, "seed")
    if samples is not None:
        if level != 3:
            raise ConfigError(_("samples applies to level 3 (a network and a batch) only"))
        if (
            isinstance(samples, bool)
            or not isinstance(samples, int)
            or not 1 <= samples <= MAX_SAMPLES
        ):
            raise ConfigError(
                _("samples must be an integer from 1 to {most}, got {samples!r}").format(
                    most=MAX_SAMPLES, samples=samples
                )
            )
    if level == 3:
        return network_exercise(seed, samples=samples)
    return expression_exercise(level, seed)
