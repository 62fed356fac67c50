"""``chainrule playground``: serves on loopback, port 0 picks a free port and prints it,
opens the browser (or prints the address with --no-browser), warns off loopback, stops on
Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from chainrule.playground.server import bind, is_loopback


def start(*argv: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """``chainrule playground ARGV`` in a subprocess, and the address it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "playground", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        pytest.fail(f"no address in {line!r}; stderr: {process.stderr.read()}")
    return process, match.group(0)


def stop(process: subprocess.Popen) -> tuple[int, str]:
    """Ctrl-C; the exit status and what it wrote to stderr."""
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=15)
        return process.returncode, err
    finally:
        if process.poll() is None:
            process.kill()


def get(url: str, timeout: float = 10.0) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status, answer.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_port_0_serves_on_a_free_port_and_ctrl_c_stops_it() -> None:
    process, url = start("--port", "0", "--no-browser")
    try:
        assert int(url.rsplit(":", 1)[1].strip("/")) > 0
        status, page = get(url)
        assert status == 200 and "chainrule" in page
    finally:
        status, err = stop(process)
    # Ctrl-C ends it as it ends every command: status 130, one line, no traceback
    assert (status, err) == (130, "chainrule playground: interrupted\n")


def test_it_opens_the_browser_on_its_address(tmp_path: Path) -> None:
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    process, url = start("--port", "0", env={"BROWSER": f"{browser} %s"})
    try:
        deadline = time.monotonic() + 15
        while not (opened.exists() and opened.read_text().strip()):
            assert time.monotonic() < deadline, "the browser was not opened"
            time.sleep(0.1)
        assert opened.read_text().strip() == url
    finally:
        stop(process)


def test_a_host_off_loopback_is_warned_about(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    served = {}
    monkeypatch.setattr(
        "chainrule.playground.server.serve",
        lambda host, port, **options: served.update(host=host, port=port, **options),
    )
    run = cli("playground", "--host", "0.0.0.0", "--port", "9999", "--no-browser")
    assert run.code == 0
    assert run.err.count("\n") == 1 and run.err.startswith("warning: listening on 0.0.0.0")
    assert served["host"] == "0.0.0.0" and served["open_browser"] is False
    quiet = cli("playground", "--no-browser")
    assert quiet.err == "" and served["host"] == "127.0.0.1" and served["port"] == 8000


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_a_bad_port_is_a_usage_error(cli: Any, port: str) -> None:
    run = cli("playground", "--port", port)
    assert run.code == 2
    assert run.error_line.startswith("chainrule playground: error: argument --port:")


def test_a_port_in_use_is_one_line(cli: Any) -> None:
    taken = bind("127.0.0.1", 0)
    try:
        run = cli("playground", "--port", str(taken.getsockname()[1]), "--no-browser")
    finally:
        taken.close()
    assert run.code == 2
    assert run.error_line.startswith("chainrule playground: error: cannot listen on 127.0.0.1:")


def test_loopback_hosts() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.2"]))
