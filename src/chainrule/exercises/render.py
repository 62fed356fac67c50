"""An exercise, and a grade, as text, Markdown or LaTeX.

The document is decided once (:func:`_blocks`: titles, what is given, the blanks, and with
solutions the values, their steps and, for levels 1 and 2, the worked explanation that
``chainrule derive`` prints); each format only typesets it, escaping every piece of text by
its own rule from :mod:`chainrule.explain.escape`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from chainrule.exercises.backward import BackwardGrade, describe_where, misconception_name
from chainrule.exercises.grading import Grade, Result, numbers
from chainrule.exercises.model import Entry, Exercise
from chainrule.explain import escape, render_latex, render_markdown, render_text
from chainrule.explain.graph import format_number
from chainrule.i18n import _
from chainrule.wording import display_width

FORMATS = ("text", "markdown", "latex")

_BLANK = "____"

#: The lecture's symbols as LaTeX, for the steps written in Unicode.
_LATEX_SYMBOLS = {
    "∂": r"\partial ",
    "δ": r"\delta ",
    "σ": r"\sigma ",
    "α": r"\alpha ",
    "Σ": r"\Sigma ",
    "⊙": r"\odot ",
    "∇": r"\nabla ",
    "←": r"\leftarrow ",
    "·": r"\cdot ",
    "×": r"\times ",
    "²": r"^2",
}


def render_exercise(exercise: Exercise, fmt: str = "text", *, solutions: bool = False) -> str:
    """The exercise in ``fmt`` (text, markdown or latex), with or without the solutions.

    >>> from chainrule.exercises import generate
    >>> print(render_exercise(generate(1, seed=0)).splitlines()[0])
    Exercise: level 1, seed 0
    """
    typeset = {"text": _Text(), "markdown": _Markdown(), "latex": _Latex()}[fmt]
    lines = [typeset.block(kind, *args) for kind, *args in _blocks(exercise, solutions)]
    if solutions and exercise.level in (1, 2):
        worked = {"text": render_text, "markdown": render_markdown, "latex": render_latex}[fmt]
        lines.append(typeset.block("section", _("Worked solution"), ""))
        lines.append(worked(exercise.worked).rstrip("\n"))
    return "\n\n".join(line for line in lines if line) + "\n"


def _blocks(exercise: Exercise, solutions: bool) -> Iterator[tuple[Any, ...]]:
    yield (
        "title",
        _("Exercise: level {level}, seed {seed}").format(level=exercise.level, seed=exercise.seed),
    )
    yield from _given(exercise)
    yield (
        "para",
        _(
            "Fill in the blanks; the key in brackets names each one in the answer file "
            "(chainrule exercise --json), and chainrule check grades it. Give numbers to at "
            "least 4 significant digits."
        ),
    )
    for section in exercise.sections:
        yield ("section", section.title, section.instructions)
        yield ("entries", exercise.in_section(section.key), solutions)


def _given(exercise: Exercise) -> Iterator[tuple[Any, ...]]:
    g = exercise.given
    if exercise.level in (1, 2):
        point = ", ".join(f"{k} = {v}" for k, v in g["at"].items())
        yield ("para", _("The composite function, at {point}:").format(point=point))
        yield ("formula", g["expression"])
        yield (
            "para",
            _("Its intermediate nodes, in the order they are computed (constants are not nodes):"),
        )
        yield ("formula", "; ".join(f"{n['name']} = {n['formula']}" for n in g["nodes"]))
        return
    yield (
        "para",
        _(
            "A network with layers of sizes {sizes}; σ is {activation} on every layer, the "
            "output layer included; the cost is J = 1/(2m) Σ_i ||y_i - a_i^L||² over the m = {m} "
            "samples (one per row of x); learning rate α = {alpha}."
        ).format(
            sizes=g["sizes"], activation=g["activation"], m=exercise.samples, alpha=g["alpha"]
        ),
    )
    for l, (w, b) in enumerate(zip(g["W"], g["b"], strict=True), start=1):
        yield ("array", f"W^{l}", f"W^{{({l})}}", np.array(w))
        yield ("array", f"b^{l}", f"b^{{({l})}}", np.array(b))
    yield ("array", "x", "x", np.array(g["x"]))
    yield ("array", "y", "y", np.array(g["y"]))


def value_text(value: Any) -> str:
    """A number, an array or a list of edges as one line of text."""
    if isinstance(value, tuple | list) and value and isinstance(value[0], str):
        return ", ".join(value)
    array = np.asarray(value)
    if array.ndim == 0:
        return format_number(float(array))
    if array.ndim == 1:
        return "[" + ", ".join(format_number(float(v)) for v in array) + "]"
    return "[" + ", ".join(value_text(row) for row in array) + "]"


def given_text(value: Any) -> str:
    """A learner's answer as one line: as :func:`value_text` when it is a number, an array
    or a list of edges, else as its JSON text, so that what is wrong with it shows (the
    string ``"-2"`` in quotes, ``null``, a ragged list).

    >>> given_text([1, 2.5]), given_text("-2"), given_text([[1, 2], [3]])
    ('[1, 2.5]', '"-2"', '[[1, 2], [3]]')
    """
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if numbers(value) is not None:  # finite numbers in a rectangular nest
        return value_text(value)
    return json.dumps(value, ensure_ascii=False, default=repr)


class _Text:
    def block(self, kind: str, *args: Any) -> str:
        return getattr(self, kind)(*args)

    def title(self, text: str) -> str:
        return f"{text}\n{'=' * display_width(text)}"  # a Chinese character takes two

    def para(self, text: str) -> str:
        return text

    def formula(self, text: str) -> str:
        return f"  {text}"

    def array(self, symbol: str, tex: str, value: np.ndarray) -> str:
        return f"  {symbol} = {value_text(value)}"

    #: Between two blanks: a line break (LaTeX needs a paragraph).
    between = "\n"

    def entries(self, entries: tuple[Entry, ...], solutions: bool) -> str:
        return self.between.join(self.entry(e, solutions) for e in entries)

    def section(self, title: str, instructions: str) -> str:
        rule = "-" * display_width(title)
        return f"{title}\n{rule}" + (f"\n{instructions}" if instructions else "")

    def entry(self, entry: Entry, solutions: bool) -> str:
        if not solutions:
            return f"  [{entry.key}]  {entry.symbol} = {_BLANK}"
        return f"  [{entry.key}]  {entry.symbol} = {value_text(entry.value)}\n      {entry.step}"


class _Markdown(_Text):
    def title(self, text: str) -> str:
        return f"# {escape.markdown(text)}"

    def para(self, text: str) -> str:
        return escape.markdown(text)

    def formula(self, text: str) -> str:
        return escape.markdown_code(text)

    def array(self, symbol: str, tex: str, value: np.ndarray) -> str:
        return f"- {escape.markdown(symbol)} = {escape.markdown_code(value_text(value))}"

    def section(self, title: str, instructions: str) -> str:
        text = f"## {escape.markdown(title)}"
        return f"{text}\n\n{escape.markdown(instructions)}" if instructions else text

    def entry(self, entry: Entry, solutions: bool) -> str:
        key = escape.markdown_code(entry.key)
        head = f"- {key} {escape.markdown(entry.symbol)} ="
        if not solutions:
            return f"{head} {escape.markdown(_BLANK)}"
        value = escape.markdown_code(value_text(entry.value))
        return f"{head} {value}  \n  {escape.markdown(entry.step)}"


class _Latex(_Text):
    between = "\n\n"

    def title(self, text: str) -> str:
        return rf"\section*{{{latex_text(text)}}}"

    def para(self, text: str) -> str:
        return latex_text(text)

    def formula(self, text: str) -> str:
        return rf"\begin{{center}}\texttt{{{latex_text(text)}}}\end{{center}}"

    def array(self, symbol: str, tex: str, value: np.ndarray) -> str:
        return rf"\[ {tex} = {latex_array(value)} \]"

    def section(self, title: str, instructions: str) -> str:
        text = rf"\subsection*{{{latex_text(title)}}}"
        return f"{text}\n{latex_text(instructions)}" if instructions else text

    def entry(self, entry: Entry, solutions: bool) -> str:
        key = rf"\texttt{{[{escape.latex(entry.key)}]}}"
        if entry.kind == "edges":
            shown = (
                latex_text(value_text(entry.value)) if solutions else r"\underline{\hspace{6em}}"
            )
            return rf"\noindent {key} {latex_text(entry.symbol)}: {shown}"
        if not solutions:
            return rf"\noindent {key} $\displaystyle {entry.tex} = $ \underline{{\hspace{{6em}}}}"
        value = latex_array(np.asarray(entry.value, dtype=float))
        step = latex_text(entry.step)
        return rf"\noindent {key} $\displaystyle {entry.tex} = {value}$\\ {{\small {step}}}"


def latex_text(text: str) -> str:
    """Text for LaTeX's text mode, the lecture's symbols as math (∂ -> $\\partial$), and
    ``^l``, ``_jk`` as superscripts and subscripts."""
    escaped = _SCRIPTS.sub(_script, escape.latex(text))
    return "".join(
        rf"\ensuremath{{{_LATEX_SYMBOLS[c].strip()}}}" if c in _LATEX_SYMBOLS else c
        for c in escaped
    )


#: ``^(l+1)``, ``^l``, ``_jk`` once escaped: a superscript or subscript of one word or group.
_SCRIPTS = re.compile(r"(\\textasciicircum\{\}|\\_)(\([^()]*\)|[A-Za-z0-9]+)")


def _script(match: re.Match[str]) -> str:
    command = (
        "textsuperscript" if match.group(1).startswith("\\textasciicircum") else "textsubscript"
    )
    return rf"\{command}{{{match.group(2)}}}"


def latex_array(value: np.ndarray) -> str:
    """A number, or a vector or matrix as a bmatrix (a vector as one row)."""
    if value.ndim == 0:
        return format_number(float(value))
    rows = value.reshape(1, -1) if value.ndim == 1 else value
    body = r" \\ ".join(" & ".join(format_number(float(v)) for v in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


# ---- grades ------------------------------------------------------------------------------
def render_grade(grade: Grade) -> str:
    """A grade as text: the score, then every entry, wrong ones with what went wrong."""
    lines = [
        _("level {level}, seed {seed}: {right} of {total} right ({percent:.0f}%)").format(
            level=grade.level,
            seed=grade.seed,
            right=grade.right,
            total=grade.total,
            percent=100 * grade.score,
        )
    ]
    for result in grade.results:
        lines.extend(result_lines(result))
    return "\n".join(lines) + "\n"


def element_place(where: tuple[int, ...]) -> str:
    """Where an element sits, in words and counting from 1 as the lecture's indices do (the
    JSON's lists count from 0).

    >>> element_place((2, 1)), element_place((3,))
    ('row 2, column 1', 'element 3')
    """
    if len(where) == 2:
        return _("row {row}, column {column}").format(row=where[0], column=where[1])
    if len(where) == 1:
        return _("element {index}").format(index=where[0])
    return str(where)


def result_lines(result: Result, *, where: bool = True) -> list[str]:
    """One result: a line, and for a wrong one what went wrong and the right value."""
    label = f"[{result.key}] {result.symbol}"
    if result.right:
        return ["  " + _("right") + "  " + label]  # outside an f-string: extracted
    if result.status == "missing":
        return ["  " + _("missing") + "  " + label]
    lines = ["  " + _("WRONG") + "  " + label]
    if result.message:
        lines.append(f"      {result.message}")
    if where and result.where:
        place = element_place(result.where)
        lines.append("      " + _("first wrong element: {where}").format(where=place))
    if result.given is not None:
        lines.append("      " + _("yours: {value}").format(value=given_text(result.given)))
    lines.append("      " + _("right: {value}").format(value=value_text(result.expected)))
    lines.append("      " + _("from: {step}").format(step=result.step))
    return lines


def render_backward_grade(graded: BackwardGrade) -> str:
    """A graded ``backward()`` as text: all right, or the first error, where and why."""
    if graded.all_right:
        return _("backward: right on all {n} networks").format(n=len(graded.cases)) + "\n"
    case = graded.first
    assert case is not None
    lines = [
        _("backward: wrong on network {k} ({case})").format(
            k=graded.cases.index(case) + 1, case=case.describe()
        )
    ]
    name = misconception_name(case)
    if case.error is not None:
        lines.append("  " + _("it failed: {error}").format(error=case.error))
        if name:
            lines.append("  " + _("likely: {name}").format(name=name))
        return "\n".join(lines) + "\n"
    wrong = case.first_wrong
    assert wrong is not None
    lines.append("  " + _("first wrong element: {where}").format(where=describe_where(wrong)))
    lines.extend(result_lines(wrong, where=False)[1:])
    return "\n".join(lines) + "\n"
