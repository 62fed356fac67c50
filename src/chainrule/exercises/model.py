"""What an exercise is, as data: what is given, what is asked, and the library's answers.

An :class:`Exercise` is made by a generator (:mod:`.expressions` for levels 1 and 2,
:mod:`.networks` for level 3) from a level and a seed, and the same level and seed always make
the same exercise: an answer file names them, and ``check`` makes the exercise again rather
than trusting numbers in a file. Each :class:`Entry` is one thing the learner fills in, with
the value the library computed and the step it comes from; :class:`Mistake` is a wrong value
a known misconception would give there, recomputed from the library's own values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The version of the generators: an answer file made by another version is refused, because
#: the same seed may no longer make the same exercise.
FORMAT = "chainrule.exercise/1"

LEVELS = (1, 2, 3)

#: The misconceptions the grader recognises, by id (their words are in ``grading``).
MISCONCEPTIONS = (
    "sum_over_parents",
    "sigma_prime",
    "transpose",
    "cost_factor",
    "update_sign",
    "shape",
    "learning_rate",
    "gradient_sign",
    "per_path_count",
    "carried",
)


@dataclass(frozen=True)
class Entry:
    """One blank to fill in.

    ``key`` names it in the answer file; ``symbol`` and ``tex`` write it in the lecture's
    notation (Unicode, LaTeX math); ``value`` is the library's answer (a number, an array, or
    for ``kind == "edges"`` a tuple of ``"x1 -> a"`` strings); ``step`` says which formula it
    comes from (English, translated when shown); ``section`` groups the blanks.
    """

    key: str
    symbol: str
    tex: str
    value: Any
    step: str
    section: str
    kind: str = "number"

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape an answer must have (``()`` for a number)."""
        if self.kind == "edges":
            return (len(self.value),)
        return tuple(np.shape(self.value))


@dataclass(frozen=True)
class Mistake:
    """The value ``misconception`` would give for an entry.

    ``value`` has the entry's shape, or one more leading axis of alternatives: an element
    matches when it equals any of them (for "only one parent's term", any one term).
    ``detail`` names the step (English, with ``{}`` fields filled from ``fields``).
    """

    misconception: str
    value: Any
    detail: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    alternatives: bool = False


@dataclass(frozen=True)
class Section:
    """A group of blanks under a title (English, translated when shown)."""

    key: str
    title: str
    instructions: str = ""


@dataclass(frozen=True)
class Exercise:
    """A generated exercise: ``level``, ``seed``, what is ``given`` (JSON-able), the blanks.

    ``mistakes(key, answers)`` lists the mistakes to look for in a wrong answer to ``key``,
    given the learner's other ``answers`` (so a value that follows from the learner's own
    earlier wrong answer is recognised as carried over). ``worked`` is the library's own
    explanation of the solution (a :class:`~chainrule.explain.Explanation` for levels 1 and 2,
    :class:`~chainrule.classic.Gradients` for level 3).
    """

    level: int
    seed: int
    samples: int | None
    given: dict[str, Any]
    sections: tuple[Section, ...]
    entries: tuple[Entry, ...]
    mistakes: Callable[[str, Mapping[str, Any]], list[Mistake]]
    worked: Any = None

    def entry(self, key: str) -> Entry:
        """The entry called ``key``."""
        for e in self.entries:
            if e.key == key:
                return e
        raise KeyError(key)

    def in_section(self, section: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.section == section)

    def solutions(self) -> dict[str, Any]:
        """Every entry's answer as JSON-able data: what a learner who is right writes."""
        return {e.key: to_jsonable(e.value) for e in self.entries}

    def to_json(self, *, solutions: bool = False) -> dict[str, Any]:
        """The answer file ``chainrule exercise --json`` writes: fill in ``answers``, then run
        ``chainrule check FILE``. With ``solutions`` the answers are filled in already."""
        blanks = dict.fromkeys(e.key for e in self.entries)
        return {
            "format": FORMAT,
            "level": self.level,
            "seed": self.seed,
            "samples": self.samples,
            "exercise": to_jsonable(self.given),
            "questions": [
                {"key": e.key, "symbol": e.symbol, "shape": list(e.shape), "section": e.section}
                for e in self.entries
            ],
            "answers": self.solutions() if solutions else blanks,
        }


def to_jsonable(value: Any) -> Any:
    """NumPy arrays and numbers as lists and floats, tuples as lists, recursively."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
