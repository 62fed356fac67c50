"""The lab's own figures (learning curve, remedies side by side, exploding vs clipped).

Each function takes data and returns a matplotlib ``Figure`` drawn on the Agg canvas; nothing
is shown on screen and pyplot is never imported. The figures :mod:`chainrule.diagnostics.plots`
already draws (speeds of one run, the comparison bars, the activation functions) are used from
there.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.diagnostics.plots import new_figure, positive, whole_number_ticks
from chainrule.fonts import figure_language
from chainrule.i18n import _
from chainrule.wording import cost_words

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from chainrule.report.lab import Exploding, RemedyRun, Training

#: The learning speed of layer l, as matplotlib's mathtext writes it.
SPEED = r"$\|\partial J/\partial b^{(l)}\|$"

#: One colour per hidden layer, first hidden layer first (the same in every panel).
LAYER_COLORS = ("#1b6ca8", "#e07b00", "#2e8b57", "#c0392b", "#7d3c98", "#8c564b")


@figure_language()
def learning_curve(training: Training) -> Figure:
    """The cost J and the accuracy per epoch, training and test set (epoch 0: before)."""
    history = training.history
    epochs = [h["epoch"] for h in history]
    fig = new_figure(9.5, 3.6)
    ax1, ax2 = fig.subplots(1, 2)
    for key, label, style in (
        ("train_loss", _("training set"), "-"),
        ("test_loss", _("test set"), "--"),
    ):
        ax1.plot(epochs, positive([h.get(key) for h in history]), style, label=label, lw=1.8)
    ax1.set_yscale("log")
    ax1.set_title(
        _("cost {formula}").format(formula=r"$J = \frac{1}{2m}\sum_i \|y^{(i)} - a^{(L)}\|^2$")
    )
    ax1.set_xlabel(_("epoch"))
    for key, label, style in (
        ("train_accuracy", _("training set"), "-"),
        ("test_accuracy", _("test set"), "--"),
    ):
        ax2.plot(epochs, [h.get(key) for h in history], style, label=label, lw=1.8)
    ax2.set_ylim(0, 1)
    ax2.set_title(_("accuracy"))
    ax2.set_xlabel(_("epoch"))
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        whole_number_ticks(ax.xaxis)
    sizes = ", ".join(map(str, training.sizes))
    fig.suptitle(
        _("[{sizes}] {activation}, {cost} cost, α = {lr}, batch {batch}").format(
            sizes=sizes,
            activation=training.activation,
            cost=cost_words(training.cost),
            lr=f"{training.lr:g}",
            batch=training.batch_size,
        ),
        fontsize="medium",
    )
    return fig


@figure_language()
def remedies_speeds(runs: Sequence[RemedyRun], columns: int = 3) -> Figure:
    """Small multiples: the per-layer speeds over training of every remedy, one shared log
    axis, so the panels compare at a glance (lines far apart = vanishing)."""
    n = len(runs)
    rows = -(-n // columns)
    fig = new_figure(3.6 * columns + 0.4, 2.9 * rows + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, columns, sharex=True, sharey=True)).ravel()
    for ax, run in zip(axes, runs):
        r = run.result
        for j in range(r.speeds.shape[1]):
            color = LAYER_COLORS[j % len(LAYER_COLORS)]
            ax.plot(
                r.x,
                positive(r.speeds[:, j]),
                color=color,
                lw=1.5,
                label=_("layer {j}").format(j=j + 1),
            )
        ax.set_yscale("log")
        acc = r.test_accuracy if r.test_accuracy is not None else r.train_accuracy
        heading = (
            _wrap(_(run.remedy.title), 34) + "\n" + _("accuracy {acc}").format(acc=f"{acc:.2f}")
        )
        ax.set_title(heading, fontsize="small")
        ax.grid(True, which="both", alpha=0.25)
        whole_number_ticks(ax.xaxis)
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[(rows - 1) * columns :]:
        ax.set_xlabel(_("epoch"))
    for ax in axes[::columns]:
        ax.set_ylabel(SPEED)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize="small")
    return fig


@figure_language()
def exploding(case: Exploding) -> Figure:
    """The exploding case: speeds by layer before training (growing toward the input), the
    largest layer gradient over the training steps and the cost, without and with clipping."""
    un, cl = case.unclipped, case.clipped
    fig = new_figure(11.5, 3.7)
    ax1, ax2, ax3 = fig.subplots(1, 3)
    layers = np.arange(1, un.speeds.shape[1] + 1)
    ax1.bar(layers, positive(un.speeds[0]), color=[LAYER_COLORS[j - 1] for j in layers])
    ax1.set_yscale("log")
    ax1.set_xticks(layers, [_("layer {j}").format(j=j) for j in layers])
    ax1.set_title(_("speed {speed} before training").format(speed=SPEED))
    ax1.set_xlabel(_("hidden layer (input side first)"))
    ax1.grid(True, axis="y", which="both", alpha=0.3)

    def largest(result: Any) -> np.ndarray:
        rec = result.records
        with np.errstate(all="ignore"):
            norms = np.where(np.isfinite(rec.grad_norms), rec.grad_norms, np.inf)
        return norms.max(axis=1)

    for result, label, color in (
        (un, _("no clipping"), "#c0392b"),
        (cl, _("clipped to norm {clip}").format(clip=f"{case.clip:g}"), "#1b6ca8"),
    ):
        rec = result.records
        steps = rec.steps
        for ax, values in ((ax2, largest(result)), (ax3, rec.loss)):
            finite = positive(values)
            ax.plot(steps, finite, color=color, lw=1.4, label=label)
            bad = np.flatnonzero(~np.isfinite(np.asarray(values, float)))
            if bad.size:
                k = int(bad[0])
                last = np.flatnonzero(np.isfinite(finite[:k]))
                y = finite[last[-1]] if last.size else 1.0
                ax.plot(steps[k], y, "x", color=color, ms=11, mew=2.5)
                ax.annotate(
                    _("NaN/Inf at step {step}").format(step=int(steps[k])),
                    (steps[k], y),
                    textcoords="offset points",
                    xytext=(10, -16),
                    color=color,
                    fontsize="small",
                    va="top",
                )
    ax2.set_title(
        _("largest {norm} (before clipping)").format(norm=r"$\|\partial J/\partial W^{(l)}\|$")
    )
    ax3.set_title(_("cost J on the batch"))
    for ax in (ax2, ax3):
        ax.set_yscale("log")
        ax.set_xlabel(_("training step"))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="center right", fontsize="small")
    return fig


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))
