"""``chainrule gradients``: per-layer learning speeds over training, the diagnosis, the plot.

The published vanishing-gradient experiment as a command: a deep network is trained and the
learning speed ‖∂J/∂b^l‖ of every hidden layer is recorded before training and after each
epoch (or at every step), then diagnosed (vanishing, exploding, NaN/Inf, ...) and plotted on a
log scale. The options shared with ``chainrule compare`` (data, network, plot) live here.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from chainrule.cli._common import (
    check_layers,
    check_plot_path,
    counted,
    int_list,
    load_up_to,
    positive_float,
    print_json,
    require,
    show_progress,
)
from chainrule.i18n import _
from chainrule.training.config import ACTIVATIONS, COSTS, INITS
from chainrule.wording import cost_words, display_width
from chainrule.wording import ljust_width as _ljust
from chainrule.wording import rjust_width as _rjust

#: Rows of speeds printed at most with ``--record step`` (the JSON has them all).
MAX_PRINTED_ROWS = 40
#: Training examples without --train-size: the published experiment's, or fewer where the
#: data set has fewer (xor, moons, ...).
DEFAULT_TRAIN_SIZE = 1000


# ------------------------------------------------------------------------------ shared options


def add_data_options(p: argparse.ArgumentParser, *, epochs: int) -> None:
    """Data, network and training options of ``gradients`` and ``compare``."""
    p.add_argument(
        "--data",
        default="fashion-mnist",
        help=_(
            "fashion-mnist (default; the published experiment used MNIST), digits (bundled), "
            "mnist, ..."
        ),
    )
    p.add_argument("--data-root", help=_("folder of MNIST-format IDX files"))
    p.add_argument(
        "--train-size",
        type=int,
        help=_(
            "train on the first N training examples (default: {n} as published, or all of a "
            "smaller data set)"
        ).format(n=DEFAULT_TRAIN_SIZE),
    )
    p.add_argument("--test-size", type=int, help=_("evaluate on the first N test examples"))
    p.add_argument(
        "--layers",
        type=int_list,
        help=_(
            "neurons per layer, input first (default: the data's inputs, four hidden layers "
            "of 30, the data's classes; e.g. 784,30,30,30,30,10)"
        ),
    )
    p.add_argument(
        "--cost",
        choices=COSTS,
        default="quadratic",
        help=_("(default: quadratic, logistic output)"),
    )
    p.add_argument("--batch-size", type=int, default=10, help=_("(default: 10)"))
    p.add_argument(
        "--epochs", type=int, default=epochs, help=_("(default: {default})").format(default=epochs)
    )
    p.add_argument("--seed", type=int, default=0, help=_("weights and batch order (default: 0)"))
    p.add_argument(
        "--plot", metavar="FILE", help=_("write the figure (.png, .svg or .pdf) to FILE")
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))


def check_common(args: argparse.Namespace) -> None:
    """Bad numbers and an unwritable plot path fail before anything runs."""
    require(
        args.epochs >= 0, _("--epochs must be 0 or more, got {epochs}").format(epochs=args.epochs)
    )
    require(
        args.batch_size >= 1,
        _("--batch-size must be at least 1, got {batch_size}").format(batch_size=args.batch_size),
    )
    require(
        args.train_size is None or args.train_size >= 1,
        _("--train-size must be at least 1, got {train_size}").format(train_size=args.train_size),
    )
    require(
        args.test_size is None or args.test_size >= 0,
        _("--test-size must be 0 or more, got {test_size}").format(test_size=args.test_size),
    )
    require(args.seed >= 0, _("--seed must be 0 or more, got {seed}").format(seed=args.seed))
    check_layers(args.layers)
    check_plot_path(args.plot)


def load_data(args: argparse.Namespace) -> Any:
    """The data set named by ``--data`` (a DataError names the known ones)."""
    from chainrule.data import load

    options = {"root": args.data_root, "test_size": args.test_size, "seed": args.seed}
    if args.train_size is None:
        return load_up_to(args.data, {"train_size": DEFAULT_TRAIN_SIZE}, **options)
    return load(args.data, train_size=args.train_size, **options)


def network_sizes(args: argparse.Namespace, data: Any) -> list[int]:
    """``--layers``, or the published shape fitted to the data: inputs, 4 x 30, classes."""
    if args.layers is not None:
        sizes = list(args.layers)
        require(
            len(sizes) >= 3,
            _("--layers needs at least one hidden layer, got {sizes}").format(
                sizes=",".join(map(str, sizes))
            ),
        )
        require(
            sizes[0] == data.n_features and sizes[-1] == data.n_classes,
            _(
                "--layers {sizes} does not fit {name}: it has {n_features} inputs and "
                "{n_classes} classes, so start --layers with {n_features} and end it "
                "with {n_classes}"
            ).format(
                sizes=",".join(map(str, sizes)),
                name=data.name,
                n_features=data.n_features,
                n_classes=data.n_classes,
            ),
        )
        return sizes
    return [data.n_features, 30, 30, 30, 30, data.n_classes]


def write_plot(fig: Any, path: str) -> None:
    """The figure into ``path`` (format by suffix), atomically and reproducibly."""
    from chainrule.diagnostics.plots import save_figure

    save_figure(fig, path)


@contextmanager
def progress_bar(
    args: argparse.Namespace, total: int, unit: str
) -> Iterator[Callable[[int], None]]:
    """A callback that moves a tqdm bar on stderr (only at a terminal, never with --json)."""
    if not show_progress(args) or total <= 0:
        yield lambda _: None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)
    try:
        yield lambda _: bar.update(1)
    finally:
        bar.close()


def fmt(value: float, width: int = 11) -> str:
    """A speed or a cost: 3 significant digits, NaN/Inf spelled out."""
    if not math.isfinite(value):
        return f"{'nan' if math.isnan(value) else 'inf':>{width}}"
    return f"{value:>{width}.3g}"


# ------------------------------------------------------------------------------ the command


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gradients",
        help=_("per-layer learning speeds of a deep network over training, diagnosed and plotted"),
        description=_(
            "Train a network and record the learning speed ‖∂J/∂b^l‖ of every hidden "
            "layer before training and after each epoch (or each step): the lecture's vanishing-"
            "gradient experiment. Prints the speeds, the diagnosis with its remedies, and writes "
            "the log-scale plot. Same seed, same numbers."
        ),
    )
    add_data_options(p, epochs=30)
    p.add_argument(
        "--activation", choices=ACTIVATIONS, default="sigmoid", help=_("(default: sigmoid)")
    )
    p.add_argument(
        "--init",
        choices=INITS,
        default="normal-scaled",
        help=_(
            "normal = N(0,1) (the lecture's); normal-scaled = N(0,1/n_in) (default, as "
            "published); xavier; he"
        ),
    )
    p.add_argument(
        "--lr", type=positive_float, default=0.5, help=_("learning rate α (default: 0.5)")
    )
    p.add_argument(
        "--engine",
        choices=("auto", "classic", "autodiff"),
        default="auto",
        help=_("auto (default): classic unless --batch-norm or --clip-norm needs autodiff"),
    )
    p.add_argument(
        "--batch-norm", action="store_true", help=_("BatchNorm1d before each hidden σ (autodiff)")
    )
    p.add_argument(
        "--clip-norm", type=positive_float, help=_("clip the gradient's global norm (autodiff)")
    )
    p.add_argument(
        "--record",
        choices=("epoch", "step"),
        default="epoch",
        help=_(
            "epoch (default): speeds over the whole training set before training and after "
            "each epoch; step: on each training mini-batch"
        ),
    )
    p.add_argument(
        "--rerun-with",
        metavar="REMEDY",
        help=_(
            "then rerun from the same initial weights with one remedy and show both side by "
            "side: relu-he, batch-norm, clip, smaller-lr or cross-entropy"
        ),
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.diagnostics import diagnose

    check_common(args)
    if args.rerun_with is not None:
        from chainrule.training.rerun import RERUN_REMEDIES

        require(
            args.rerun_with in RERUN_REMEDIES,
            _("--rerun-with {remedy}: use one of {known}").format(
                remedy=args.rerun_with, known=", ".join(RERUN_REMEDIES)
            ),
        )
    data = load_data(args)
    result = _experiment(args, data)
    chance = 1 / data.n_classes  # the accuracy of guessing: below it, "not learning"
    diagnosis = diagnose(result.to_records(), accuracy=result.train_accuracy, chance=chance)
    if args.plot:
        from chainrule.diagnostics.plots import plot_learning_speeds

        write_plot(plot_learning_speeds(result), args.plot)
    rerun = _rerun(args, result, data, chance)
    if args.json:
        payload = {
            **result.to_dict(),
            "layers": result.layers,
            "diagnosis": diagnosis.to_dict(),
            "plot": args.plot,
        }
        if rerun is not None:
            payload["rerun"] = {**rerun[0].to_dict(), "diagnosis": rerun[1].to_dict()}
        print_json(payload)  # print_json makes NaN/Inf null
    else:
        _print_text(args, result, data, diagnosis, rerun)
    return 0


def _experiment(args: argparse.Namespace, data: Any) -> Any:
    """The learning-speed experiment the options describe, with a progress bar per epoch."""
    from chainrule.training import learning_speed_experiment

    sizes = network_sizes(args, data)  # a bad --layers is named before any progress bar
    with progress_bar(args, args.epochs, "epoch") as tick:
        return learning_speed_experiment(
            data,
            sizes,
            args.activation,
            args.init,
            cost=args.cost,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            train_size=None,
            seed=args.seed,
            engine=args.engine,
            batch_norm=args.batch_norm,
            clip=args.clip_norm,
            record=args.record,
            on_epoch=tick,
        )


def _print_text(
    args: argparse.Namespace, result: Any, data: Any, diagnosis: Any, rerun: Any
) -> None:
    """The speeds, the factor split, the diagnosis and the rerun, as text."""
    print(_speeds_text(result, data))
    factors = _factors_text(result)
    if factors:
        print()
        print(factors)
    print()
    print(_("diagnosis:"))
    print(diagnosis.report())
    print()
    print(_done_line(result))
    if args.plot:
        print(_("plot written to {plot}").format(plot=os.fspath(args.plot)))
    if rerun is not None:
        print()
        print(_rerun_text(*rerun, diagnosis))


def _rerun(args: argparse.Namespace, result: Any, data: Any, chance: float) -> Any:
    """``--rerun-with``: the rerun and its diagnosis (None without the option)."""
    if args.rerun_with is None:
        return None
    from chainrule.diagnostics import diagnose
    from chainrule.training.rerun import rerun_with

    with progress_bar(args, args.epochs, "epoch") as tick:
        again = rerun_with(result, args.rerun_with, data=data, on_epoch=tick)
    after = again.after
    return again, diagnose(after.to_records(), accuracy=after.train_accuracy, chance=chance)


def _rerun_text(rerun: Any, after_diagnosis: Any, before_diagnosis: Any) -> str:
    """The run and its rerun side by side, then the rerun's diagnosis."""
    before, after = rerun.before, rerun.after
    start = _("the same initial weights") if rerun.same_start else _("the same draws, rescaled")
    lines = [
        _("rerun with {remedy} ({what}), from {start}:").format(
            remedy=rerun.remedy, what=rerun.what, start=start
        ),
        " " * 34 + _rjust(_("as run"), 14) + _rjust(rerun.remedy, 14),
    ]
    rows = [
        (_("first hidden layer speed, start"), lambda r: r.speeds[0, 0]),
        (_("last hidden layer speed, start"), lambda r: r.speeds[0, -1]),
        (_("first/last ratio, start"), lambda r: r.initial_ratio),
        (_("first/last ratio, end"), lambda r: r.final_ratio),
        (_("final J"), lambda r: r.final_loss),
        (_("train accuracy"), lambda r: r.train_accuracy),
    ]
    if before.test_accuracy is not None and after.test_accuracy is not None:
        rows.append((_("test accuracy"), lambda r: r.test_accuracy))
    for label, value in rows:
        lines.append(
            _ljust(label, 34) + fmt(float(value(before)), 14) + fmt(float(value(after)), 14)
        )
    for label, found in ((_("as run"), before_diagnosis), (rerun.remedy, after_diagnosis)):
        titles = ", ".join(f.title for f in found.findings)
        lines.append(_("diagnosis, {run}: {titles}").format(run=label, titles=titles))
    lines += ["", _("diagnosis of the rerun:"), after_diagnosis.report()]
    return "\n".join(lines)


