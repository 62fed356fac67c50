"""Time ``chainrule.classic.Network.train_step`` against a hand-written NumPy training step.

The reference ("the NumPy limit") is the matrix-form backpropagation loop one would write by
hand in plain NumPy for each workload: float32 throughout, ``a @ W.T + b`` forward, δ backward,
in-place ``W -= lr * grad`` updates, and nothing else. Both start from the same weights and
train on the same random float32 batches (one-hot targets); blocks of steps of the two are
interleaved, in alternating order, so that machine noise hits both alike. The table gives the
median time per step, the spread (25th to 75th percentile of the blocks, as % of the median),
samples per second, and classic's time over the reference's (the goal: at most 1.10).
A third column times a hand-*tuned* NumPy step (preallocated buffers, typed constants, α folded
into δ^L): classic's ratio to it is the price of its generality.

    PYTHONPATH=src python benchmarks/classic_vs_numpy.py            # every workload
    PYTHONPATH=src python benchmarks/classic_vs_numpy.py -w W1 W5 --repeats 31
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable

import numpy as np

from chainrule.classic import Network
from chainrule.serialization import atomic_write_text

# the five workloads are numpy_limit's, the one list of them
from numpy_limit import WORKLOADS, Workload

# ------------------------------------------------------------------ the hand-written reference


def reference_step_fn(activation: str, cost: str) -> Callable[..., float]:
    """A plain NumPy forward/backward/update step for one activation and cost."""
    if activation == "sigmoid":

        def f(z):
            return 1.0 / (1.0 + np.exp(-z))

        def fprime(z, a):
            return a * (1.0 - a)

    elif activation == "tanh":
        f = np.tanh

        def fprime(z, a):
            return 1.0 - a * a

    else:

        def f(z):
            return np.maximum(z, 0.0)

        def fprime(z, a):
            return z > 0

    def step(weights, biases, x, y, lr):
        m = x.shape[0]
        zs, acts = [], [x]
        a = x
        last = len(weights) - 1
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            z = a @ w.T + b
            if i == last and cost == "cross-entropy":
                e = np.exp(z - z.max(axis=1, keepdims=True))
                a = e / e.sum(axis=1, keepdims=True)
            else:
                a = f(z)
            zs.append(z)
            acts.append(a)
        if cost == "cross-entropy":
            loss = -np.sum(y * np.log(a)) / m
            delta = (a - y) / m
        else:
            diff = a - y
            loss = np.sum(diff * diff) / (2 * m)
            delta = diff * fprime(zs[-1], a) / m
        for i in range(last, -1, -1):
            grad_w = delta.T @ acts[i]
            grad_b = delta.sum(axis=0)
            if i > 0:
                delta = (delta @ weights[i]) * fprime(zs[i - 1], acts[i])
            weights[i] -= lr * grad_w
            biases[i] -= lr * grad_b
        return float(loss)

    return step


def tuned_step_fn(activation: str, cost: str, sizes: tuple[int, ...], m: int):
    """The same step hand-tuned: preallocated buffers, typed 0-d constants, α folded into δ^L.

    Not the goal's reference, a check on it: how much of classic's time is its own overhead.
    """
    f32 = np.float32
    half, one, zero = np.array(0.5, f32), np.array(1.0, f32), np.array(0.0, f32)
    widths = sizes[1:]
    zs = [np.empty((m, n), f32) for n in widths]
    acts = [np.empty((m, n), f32) for n in widths]
    deltas = [np.empty((m, n), f32) for n in widths]
    primes = [np.empty((m, n), bool if activation == "relu" else f32) for n in widths]
    grads_w = [np.empty((n_out, n_in), f32) for n_in, n_out in zip(sizes, widths)]
    grads_b = [np.empty(n, f32) for n in widths]
    log_a = np.empty((m, widths[-1]), f32)

    def f(z, out):
        if activation == "sigmoid":
            np.multiply(z, half, out)
            np.tanh(out, out)
            np.add(out, one, out)
            return np.multiply(out, half, out)
        if activation == "tanh":
            return np.tanh(z, out)
        return np.maximum(z, zero, out=out)

    def fprime(z, a, out):
        if activation == "sigmoid":
            np.subtract(one, a, out)
            return np.multiply(out, a, out)
        if activation == "tanh":
            np.multiply(a, a, out)
            return np.subtract(one, out, out)
        return np.greater(z, zero, out)

    def step(weights, biases, x, y, lr):
        a = x
        last = len(weights) - 1
        for i in range(last + 1):
            z = np.matmul(a, weights[i].T, zs[i])
            z += biases[i]
            if i == last and cost == "cross-entropy":
                mx = np.maximum.reduce(z, 1, None, None, True)
                np.subtract(z, mx, log_a)
                a = np.exp(log_a, acts[i])
                s = np.add.reduce(a, 1, None, mx, True)
                np.divide(a, s, a)
                np.subtract(log_a, np.log(s, s), log_a)
            else:
                a = f(z, acts[i])
        d = deltas[last]
        np.subtract(a, y, d)
        if cost == "cross-entropy":
            loss = -float(np.vdot(y, log_a)) / m
        else:
            loss = float(np.vdot(d, d)) / (2 * m)
            np.multiply(d, fprime(zs[last], a, primes[last]), d)
        np.multiply(d, lr / m, d)
        for i in range(last, -1, -1):
            np.matmul(d.T, x if i == 0 else acts[i - 1], grads_w[i])
            np.add.reduce(d, 0, None, grads_b[i])
            if i > 0:
                d_prev = np.matmul(d, weights[i], deltas[i - 1])
                np.multiply(d_prev, fprime(zs[i - 1], acts[i - 1], primes[i - 1]), d_prev)
            weights[i] -= grads_w[i]
            biases[i] -= grads_b[i]
            if i > 0:
                d = d_prev
        return loss

    return step


# ------------------------------------------------------------------ timing


def make_batches(w: Workload, count: int, rng: np.random.Generator):
    xs = rng.random((count, w.batch, w.sizes[0]), dtype=np.float32)
    labels = rng.integers(0, w.sizes[-1], size=(count, w.batch))
    ys = np.eye(w.sizes[-1], dtype=np.float32)[labels]
    return list(xs), list(ys)


def time_block(fn: Callable[[int], None], steps: int) -> float:
    start = time.perf_counter()
    for i in range(steps):
        fn(i)
    return (time.perf_counter() - start) / steps


def run_workload(w: Workload, repeats: int, block_seconds: float, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    net = Network(w.sizes, w.activation, w.cost, w.init, seed=seed)
    weights = [a.copy() for a in net.weights]
    biases = [a.copy() for a in net.biases]
    xs, ys = make_batches(w, 32, rng)
    ref = reference_step_fn(w.activation, w.cost)
    tuned_weights = [a.copy() for a in net.weights]
    tuned_biases = [a.copy() for a in net.biases]
    tuned = tuned_step_fn(w.activation, w.cost, w.sizes, w.batch)
    n = len(xs)

    def classic(i: int) -> None:
        net.train_step(xs[i % n], ys[i % n], w.lr)

    def reference(i: int) -> None:
        ref(weights, biases, xs[i % n], ys[i % n], w.lr)

    def tuned_ref(i: int) -> None:
        tuned(tuned_weights, tuned_biases, xs[i % n], ys[i % n], w.lr)

    # Warm up both (and the network's workspace), then size a block to ~block_seconds.
    sides = {"classic": classic, "numpy": reference, "tuned": tuned_ref}
    per_step = max(time_block(fn, 20) for fn in sides.values())
    steps = max(5, int(block_seconds / per_step))
    times: dict[str, list[float]] = {name: [] for name in sides}
    for r in range(repeats):
        order = list(sides.items())
        order = order[r % 3 :] + order[: r % 3]  # rotate who goes first
        for name, fn in order:
            times[name].append(time_block(fn, steps))

    def summary(ts: list[float]) -> dict:
        arr = np.array(ts)
        med = float(np.median(arr))
        q25, q75 = np.percentile(arr, [25, 75])
        return {
            "median_us": med * 1e6,
            "spread_pct": float(q75 - q25) / med * 100,
            "samples_per_s": w.batch / med,
        }

    c, r_ = summary(times["classic"]), summary(times["numpy"])
    # The median of the ratios of neighbouring blocks is steadier than a ratio of medians.
    classic_t = np.array(times["classic"])
    paired = np.median(classic_t / np.array(times["numpy"]))
    paired_tuned = np.median(classic_t / np.array(times["tuned"]))
    return {
        "workload": w.name,
        "sizes": "-".join(map(str, w.sizes)),
        "activation": w.activation,
        "cost": w.cost,
        "batch": w.batch,
        "steps_per_block": steps,
        "classic": c,
        "numpy": r_,
        "tuned": summary(times["tuned"]),
        "ratio": float(paired),
        "ratio_tuned": float(paired_tuned),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=15, help="blocks per side (default 15)")
    parser.add_argument("--block", type=float, default=0.1, help="seconds per block")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    print(
        f"numpy {np.__version__}, python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, float32, {args.repeats} interleaved blocks of "
        f"~{args.block:g}s per side"
    )
    header = (
        f"{'':3} {'sizes':<24} {'act/cost':<21} {'m':>4} │ {'classic µs':>10} {'±%':>5} "
        f"{'samples/s':>10} │ {'numpy µs':>10} {'±%':>5} {'samples/s':>10} │ {'ratio':>5} "
        f"│ {'tuned µs':>9} {'ratio':>5}"
    )
    print(header)
    print("─" * len(header))
    results = []
    with np.errstate(over="ignore"):  # the reference's 1/(1 + exp(-z)) overflows harmlessly
        for name in args.workloads:
            res = run_workload(WORKLOADS[name], args.repeats, args.block, args.seed)
            results.append(res)
            c, r = res["classic"], res["numpy"]
            print(
                f"{name:3} {res['sizes']:<24} {res['activation'] + '/' + res['cost']:<21} "
                f"{res['batch']:>4} │ {c['median_us']:>10.1f} {c['spread_pct']:>5.1f} "
                f"{c['samples_per_s']:>10.0f} │ {r['median_us']:>10.1f} {r['spread_pct']:>5.1f} "
                f"{r['samples_per_s']:>10.0f} │ {res['ratio']:>5.2f} "
                f"│ {res['tuned']['median_us']:>9.1f} {res['ratio_tuned']:>5.2f}",
                flush=True,
            )
    if args.json:
        atomic_write_text(args.json, json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
