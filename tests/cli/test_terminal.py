"""What a person at a terminal sees: stdout and stderr drawn on one screen, as a tty does."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from chainrule.cli.main import main

FAST = ["--train-size", "200", "--test-size", "100", "--epochs", "3"]


class Terminal(io.StringIO):
    """One stream for stdout and stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True

    def screen(self) -> list[str]:
        """The lines left on screen: ``\\r`` returns to the line's start, later text overwrites."""
        lines: list[str] = []
        line: list[str] = []
        column = 0
        for char in self.getvalue():
            if char == "\n":
                lines.append("".join(line).rstrip())
                line, column = [], 0
            elif char == "\r":
                column = 0
            else:
                if column < len(line):
                    line[column] = char
                else:
                    line.append(char)
                column += 1
        if line:
            lines.append("".join(line).rstrip())
        return lines


def at_terminal(*argv: str) -> list[str]:
    """Run the command line with stdout and stderr on one terminal; the screen it leaves."""
    terminal = Terminal()
    # set inside the test: pytest's own capture replaces sys.stdout between fixture and test
    with redirect_stdout(terminal), redirect_stderr(terminal):
        assert main(list(argv)) == 0
    return terminal.screen()


def test_train_epoch_lines_are_whole_lines_beside_the_bar():
    screen = at_terminal("train", *FAST)
    epoch_lines = [line for line in screen if "loss" in line and "train acc" in line]
    assert len(epoch_lines) == 3, screen
    for number, line in enumerate(epoch_lines, start=1):
        assert line.startswith(f"epoch   {number}  loss "), screen  # not glued to the bar
    assert any(line.startswith("training: 100%") for line in screen), screen  # the bar stays
    assert screen[-1].startswith("done: classic engine, 3 epochs"), screen
