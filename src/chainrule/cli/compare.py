"""``chainrule compare``: one network under a grid of remedies, in one table and one figure.

Every combination of the values given (activation × init × learning rate × gradient clipping
× batch normalization; any subset, each a comma-separated list) trains the same network on
the same data with the same seed and batch order; the table has the first- and last-hidden-
layer speeds before training, their ratio (and after training), the final cost and the
accuracy, plus each run's diagnosis.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import Any

from chainrule.cli._backend import add_backend_options
from chainrule.cli._common import counted, print_json
from chainrule.cli.gradients import (
    add_data_options,
    check_common,
    fmt,
    load_data,
    network_sizes,
    progress_bar,
    write_plot,
)
from chainrule.i18n import N_, _
from chainrule.training.config import ACTIVATIONS, INITS
from chainrule.wording import cost_words, display_width, fold, ljust_width, rjust_width

WIDTH = 100  # columns of the report: a terminal split in two still shows it whole

_ON = ("on", "true", "yes", "1")
_OFF = ("off", "false", "no", "0")


def _values(text: str, parse: Callable[[str], Any], what: str) -> list[Any]:
    parts = [part.strip() for part in text.split(",")]
    if not parts or any(not part for part in parts):
        raise argparse.ArgumentTypeError(
            _("expected a comma-separated list of {what}, got {text!r}").format(
                what=what, text=text
            )
        )
    values = [parse(part) for part in parts]
    if len(set(map(repr, values))) != len(values):
        raise argparse.ArgumentTypeError(_("a value is repeated in {text!r}").format(text=text))
    return values


def _choice(allowed: tuple[str, ...]) -> Callable[[str], list[str]]:
    def parse_one(part: str) -> str:
        if part not in allowed:
            raise argparse.ArgumentTypeError(
                _("unknown value {part!r}; choose from {allowed}").format(
                    part=part, allowed=", ".join(allowed)
                )
            )
        return part

    return lambda text: _values(text, parse_one, ", ".join(allowed))


def _positive(part: str) -> float:
    try:
        value = float(part)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a positive number, got {part!r}").format(part=part)
        ) from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            _("expected a positive number, got {part!r}").format(part=part)
        )
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
        raise argparse.ArgumentTypeError(_("expected off or on, got {part!r}").format(part=part))

    return _values(text, parse_one, "off/on")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help=_("the same network under a grid of remedies: one table, one figure"),
        description=_(
            "Train the same network on the same data and seed under every combination "
            "of the remedies given (each option takes a comma-separated list), and compare the "
            "first/last hidden-layer learning speeds, the final cost and the accuracy. Runs with "
            "batch normalization or clipping use the autodiff engine, the others the classic one."
        ),
    )
    add_data_options(p, epochs=10)
    p.add_argument(
        "--activation",
        type=_choice(ACTIVATIONS),
        default=["sigmoid"],
        help=_("e.g. sigmoid,relu (default: sigmoid)"),
    )
    p.add_argument(
        "--init",
        type=_choice(INITS),
        default=["normal-scaled"],
        help=_("e.g. normal-scaled,he (default: normal-scaled)"),
    )
    p.add_argument("--lr", type=lr_list, default=[0.5], help=_("e.g. 0.1,1 (default: 0.5)"))
    p.add_argument(
        "--clip-norm", type=clip_list, default=[None], help=_("e.g. none,1 (default: none)")
    )
    p.add_argument(
        "--batch-norm", type=switch_list, default=[False], help=_("e.g. off,on (default: off)")
    )
    add_backend_options(p)
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
            jobs=args.jobs,
            backend=args.backend,
            scheduler=args.scheduler,
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
    lrs = {row.settings["lr"] for row in result.rows}
    same_lr = _("lr {lr}, ").format(lr=f"{lrs.pop():g}") if len(lrs) == 1 else ""
    heading = _(
        "{runs} of [{sizes}] on {data} ({n} training images), {cost} cost, {lr}batch {batch}, "
        "{epochs}, seed {seed}"
    )
    print(
        wrap(
            heading.format(
                runs=counted(n_runs, "run"),
                sizes=", ".join(map(str, sizes)),
                data=data_name,
                n=first.train_size,
                cost=cost_words(args.cost),
                lr=same_lr,
                batch=args.batch_size,
                epochs=counted(args.epochs, "epoch"),
                seed=args.seed,
            )
        )
    )
    tested = first.test_accuracy is not None
    accuracy = _("test accuracy") if tested else _("training accuracy")
    print(wrap(_(LEGEND).format(accuracy=accuracy)))
    print()
    print(_table(result, diagnoses, with_lr=not same_lr))
    if args.plot:
        print(_("plot written to {plot}").format(plot=args.plot))


#: What the table's columns mean, under the heading line.
LEGEND = N_(
    "first, last: learning speeds ‖∂J/∂b‖ of the first and last hidden layer before training; "
    "ratio: first/last before training, final: after it; dW ratio: first/last of ‖∂J/∂W‖ "
    "before training; loss: the final cost J; accuracy: {accuracy}. Runs with batch "
    "normalization (+BN) or clipping use the autodiff engine, the others the classic one."
)
NUMBER_WIDTH = 10  # 3 significant digits take 8 characters at most ("0.000597", "1.23e-05")
#: The numbers' column heads (translated where shown; the legend names them).
NUMBER_HEADS = (
    N_("first"),
    N_("last"),
    N_("ratio"),
    N_("final"),
    N_("dW ratio"),
    N_("loss"),
    N_("accuracy"),
)


def wrap(text: str) -> str:
    """A paragraph folded to the width every table here keeps to (Chinese by the columns
    its characters take)."""
    if display_width(text) == len(text):
        return textwrap.fill(text, WIDTH)
    return fold(text, WIDTH)


def _table(result: Any, diagnoses: list[Any], *, with_lr: bool = True) -> str:
    """Two tables within ``WIDTH`` columns, a row per run in each: the numbers, then the
    engine and the diagnosis. A setting too long to sit beside the numbers gets a line of
    its own above them."""
    labels = [_label(row, with_lr) for row in result.rows]
    room = WIDTH - NUMBER_WIDTH * len(NUMBER_HEADS) - 2
    setting = _("setting")
    width = min(max(display_width(setting), *map(len, labels)), room)
    head = ljust_width(setting, width) + "  "
    head += "".join(rjust_width(_(h), NUMBER_WIDTH) for h in NUMBER_HEADS)
    lines = [head, "-" * display_width(head)]
    for label, row in zip(labels, result.rows, strict=True):
        numbers = (row.first_speed, row.last_speed, row.ratio, row.final_ratio)
        numbers += (row.weight_ratio, row.final_loss)
        cells = "".join(fmt(float(v), NUMBER_WIDTH) for v in numbers)
        cells += f"{row.accuracy:>{NUMBER_WIDTH}.3f}"
        if len(label) > width:
            lines.append(label)
            label = ""
        lines.append(f"{label:<{width}}  {cells}")
    lines += ["", *_diagnosis_table(labels, result.rows, diagnoses)]
    return "\n".join(lines)


def _diagnosis_table(labels: list[str], rows: list[Any], diagnoses: list[Any]) -> list[str]:
    setting = _("setting")
    width = max(display_width(setting), *map(len, labels))
    engine, found = _("engine"), _("diagnosis")
    head = f"{ljust_width(setting, width)}  {ljust_width(engine, 8)}  {found}"
    lines = [head, "-" * display_width(head)]
    indent = " " * (width + 12)
    for label, row, diagnosis in zip(labels, rows, diagnoses, strict=True):
        kinds = ", ".join(finding.title for finding in diagnosis.findings)
        kinds += _(" (diverged)") if row.diverged else ""
        line = f"{label:<{width}}  {row.engine:<8}  {kinds}"
        lines.append(textwrap.fill(line, WIDTH, subsequent_indent=indent))
    return lines


def _label(row: Any, with_lr: bool) -> str:
    """The row's setting; without the learning rate when every run shares it (the heading
    names it then)."""
    label = row.label()
    if not with_lr:
        label = label.replace(f" lr={row.settings['lr']:g}", "", 1)
    return label
