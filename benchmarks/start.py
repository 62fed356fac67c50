"""Start-up time of the command line (issue 15, fast start): wall seconds of whole processes.

Trains a small digits model once, then runs ``chainrule --help``, ``train --help``,
``evaluate`` and ``predict --limit 5`` of it, and ``python -c "import chainrule"``,
interleaved round after round, printing the median and spread of each. With ``--before SRC``
(another checkout's ``src`` folder, e.g. one ``git archive``d from main) every process also runs
on that code, interleaved with this one's, and the table gets a before column and the ratio.

    python benchmarks/start.py --rounds 7
    git archive main src | tar -x -C /tmp/before
    python benchmarks/start.py --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _timing import interleaved, summary

HERE_SRC = Path(__file__).resolve().parents[1] / "src"


def _command(args: list[str], src: Path) -> Callable[[], None]:
    env = {**os.environ, "PYTHONPATH": str(src)}

    def run() -> None:
        subprocess.run(
            args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )

    return run


def _processes(python: str, model: str) -> dict[str, list[str]]:
    cli = [python, "-m", "chainrule"]
    return {
        "chainrule --help": [*cli, "--help"],
        "chainrule train --help": [*cli, "train", "--help"],
        "chainrule evaluate": [*cli, "evaluate", model],
        "chainrule predict --limit 5": [*cli, "predict", model, "--limit", "5"],
        "import chainrule": [python, "-c", "import chainrule"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--before", type=Path, help="another checkout's src folder to compare")
    parser.add_argument("--rounds", type=int, default=7)
    opts = parser.parse_args()
    sides = {"now": HERE_SRC} | ({"before": opts.before} if opts.before else {})
    with tempfile.TemporaryDirectory() as folder:
        model = str(Path(folder) / "digits.safetensors")
        train = [opts.python, "-m", "chainrule", "train", "--data", "digits"]
        train += ["--layers", "64,30,10", "--epochs", "1", "--save", model]
        subprocess.run(
            train,
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(HERE_SRC)},
        )
        contenders = {
            f"{name}|{side}": _command(args, src)
            for name, args in _processes(opts.python, model).items()
            for side, src in sides.items()
        }
        samples = interleaved(contenders, number=1, rounds=opts.rounds)
    head = f"{'process':30s} {'now: wall s, median (min..max)':>30s}"
    if opts.before:
        head += f" {'before':>30s} {'now/before':>10s}"
    print(f"{head}   ({opts.rounds} interleaved rounds)")
    for name in _processes(opts.python, model):
        line = f"{name:30s} {summary(samples[f'{name}|now'], scale=1.0):>30s}"
        if opts.before:
            before = samples[f"{name}|before"]
            ratio = statistics.median(samples[f"{name}|now"]) / statistics.median(before)
            line += f" {summary(before, scale=1.0):>30s} {ratio:10.2f}"
        print(line)


if __name__ == "__main__":
    main()
