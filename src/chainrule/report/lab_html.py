"""The lab report as one HTML page: the numbers laid out here, the prose in the templates.

:func:`render_lab_html` fills ``templates/lab.html.j2`` (which includes one template per part
of the lecture) with the :class:`~chainrule.report.lab.LabResult` and a view of it: the rows of
every table, formatted; the figures as inline PNG; the explanations' HTML from
:func:`chainrule.explain.render_html`. Jinja escapes every value that is not Markup.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule import __version__
from chainrule.diagnostics.records import layer_words
from chainrule.explain.graph import format_number
from chainrule.explain.render_html import render_html, title
from chainrule.i18n import _, current_language, localized
from chainrule.report.html import accuracy, environment, img_png, notation
from chainrule.report.html import significant as g
from chainrule.report.lab import EXPLODE_SCALE, LabResult, LargeLearningRate
from chainrule.report.lab_figures import NUMBERS_NAME, FigureFile, lab_figures


@localized
def render_lab_html(result: LabResult, files: dict[str, FigureFile] | None = None) -> str:
    """The whole report as one HTML document (figures inline; ``lang="zh"``: in Chinese)."""
    files = files if files is not None else lab_figures(result)
    template = environment().get_template("lab.html.j2")
    return template.render(
        title=_("chainrule lab: backpropagation, made visible"),
        lang=current_language(),
        r=result,
        v=_view(result, files),
    )


def _view(result: LabResult, files: dict[str, FigureFile]) -> dict[str, Any]:
    t = result.training
    ex = result.exploding
    comp = result.composite
    file_rows = [[f.name, f.title] for f in files.values()]
    return {
        "version": __version__,
        "top": _keys(result),
        "composite": {"title": title(comp), "html": render_html(comp, show_title=False)},
        "exercises": [
            {"title": title(e), "html": render_html(e, full=False, show_title=False)}
            for e in result.exercises
        ],
        "sizes": ", ".join(map(str, t.sizes)),
        "check_rows": _check_rows(result),
        "check_worst": max(max(row.max_diff_w, row.max_diff_b) for row in t.check),
        "history_rows": _history_rows(t.history),
        "worked": _worked_rows(t.worked),
        "images": {key: img_png(f.png, f.title) for key, f in files.items()},
        "layer_heads": _layers(result.vanishing.result.speeds.shape[1]),
        "speed_rows": _speed_rows(result.vanishing.result),
        "remedy_rows": _remedy_rows(result),
        "explode_scale": EXPLODE_SCALE,
        "explode_heads": _layers(ex.unclipped.speeds.shape[1]),
        "explode_rows": _explode_rows(result),
        "large_lr_heads": _layers(result.large_lr.large.speeds.shape[1]),
        "large_lr_rows": _large_lr_rows(result.large_lr),
        "factor_rows": _factor_rows(result.vanishing.result),
        "factor_summary": _factor_summary(result.vanishing.result, "vanishing"),
        "explode_factor_rows": _factor_rows(ex.unclipped),
        "explode_factor_summary": _factor_summary(ex.unclipped, "exploding"),
        "file_rows": [*file_rows, [NUMBERS_NAME, _("every number of this report, as JSON")]],
    }


def _layers(n: int) -> list[str]:
    return [_("layer {j}").format(j=j) for j in range(1, n + 1)]


def _keys(result: LabResult) -> dict[str, Any]:
    """The numbers at the top that are not read straight from the result."""
    grads = result.composite.gradients
    diverged = result.exploding.diverged_at
    return {
        "gradients": _("{first} and {second}").format(
            first=format_number(grads["x1"]), second=format_number(grads["x2"])
        ),
        "best": max(result.remedies[1:], key=lambda run: run.result.test_accuracy or 0.0),
        "diverged": _("step {step}").format(step=diverged) if diverged is not None else _("none"),
    }


def _check_rows(result: LabResult) -> list[list[str]]:
    return [
        [
            str(row.layer),
            f"{row.shape[0]}×{row.shape[1]}",
            g(row.grad_w_norm, 4),
            g(row.grad_b_norm, 4),
            g(row.max_diff_w, 2),
            g(row.max_diff_b, 2),
        ]
        for row in result.training.check
    ]


def _history_rows(history: list[dict[str, Any]]) -> list[list[str]]:
    last = history[-1]["epoch"]
    keep = {0, 1, 2, 3, 5, last} | {e for e in range(10, last + 1, 10)}
    return [
        [
            str(h["epoch"]),
            g(h.get("train_loss"), 4),
            accuracy(h.get("train_accuracy")),
            g(h.get("test_loss"), 4),
            accuracy(h.get("test_accuracy")),
        ]
        for h in history
        if h["epoch"] in keep
    ]


def _vec(values: Any) -> str:
    """A row of numbers to 4 significant digits, as the worked example writes them."""
    return "(" + ", ".join(g(v, 4) for v in values) + ")"


def _worked_rows(w: Any) -> dict[str, list[list[str]]]:
    """The worked example's three tables: forward, backward (from the output), the update."""
    n_layers = len(w.weights)
    forward = [["0", str(j + 1), "–", "–", "–", g(v, 4), "–"] for j, v in enumerate(w.x)]
    for l in range(1, n_layers + 1):
        forward += [
            [
                str(l),
                str(j + 1),
                _vec(w.weights[l - 1][j]),
                g(w.biases[l - 1][j], 4),
                g(w.z[l - 1][j], 4),
                g(w.a[l][j], 4),
                g(w.sigma_prime[l - 1][j], 4),
            ]
            for j in range(len(w.z[l - 1]))
        ]
    backward = [
        [
            str(l),
            str(j + 1),
            g(w.grad_a[l - 1][j], 4),
            g(w.sigma_prime[l - 1][j], 4),
            g(w.deltas[l - 1][j], 4),
            _vec(w.grad_weights[l - 1][j]),
        ]
        for l in range(n_layers, 0, -1)
        for j in range(len(w.deltas[l - 1]))
    ]
    update = [
        [str(l), str(j + 1), _vec(w.new_weights[l - 1][j]), g(w.new_biases[l - 1][j], 4)]
        for l in range(1, n_layers + 1)
        for j in range(len(w.new_biases[l - 1]))
    ]
    return {"forward": forward, "backward": backward, "step": update}


