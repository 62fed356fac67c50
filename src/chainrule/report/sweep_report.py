"""A sweep's files: the tidy table, the runs as JSON, the summary over seeds, and its figures.

:func:`write_sweep` writes into a folder, each file atomically:

* ``runs.csv``: one row per run (the settings the sweep varied, seed, status, results);
* ``runs.json``: a list with one object per run: its full settings, seed and results;
* ``summary.csv``: one row per grid point: mean, std, min, max of each result over seeds;
* ``speed_ratio_by_depth.png`` when the sweep varied the depth: first/last hidden-layer speed
  ratio before training against the number of hidden layers, one line per activation (and
  per value of the other settings varied), error bars over seeds;
* ``accuracy.png``: test accuracy of each grid point, error bars over seeds.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.diagnostics.plots import new_figure, save_figure, whole_number_ticks
from chainrule.fonts import figure_language
from chainrule.i18n import _
from chainrule.serialization import atomic_write_text
from chainrule.training.sweep import SweepResult


def write_sweep(result: SweepResult, out: str | os.PathLike[str]) -> list[Path]:
    """Write the tables and figures of ``result`` into ``out``; returns the paths written.

    >>> import tempfile
    >>> from chainrule.training import TrainConfig
    >>> from chainrule.training.sweep import sweep
    >>> res = sweep({"lr": [0.5, 1.0]}, 2, base=TrainConfig(layers=(64, 8, 10), epochs=1,
    ...             train_size=40, test_size=40))
    >>> [p.name for p in write_sweep(res, tempfile.mkdtemp())]
    ['runs.csv', 'runs.json', 'summary.csv', 'accuracy.png']
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    written = [
        atomic_write_text(folder / "runs.csv", _csv(result.rows())),
        atomic_write_text(
            folder / "runs.json", json.dumps(result.to_json(), indent=1, allow_nan=False) + "\n"
        ),
        atomic_write_text(folder / "summary.csv", _csv(summary)),
    ]
    if "depth" in result.axes and len({row["depth"] for row in summary}) > 1:
        written.append(
            plot_ratio_by_depth(summary, result.axes, folder / "speed_ratio_by_depth.png")
        )
    written.append(plot_accuracy(summary, result.axes, folder / "accuracy.png"))
    return [Path(p) for p in written]


def _csv(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as CSV text; None (a failed run, a NaN) as an empty cell."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def _label(row: dict[str, Any], axes: Sequence[str]) -> str:
    return ", ".join(f"{axis} {row[axis]}" for axis in axes) or _("all runs")


@figure_language()
def plot_ratio_by_depth(summary: list[dict[str, Any]], axes: Sequence[str], path: Path) -> Path:
    """Mean first/last speed ratio before training against depth (log scale), one line per
    value of the other settings varied, error bars one std over seeds."""
    others = [axis for axis in axes if axis != "depth"]
    lines: dict[str, list[dict[str, Any]]] = {}
    for row in summary:
        lines.setdefault(_label(row, others), []).append(row)
    fig = new_figure(9.0, 4.8)
    ax = fig.add_subplot(1, 1, 1)
    for label, rows in lines.items():
        rows = sorted(rows, key=lambda r: r["depth"])
        mean = _numbers(rows, "ratio_before_mean")
        std = _numbers(rows, "ratio_before_std")
        ax.errorbar(
            [r["depth"] for r in rows],
            mean,
            yerr=np.nan_to_num(std),
            marker="o",
            capsize=3,
            label=label,
        )
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    ax.set_xlabel(_("hidden layers"))
    ax.set_ylabel(_("first / last hidden-layer speed before training"))
    whole_number_ticks(ax.xaxis)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(True, which="both", alpha=0.3)
    save_figure(fig, path)
    return path


@figure_language()
def plot_accuracy(summary: list[dict[str, Any]], axes: Sequence[str], path: Path) -> Path:
    """Mean test accuracy of each grid point, error bars one std over seeds."""
    labels = [_label(row, axes) for row in summary]
    fig = new_figure(max(6.0, 0.45 * len(labels) + 3), 4.8)
    ax = fig.add_subplot(1, 1, 1)
    pos = np.arange(len(labels))
    mean = _numbers(summary, "test_accuracy_mean")
    ax.bar(
        pos,
        np.nan_to_num(mean),
        yerr=np.nan_to_num(_numbers(summary, "test_accuracy_std")),
        capsize=3,
    )
    ax.set_xticks(pos, labels, rotation=40, ha="right", fontsize="x-small")
    ax.set_ylim(0, 1)
    ax.set_ylabel(_("test accuracy (mean over seeds)"))
    ax.grid(True, axis="y", alpha=0.3)
    save_figure(fig, path)
    return path


def _numbers(rows: Sequence[dict[str, Any]], key: str) -> np.ndarray:
    return np.array([np.nan if row[key] is None else row[key] for row in rows], float)
