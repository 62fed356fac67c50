"""Reports: the gradient-flow lab run end to end and rendered as one self-contained HTML page.

* :func:`run_lab` runs the lecture's three parts (composite functions, backpropagation,
  vanishing and exploding gradients) and returns the numbers as a :class:`LabResult`;
* :func:`write_lab` (``lab_report``) writes ``report.html`` (figures inline as base64 PNG, the
  graph as inline SVG, nothing outside the file), the same figures as PNG files and
  ``lab.json``; :func:`lab_figures` (``lab_figures``) draws the figures and
  :func:`render_lab_html` (``lab_html``) lays out the report, whose prose is in the Jinja2
  templates of ``templates/``;
* :func:`render_summary` (``lab_summary``) is the short text ``chainrule lab`` prints;
* :mod:`chainrule.report.html` holds the page and table templates' entry points, and
  :func:`explanation_html` (``chainrule.explain.render_html``) renders an
  :class:`~chainrule.explain.Explanation`, as it does in a notebook.

The layer sits on top: it reads explain, diagnostics, training and data; nothing below
imports it.
"""

from chainrule.explain.render_html import render_html as explanation_html
from chainrule.report.lab import LabResult, LabSettings, run_lab
from chainrule.report.lab_figures import lab_figures
from chainrule.report.lab_html import render_lab_html
from chainrule.report.lab_report import prepare_out, write_lab
from chainrule.report.lab_summary import render_summary

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
