"""No collapse under load (issue 15): each workload quiet and beside two busy processes, under
the library's BLAS thread policy, one forced BLAS thread and the default threads.

The step is the classic network's ``train_step`` on W1–W5 (benchmarks/numpy_limit.py); the
policy is the count ``chainrule.training.threads.choose_blas_threads`` picks for the matching
TrainConfig, chosen inside each condition (quiet, then beside the busy processes) as a ``Run``
(``train()``, the CLI, the lab, the sweeps) chooses it at its start. The busy processes are
NumPy matrix-product loops on one thread each. Blocks of steps of the three thread settings are
interleaved in rotating order; printed: samples/s (median and min..max of the blocks) and each
setting over one thread (the median over the rounds of each block over the one-thread block of
its round; the goal: policy ≥ 0.9 × one thread under load; quiet, the policy no slower than
the default threads).

    PYTHONPATH=src python benchmarks/load.py --busy 2 --repeats 5
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import numpy as np
from threadpoolctl import threadpool_limits

from chainrule.classic import Network
from chainrule.training.threads import choose_blas_threads, limit_blas_threads
from numpy_limit import WORKLOADS, Workload, make_batches

BUSY_LOOP = "import numpy as np\na = np.random.rand(300, 300)\nwhile True:\n    a @ a"


@contextlib.contextmanager
def busy_processes(n: int) -> Iterator[None]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP], env=env) for _ in range(n)]
    try:
        time.sleep(0.5)  # let them get going
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def settings(w: Workload, chosen: int) -> dict[str, Callable[[], AbstractContextManager]]:
    return {
        "policy": lambda: limit_blas_threads(chosen),
        "one thread": lambda: threadpool_limits(1, "blas"),
        "default": contextlib.nullcontext,
    }


def measure(w: Workload, repeats: int, block: float) -> tuple[dict[str, list[float]], int]:
    """Samples/s of each thread setting, one entry per block, settings interleaved; and the
    policy's thread count, chosen first, in the condition measured, as a run chooses it."""
    chosen = choose_blas_threads(w.config())
    net = Network(w.sizes, w.activation, w.cost, w.init, seed=0)
    xs, ys = make_batches(w, 8)
    modes = settings(w, chosen)

    def run_block(mode: str, steps: int) -> float:
        with modes[mode]():
            start = time.perf_counter()
            for i in range(steps):
                net.train_step(xs[i % 8], ys[i % 8], w.lr)
            return steps * w.batch / (time.perf_counter() - start)

    per_step = w.batch / min(run_block(m, 3) for m in modes)  # warm-up, and the block size
    steps = max(2, int(block / per_step))
    speeds: dict[str, list[float]] = {m: [] for m in modes}
    names = list(modes)
    for r in range(repeats):
        for mode in names[r % 3 :] + names[: r % 3]:
            speeds[mode].append(run_block(mode, steps))
    return speeds, chosen


def report(label: str, w: Workload, measured: tuple[dict[str, list[float]], int]) -> None:
    speeds, chosen = measured
    cells = []
    for mode, values in speeds.items():
        # each block over the one-thread block of the same round, then the median: a load
        # that comes and goes (other work on the machine) cancels out within a round
        ratio = statistics.median(v / o for v, o in zip(values, speeds["one thread"]))
        low, med, high = min(values), statistics.median(values), max(values)
        cells.append(f"{mode} {med:9.0f} ({low:.0f}..{high:.0f}) {ratio:4.2f}")
    print(f"{w.name:3} {label:6} {chosen}t │ " + " │ ".join(cells), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--busy", type=int, default=2, help="busy processes (default 2)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--block", type=float, default=0.1, help="seconds per block")
    args = parser.parse_args(argv)
    print(
        f"{os.cpu_count()} CPUs; the policy's BLAS threads (Nt), then samples/s median "
        "(min..max), and over one thread"
    )
    with np.errstate(all="ignore"):
        for name in args.workloads:
            w = WORKLOADS[name]
            report("quiet", w, measure(w, args.repeats, args.block))
            with busy_processes(args.busy):
                report("loaded", w, measure(w, args.repeats, args.block))


if __name__ == "__main__":
    main()
