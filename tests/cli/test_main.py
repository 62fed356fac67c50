"""The command line's last line of defence: errors of the operating system."""

from __future__ import annotations

import os

import pytest

from chainrule.cli import derive


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            IsADirectoryError(21, "Is a directory", "out/.r.tmp", None, "out/report.html"),
            "out/report.html: Is a directory",
        ),
        (
            OSError(28, "No space left on device", "out/lab.json"),
            "out/lab.json: No space left on device",
        ),
    ],
    ids=["rename onto a folder", "full disk"],
)
def test_a_file_error_is_one_line_naming_the_file(cli, monkeypatch, error, shown):
    def fail(args):
        raise error

    monkeypatch.setattr(derive, "run", fail)
    run = cli("derive", "y = x", "--at", "x=1")
    assert run.code == 2
    assert run.error_line == f"chainrule derive: error: {shown}"


def test_no_compile_turns_compiling_off_for_the_command(cli, monkeypatch):
    from chainrule.compiler import compiling

    monkeypatch.delenv("CHAINRULE_COMPILE", raising=False)
    seen = []
    monkeypatch.setattr(derive, "run", lambda args: seen.append(compiling()) or 0)
    assert cli("derive", "y = x", "--at", "x=1").code == 0
    assert cli("--no-compile", "derive", "y = x", "--at", "x=1").code == 0
    assert cli("derive", "y = x", "--at", "x=1").code == 0  # for that command only
    assert seen == [True, False, True]
    assert "CHAINRULE_COMPILE" not in os.environ
