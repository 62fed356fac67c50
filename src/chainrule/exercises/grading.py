"""Grading: each answer against the library's, and a wrong one against the known mistakes.

An answer is right within a tolerance that forgives rounding to four significant digits
(:data:`RTOL` of the value, :data:`ATOL` of the entry's largest element). A wrong answer is
compared with each :class:`~chainrule.exercises.model.Mistake` the exercise lists for that
entry, carried-over errors first (a value that follows from the learner's own earlier wrong
answer is not a second mistake); the first that matches names the misconception. Otherwise the
result shows the right value and the step it comes from.

>>> from chainrule.exercises import generate
>>> ex = generate(1, seed=3)
>>> grade(ex, ex.solutions()).all_right
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.exercises.model import Entry, Exercise, Mistake, to_jsonable
from chainrule.i18n import N_, _

RTOL = 2e-3
ATOL = 1e-4

#: What each misconception is called (translated where shown).
NAMES = {
    "sum_over_parents": N_("a missing sum over parents"),
    "sigma_prime": N_("a missing σ' factor"),
    "transpose": N_("W not transposed"),
    "cost_factor": N_("the cost's 1/m or 1/2 dropped"),
    "update_sign": N_("the wrong sign of the update"),
    "shape": N_("a shape mismatch"),
    "learning_rate": N_("the learning rate α left out"),
    "gradient_sign": N_("the wrong sign of ∇_a J"),
    "per_path_count": N_("the per-path and reverse counts mixed up"),
    "carried": N_("an error carried over from an earlier answer"),
}


@dataclass(frozen=True)
class Result:
    """One entry graded: ``status`` is ``"right"``, ``"wrong"`` or ``"missing"``.

    ``misconception`` is the id of the recognised mistake (see :data:`NAMES`), ``where`` the
    1-based index of the first wrong element (``()`` for a number), ``message`` says what
    went wrong and ``step`` where the right value comes from.
    """

    key: str
    symbol: str
    status: str
    expected: Any
    given: Any
    misconception: str | None = None
    message: str = ""
    step: str = ""
    where: tuple[int, ...] | None = None

    @property
    def right(self) -> bool:
        return self.status == "right"

    def to_json(self) -> dict[str, Any]:
        return to_jsonable(
            {
                "key": self.key,
                "symbol": self.symbol,
                "status": self.status,
                "misconception": self.misconception,
                "message": self.message,
                "step": self.step,
                "where": None if self.where is None else list(self.where),
                "expected": self.expected,
                "given": self.given,
            }
        )


@dataclass(frozen=True)
class Grade:
    """Every entry of one exercise, graded."""

    level: int
    seed: int
    results: tuple[Result, ...]

    @property
    def right(self) -> int:
        return sum(r.right for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def score(self) -> float:
        """The fraction right, 0 to 1."""
        return self.right / self.total if self.total else 1.0

    @property
    def all_right(self) -> bool:
        return self.right == self.total

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "seed": self.seed,
            "right": self.right,
            "total": self.total,
            "score": self.score,
            "results": [r.to_json() for r in self.results],
        }


def grade(exercise: Exercise, answers: Mapping[str, Any], keys: list[str] | None = None) -> Grade:
    """Grade ``answers`` (entry key -> value, as in the answer file) on ``exercise``.

    ``keys`` limits the grading to those entries (the ones a learner's ``backward`` returns).
    """
    entries = exercise.entries if keys is None else tuple(exercise.entry(k) for k in keys)
    results = tuple(grade_entry(exercise, e, answers) for e in entries)
    return Grade(exercise.level, exercise.seed, results)


def grade_entry(exercise: Exercise, entry: Entry, answers: Mapping[str, Any]) -> Result:
    """One entry graded (see the module docstring)."""
    given = answers.get(entry.key)
    if given is None:
        return _wrong(entry, None, "missing", None, _("not answered"))
    if entry.kind == "edges":
        return _grade_edges(entry, given)
    mine = numbers(given)
    if mine is None:
        return _wrong(entry, given, "wrong", None, _("not a number or an array of numbers"))
    right = np.asarray(entry.value, dtype=np.float64)
    scale = float(np.max(np.abs(right))) if right.size else 0.0
    ok = mine.shape == right.shape and bool(np.all(_close(mine, right, scale)))
    if ok:
        return Result(entry.key, entry.symbol, "right", entry.value, given)
    mistake = _recognise(exercise.mistakes(entry.key, answers), mine, right, scale)
    where = _first_wrong(mine, right, scale)
    if mistake is not None:
        return _wrong(entry, given, "wrong", mistake, _explain(mistake), where)
    if mine.shape != right.shape:
        detail = _("expected shape {expected}, got {got}").format(
            expected=_shape(right.shape), got=_shape(mine.shape)
        )
        return _wrong(
            entry, given, "wrong", Mistake("shape", None), f"{_(NAMES['shape'])}: {detail}"
        )
    return _wrong(entry, given, "wrong", None, "", where)


def numbers(given: Any) -> np.ndarray | None:
    """A number or nested lists of numbers (JSON's), as a float array; else None."""
    stack = [given]
    while stack:  # iterative: the JSON is bounded in depth, but no recursion is needed
        item = stack.pop()
        if isinstance(item, list | tuple | np.ndarray):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, int | float | np.number):
            return None
    try:
        mine = np.asarray(given, dtype=np.float64)
    except (TypeError, ValueError):  # ragged lists
        return None
    return mine if np.isfinite(mine).all() else None


def _wrong(
    entry: Entry,
    given: Any,
    status: str,
    mistake: Mistake | None,
    message: str,
    where: tuple[int, ...] | None = None,
) -> Result:
    return Result(
        entry.key,
        entry.symbol,
        status,
        entry.value,
        given,
        None if mistake is None else mistake.misconception,
        message,
        entry.step,
        where,
    )


def _explain(mistake: Mistake) -> str:
    name = _(NAMES[mistake.misconception])
    detail = _(mistake.detail).format(**mistake.fields) if mistake.detail else ""
    return f"{name}: {detail}" if detail else name


def _close(mine: np.ndarray, right: np.ndarray, scale: float) -> np.ndarray:
    return np.abs(mine - right) <= RTOL * np.abs(right) + ATOL * max(scale, 1e-3)


def _recognise(
    mistakes: list[Mistake], mine: np.ndarray, right: np.ndarray, scale: float
) -> Mistake | None:
    """The first mistake whose values the answer matches (and which is itself wrong)."""
    for mistake in mistakes:
        value = np.asarray(mistake.value, dtype=np.float64)
        if mistake.alternatives:
            if value.shape[1:] != mine.shape or mine.shape != right.shape:
                continue
            matches = np.any(_close(mine[None], value, scale), axis=0)
            wrong = ~_close(mine, right, scale)
            if np.all(matches | ~wrong) and np.any(wrong):
                return mistake
            continue
        if value.shape != mine.shape or not np.all(_close(mine, value, scale)):
            continue
        if value.shape == right.shape and np.all(_close(value, right, scale)):
            continue  # this "mistake" gives the right value here: nothing to name
        return mistake
    return None


def _first_wrong(mine: np.ndarray, right: np.ndarray, scale: float) -> tuple[int, ...] | None:
    """The 1-based index of the first element that is wrong (None when the shapes differ)."""
    if mine.shape != right.shape:
        return None
    wrong = np.argwhere(~_close(mine, right, scale))
    return tuple(int(i) + 1 for i in wrong[0]) if len(wrong) else None


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else _("a number")


def _grade_edges(entry: Entry, given: Any) -> Result:
    if not isinstance(given, list) or not all(isinstance(g, str | list) for g in given):
        return _wrong(entry, given, "wrong", None, _('a list of edges, each "source -> target"'))
    mine = Counter(_edge(g) for g in given)
    right = Counter(_edge(e) for e in entry.value)
    if mine == right:
        return Result(entry.key, entry.symbol, "right", list(entry.value), given)
    missing = sorted((right - mine).elements())
    extra = sorted((mine - right).elements())
    parts = []
    if missing:
        parts.append(_("missing {edges}").format(edges=", ".join(" -> ".join(e) for e in missing)))
    if extra:
        parts.append(
            _("not in the graph {edges}").format(edges=", ".join(" -> ".join(e) for e in extra))
        )
    return _wrong(entry, given, "wrong", None, "; ".join(parts))


def _edge(item: str | list[Any]) -> tuple[str, str]:
    if isinstance(item, list):
        return tuple(str(p).strip() for p in item[:2])  # type: ignore[return-value]
    source, _arrow, target = item.partition("->")
    return source.strip(), target.strip()
