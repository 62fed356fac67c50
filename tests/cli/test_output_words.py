"""What the commands print reads as English: fits 100 columns, counts agree, no identifiers."""

from __future__ import annotations

import pytest

import chainrule.diagnostics as diagnostics
from chainrule.diagnostics.diagnosis import Diagnosis, Finding

WIDTH = 100
SMALL = ["--data", "digits", "--train-size", "60", "--test-size", "30", "--epochs", "1"]
README_GRID = ["--activation", "sigmoid,relu", "--init", "normal-scaled,he"]
FULL_GRID = [*README_GRID, "--lr", "0.1,1", "--clip-norm", "none,1", "--batch-norm", "off,on"]


@pytest.mark.parametrize(
    "grid", [[*README_GRID, "--batch-norm", "off,on"], FULL_GRID], ids=["readme", "full"]
)
def test_compare_fits_100_columns(cli, grid):
    run = cli("compare", *SMALL, "--layers", "64,8,8,10", *grid)
    assert run.code == 0, run.err
    wide = [line for line in run.out.splitlines() if len(line) > WIDTH]
    assert not wide, run.out
    assert "sigmoid/he" in run.out and "relu/normal-scaled" in run.out


def test_compare_names_findings_in_words(cli, monkeypatch):
    findings = [
        Finding("dead_units", (1,), "dead", {}, "lower the learning rate"),
        Finding("not_learning", (), "flat", {}, "check the data"),
    ]
    monkeypatch.setattr(diagnostics, "diagnose", lambda *a, **k: Diagnosis(findings))
    run = cli("compare", *SMALL, "--layers", "64,8,8,10")
    assert run.code == 0, run.err
    assert "dead units, not learning" in run.out
    assert "_" not in run.out.split("diagnosis", 1)[1], run.out


def test_one_epoch_is_singular(cli, tmp_path):
    model = tmp_path / "one.safetensors"
    trained = cli("train", *SMALL[2:], "--save", model)
    assert trained.code == 0, trained.err
    assert "1 epoch in" in trained.out
    evaluated = cli("evaluate", model)
    assert evaluated.code == 0, evaluated.err
    assert "1 epoch trained" in evaluated.out
    speeds = cli("gradients", *SMALL, "--layers", "64,8,8,10")
    assert speeds.code == 0, speeds.err
    assert "done: 1 epoch on" in speeds.out
    for run in (trained, evaluated, speeds):
        assert "1 epochs" not in run.out


def test_gradients_names_findings_in_words(cli, monkeypatch):
    findings = [Finding("dead_units", (1,), "most units are 0", {}, "lower the learning rate")]
    monkeypatch.setattr(diagnostics, "diagnose", lambda *a, **k: Diagnosis(findings))
    run = cli("gradients", *SMALL, "--layers", "64,8,8,10")
    assert run.code == 0, run.err
    assert "- dead units: most units are 0" in run.out
    assert "dead_units" not in run.out
