"""``chainrule train``: train an MLP with either engine, print the history, save the model."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from chainrule.cli._common import (
    check_layers,
    check_plot_path,
    counted,
    int_list,
    positive_float,
    positive_int,
    print_json,
    show_progress,
)
from chainrule.i18n import _
from chainrule.training.config import (
    ACTIVATIONS,
    COSTS,
    DEFAULT_CHECKPOINT,
    ENGINES,
    INITS,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
)

if TYPE_CHECKING:
    from chainrule.training.distributed import DataParallel

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
        help=_(
            "write the model (.safetensors) when done; on Ctrl-C the last finished epoch is "
            "written there (default: {checkpoint} on Ctrl-C, the --resume file when resuming)"
        ).format(checkpoint=DEFAULT_CHECKPOINT),
    )
    p.add_argument(
        "--resume",
        metavar="FILE",
        help=_("continue from a checkpoint: its settings are kept, give --epochs to train longer"),
    )
    p.add_argument(
        "--plot",
        metavar="FILE",
        help=_(
            "2-D data (xor, spirals, moons, circles): draw the decision boundary and each "
            "hidden unit's response over the input plane into FILE (.png, .svg, .pdf)"
        ),
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.add_argument(
        "--blas-threads",
        type=positive_int,
        metavar="N",
        help=_(
            "BLAS threads of every matrix product (the sums depend on them; default: one for "
            "small products, else the process's threads when a short probe finds them faster "
            "now; --resume keeps the count the checkpoint records)"
        ),
    )
    p.add_argument(
        "--distributed",
        action="store_true",
        help=_(
            "data-parallel over MPI: run as mpiexec -n N chainrule train ... --distributed; "
            "each process trains on its slice of every batch, one Allreduce averages the "
            "gradients, rank 0 alone prints and saves (pip install 'chainrule[mpi]')"
        ),
    )
    p.set_defaults(run=run)


def _check_plot(args: argparse.Namespace, config: TrainConfig) -> None:
    """--plot needs inputs on a plane and a file it can write: refused before training, not
    after it."""
    check_plot_path(getattr(args, "plot", None))
    if getattr(args, "plot", None) and config.n_features != 2:
        from chainrule.errors import ConfigError

        raise ConfigError(
            _(
                "--plot draws the input plane of 2-D data (xor, spirals, moons, circles); "
                "{data} has {n} input features"
            ).format(data=config.data, n=config.n_features)
        )


def _write_plot(path: str, config: TrainConfig, learner: object) -> None:
    from chainrule.diagnostics.boundary import learner_parts, plane_responses, plot_plane
    from chainrule.training.splits import load_data

    data = load_data(config)
    model, scale = learner_parts(learner)
    responses = plane_responses(model, data.x_train, resolution=80, scale=scale)
    plot_plane(responses, data.x_train, data.y_train, path)


def train(*args: Any, **kwargs: Any) -> Any:
    """:func:`chainrule.training.train`, imported when a run starts: ``--help`` stays fast."""
    from chainrule.training.loop import train as train_loop

    return train_loop(*args, **kwargs)


def run(args: argparse.Namespace) -> int:
    from chainrule.training import checkpoint as ckpt  # here: a fast --help (issue 15)

    check_layers(args.layers)
    save, trained = args.save, None
    if args.resume:
        saved = ckpt.load(args.resume)
        config = config_from(args, base=saved.config)
        save = save or args.resume
        if saved.epoch >= config.epochs and _same_file(save, args.resume):
            # nothing to train: writing the same weights back would only touch the file
            save, trained = None, saved.epoch
    else:
        config = config_from(args)
    _check_plot(args, config)
    parallel = _data_parallel(args, config)
    threads = args.blas_threads
    if parallel is not None and not parallel.is_root:  # rank 0 prints and saves
        with _one_line_warnings(args.command):
            train(config, resume=args.resume, data_parallel=parallel, blas_threads=threads)
        return 0
    quiet = args.json

    def report(stats: dict, learner: object) -> None:
        if quiet:
            return
        print(_epoch_line(stats), flush=True)

    with _one_line_warnings(args.command):
        result = train(
            config,
            on_epoch=report,
            progress=show_progress(args),
            save=save,
            resume=args.resume,
            data_parallel=parallel,
            blas_threads=threads,
        )
    if args.plot and not result.interrupted:
        _write_plot(args.plot, config, result.learner)
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
    if trained is not None:
        print(
            _(
                "{path} is already trained {epochs} (--epochs {asked}): nothing to do; the file "
                "is left as it is"
            ).format(path=args.resume, epochs=counted(trained, "epoch"), asked=config.epochs)
        )
    else:
        _print_done(result, config)
    if args.plot:
        print(_("decision boundary drawn in {path}").format(path=args.plot))
    return 0


def _same_file(one: str, other: str) -> bool:
    return os.path.realpath(one) == os.path.realpath(other)


def _print_done(result: Any, config: TrainConfig) -> None:
    """The run's last lines: hints, the final epoch's numbers, where the model was saved."""
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


@contextlib.contextmanager
def _one_line_warnings(command: str) -> Iterator[None]:
    """chainrule's own warnings (a resumed run on another BLAS thread count) as one line on
    stderr, like its errors; any other warning as Python shows it."""
    from chainrule.training.threads import BlasThreadsWarning

    with warnings.catch_warnings():  # puts warnings.showwarning back on the way out
        show = warnings.showwarning

        def one_line(message: Any, category: Any, *where: Any, **more: Any) -> None:
            if not issubclass(category, BlasThreadsWarning):
                show(message, category, *where, **more)
                return
            line = _("chainrule {command}: warning: {message}")
            print(line.format(command=command, message=message), file=sys.stderr, flush=True)

        warnings.showwarning = one_line
        yield


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


def _data_parallel(args: argparse.Namespace, config: TrainConfig) -> DataParallel | None:
    """This process's part in ``--distributed`` training (None without the option); its
    settings are checked here, before any data is read."""
    if not args.distributed:
        return None
    from chainrule.training.distributed import DataParallel

    parallel = DataParallel.world()
    parallel.check(config)
    return parallel