def _speed_rows(r: Any) -> list[list[str]]:
    rows = []
    picks = sorted({0, len(r.x) - 1, *(k for k in (1, 5, 10, 20) if k < len(r.x))})
    for k in picks:
        speeds = r.speeds[k]
        ratio = speeds[0] / speeds[-1] if speeds[-1] > 0 else math.nan
        rows.append([str(int(r.x[k])), *(g(s) for s in speeds), g(ratio), g(r.train_loss[k], 4)])
    return rows


def _remedy_rows(result: LabResult) -> list[list[Any]]:
    rows = []
    for run in result.remedies:
        r = run.result
        kinds = ", ".join(f.title for f in run.diagnosis.findings)
        acc = r.test_accuracy if r.test_accuracy is not None else r.train_accuracy
        rows.append(
            [
                notation(_(run.remedy.title)),
                g(r.speeds[0, 0]),
                g(r.speeds[0, -1]),
                g(r.initial_ratio),
                g(r.final_ratio),
                g(r.final_loss, 3),
                accuracy(acc),
                kinds + (_(" (diverged)") if r.diverged else ""),
            ]
        )
    return rows


def _factor_rows(r: Any) -> list[list[str]]:
    """The factor split of every hidden layer at the run's first record (none if unmeasured)."""
    split = r.factor_split(0)
    if split is None:
        return []
    return [
        [
            layer_words(row.layer),
            g(row.ratio),
            g(row.weight_factor),
            g(row.sigma_factor),
            g(row.sigma_prime_mean),
        ]
        for row in split.rows
    ]


def _factor_summary(r: Any, kind: str) -> str:
    """Which factor shrinks (``kind`` "vanishing") or grows δ most at the first record."""
    split = r.factor_split(0)
    return "" if split is None else split.summary(kind)


def _explode_rows(result: LabResult) -> list[list[str]]:
    ex = result.exploding
    un, cl = ex.unclipped, ex.clipped
    return [
        [
            _("no clipping"),
            *(g(v) for v in un.speeds[0]),
            g(un.initial_ratio),
            _("step {step}").format(step=ex.diverged_at)
            if ex.diverged_at is not None
            else _("none"),
            g(un.final_loss, 3),
            accuracy(un.test_accuracy),
        ],
        [
            _("clipped to {clip}").format(clip=f"{ex.clip:g}"),
            *(g(v) for v in cl.speeds[0]),
            g(cl.initial_ratio),
            _("none") if not cl.diverged else _("yes"),
            g(cl.final_loss, 3),
            accuracy(cl.test_accuracy),
        ],
    ]


def _largest(values: Any) -> float:
    """The largest of a layer's gradient norms; NaN as soon as one of them is NaN."""
    numbers = [float(v) for v in values]
    return math.nan if any(math.isnan(v) for v in numbers) else max(numbers)


def _large_lr_rows(case: LargeLearningRate) -> list[list[str]]:
    """Both runs step by step, up to the large α's first NaN/Inf (or its first 6 steps)."""
    last = case.diverged_at if case.diverged_at is not None else 5
    rows = []
    for r in (case.large, case.normal):
        rows += [
            [
                f"α = {r.lr:g}",
                str(int(step)),
                *(g(v) for v in r.speeds[k]),
                g(_largest(r.grad_norms[k])),
                g(r.train_loss[k], 4),
            ]
            for k, step in enumerate(r.x)
            if step <= last
        ]
    return rows