def _speeds_text(result: Any, data: Any) -> str:
    r = result
    extras = "".join(
        [
            _(", batch norm") if r.batch_norm else "",
            _(", clip {clip}").format(clip=f"{r.clip:g}") if r.clip else "",
        ]
    )
    lines = [
        _(
            "learning speed ‖∂J/∂b^l‖ of each hidden layer, first hidden layer first "
            "({data}, {n} training images)"
        ).format(data=data.name, n=r.train_size),
        _(
            "network [{sizes}], {activation}, init {init}, {cost} cost, lr {lr}, batch {batch}, "
            "{engine} engine{extras}"
        ).format(
            sizes=", ".join(map(str, r.sizes)),
            activation=r.activation,
            init=r.init,
            cost=cost_words(r.cost),
            lr=f"{r.lr:g}",
            batch=r.batch_size,
            engine=r.engine,
            extras=extras,
        ),
        "",
    ]
    what = _("epoch") if r.record == "epoch" else _("step")
    layers = range(1, r.speeds.shape[1] + 1)
    head = _rjust(what, 6) + "".join(_rjust(_("layer {j}").format(j=j), 11) for j in layers)
    # as wide as its header in the reader's language (12 columns in English)
    ratio_width = max(12, display_width(_("first/last")) + 1)
    lines.append(head + _rjust(_("first/last"), ratio_width) + f"{'J':>11}")
    n = len(r.x)
    every = max(1, math.ceil(n / MAX_PRINTED_ROWS))
    for k in range(n):
        if k % every and k != n - 1:
            continue
        speeds = r.speeds[k]
        ratio = speeds[0] / speeds[-1] if speeds[-1] > 0 else math.nan
        lines.append(
            f"{int(r.x[k]):>6}"
            + "".join(fmt(float(s)) for s in speeds)
            + fmt(float(ratio), ratio_width)
            + fmt(float(r.train_loss[k]))
        )
    if every > 1:
        lines.append(
            _("(every {every}th {what} shown; --json has all {n})").format(
                every=every, what=what, n=n
            )
        )
    return "\n".join(lines)


