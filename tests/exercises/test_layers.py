"""The exercises sit beside training: they import explain, classic and below, and nothing
below them imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import chainrule

ROOT = Path(chainrule.__file__).parent
ABOVE = ("chainrule.cli", "chainrule.report", "chainrule.playground")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_exercises_import_nothing_above_them():
    for path in (ROOT / "exercises").glob("*.py"):
        for name in _imports(path):
            assert not name.startswith(ABOVE), f"{path.name} imports {name}"


def test_nothing_below_imports_the_exercises():
    for path in ROOT.rglob("*.py"):
        if path.parent.name in ("exercises", "cli", "report", "playground"):
            continue
        assert not any(n.startswith("chainrule.exercises") for n in _imports(path)), path
