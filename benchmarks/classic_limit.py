"""Classic ``Network.train_step`` against the NumPy limit (benchmarks/numpy_limit.py), per workload.

Both start from the same weights and step through the same float32 batches; blocks of steps of
the two (and of classic_vs_numpy's older hand-tuned step, for reference) are interleaved in
rotating order so machine noise hits them alike. Printed per workload: µs per step, median and
spread (min..max of the blocks), samples/s, and classic's samples/s over the limit's, as the
median of the ratios of neighbouring blocks (the goal of issue 15: at least 0.9).

    PYTHONPATH=src python benchmarks/classic_limit.py -w W1 W5 --repeats 9

Predictions, written before each change to src/chainrule/classic (profile first):

1. Hot path without ``np.errstate`` (sigmoid's context manager, ~1.5 µs per call), without
   re-checking ``lr`` and building ForwardPass lists per step: W1/W2/W5 (about 20–30 ufunc
   calls per step, ~1 µs each) gain 10–20 %, W3/W4 nothing measurable.
   Measured (classic/_step.py, 1 BLAS thread, 7 blocks, machine at load 3–6, so ±15 %):
   classic/limit W1 0.72 → 0.87, W2 0.59 → 0.90, W3 0.92 → 1.00, W5 0.93 → 0.90 (W4 0.97
   before, BLAS-bound). What is left at W1/W2: train_step's argument checks (~2 µs), the one
   errstate (~1.7 µs, needed while σ's e^-z may overflow) and the bias gradient as
   ``np.add.reduce`` where the limit uses ``ones @ δ`` (not bit-identical, so not taken).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from chainrule.classic import Network
from classic_vs_numpy import tuned_step_fn
from numpy_limit import WORKLOADS, Workload, make_batches, make_step


def time_block(fn: Callable[[int], object], steps: int) -> float:
    start = time.perf_counter()
    for i in range(steps):
        fn(i)
    return (time.perf_counter() - start) / steps


def contenders(w: Workload, seed: int) -> dict[str, Callable[[int], object]]:
    """classic, limit and tuned steps of ``w`` from the same weights, over the same batches."""
    net = Network(w.sizes, w.activation, w.cost, w.init, seed=seed)
    limit = make_step(w, seed=seed)
    tuned = tuned_step_fn(w.activation, w.cost, w.sizes, w.batch)
    tuned_w = [a.copy() for a in net.weights]
    tuned_b = [a.copy() for a in net.biases]
    xs, ys = make_batches(w, 32, seed)
    n = len(xs)
    return {
        "classic": lambda i: net.train_step(xs[i % n], ys[i % n], w.lr),
        "limit": lambda i: limit(xs[i % n], ys[i % n]),
        "tuned": lambda i: tuned(tuned_w, tuned_b, xs[i % n], ys[i % n], w.lr),
    }


def run_workload(w: Workload, repeats: int, block_seconds: float, seed: int) -> dict:
    sides = contenders(w, seed)
    per_step = max(time_block(fn, 20) for fn in sides.values())  # warm up, size the blocks
    steps = max(5, int(block_seconds / per_step))
    times: dict[str, list[float]] = {name: [] for name in sides}
    for r in range(repeats):
        order = list(sides.items())
        for name, fn in order[r % 3 :] + order[: r % 3]:
            times[name].append(time_block(fn, steps))
    limit = np.array(times["limit"])
    return {
        "times": times,
        "ratio": float(np.median(limit / np.array(times["classic"]))),
        "ratio_tuned": float(np.median(limit / np.array(times["tuned"]))),
    }


def _cell(ts: list[float], batch: int) -> str:
    med = statistics.median(ts)
    spread = f"{min(ts) * 1e6:.0f}..{max(ts) * 1e6:.0f}"
    return f"{med * 1e6:9.1f} ({spread:>13}) {batch / med:9.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=9, help="blocks per side (default 9)")
    parser.add_argument("--block", type=float, default=0.05, help="seconds per block")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = parser.parse_args(argv)
    head = "µs/step (min..max)       samples/s"
    print(f"{'':3} │ classic {head} │ limit {head} │ classic/limit │ tuned/limit")
    print(f"{args.threads} BLAS thread(s), {args.repeats} interleaved blocks of ~{args.block:g} s")
    with np.errstate(all="ignore"), threadpool_limits(args.threads, "blas"):
        for name in args.workloads:
            w = WORKLOADS[name]
            res = run_workload(w, args.repeats, args.block, args.seed)
            t = res["times"]
            print(
                f"{name:3} │ {_cell(t['classic'], w.batch)} │ {_cell(t['limit'], w.batch)} │ "
                f"{res['ratio']:13.2f} │ {res['ratio_tuned']:11.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