def _factors_text(result: Any) -> str:
    """The factor split of every hidden layer at the first and the last record ("" if none)."""
    from chainrule.diagnostics.records import layer_words

    what = _("epoch") if result.record == "epoch" else _("step")
    lines: list[str] = []
    for k in dict.fromkeys((0, len(result.x) - 1)):
        split = result.factor_split(k)
        if split is None:
            continue
        lines += [""] if lines else []
        lines += [
            _(
                "where δ shrinks or grows on its way back, {what} {at}: ‖δ^l‖/‖δ^(l+1)‖ = "
                "(W^(l+1))^T part × ⊙ σ'(z^l) part"
            ).format(what=what, at=int(result.x[k])),
            "".join(
                _rjust(head, width)
                for head, width in (
                    (_("layer"), 16),
                    (_("ratio"), 11),
                    (_("W part"), 11),
                    (_("σ' part"), 11),
                    (_("mean σ'"), 11),
                )
            ),
        ]
        for row in split.rows:
            numbers = (row.ratio, row.weight_factor, row.sigma_factor, row.sigma_prime_mean)
            lines.append(_rjust(layer_words(row.layer), 16) + "".join(fmt(v) for v in numbers))
    if not lines and result.batch_norm:
        return _(
            "where δ shrinks or grows: not split under batch normalization, whose backward "
            "pass is a third factor between the weights and σ'"
        )
    return "\n".join(lines)


def _done_line(result: Any) -> str:
    """The last line: epochs, data, engine, final cost and accuracies, and a divergence."""
    test = ""
    if result.test_accuracy is not None:
        test = _(", test accuracy {accuracy:.4f}").format(accuracy=result.test_accuracy)
    stopped = _("  (diverged: the cost or the gradients became NaN/Inf)") if result.diverged else ""
    return _(
        "done: {epoch} on {train_size} images, {engine} engine; final J "
        "{final_loss:.4g}, train accuracy {train_accuracy:.4f}{test}{stopped}"
    ).format(
        epoch=counted(result.epochs, "epoch"),
        train_size=result.train_size,
        engine=result.engine,
        final_loss=result.final_loss,
        train_accuracy=result.train_accuracy,
        test=test,
        stopped=stopped,
    )
