"""``python -m chainrule`` runs the command line."""

from __future__ import annotations

import subprocess
import sys


def test_python_dash_m_runs_the_cli():
    run = subprocess.run(
        [sys.executable, "-m", "chainrule", "derive", "y = x1 * x2", "--at", "x1=2", "x2=3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "dy/dx1" in run.stdout


def test_python_dash_m_bad_input_exits_2_with_one_line():
    run = subprocess.run(
        [sys.executable, "-m", "chainrule", "derive", "y = x1 +", "--at", "x1=2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
