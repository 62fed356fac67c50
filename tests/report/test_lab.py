"""The lab as data: what each part computed, reproducibly, and its report and files."""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser

import numpy as np
import pytest

from chainrule.errors import ConfigError
from chainrule.report import LabSettings, render_lab_html, render_summary, run_lab, write_lab
from chainrule.report.lab import REMEDIES, finite_json


def test_part1_the_lecture_example(quick_lab):
    assert quick_lab.composite.value == 9
    assert quick_lab.composite.gradients == {"x1": 3.0, "x2": 6.0}
    assert [e.gradients for e in quick_lab.exercises] == [
        {"x1": 8.0, "x2": 6.0},
        {"x1": 24.0, "x2": 61.0},
    ]


def test_part2_formulas_match_autodiff_and_training_learns(quick_lab):
    t = quick_lab.training
    assert [row.layer for row in t.check] == [1, 2]
    assert max(max(r.max_diff_w, r.max_diff_b) for r in t.check) < 1e-12
    history = t.history
    assert [h["epoch"] for h in history] == list(range(t.epochs + 1))
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_part3_vanishing_remedies_and_exploding(quick_lab):
    van = quick_lab.vanishing
    assert van.result.speeds.shape == (quick_lab.settings.speed_epochs + 1, 4)
    assert "vanishing" in van.diagnosis.kinds
    assert van.result.initial_ratio < 0.1
    assert [run.remedy.key for run in quick_lab.remedies] == [r.key for r in REMEDIES]
    assert len(quick_lab.comparison.rows) == len(REMEDIES)
    ex = quick_lab.exploding
    speeds = ex.unclipped.speeds[0]
    assert np.all(np.diff(speeds) < 0)  # growing toward the input
    assert ex.diverged_at is not None and ex.unclipped.diverged
    assert not ex.clipped.diverged
    assert np.isfinite(ex.clipped.train_loss).all()
    assert {"non_finite", "exploding"} <= set(ex.diagnosis.kinds)


def test_to_dict_is_strict_json(quick_lab):
    text = json.dumps(quick_lab.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["composite"]["gradients"] == {"x1": 3.0, "x2": 6.0}
    assert data["exploding"]["unclipped"]["final_loss"] is None  # NaN -> null
    assert "seconds" not in json.dumps(data["training"]["history"])


def test_finite_json():
    assert finite_json({"a": (1.0, math.nan), "b": np.float32(2), "c": np.array([math.inf])}) == {
        "a": [1.0, None],
        "b": 2.0,
        "c": [None],
    }


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]


def test_report_is_self_contained(quick_lab):
    html = render_lab_html(quick_lab)
    parser = _Collect()
    parser.feed(html)
    parser.close()
    assert "script" not in parser.tags and "link" not in parser.tags
    images = [u for u in parser.urls if u.startswith("data:image/png;base64,")]
    assert len(images) >= 6
    assert all(u.startswith(("data:image/png;base64,", "#")) for u in parser.urls)
    assert parser.tags.count("svg") >= 1


def test_write_lab_and_summary(quick_lab, tmp_path):
    paths = write_lab(quick_lab, tmp_path / "out")
    for key, path in paths.items():
        assert path.exists(), key
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "out").glob(".*.tmp"))  # atomic writes leave nothing behind
    summary = render_summary(quick_lab, paths)
    assert "dy/dx1 = 3, dy/dx2 = 6" in summary
    assert str(paths["report"]) in summary


def test_same_seed_same_numbers(quick_lab):
    again = run_lab(LabSettings.quick_settings(seed=0))
    assert again.to_dict() == quick_lab.to_dict()


def test_settings_are_checked():
    with pytest.raises(ConfigError):
        LabSettings(seed=-1)
    with pytest.raises(ConfigError):
        LabSettings(train_epochs=0)
