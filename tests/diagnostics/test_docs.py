"""The examples in the diagnostics docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "__init__",
    "records",
    "stats",
    "monitor",
    "classic_monitor",
    "module_monitor",
    "diagnosis",
    "results",
    "plots",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(
        "chainrule.diagnostics" if name == "__init__" else f"chainrule.diagnostics.{name}"
    )
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
    assert result.attempted > 0
