"""Frame rate of the playground's network view in a real browser (issue 11).

Starts the playground, opens ``/network`` in Debian's Chromium (Playwright), chooses a data
set and hidden layers, plays for ``--seconds`` and prints what the page counted: frames
received and drawn per second (updates/s) and decision-boundary redraws per second, plus
the training steps the server took. The goal: at least 20 updates/s with the boundary redrawn
at least 5 times a second while training a 2-8-8-k net on spirals.

    python benchmarks/playground_fps.py --seconds 10 --speed 100
"""

from __future__ import annotations

import argparse
import time

from chainrule.playground.server import running


def measure(url: str, data: str, hidden: str, speed: int, seconds: float, shot: str | None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1300, "height": 1300})
        page.goto(url.rstrip("/") + "/network")
        page.select_option("select[name=data]", data)
        page.fill("input[name=hidden]", hidden)
        page.click("#restart")
        while page.locator("#status").get_attribute("data-step") != "0":
            time.sleep(0.05)
        page.eval_on_selector("#speed", f"s => {{ s.value = '{speed}'; }}")
        page.click("#play")
        started_step = int(page.locator("#status").get_attribute("data-step") or 0)
        time.sleep(seconds)
        stats = page.evaluate("() => ({...window.networkStats, now: performance.now()})")
        step = int(page.locator("#status").get_attribute("data-step") or 0)
        page.click("#play")
        elapsed = (stats["now"] - stats["since"]) / 1000
        print(
            f"{data} 2-{hidden.replace(',', '-')}-k, speed {speed} steps/s, {elapsed:.1f} s: "
            f"{stats['frames'] / elapsed:.1f} updates/s, "
            f"{stats['planes'] / elapsed:.1f} boundary redraws/s, "
            f"{(step - started_step) / elapsed:.0f} training steps/s; the page spent "
            f"{stats['drawing'] / max(stats['frames'], 1):.1f} ms drawing each frame"
        )
        if shot:
            page.screenshot(path=shot, full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="spirals")
    parser.add_argument("--hidden", default="8,8")
    parser.add_argument("--speed", type=int, default=100, help="steps a second asked for")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--screenshot", help="save the page as this PNG at the end")
    args = parser.parse_args()
    with running() as url:
        measure(url, args.data, args.hidden, args.speed, args.seconds, args.screenshot)


if __name__ == "__main__":
    main()
