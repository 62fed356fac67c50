"""``chainrule compare``: one network under a grid of remedies, in one table and one figure.

Every combination of the values given (activation × init × learning rate × gradient clipping
× batch normalization; any subset, each a comma-separated list) trains the same network on
the same data with the same seed and batch order; the table has the first- and last-hidden-
layer speeds before training, their ratio (and after training), the final cost and the
accuracy, plus each run's diagnosis.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from chainrule.cli._common import print_json
from chainrule.cli.gradients import (
    add_data_options,
    check_common,
    fmt,
    load_data,
    network_sizes,
    progress_bar,
    write_plot,
)
from chainrule.training.config import ACTIVATIONS, INITS

_ON = ("on", "true", "yes", "1")
_OFF = ("off", "false", "no", "0")


def _values(text: str, parse: Callable[[str], Any], what: str) -> list[Any]:
    parts = [part.strip() for part in text.split(",")]
    if not parts or any(not part for part in parts):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {what}, got {text!r}")
    values = [parse(part) for part in parts]
    if len(set(map(repr, values))) != len(values):
        raise argparse.ArgumentTypeError(f"a value is repeated in {text!r}")
    return values


def _choice(allowed: tuple[str, ...]) -> Callable[[str], list[str]]:
    def parse_one(part: str) -> str:
        if part not in allowed:
            raise argparse.ArgumentTypeError(
                f"unknown value {part!r}; choose from {', '.join(allowed)}"
            )
        return part

    return lambda text: _values(text, parse_one, ", ".join(allowed))


def _positive(part: str) -> float:
    try:
        value = float(part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {part!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {part!r}")
    return value


def lr_list(text: str) -> list[float]:
    """``"0.1,1"`` -> [0.1, 1.0]."""
    return _values(text, _positive, "positive learning rates")


def clip_list(text: str) -> list[float | None]:
    """``"none,1"`` -> [None, 1.0]: no clipping, or the max norm."""
    return _values(
        text,
        lambda part: None if part.lower() in ("none", "off") else _positive(part),
        "max norms or none",
    )


def switch_list(text: str) -> list[bool]:
    """``"off,on"`` -> [False, True]."""

    def parse_one(part: str) -> bool:
        if part.lower() in _ON:
            return True
        if part.lower() in _OFF:
            return False
        raise argparse.ArgumentTypeError(f"expected off or on, got {part!r}")

    return _values(text, parse_one, "off/on")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="the same network under a grid of remedies: one table, one figure",
        description="Train the same network on the same data and seed under every combination "
        "of the remedies given (each option takes a comma-separated list), and compare the "
        "first/last hidden-layer learning speeds, the final cost and the accuracy. Runs with "
        "batch normalization or clipping use the autodiff engine, the others the classic one.",
    )
    add_data_options(p, epochs=10)
    p.add_argument(
        "--activation",
        type=_choice(ACTIVATIONS),
        default=["sigmoid"],
        help="e.g. sigmoid,relu (default: sigmoid)",
    )
    p.add_argument(
        "--init",
        type=_choice(INITS),
        default=["normal-scaled"],
        help="e.g. normal-scaled,he (default: normal-scaled)",
    )
    p.add_argument("--lr", type=lr_list, default=[0.5], help="e.g. 0.1,1 (default: 0.5)")
    p.add_argument(
        "--clip-norm", type=clip_list, default=[None], help="e.g. none,1 (default: none)"
    )
    p.add_argument(
        "--batch-norm", type=switch_list, default=[False], help="e.g. off,on (default: off)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.diagnostics import diagnose
    from chainrule.training import compare_remedies

    check_common(args)
    data = load_data(args)
    sizes = network_sizes(args, data)
    grid = {
        "activation": args.activation,
        "init": args.init,
        "lr": args.lr,
        "clip": args.clip_norm,
        "batch_norm": args.batch_norm,
    }
    n_runs = 1
    for values in grid.values():
        n_runs *= len(values)
    with progress_bar(args, n_runs * args.epochs, "epoch") as tick:
        result = compare_remedies(
            data,
            sizes,
            grid,
            cost=args.cost,
            epochs=args.epochs,
            batch_size=args.batch_size,
            train_size=None,
            seed=args.seed,
            on_epoch=tick,
        )
    diagnoses = [diagnose(r.to_records()) for r in result.results]
    if args.plot:
        from chainrule.diagnostics.plots import plot_comparison

        write_plot(plot_comparison(result), args.plot)
    if args.json:
        print_json(_payload(args, result, diagnoses, len(data.x_train)))  # NaN/Inf as null
        return 0
    _print_report(args, result, diagnoses, data.name, sizes, n_runs)
    return 0


def _payload(args: argparse.Namespace, result: Any, diagnoses: list[Any], n_train: int) -> Any:
    """The --json object: the table's rows with their diagnoses, and the settings."""
    payload = result.to_dict()
    for row, diagnosis in zip(payload["rows"], diagnoses, strict=True):
        row["diagnosis"] = diagnosis.kinds
    payload.update(
        {
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "cost": args.cost,
            "seed": args.seed,
            "train_size": n_train,
            "plot": args.plot,
        }
    )
    return payload


def _print_report(
    args: argparse.Namespace,
    result: Any,
    diagnoses: list[Any],
    data_name: str,
    sizes: list[int],
    n_runs: int,
) -> None:
    first = result.results[0]
    print(
        f"{n_runs} run{'s' if n_runs != 1 else ''} of [{', '.join(map(str, sizes))}] on "
        f"{data_name} ({first.train_size} training images), {args.cost} cost, batch "
        f"{args.batch_size}, {args.epochs} epoch{'s' if args.epochs != 1 else ''}, "
        f"seed {args.seed}"
    )
    print(
        "speeds ‖∂J/∂b‖ of the first and last hidden layer before training, their ratio "
        "before and after training (dW ratio: of ‖∂J/∂W‖), final cost J and "
        + ("test" if first.test_accuracy is not None else "training")
        + " accuracy"
    )
    print()
    print(_table(result, diagnoses))
    if args.plot:
        print(f"plot written to {args.plot}")


def _table(result: Any, diagnoses: list[Any]) -> str:
    """One line per run, the setting column as wide as the longest label."""
    labels = [row.label() for row in result.rows]
    width = max(len("setting"), *map(len, labels))
    heads = ("first", "last", "ratio", "final ratio", "dW ratio", "loss", "accuracy")
    head = f"{'setting':<{width}}  {'engine':<8}" + "".join(f"{h:>12}" for h in heads)
    lines = [head + "  diagnosis"]
    lines.append("-" * (len(lines[0]) + 10))
    for label, row, diagnosis in zip(labels, result.rows, diagnoses, strict=True):
        numbers = (
            row.first_speed,
            row.last_speed,
            row.ratio,
            row.final_ratio,
            row.weight_ratio,
            row.final_loss,
        )
        kinds = ", ".join(diagnosis.kinds) + (" (diverged)" if row.diverged else "")
        lines.append(
            f"{label:<{width}}  {row.engine:<8}"
            + "".join(fmt(float(v), 12) for v in numbers)
            + f"{row.accuracy:>12.3f}  {kinds}"
        )
    return "\n".join(lines)
