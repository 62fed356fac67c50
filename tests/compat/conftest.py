"""The ``compare`` fixture of the PyTorch-compatibility corpus (see ``harness.py``)."""

from __future__ import annotations

import pytest

from compat.harness import assert_same, plain, run_snippet


@pytest.fixture
def compare(torch, tmp_path, monkeypatch):
    """``compare(source)``: run the snippet with PyTorch and with chainrule, and compare."""

    def run(source: str) -> None:
        results = {}
        for library in ("torch", "chainrule"):
            folder = tmp_path / library
            folder.mkdir()
            monkeypatch.chdir(folder)  # save/load cases write where tutorials do: right here
            results[library] = plain(run_snippet(source, library))
        assert_same(results["chainrule"], results["torch"])

    return run
