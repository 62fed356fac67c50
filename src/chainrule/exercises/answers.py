"""Answer files: JSON only, read within bounds, never run.

``chainrule exercise --json`` writes the exercise with an ``answers`` object whose values are
``null``; the learner fills them in and ``chainrule check FILE`` grades them. The exercise is
made again from the file's level, seed and samples (the same seed always makes the same
exercise), and the copy in the file must match it: numbers edited in the file are refused
rather than graded against. The answers may also be a file of their own (a bare
``{"key": value}`` object, or one with an ``answers`` object) beside the exercise's file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainrule.errors import ConfigError
from chainrule.exercises.model import FORMAT, Exercise, to_jsonable
from chainrule.files import JSONLimitError, bounded_json, open_regular
from chainrule.i18n import _

#: The largest answer file read: a level-3 exercise's file is a few kilobytes.
MAX_BYTES = 1_000_000


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON value in ``path``: a regular file of at most MAX_BYTES, bounded in depth."""
    with open_regular(path, ConfigError, _("a JSON file")) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > MAX_BYTES:
            raise ConfigError(
                _("{path}: {size} bytes, more than an answer file holds ({limit})").format(
                    path=path, size=size, limit=MAX_BYTES
                )
            )
        data = stream.read(size)
    try:
        return bounded_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(_("{path}: not UTF-8 text").format(path=path)) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            _("{path}: not JSON ({problem} at line {line}, column {column})").format(
                path=path, problem=exc.msg, line=exc.lineno, column=exc.colno
            )
        ) from None
    except JSONLimitError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def exercise_of(data: Any, path: str | os.PathLike[str]) -> Exercise:
    """The exercise an answer file was made from, made again; a ConfigError if the file is
    not one, or its copy of the exercise does not match."""
    from chainrule.exercises import generate  # the generators sit above this module

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(
            _(
                '{path}: not an exercise file (no "format": "{format}"); write one with '
                "chainrule exercise --json"
            ).format(path=path, format=FORMAT)
        )
    level, seed, samples = data.get("level"), data.get("seed"), data.get("samples")
    try:
        exercise = generate(level, seed, samples=samples if level == 3 else None)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    stored = data.get("exercise")
    if stored is not None and stored != to_jsonable(exercise.given):
        raise ConfigError(
            _(
                "{path}: its exercise differs from level {level}, seed {seed} as chainrule "
                "makes it (edited?); write it again with chainrule exercise"
            ).format(path=path, level=level, seed=seed)
        )
    return exercise


def answers_of(data: Any, path: str | os.PathLike[str]) -> Mapping[str, Any]:
    """The ``answers`` object of a file, or the file itself when it is a bare mapping."""
    if isinstance(data, dict) and "answers" in data:
        data = data["answers"]
    elif isinstance(data, dict) and "format" in data:
        raise ConfigError(_('{path}: has no "answers" object').format(path=path))
    if not isinstance(data, dict):
        raise ConfigError(
            _("{path}: the answers must be a JSON object of key: value").format(path=path)
        )
    return data


def load(
    answers_path: str | os.PathLike[str], exercise_path: str | os.PathLike[str] | None = None
) -> tuple[Exercise, Mapping[str, Any]]:
    """The exercise and the answers to grade, from one file or from two."""
    answers_data = read_json(answers_path)
    source = exercise_path if exercise_path is not None else answers_path
    exercise_data = read_json(exercise_path) if exercise_path is not None else answers_data
    exercise = exercise_of(exercise_data, Path(source))
    answers = answers_of(answers_data, answers_path)
    unknown = sorted(set(answers) - {e.key for e in exercise.entries})
    if unknown:
        raise ConfigError(
            _("{path}: no question is called {keys}").format(
                path=answers_path, keys=", ".join(map(repr, unknown[:5]))
            )
        )
    return exercise, answers
