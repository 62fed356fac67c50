"""Test accuracy of chainrule's training loop on real data, with the wall time of each run.

Runs (each one ``chainrule.training.train`` with the settings printed in the table):

* ``digits``: the bundled 8x8 digits (1347 train / 450 test), a recipe tuned to reach ≥ 97%;
* ``digits-lecture``: the lecture's setting on digits, [64, 32, 10], reported as is;
* ``fashion-mnist``: Fashion-MNIST (60000 train / 10000 test) with an MLP, a recipe tuned to
  reach ≥ 89.5% (the published benchmark lists an MLP 256-128-100 at 88.33%, people 83.5%);
* ``fashion-mnist-lecture``: the lecture's [784, 30, 10], sigmoid, quadratic cost, N(0, 1)
  initialization, lr 3.0, batches of 10, 30 epochs, reported as is.

Honesty of the recipes: every choice (architecture, optimizer, rate, schedule, dropout,
epochs) was made on a validation split held out of the training set (``val_size``: 270 of the
1347 digits, 5000 of the 60000 Fashion-MNIST images; a seeded stratified draw), never on the
test set. ``--tune`` reruns those comparisons: the candidates train on the training set minus
the validation split and are scored on the validation split only (the test set is dropped
before training starts). The final runs keep the same split held out, so they train on 1077
digits and 55000 Fashion-MNIST images, and report the validation and the test accuracy of the
last epoch.

    python benchmarks/accuracy.py                  # every run (about 10 min on 2 cores)
    python benchmarks/accuracy.py --quick          # smoke test: small subsets, 1-2 epochs
    python benchmarks/accuracy.py --only digits fashion-mnist --json results.json
    python benchmarks/accuracy.py --tune fashion-mnist   # validation accuracy of candidates

Fashion-MNIST is read from /usr/share/datasets/fashion-mnist (or ``--data-root``); when it is
missing, the Fashion-MNIST runs are skipped with the command that installs it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from chainrule.data import Dataset, load
from chainrule.errors import DataError
from chainrule.serialization import atomic_write_text
from chainrule.training import TrainConfig, train
from chainrule.training.loop import make_splits

INSTALL = "apt-get update && apt-get install -y dataset-fashion-mnist"
FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")

LECTURE_DIGITS = TrainConfig(data="digits", layers=(64, 32, 10))
LECTURE_FASHION = TrainConfig(data="fashion-mnist", layers=(784, 30, 10))

DIGITS = TrainConfig(
    data="digits",
    layers=(64, 256, 10),
    activation="relu",
    init="he",
    cost="cross-entropy",
    engine="autodiff",
    optimizer="adamw",
    weight_decay=0.01,
    lr=0.002,
    schedule="cosine",
    dropout=0.2,
    batch_size=16,
    epochs=50,
    standardize=True,
    val_size=270,
)

FASHION = TrainConfig(
    data="fashion-mnist",
    layers=(784, 512, 512, 10),
    activation="relu",
    init="he",
    cost="cross-entropy",
    engine="autodiff",
    optimizer="adam",
    lr=0.001,
    schedule="cosine",
    dropout=0.3,
    batch_size=128,
    epochs=20,
    standardize=True,
    val_size=5000,
)

RUNS: dict[str, TrainConfig] = {
    "digits": DIGITS,
    "digits-lecture": LECTURE_DIGITS,
    "fashion-mnist": FASHION,
    "fashion-mnist-lecture": LECTURE_FASHION,
}

# The candidates --tune compares on the validation split (the chosen recipe first).
CANDIDATES: dict[str, dict[str, TrainConfig]] = {
    "digits": {
        "chosen": DIGITS,
        "lecture": dataclasses.replace(LECTURE_DIGITS, val_size=270),
        "sigmoid-ce": dataclasses.replace(
            LECTURE_DIGITS,
            layers=(64, 100, 10),
            cost="cross-entropy",
            init="normal-scaled",
            lr=0.5,
            epochs=50,
            val_size=270,
        ),
        "adam-no-decay": dataclasses.replace(DIGITS, optimizer="adam", weight_decay=0.0, lr=0.001),
        "two-hidden": dataclasses.replace(
            DIGITS, layers=(64, 256, 128, 10), optimizer="adam", weight_decay=0.0, lr=0.001
        ),
    },
    "fashion-mnist": {
        "chosen": FASHION,
        "1024-1024-30-epochs": dataclasses.replace(
            FASHION, layers=(784, 1024, 1024, 10), epochs=30
        ),
        "sgd-nesterov": dataclasses.replace(FASHION, optimizer="nesterov", lr=0.05),
    },
}


TUNE_SEEDS = {"digits": 5, "fashion-mnist": 1}


def fashion_available(root: Path | None) -> bool:
    folder = root or FASHION_ROOT
    return folder.is_dir() and any(folder.glob("train-images-idx3-ubyte*"))


def quick(config: TrainConfig) -> TrainConfig:
    """A smoke-test version: a few thousand examples, one or two epochs."""
    if config.data == "digits":
        return dataclasses.replace(config, epochs=min(config.epochs, 2))
    return dataclasses.replace(
        config,
        train_size=3000,
        test_size=1000,
        val_size=min(config.val_size, 300),
        epochs=1,
    )


def settings(config: TrainConfig) -> str:
    """The choices that make a run, in a line of the table."""
    text = (
        f"{'-'.join(map(str, config.layers))} {config.activation} {config.cost} "
        f"init {config.init}, {config.optimizer} lr {config.lr:g}"
    )
    if config.schedule != "constant":
        text += f" {config.schedule}"
    if config.weight_decay:
        text += f" wd {config.weight_decay:g}"
    if config.dropout:
        text += f", dropout {config.dropout:g}"
    if config.batch_norm:
        text += ", batch norm"
    if config.standardize:
        text += ", standardized"
    return text + f", batch {config.batch_size}, {config.engine}"


def progress(**shown: str):
    """An ``on_epoch`` callback printing one line per epoch to stderr; ``shown`` maps the
    label printed to the history key, e.g. ``progress(val="val_accuracy")``."""

    def report(stats: dict[str, Any], learner: object) -> None:
        scores = "  ".join(f"{label} {stats[key]:.4f}" for label, key in shown.items())
        print(
            f"  epoch {stats['epoch']:3d}  loss {stats['train_loss']:.4f}  {scores}  "
            f"({stats['seconds']:.2f} s)",
            file=sys.stderr,
            flush=True,
        )

    return report


def run_one(name: str, config: TrainConfig, data_root: Path | None) -> dict[str, Any]:
    if data_root is not None and config.data != "digits":
        config = dataclasses.replace(config, data_root=str(data_root))
    started = time.perf_counter()
    shown = {"val": "val_accuracy"} if config.val_size else {}
    result = train(config, on_epoch=progress(**shown, test="test_accuracy"))
    seconds = time.perf_counter() - started
    final = result.history[-1]
    return {
        "run": name,
        "data": config.data,
        "settings": settings(config),
        "epochs": final["epoch"],
        "val_accuracy": final.get("val_accuracy"),
        "test_accuracy": final["test_accuracy"],
        "seconds": seconds,
        "config": config.to_dict(),
        "history": result.history,
    }


def tune_one(
    name: str, config: TrainConfig, data_root: Path | None, seeds: int = 1
) -> dict[str, Any]:
    """Train on the training set minus the validation split; score on the validation split.

    Each run gets a Dataset whose "test" part IS the validation split, so the real test set
    plays no part in the choice. With ``seeds`` > 1 the candidate trains that many times,
    seeds ``config.seed``, ``config.seed + 1``, ...: each seed draws another validation split
    (and other initial weights) out of the same training set (the data set's own train/test
    split stays the one of ``config.seed``, the final run's), and the row gives the mean and
    the lowest final validation accuracy.
    """
    if data_root is not None and config.data != "digits":
        config = dataclasses.replace(config, data_root=str(data_root))
    started = time.perf_counter()
    full = load(config.data, root=config.data_root, train_size=config.train_size, seed=config.seed)
    finals = []
    for offset in range(seeds):
        seeded = dataclasses.replace(config, seed=config.seed + offset)
        splits = make_splits(seeded, full)
        (x_tr, y_tr), (x_val, y_val) = splits.train, splits.val
        tuning = Dataset(
            name=full.name,
            x_train=x_tr,
            y_train=y_tr,
            x_test=x_val,
            y_test=y_val,
            n_features=full.n_features,
            n_classes=full.n_classes,
            class_names=full.class_names,
        )
        # "test" inside this run is the validation split
        result = train(
            dataclasses.replace(seeded, val_size=0),
            data=tuning,
            on_epoch=progress(val="test_accuracy"),
        )
        finals.append(result.history[-1]["test_accuracy"])
    return {
        "run": name,
        "data": config.data,
        "settings": settings(config),
        "epochs": config.epochs,
        "seeds": seeds,
        "val_accuracy": sum(finals) / len(finals),
        "lowest_val_accuracy": min(finals),
        "seconds": time.perf_counter() - started,
        "config": config.to_dict(),
    }


def print_table(rows: list[dict[str, Any]], tune: bool) -> None:
    last_title = "lowest (seeds)" if tune else "test acc"
    print(
        f"{'candidate' if tune else 'run':30} {'data':14} {'epochs':>6} {'val acc':>8} "
        f"{last_title:>14} {'wall':>8}  settings"
    )
    for r in rows:
        val = f"{r['val_accuracy']:.4f}" if r["val_accuracy"] is not None else "-"
        if tune:
            last = f"{r['lowest_val_accuracy']:.4f} ({r['seeds']})"
        else:
            last = f"{r['test_accuracy']:.4f}"
        print(
            f"{r['run']:30} {r['data']:14} {r['epochs']:>6} {val:>8} {last:>14} "
            f"{r['seconds']:7.1f}s  {r['settings']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(RUNS), help="runs to do (default all)")
    parser.add_argument("--quick", action="store_true", help="small subsets, 1-2 epochs")
    parser.add_argument(
        "--tune",
        nargs="+",
        choices=list(CANDIDATES),
        help="score the candidate recipes of these data sets on the validation split",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        help="validation splits per candidate with --tune (default: 5 for digits, whose 270 "
        "validation digits are few, 1 for Fashion-MNIST)",
    )
    parser.add_argument("--data-root", type=Path, help="folder of the Fashion-MNIST IDX files")
    parser.add_argument("--json", type=Path, help="also write the rows (and histories) here")
    args = parser.parse_args(argv)

    if args.tune:
        jobs = [(f"{d}:{c}", cfg) for d in args.tune for c, cfg in CANDIDATES[d].items()]
    else:
        jobs = [(name, RUNS[name]) for name in (args.only or RUNS)]
    if args.quick:
        jobs = [(name, quick(cfg)) for name, cfg in jobs]
    if any(cfg.data == "fashion-mnist" for _, cfg in jobs) and not fashion_available(
        args.data_root
    ):
        print(
            f"Fashion-MNIST is not in {args.data_root or FASHION_ROOT}: skipping its runs. "
            f"Install it with: {INSTALL}",
            file=sys.stderr,
        )
        jobs = [(name, cfg) for name, cfg in jobs if cfg.data != "fashion-mnist"]

    rows = []
    for name, config in jobs:
        print(
            f"{name}: {settings(config)}, {config.epochs} epochs ...", file=sys.stderr, flush=True
        )
        try:
            if args.tune:
                seeds = args.seeds or TUNE_SEEDS[config.data]
                row = tune_one(name, config, args.data_root, 1 if args.quick else seeds)
            else:
                row = run_one(name, config, args.data_root)
        except DataError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            continue
        rows.append(row)
    print_table(rows, tune=bool(args.tune))
    if args.json:
        atomic_write_text(args.json, json.dumps(rows, indent=1))
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
