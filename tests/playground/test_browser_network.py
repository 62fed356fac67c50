"""The network view and the lab replay in a real browser: xor trains to accuracy 1.0 on
screen, a weight edited by hand is the weight the engine trains, the replay scrubs (served and
opened as a file), and no page logs a JavaScript error."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from chainrule.report import LabSettings, run_lab
from chainrule.report.replay import render_replay_html, replay_data


def wait_for(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Poll ``check`` until it returns something true (the page's policy forbids eval, so
    Playwright's wait_for_function cannot run there)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"still not true after {seconds} s: {check.__doc__ or check}")


def status(page: Any, name: str) -> str | None:
    return page.locator("#status").get_attribute(f"data-{name}")


def test_network_view_trains_xor_until_accuracy_one_is_shown(page_at: Any) -> None:
    page = page_at("/network")
    wait_for(lambda: status(page, "step") == "0")
    assert page.locator("#boundary").is_visible()
    assert page.locator("line.hit").count() == 2 * 4 + 4 * 2
    page.click("#play")

    def reached_one() -> bool:
        # in the data and in words, read together: after the pause below a step still in
        # flight may land, and xor's accuracy can dip for a step (seen on a loaded machine)
        text = page.text_content("#status") or ""
        return float(status(page, "train-accuracy") or 0) >= 1.0 and "train accuracy 1 " in text

    wait_for(reached_one)
    page.click("#play")  # pause
    assert page.locator("#diagnosis .finding").count() >= 1
    assert page.locator("#heatmaps canvas").count() == 4  # δ and ∂J/∂W of both layers


def test_edit_a_weight_by_clicking_its_edge(page_at: Any) -> None:
    page = page_at("/network")
    wait_for(lambda: status(page, "step") == "0")
    page.click("#step")
    wait_for(lambda: status(page, "step") == "1")
    edge = page.locator("#edge-2-1-3")
    before = edge.get_attribute("data-value")
    edge.dispatch_event("click")  # edges cross: a click at the middle may land on another
    assert page.locator("#edit").is_visible()
    assert page.text_content("#edit-name") == "w^2_1,3"
    page.fill("#edit-value", "2.5")
    page.click("#edit-apply")
    wait_for(lambda: edge.get_attribute("data-value") == "2.5")
    assert before != "2.5"
    # the others are as they were: the server changed exactly that weight
    assert page.locator("#edge-2-0-3").get_attribute("data-value") != "2.5"


def test_remedy_shows_a_side_by_side_run(page_at: Any) -> None:
    page = page_at("/network")
    wait_for(lambda: status(page, "step") == "0")
    page.click("#remedy-batch_norm")
    wait_for(lambda: page.locator("#side-panel").is_visible())
    page.click("#step")
    wait_for(lambda: "step 1," in (page.text_content("#side-remedy-caption") or ""))
    assert "batch normalization" in page.text_content("#side-title")


def scrub(page: Any, steps: int) -> None:
    page.focus("#scrubber")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")


def check_replay(page: Any, runs: list[dict[str, Any]]) -> None:
    page.select_option("#run", label=runs[-4]["title"])  # the exploding run, by step
    run = runs[-4]
    scrub(page, 3)
    wait_for(lambda: page.locator("#position").get_attribute("data-index") == "3")
    assert page.text_content("#position").startswith(f"step {run['x'][3]} ")
    for l, speed in enumerate(run["speeds"][3], start=1):
        shown = page.text_content(f"#numbers tr[data-layer='{l}'] td:nth-child(2)")
        assert float(shown) == pytest.approx(speed, rel=5e-4)


def test_the_replay_scrubs_when_served(page_at: Any) -> None:
    page = page_at("/lab")
    runs = replay_data(run_lab(LabSettings.quick_settings(seed=0)).to_dict())["runs"]
    assert page.locator("#run option").count() == len(runs)
    check_replay(page, runs)


def test_the_replay_scrubs_as_a_file(browser: Any, tmp_path: Any) -> None:
    data = replay_data(run_lab(LabSettings.quick_settings(seed=0)).to_dict())
    path = tmp_path / "replay.html"
    path.write_text(render_replay_html(data), encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    check_replay(page, data["runs"])
    page.close()
    assert errors == []
