"""The README's train, evaluate and predict lines work when typed one after the other."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
#: Fewer epochs than the README's 30, given after its options (argparse keeps the last).
FEWER_EPOCHS = ["--epochs", "2"]


def readme_commands() -> dict[str, list[str]]:
    """Each ``chainrule`` line of the README's command-line section, by subcommand, as argv.

    A backslash continues a line; ``[--option VALUE]`` marks an option one may add, left out.
    """
    text = README.read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", section)
    commands = {}
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("chainrule "):
            argv = shlex.split(re.sub(r"\[[^\]]*\]", " ", line))[1:]
            commands.setdefault(argv[0], argv)
    return commands


def test_readme_train_then_evaluate_then_predict(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    trained = cli(*commands["train"], *FEWER_EPOCHS)
    assert trained.code == 0, trained.err
    evaluated = cli(*commands["evaluate"])
    assert evaluated.code == 0, evaluated.err
    assert "accuracy" in evaluated.out
    predicted = cli(*commands["predict"])
    assert predicted.code == 0, predicted.err
    assert predicted.out.strip()
