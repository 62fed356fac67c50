"""Reproduce the four-hidden-layer learning-speed experiment, try the remedies, time the monitor.

1. Speeds before training. A [784, 30, 30, 30, 30, 10] logistic network with N(0, 1/n_in)
   weights ("normal-scaled", zero biases) and the quadratic cost, on the first 1000
   Fashion-MNIST training images. The speed of hidden layer l is ‖∂J/∂b^l‖ with J the cost
   averaged over the 1000 images: the norm of the mean per-image gradient, computed as one
   pass over all 1000 (the batch-summed δ^l, each row of which carries the 1/1000). This is
   how Nielsen measured 0.003, 0.017, 0.070, 0.285 on MNIST (his network had the
   cross-entropy cost on logistic outputs, whose δ^L lacks the σ'(z^L) ≤ 0.25 factor of the
   quadratic cost, and N(0, 1) biases). Printed for several seeds.
2. Remedies. The same network trained for a few epochs with each of the lecture's remedies:
   tanh, ReLU + He initialization, batch normalization (and the lecture's N(0, 1) weights as
   the bad case); first/last hidden-layer speed ratio before and after training, loss and
   test accuracy.
3. Monitor overhead. Time per training step of digits MLPs without a GradientMonitor and
   with one at every=20 (the default), 10 and 1, classic and autodiff engines; the variants
   run in turn, round after round (3 epochs each), and the fastest round of each is compared:
   the one least disturbed by whatever else the (shared) machine was running.

    PYTHONPATH=src python benchmarks/vanishing.py                 # everything
    PYTHONPATH=src python benchmarks/vanishing.py --part speeds remedies --plots out/
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from chainrule.classic import Network
from chainrule.data import load
from chainrule.diagnostics import GradientMonitor
from chainrule.serialization import atomic_write_text

SIZES = [784, 30, 30, 30, 30, 10]
PUBLISHED = [0.003, 0.017, 0.070, 0.285]


def fmt_speeds(speeds: np.ndarray) -> str:
    return "  ".join(f"{s:8.5f}" for s in speeds)


def part_speeds(ds, seeds: int) -> dict:
    print("\n== 1. speeds before training (hidden layers 1..4), ‖∂J/∂b^l‖ over 1000 images ==")
    print(f"{'':28}{'layer 1':>8}  {'layer 2':>8}  {'layer 3':>8}  {'layer 4':>8}  first/last")
    print(
        f"{'published (MNIST, Nielsen)':28}{fmt_speeds(np.array(PUBLISHED))}  "
        f"{PUBLISHED[0] / PUBLISHED[-1]:10.4f}"
    )
    rows = []
    for seed in range(seeds):
        net = Network(SIZES, "sigmoid", "quadratic", "normal-scaled", seed=seed)
        s = net.learning_speeds(net.backward(ds.x_train, ds.y_train))[:-1]
        rows.append(s)
        print(f"{f'normal-scaled, seed {seed}':28}{fmt_speeds(s)}  {s[0] / s[-1]:10.4f}")
    rows = np.array(rows)
    mean = rows.mean(axis=0)
    ratios = rows[:, 0] / rows[:, -1]
    steps = rows[:, 1:] / rows[:, :-1]
    print(f"{'mean':28}{fmt_speeds(mean)}  {ratios.mean():10.4f}")
    print(
        f"each layer faster than the one before by x{steps.mean():.2f} on average "
        f"(published: x{np.mean(np.array(PUBLISHED[1:]) / PUBLISHED[:-1]):.2f}); "
        f"last/first = {1 / ratios.mean():.0f}x (published {PUBLISHED[-1] / PUBLISHED[0]:.0f}x)"
    )
    return {"speeds": rows.tolist(), "ratios": ratios.tolist()}


REMEDY_ROWS = [
    ("sigmoid", "normal", False, "the lecture's N(0, 1) weights"),
    ("sigmoid", "normal-scaled", False, "the published setting"),
    ("tanh", "xavier", False, "better activation"),
    ("relu", "he", False, "better activation and init"),
    ("sigmoid", "normal-scaled", True, "batch normalization"),
    ("relu", "he", True, "ReLU + He + batch normalization"),
]


def part_remedies(ds, epochs: int, lrs: list[float], batch_size: int, plots: Path | None) -> dict:
    from chainrule.diagnostics import ComparisonResult
    from chainrule.training import compare_remedies

    results = []
    for activation, init, bn, _ in REMEDY_ROWS:
        grid = {"activation": [activation], "init": [init], "batch_norm": [bn], "lr": lrs}
        results.append(
            compare_remedies(ds, SIZES, grid, epochs=epochs, batch_size=batch_size, seed=0)
        )

    print(
        "\n== 2a. remedies, before training: speed ‖∂J/∂b^l‖ (‖∂J/∂β^l‖ with BN) and ‖∂J/∂W^l‖ =="
    )
    header = (
        f"{'setting':<26} {'engine':<8} {'speeds, hidden layers 1..4':<38} "
        f"{'b ratio':>8} {'W ratio':>8}   note"
    )
    print(header)
    print("-" * len(header))
    for (activation, init, bn, note), res in zip(REMEDY_ROWS, results):
        r = res.results[0]
        name = f"{activation}/{init}" + (" +BN" if bn else "")
        print(
            f"{name:<26} {r.engine:<8} {fmt_speeds(r.speeds[0]):<38} "
            f"{r.initial_ratio:8.4f} {r.initial_weight_ratio:8.3f}   {note}"
        )

    print(
        f"\n== 2b. remedies, after {epochs} epochs (batch {batch_size}, quadratic cost, seed 0): "
        "final speed ratio, training loss, test accuracy (10000 test images) =="
    )
    header = f"{'setting':<26}" + "".join(f" | lr={lr:<5g} ratio   loss   acc" for lr in lrs)
    print(header)
    print("-" * len(header))
    rows = []
    for (activation, init, bn, _), res in zip(REMEDY_ROWS, results):
        name = f"{activation}/{init}" + (" +BN" if bn else "")
        cells = ""
        for row in res.rows:
            flag = "!" if row.diverged else " "
            cells += f" | {row.final_ratio:12.3f} {row.final_loss:6.3f} {row.accuracy:5.3f}{flag}"
            rows.append(row)
        print(f"{name:<26}{cells}")
        if plots is not None:
            from chainrule.diagnostics.plots import plot_learning_speeds

            best = max(res.results, key=lambda r: r.test_accuracy or 0.0)
            slug = f"{activation}_{init}{'_bn' if bn else ''}"
            plot_learning_speeds(best, plots / f"speeds_{slug}.png")
    if plots is not None:
        from chainrule.diagnostics.plots import plot_activation_functions, plot_comparison

        merged = ComparisonResult(ds.name, SIZES, rows, [r for res in results for r in res.results])
        plot_comparison(merged, plots / "remedies.png")
        plot_activation_functions(plots / "activation_functions.png")
    return {"rows": [res.to_dict() for res in results]}


def part_overhead(rounds: int, epochs: int = 3) -> dict:
    """Median time per training step with no monitor, and with one at every=1, 10 and 20."""
    import chainrule as cr
    from chainrule import nn, optim
    from chainrule.diagnostics.monitor import DEFAULT_EVERY

    ds = load("digits")
    x, y = ds.x_train, ds.y_train
    modes: list[int | None] = [None, DEFAULT_EVERY, 10, 1]
    print(
        f"\n== 3. monitor overhead on digits MLPs ({len(x)} images, 3 epochs per sample, "
        f"{rounds} interleaved rounds; default every={DEFAULT_EVERY}) =="
    )

    def classic(sizes, activation, init, cost, batch, every):
        net = Network(sizes, activation, cost, init, seed=0)
        step = net.train_step if every is None else GradientMonitor(net, every=every).train_step

        def run() -> None:
            for lo in range(0, len(x), batch):
                step(x[lo : lo + batch], y[lo : lo + batch], 0.01)

        return run

    def autodiff(sizes, activation, init, cost, batch, every):
        rng = np.random.default_rng(0)
        acts = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
        modules: list = []
        for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            modules.append(nn.Linear(n_in, n_out, rng=rng))
            if k < len(sizes) - 2:
                modules.append(acts[activation]())
        model = nn.Sequential(*modules)
        opt = optim.SGD(model.parameters(), lr=0.01)
        mon = None if every is None else GradientMonitor(model, every=every)
        loss_fn = nn.CrossEntropyLoss()
        batches = [
            (cr.tensor(x[lo : lo + batch]), y[lo : lo + batch]) for lo in range(0, len(x), batch)
        ]

        def run() -> None:
            for xb, yb in batches:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                if mon is not None:
                    mon.before_step(loss)
                opt.step()
                if mon is not None:
                    mon.after_step()

        return run

    workloads = [
        ("classic", classic, ([64, 64, 64, 10], "relu", "he", "cross-entropy", 32)),
        ("classic", classic, ([64, 30, 30, 10], "sigmoid", "normal-scaled", "cross-entropy", 10)),
        ("autodiff", autodiff, ([64, 64, 64, 10], "relu", "he", "cross-entropy", 32)),
    ]
    header = f"{'engine':<9} {'network':<28} {'plain us/step':>13}" + "".join(
        f" {f'every={m}':>10}" for m in modes[1:]
    )
    print(header)
    print("-" * len(header))
    results = []
    for engine, factory, (sizes, act, init, cost, batch) in workloads:
        runs = {m: factory(sizes, act, init, cost, batch, m) for m in modes}
        for fn in runs.values():
            fn()  # warm up
        times: dict = {m: [] for m in modes}
        for k in range(rounds):
            for m in modes if k % 2 == 0 else modes[::-1]:
                start = time.perf_counter()
                for _ in range(epochs):
                    runs[m]()
                times[m].append((time.perf_counter() - start) / epochs)
        steps = -(-len(x) // batch)
        # The fastest round of each: the one least disturbed by whatever else the machine ran.
        plain = min(times[None])
        ratios = {m: min(times[m]) / plain - 1 for m in modes[1:]}
        name = f"{sizes} {act} b{batch}"
        print(
            f"{engine:<9} {name:<28} {plain / steps * 1e6:13.1f}"
            + "".join(f" {ratios[m] * 100:+9.1f}%" for m in modes[1:])
        )
        results.append(
            {
                "engine": engine,
                "network": name,
                "us_per_step": plain / steps * 1e6,
                "overhead": {str(m): ratios[m] for m in modes[1:]},
            }
        )
    return {"workloads": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part",
        nargs="*",
        default=["speeds", "remedies", "overhead"],
        choices=["speeds", "remedies", "overhead"],
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, nargs="+", default=[0.1, 0.5, 3.0])
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--plots", type=Path, default=None, help="folder for speed plots")
    parser.add_argument("--json", type=Path, default=None, help="write all numbers here")
    args = parser.parse_args()
    if args.plots is not None:
        args.plots.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    if {"speeds", "remedies"} & set(args.part):
        ds = load("fashion-mnist", train_size=1000)
        if "speeds" in args.part:
            out["speeds"] = part_speeds(ds, args.seeds)
        if "remedies" in args.part:
            out["remedies"] = part_remedies(ds, args.epochs, args.lr, args.batch_size, args.plots)
    if "overhead" in args.part:
        out["overhead"] = part_overhead(args.rounds)
    if args.json is not None:
        atomic_write_text(args.json, json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
