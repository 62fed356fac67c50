"""The lab's remedy runs on joblib's workers: the serial numbers, wherever they ran."""

from __future__ import annotations

import json

import pytest

from chainrule.errors import ConfigError
from chainrule.report import LabSettings, run_lab


def _remedies(lab) -> str:
    """The remedy runs and their diagnoses, as text: equal text, equal numbers."""
    runs = [(run.remedy.key, run.result.to_dict(), run.diagnosis.kinds) for run in lab.remedies]
    return json.dumps(runs, sort_keys=True, default=str)


def test_remedies_on_two_processes_are_the_serial_ones(quick_lab):
    stages: list[str] = []
    spread = run_lab(LabSettings.quick_settings(seed=0), jobs=2, progress=stages.append)
    assert _remedies(spread) == _remedies(quick_lab)
    assert spread.comparison.to_dict() == quick_lab.comparison.to_dict()
    # every remedy is reported once, in whatever order the workers finished
    remedy_stages = sorted(s for s in stages if s.startswith("part 3: ") and "exploding" not in s)
    assert remedy_stages == sorted(f"part 3: {run.remedy.title}" for run in quick_lab.remedies)


def test_bad_backend_settings_are_refused_before_any_work():
    with pytest.raises(ConfigError, match="unknown backend 'spark'"):
        run_lab(LabSettings.quick_settings(seed=0), backend="spark")
