"""The lab replay page: written beside report.html, every run's recorded numbers inside it,
self-contained (no file or server needed besides itself)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from chainrule.report import write_lab
from chainrule.report.replay import ASSETS, asset, render_replay_html, replay_data


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._in: str | None = None
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "script":
            self.scripts.append(attributes)
            self._in = attributes.get("id")

    def handle_data(self, data):
        if self._in:
            self.data[self._in] = self.data.get(self._in, "") + data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None


def test_lab_writes_a_self_contained_replay_of_its_recorded_runs(quick_lab, tmp_path):
    paths = write_lab(quick_lab, tmp_path / "out")
    assert paths["replay"] == tmp_path / "out" / "replay.html"
    page = _Page()
    page.feed(paths["replay"].read_text(encoding="utf-8"))
    assert page.links == []  # nothing to fetch: it opens from file:// with no server
    assert [s.get("type") for s in page.scripts] == ["application/json"] * 2 + [None]
    data = json.loads(page.data["replay-data"])
    recorded = json.loads(paths["numbers"].read_text())
    runs = {run["key"]: run for run in data["runs"]}
    unclipped = recorded["exploding"]["unclipped"]
    assert runs["exploding-unclipped"]["speeds"] == unclipped["speeds"]
    assert runs["exploding-unclipped"]["x"] == unclipped["x"]
    assert runs["exploding-unclipped"]["record"] == "step"
    assert [r["key"] for r in recorded["remedies"]] == list(runs)[: len(recorded["remedies"])]
    assert len(runs["baseline"]["layers"]) == len(recorded["remedies"][0]["speeds"][0])


def test_served_page_links_its_script_and_style_instead():
    html = render_replay_html(
        {"runs": []}, script_url="/lab/replay.js", style_url="/lab/replay.css"
    )
    page = _Page()
    page.feed(html)
    assert page.links == ["/lab/replay.css", "/lab/replay.js"]
    assert "function" not in html  # no inline script: the playground's policy forbids it


@pytest.mark.parametrize("name", ASSETS)
def test_assets_can_sit_inside_the_page(name):
    assert "</" not in asset(name)  # would end the <script>/<style> element early


def test_no_runs_is_a_page_that_says_so():
    assert replay_data({})["runs"] == []
    assert re.search(r"no record", render_replay_html(replay_data({})))
