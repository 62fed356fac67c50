"""The lab report's templates: every value escaped, the prose in template files."""

from __future__ import annotations

import ast
import dataclasses
from importlib import resources
from pathlib import Path

import chainrule.report
from chainrule.report import render_lab_html, render_summary


def test_values_in_the_report_are_escaped(quick_lab):
    hostile = dataclasses.replace(quick_lab, dataset="<script>alert(1)</script>")
    html = render_lab_html(hostile)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the text summary is plain text: nothing is escaped there
    assert "<script>alert(1)</script>" in render_summary(hostile)


def test_the_report_points_to_the_reference_backprop(quick_lab):
    assert "<code>chainrule.classic.reference.backprop</code>" in render_lab_html(quick_lab)


def test_templates_ship_with_the_package():
    templates = resources.files("chainrule.report") / "templates"
    names = {p.name for p in templates.iterdir()}
    assert {"lab.html.j2", "page.html.j2", "report.css", "summary.txt.j2"} <= names
    explain = resources.files("chainrule.explain") / "templates"
    assert "explanation.html.j2" in {p.name for p in explain.iterdir()}


def test_the_report_modules_hold_no_prose():
    """Sentences live in the templates: no string literal in the report's Python modules
    (other than docstrings) is more than a short label of a few words."""
    folder = Path(chainrule.report.__file__).parent
    for name in ("lab_html.py", "lab_summary.py", "lab_figures.py", "lab_report.py", "html.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if literal and id(node) not in docstrings:
                assert len(node.value.split()) <= 8, (name, node.value)
