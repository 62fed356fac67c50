"""``chainrule train``: train an MLP with either engine, print the history, save the model."""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import Any

from chainrule.cli._common import (
    counted,
    int_list,
    positive_float,
    print_json,
    show_progress,
)
from chainrule.i18n import _
from chainrule.training import TrainConfig, train
from chainrule.training import checkpoint as ckpt
from chainrule.training.config import (
    ACTIVATIONS,
    COSTS,
    ENGINES,
    INITS,
    OPTIMIZERS,
    SCHEDULES,
)
from chainrule.training.loop import DEFAULT_CHECKPOINT

_DEFAULTS = TrainConfig()


def add_training_options(p: argparse.ArgumentParser, *, layers: str = "64,32,10") -> None:
    """The options every command that trains a network shares.

    Every option defaults to None on the namespace, so ``config_from`` can tell the options a
    person gave from the ones left out (``--resume`` keeps the checkpoint's values for those);
    the defaults shown in the help are ``TrainConfig``'s.
    """
    p.set_defaults(default_layers=int_list(layers))
    _add_data_options(p)
    _add_model_options(p, layers)
    _add_optimizer_options(p)
    _add_engine_options(p)


def _add_data_options(p: argparse.ArgumentParser) -> None:
    d = _DEFAULTS
    p.add_argument(
        "--data",
        help="digits (bundled), fashion-mnist, mnist, xor, spirals, moons, circles "
        f"(default: {d.data})",
    )
    p.add_argument("--data-root", help=_("folder of MNIST-format IDX files"))
    p.add_argument("--train-size", type=int, help=_("use the first N training examples"))
    p.add_argument("--test-size", type=int, help=_("use the first N test examples"))
    p.add_argument(
        "--val-size",
        type=int,
        help=_(
            "hold N training examples out as a validation set, to tune on instead of the "
            "test set (default: none)"
        ),
    )


def _add_model_options(p: argparse.ArgumentParser, layers: str) -> None:
    d = _DEFAULTS
    p.add_argument(
        "--layers",
        type=int_list,
        help=_("neurons per layer, input first (default: {default})").format(default=layers),
    )
    p.add_argument(
        "--activation",
        choices=ACTIVATIONS,
        help=_("(default: {default})").format(default=d.activation),
    )
    p.add_argument("--cost", choices=COSTS, help=_("(default: {default})").format(default=d.cost))
    p.add_argument(
        "--init",
        choices=INITS,
        help=_("normal = N(0,1) (the lecture's, the default); normal-scaled = N(0,1/n_in)"),
    )


def _add_optimizer_options(p: argparse.ArgumentParser) -> None:
    d = _DEFAULTS
    p.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        help=_("(default: {default})").format(default=d.optimizer),
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        help=_("learning rate α (default: {default})").format(default=d.lr),
    )
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        help=_(
            "learning rate per epoch: constant (default), cosine from --lr down to --lr-min "
            "over the run, or step (times --gamma every --step-size epochs)"
        ),
    )
    p.add_argument(
        "--lr-min",
        type=float,
        help=_("floor of the cosine schedule (default: {default})").format(default=d.lr_min),
    )
    p.add_argument(
        "--step-size",
        type=int,
        help=_("epochs per step (default: {default})").format(default=d.step_size),
    )
    p.add_argument(
        "--gamma",
        type=float,
        help=_("factor per step (default: {default})").format(default=d.gamma),
    )
    p.add_argument(
        "--momentum", type=float, help=_("(default: {default})").format(default=d.momentum)
    )
    p.add_argument("--weight-decay", type=float, help=_("(default: 0)"))
    p.add_argument(
        "--batch-size", type=int, help=_("(default: {default})").format(default=d.batch_size)
    )
    p.add_argument("--epochs", type=int, help=_("(default: {default})").format(default=d.epochs))
    p.add_argument("--seed", type=int, help=_("(default: {default})").format(default=d.seed))


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=ENGINES,
        help=_("classic = the lecture's matrix-form backprop (default); autodiff = nn + optim"),
    )
    p.add_argument(
        "--batch-norm",
        action="store_true",
        default=None,
        help=_("BatchNorm1d before each hidden σ"),
    )
    p.add_argument("--clip-norm", type=positive_float, help=_("clip the gradient's global norm"))
    p.add_argument("--dropout", type=float, help=_("dropout after each hidden σ (default: 0)"))
    p.add_argument(
        "--standardize",
        action="store_true",
        default=None,
        help=_(
            "scale each input feature to mean 0, std 1 (statistics of the training part, "
            "saved with the model)"
        ),
    )


