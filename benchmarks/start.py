"""Start-up time of the command line (issue 15, fast start): wall seconds of whole processes.

Trains a small digits model once, then runs ``chainrule --help``, ``evaluate`` and
``predict --limit 5`` of it, and ``python -c "import chainrule"``, interleaved round after
round, printing the median and spread of each. Pass another checkout's ``chainrule`` script
with ``--cli`` (and its python with ``--python``) to compare before and after.

    python benchmarks/start.py --rounds 7
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _timing import interleaved, summary


def _command(args: list[str]) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default=shutil.which("chainrule") or "chainrule")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--rounds", type=int, default=7)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model = str(Path(folder) / "digits.safetensors")
        train = [opts.cli, "train", "--data", "digits", "--layers", "64,30,10", "--epochs", "1"]
        subprocess.run([*train, "--save", model], check=True, stdout=subprocess.DEVNULL)
        contenders = {
            "chainrule --help": _command([opts.cli, "--help"]),
            "chainrule evaluate": _command([opts.cli, "evaluate", model]),
            "chainrule predict --limit 5": _command([opts.cli, "predict", model, "--limit", "5"]),
            "import chainrule": _command([opts.python, "-c", "import chainrule"]),
        }
        samples = interleaved(contenders, number=1, rounds=opts.rounds)
    print(f"{'process':30s} wall s, median (min..max) of {opts.rounds}")
    for name, values in samples.items():
        print(f"{name:30s} {summary(values, scale=1.0)}")


if __name__ == "__main__":
    main()
