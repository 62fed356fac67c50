"""The lab's figures as PNG bytes, each with its file name and title (the report's captions
are in its templates)."""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.diagnostics.plots import (
    figure_bytes,
    plot_activation_functions,
    plot_comparison,
    plot_learning_speeds,
)
from chainrule.explain import to_png
from chainrule.fonts import figure_language
from chainrule.i18n import _
from chainrule.report import figures as figs
from chainrule.report.lab import LabResult

#: The files the lab writes besides the figures: the report and its numbers.
REPORT_NAME = "report.html"
NUMBERS_NAME = "lab.json"


@dataclass(frozen=True)
class FigureFile:
    """One figure of the report: its file name, title (the image's alt text) and PNG bytes."""

    name: str
    title: str
    png: bytes


def lab_figures(result: LabResult) -> dict[str, FigureFile]:
    """Every figure of the report as PNG bytes, keyed by a short name, in the current language
    (Chinese with a CJK font where one is installed: :func:`chainrule.fonts.figure_language`)."""
    with figure_language():
        return _figures(result)


def _figures(result: LabResult) -> dict[str, FigureFile]:
    van = result.vanishing.result
    speeds_title = _("Speed of learning, [{sizes}] {activation}, N(0, 1/n_in)").format(
        sizes=", ".join(map(str, van.sizes)), activation=van.activation
    )
    return {
        "graph": FigureFile(
            "composite_graph.png",
            _("the lecture's composite function as a graph"),
            to_png(result.composite.graph),
        ),
        "learning_curve": FigureFile(
            "learning_curve.png",
            _("learning curve of the classic backpropagation (part 2)"),
            figure_bytes(figs.learning_curve(result.training)),
        ),
        "activations": FigureFile(
            "activation_functions.png",
            _("logistic σ, tanh, ReLU and their derivatives"),
            figure_bytes(plot_activation_functions()),
        ),
        "vanishing": FigureFile(
            "vanishing_speeds.png",
            _("per-layer learning speeds of the deep logistic network"),
            figure_bytes(plot_learning_speeds(van, title=speeds_title)),
        ),
        "remedies_speeds": FigureFile(
            "remedies_speeds.png",
            _("per-layer learning speeds under each remedy"),
            figure_bytes(figs.remedies_speeds(result.remedies)),
        ),
        "comparison": FigureFile(
            "remedies_comparison.png",
            _("speed ratio and accuracy of each remedy"),
            figure_bytes(plot_comparison(result.comparison)),
        ),
        "exploding": FigureFile(
            "exploding.png",
            _("exploding gradients, without and with clipping"),
            figure_bytes(figs.exploding(result.exploding)),
        ),
    }
