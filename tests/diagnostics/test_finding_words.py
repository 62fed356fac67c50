"""Findings are named in words where people read them; the identifier stays in the data."""

from __future__ import annotations

from chainrule.diagnostics.diagnosis import Diagnosis, Finding

DEAD = Finding("dead_units", (1,), "most units are 0", {"fraction": 0.9}, "lower the lr")


def test_text_and_markdown_use_words():
    diagnosis = Diagnosis([DEAD])
    assert str(DEAD) == "dead units: most units are 0"
    assert diagnosis.report().startswith("- dead units: most units are 0")
    assert "**dead units**" in diagnosis._repr_markdown_()
    assert "dead_units" not in diagnosis.report() + diagnosis._repr_markdown_()


def test_the_data_keeps_the_identifier():
    assert Diagnosis([DEAD]).kinds == ["dead_units"]
    assert DEAD.to_dict()["kind"] == "dead_units"