def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """The training settings named on the command line (not left to their defaults)."""
    names = {f.name for f in fields(TrainConfig)}
    return {k: v for k, v in vars(args).items() if k in names and v is not None}


def config_from(args: argparse.Namespace, base: TrainConfig | None = None) -> TrainConfig:
    """``base`` (default: ``TrainConfig``'s defaults) with the options given on top."""
    if base is None:
        values = {**TrainConfig().to_dict(), "layers": args.default_layers}
    else:
        values = base.to_dict()
    values.update(given_options(args))
    return TrainConfig.from_dict(values)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help=_("train a network and report its accuracy"),
        description=_(
            "Train an MLP; same seed, same numbers. Ctrl-C stops after saving the last "
            "finished epoch; --resume continues from it with identical results."
        ),
    )
    add_training_options(p)
    p.add_argument(
        "--save",
        metavar="FILE",
        help="write the model (.safetensors) when done; on Ctrl-C the last finished epoch is "
        f"written there (default: {DEFAULT_CHECKPOINT} on Ctrl-C, the --resume file when resuming)",
    )
    p.add_argument(
        "--resume",
        metavar="FILE",
        help=_("continue from a checkpoint: its settings are kept, give --epochs to train longer"),
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    save = args.save
    if args.resume:
        config = config_from(args, base=ckpt.load(args.resume).config)
        save = save or args.resume
    else:
        config = config_from(args)
    quiet = args.json

    def report(stats: dict, learner: object) -> None:
        if quiet:
            return
        print(_epoch_line(stats), flush=True)

    result = train(
        config, on_epoch=report, progress=show_progress(args), save=save, resume=args.resume
    )
    if args.json:
        print_json(result.to_dict())
        return 130 if result.interrupted else 0
    if result.interrupted:
        print(
            _(
                "interrupted: the last finished epoch is saved in {checkpoint_path}; "
                "continue with --resume {checkpoint_path}"
            ).format(checkpoint_path=result.checkpoint_path)
        )
        return 130
    for hint in result.hints:
        print(_("hint: {hint}").format(hint=hint))
    final = result.history[-1]
    print(
        _(
            "done: {engine} engine, {epoch} in {seconds:.1f} s; test accuracy "
            "{test_accuracy:.4f}, train loss {train_loss:.4f}"
        ).format(
            engine=config.engine,
            epoch=counted(final["epoch"], "epoch"),
            seconds=result.seconds,
            test_accuracy=final["test_accuracy"],
            train_loss=final["train_loss"],
        )
    )
    if result.checkpoint_path:
        print(_("model saved to {checkpoint_path}").format(checkpoint_path=result.checkpoint_path))
    return 0


def _epoch_line(stats: dict) -> str:
    """One line per epoch: the training loss and the accuracies (validation when held out)."""
    val = ""
    if "val_accuracy" in stats:
        val = _("  val acc {accuracy:.4f}").format(accuracy=stats["val_accuracy"])
    return _(
        "epoch {epoch:3d}  loss {train_loss:.4f}  train acc "
        "{train_accuracy:.4f}{val}  test acc {test_accuracy:.4f}  "
        "({seconds:.2f} s)"
    ).format(
        epoch=stats["epoch"],
        train_loss=stats["train_loss"],
        train_accuracy=stats["train_accuracy"],
        val=val,
        test_accuracy=stats["test_accuracy"],
        seconds=stats["seconds"],
    )
