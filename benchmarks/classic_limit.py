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

2. Profile of W5 and W1 (float32, 1 thread; ops timed one by one with timeit, the step under
   cProfile): the array ops are the limit's but for the bias gradient (``np.add.reduce``, ~2 µs
   more per step) and the exact J of the softmax (one more (m, N^L) subtraction); per step the
   rest is Python: ``is_checked_batch`` ~1 µs (attribute look-ups on the network), two
   ``_step_for`` look-ups, ``np.errstate`` ~2.5 µs (W1 only), and α/m as a Python float that
   NumPy converts on every call (``np.multiply(δ, lr / m, δ)`` 2.2 µs against 1.3 µs with a
   0-d array of the dtype). Change: the batch checked against the step's own shapes and dtype
   (~0.3 µs; anything else still goes through every check), one step look-up, α/m kept as a
   0-d array refilled only when α changes, the errstate applied as a decorator (made once:
   ~0.7 µs less than a ``with``). Prediction: 2–3 µs less per step, W5 (~75 µs) and W1 (~100
   µs) 2–4 % faster: classic/limit W1 0.88 → ~0.91, W5 ~+0.03; the numbers bit-identical.
   Measured (2 runs each, interleaved with the code before, 15 blocks of 0.4 s, load 1.3–3):
   W5 0.94, 0.92 → 0.99, 0.99 as predicted; W1 0.88, 0.90 → 0.87, 0.90, no gain. Blocks of
   40 steps, minimum of 300 (W1, µs): ``TrainingStep.train`` alone 58.4, the limit 59.9, the
   decorated train 61.2, ``train_step`` 64.6: at W1 the errstate still costs ~3 µs, the
   checks ~1 µs.
3. The errstate made at NumPy's level: the context variable that holds NumPy's error state,
   set to "the caller's state with over=ignore", made once per caller's state (cached on
   the identity of the caller's state object) instead of on every call; the public
   decorator where NumPy lacks that variable. Prediction (same blocks of 40 steps): W1
   train_step ~2 µs nearer ``train`` (measured on a prototype: 59.6 against 61.5), so W1
   classic/limit +0.02–0.03; W5 (no σ) unchanged.
   Measured: blocks of 40 steps of train_step and of the limit alternated, 400 each, in
   separate processes for the code before change 2, after 2 and after 3 (load ~1), ratio =
   median over pairs of blocks of limit/classic: W1 0.860, 0.860, 0.868 (before) → 0.921,
   0.912 (2) → 0.945, 0.941, 0.935, 0.942, 0.923 (2 + 3); W5 0.956, 0.951, 0.947 → 0.978,
   0.975 → 0.977, 0.982, 0.975, 0.974, 0.975. Fastest block, µs per step: W1 69.2, 69.0,
   67.7 → 64.2, 64.3 → 64.3, 62.8, 63.6, 64.0, 61.4 (the limit 58–61); W5 46.6, 46.1, 46.5
   → 44.7, 45.1 → 45.0–46.3 (the limit 43–44). So change 3 gave ~+0.02 at W1, as predicted,
   and change 2 more than predicted at W1 (+0.05–0.06). Weights, biases and J after 50 steps
   of train_step and after fit: the same bytes before and after, W1–W5, float32 and float64.
   Change 3 was then reverted: it reads NumPy's private error-state internals
   (``numpy._core._ufunc_config``), which a NumPy release may change without the import
   failing; 0.02 at W1 is not worth a silent break. With change 2 alone W1 stays ~0.91–0.92.
   What is left: the bias gradient as ``np.add.reduce`` (~1–2 µs), J exact from log a^L
   (one (m, N^L) subtraction), and ~1 µs of checks per call.
4. The training loop hands the classic learner class labels, which ``train_step`` turned into
   one-hot targets through the full conversion and checks at every step (``as_targets``,
   ~25 µs: at W5 the learner ran at 0.75 of the limit while ``train_step`` on one-hot targets
   ran at 0.97). Change: labels of the step's batch size become one-hot rows taken from the
   identity into a buffer kept with the step (``targets_for``; a label past the last class
   makes ``take`` raise and goes the checked way; a negative one is looked for unless the
   caller checked its labels, as the training loop did once). Prediction: W5's learner step
   0.75 → ~0.91. Measured (pairs of blocks, load ~1): 0.75 → 0.914; bit-identical (a test
   trains on labels and on their one-hot rows and compares the bytes). Then, quiet, 101
   blocks of 0.02 s, two runs each (``train_step`` on one-hot targets here; the learner on
   labels in compiled.py): classic/limit W1 0.920, 0.946 (learner 0.925, 0.918), W2 0.925,
   0.949 (0.927, 0.916), W3 0.999, 1.001 (0.993, 0.985), W4 0.980, 0.979 (0.985, 0.995),
   W5 0.984, 0.962 (0.932, 0.917).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from _timing import paired_ratio, ratio_cell
from chainrule.classic import Network
from classic_vs_numpy import tuned_step_fn
from numpy_limit import WORKLOADS, Workload, make_batches, make_step, side_by_side_parser


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
    return {
        "times": times,
        "ratio": paired_ratio(times["limit"], times["classic"]),
        "ratio_tuned": paired_ratio(times["limit"], times["tuned"]),
    }


def _cell(ts: list[float], batch: int) -> str:
    med = statistics.median(ts)
    spread = f"{min(ts) * 1e6:.0f}..{max(ts) * 1e6:.0f}"
    return f"{med * 1e6:9.1f} ({spread:>13}) {batch / med:9.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = side_by_side_parser(__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    head = "µs/step (min..max)       samples/s"
    ratios = "median [quartiles]"
    print(f"{'':3} │ classic {head} │ limit {head} │ classic/limit {ratios} │ tuned/limit")
    print(f"{args.threads} BLAS thread(s), {args.repeats} interleaved blocks of ~{args.block:g} s")
    with np.errstate(all="ignore"), threadpool_limits(args.threads, "blas"):
        for name in args.workloads:
            w = WORKLOADS[name]
            res = run_workload(w, args.repeats, args.block, args.seed)
            t = res["times"]
            print(
                f"{name:3} │ {_cell(t['classic'], w.batch)} │ {_cell(t['limit'], w.batch)} │ "
                f"{ratio_cell(res['ratio']):>32} │ {ratio_cell(res['ratio_tuned']):>20}",
                flush=True,
            )


if __name__ == "__main__":
    main()
