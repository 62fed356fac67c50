"""Reports: the gradient-flow lab run end to end and rendered as one self-contained HTML page.

* :func:`run_lab` runs the lecture's three parts (composite functions, backpropagation,
  vanishing and exploding gradients) and returns the numbers as a :class:`LabResult`;
* :func:`write_lab` writes ``report.html`` (figures inline as base64 PNG, the graph as inline
  SVG, nothing outside the file), the same figures as PNG files and ``lab.json``;
* :func:`render_summary` is the short text ``chainrule lab`` prints;
* :mod:`chainrule.report.html` holds the small HTML building blocks, and
  :func:`explanation_html` (``chainrule.explain.render_html``) renders an
  :class:`~chainrule.explain.Explanation`, as it does in a notebook.

The layer sits on top: it reads explain, diagnostics, training and data; nothing below
imports it.
"""

from chainrule.explain.render_html import render_html as explanation_html
from chainrule.report.lab import LabResult, LabSettings, run_lab
from chainrule.report.lab_report import (
    lab_figures,
    prepare_out,
    render_lab_html,
    render_summary,
    write_lab,
)

__all__ = [
    "LabResult",
    "LabSettings",
    "explanation_html",
    "lab_figures",
    "prepare_out",
    "render_lab_html",
    "render_summary",
    "run_lab",
    "write_lab",
]
