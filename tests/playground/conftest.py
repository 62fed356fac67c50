"""Fixtures of the playground tests: a guarded test client, the real server, a real browser.

``page_at(path)`` opens ``path`` of a real server (uvicorn in a thread, on a free port) in
Debian's Chromium, driven by Playwright and launched by its path (no browser download). Every
console error, failed page script and refused content-security rule is collected (but the API's
400 answers, which the page shows), and a test that leaves any fails. Without chromium or
playwright the browser tests skip, naming what is missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.exceptions import StarletteDeprecationWarning

#: The views' tests import these from here as well as from helpers.playground.
__all__ = ["BASE_URL", "ORIGIN"]

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind its test client; httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from chainrule.playground import create_app
from chainrule.playground.server import running
from helpers.playground import BASE_URL, ORIGIN, chromium_path


@pytest.fixture
def client() -> TestClient:
    """A Starlette test client of the playground, as served on 127.0.0.1:8765."""
    return TestClient(create_app(), base_url=BASE_URL)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The address of a real playground server, for the whole session."""
    with running() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium under Playwright, headless, for the whole session."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start
        instance = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page_at(browser: Any, server_url: str) -> Iterator[Callable[..., Any]]:
    """``page_at("/expression")``: a fresh page at that path of the real server; the test fails
    if any page it opened logged a JavaScript error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(path: str, *, width: int = 1280, height: int = 860, lang: str = "en") -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: errors.extend(_console_error(message)))
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.set_default_timeout(10_000)
        page.goto(server_url.rstrip("/") + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    if errors:
        pytest.fail("JavaScript errors:\n" + "\n".join(errors), pytrace=False)


def _console_error(message: Any) -> list[str]:
    """A console message as a test failure, or nothing. Chromium logs every 4xx answer as an
    error; the API's 400 with a one-line reason is the page's business (it shows it), so only
    those are let through."""
    if message.type != "error":
        return []
    url = message.location.get("url", "")
    if "status of 400" in message.text and urlsplit(url).path.startswith("/api/"):
        return []
    return [f"console: {message.text} ({url})"]
