"""Peak memory of training on Fashion-MNIST (issue 15, lean memory): resident set size of a
whole ``chainrule train`` process, against the goal of twice the data's float32 size + 150 MB.

Trains 784-256-128-10 (ReLU, cross-entropy, Adam, batch 128) for one epoch, raw and with
``--standardize``, each in a fresh process, and reads the process's peak RSS from
``getrusage(RUSAGE_CHILDREN)``. With ``--before SRC`` (another checkout's ``src``) the same
runs on that code too, interleaved. Predictions (written before the change): the peak was
``diagnostics.input_scale`` making float64 copies of the training inputs (2 × 188 MB, plus the
finite-values copy and its square) before the first step; ``standardize`` adds a float64 copy
for the std and two for the discarded scaled copy. Without them the peak is the data (220 MB
float32 + 55 MB uint8 while reading) plus the model: about 300 MB.

    python benchmarks/memory.py --root /usr/share/datasets/fashion-mnist
    python benchmarks/memory.py --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE_SRC = Path(__file__).resolve().parents[1] / "src"
TRAIN = [
    *("train", "--data", "fashion-mnist", "--layers", "784,256,128,10", "--activation", "relu"),
    *("--cost", "cross-entropy", "--init", "he", "--optimizer", "adam", "--lr", "0.001"),
    *("--batch-size", "128", "--epochs", "1", "--engine", "autodiff", "--json"),
]


def peak_rss_mb(python: str, src: Path, extra: list[str]) -> float:
    """Peak RSS (MB) of one training process: waited for alone, so RUSAGE_CHILDREN is its."""
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    args = [python, "-c", code, python, "-m", "chainrule", *TRAIN, *extra]
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
    return int(out.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--root", default=None, help="folder of the Fashion-MNIST IDX files")
    parser.add_argument("--before", type=Path, help="another checkout's src folder to compare")
    parser.add_argument("--rounds", type=int, default=1)
    opts = parser.parse_args()
    root = ["--data-root", opts.root] if opts.root else []
    float32_mb = 70_000 * 784 * 4 / 2**20
    print(
        f"data: 70000 x 784 float32 = {float32_mb:.0f} MB; "
        f"goal: peak < {2 * float32_mb + 150:.0f} MB"
    )
    sides = {"now": HERE_SRC} | ({"before": opts.before} if opts.before else {})
    for label, extra in (("raw pixels", []), ("--standardize", ["--standardize"])):
        for _ in range(opts.rounds):
            peaks = {
                side: peak_rss_mb(opts.python, src, [*root, *extra]) for side, src in sides.items()
            }
            shown = "  ".join(f"{side} {mb:7.0f} MB" for side, mb in peaks.items())
            print(f"{label:15s} peak RSS: {shown}", flush=True)


if __name__ == "__main__":
    main()
