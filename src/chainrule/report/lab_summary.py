"""The few lines ``chainrule lab`` prints: what ran, the key numbers, where the report is.

The sentences are the template ``templates/summary.txt.j2`` (plain text, not escaped); the
lists of numbers are joined here.
"""

from __future__ import annotations

from pathlib import Path

from chainrule.explain.graph import format_number
from chainrule.i18n import _, localized
from chainrule.report.html import accuracy, environment
from chainrule.report.html import significant as g
from chainrule.report.lab import COMPOSITE, EXPLODE_SCALE, LabResult


@localized
def render_summary(result: LabResult, paths: dict[str, Path] | None = None) -> str:
    """The summary as text, one line per part of the lecture (and where the files are);
    ``lang="zh"``: in Chinese."""
    ex = result.exploding
    big = result.large_lr

    def stopped(step: int | None) -> str:
        return (
            _("NaN/Inf at step {step}").format(step=step)
            if step is not None
            else _("stayed finite")
        )

    numbers = {
        "composite": COMPOSITE,
        "gradients": ", ".join(
            f"dy/d{k} = {format_number(v)}" for k, v in result.composite.gradients.items()
        ),
        "check_worst": max(max(row.max_diff_w, row.max_diff_b) for row in result.training.check),
        "speeds": ", ".join(g(v) for v in result.vanishing.result.speeds[0]),
        "remedies": ", ".join(
            f"{_(run.remedy.short)} {accuracy(run.result.test_accuracy)}"
            for run in result.remedies[1:]
        ),
        "explode_scale": EXPLODE_SCALE,
        "explode_speeds": ", ".join(g(v, 2) for v in ex.unclipped.speeds[0]),
        "unclipped": stopped(ex.diverged_at),
        "big_run": stopped(big.diverged_at),
        "n_png": sum(1 for k in paths or () if k not in ("report", "numbers", "replay")),
    }
    template = environment(text=True).get_template("summary.txt.j2")
    return template.render(r=result, v=numbers, paths=paths).rstrip("\n")
