"""``chainrule evaluate MODEL``: loss and accuracy of a saved model on a data set."""

from __future__ import annotations

import argparse
import math

from chainrule.cli._common import counted, print_json, require
from chainrule.errors import ModelFileError
from chainrule.i18n import N_, _
from chainrule.wording import ljust_width

#: The splits as the evaluation names them (translated where shown; the JSON keeps the keys).
SPLITS = {"train": N_("train"), "val": N_("val"), "test": N_("test")}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help=_("evaluate a saved model"),
        description=_("Loss and accuracy of a saved model on a data set's splits."),
    )
    p.add_argument("model", help=_("a model file written by chainrule train --save"))
    p.add_argument("--data", help=_("data set (default: the one the model was trained on)"))
    p.add_argument("--data-root", help=_("folder of MNIST-format IDX files"))
    p.add_argument(
        "--test-size",
        type=int,
        help=_("use the first N test examples (default: as many as the model was trained with)"),
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np  # here, not at the top: a fast --help (issue 15)

    # imported here, not at the top: `chainrule --help` stays fast (issue 15)
    from chainrule.data import load
    from chainrule.training.checkpoint import load_model
    from chainrule.training.loop import Splits, check_data, make_splits

    require(
        args.test_size is None or args.test_size >= 1,
        _("--test-size must be at least 1, got {test_size}").format(test_size=args.test_size),
    )
    learner, checkpoint = load_model(args.model)
    config = checkpoint.config
    # On the data it was trained on, a model is evaluated on the same parts (train size,
    # validation split, test size) unless told otherwise; other data sets are taken whole.
    own = args.data is None or load_name(args.data) == load_name(config.data)
    own_test_size = config.test_size if own else None
    data = load(
        args.data or config.data,
        root=args.data_root or (config.data_root if own else None),
        train_size=config.train_size if own else None,
        test_size=args.test_size if args.test_size is not None else own_test_size,
        seed=config.seed,
    )
    check_data(config, data, saved_model=True)
    if own:
        splits = make_splits(config, data)
    else:
        splits = Splits(data.name, (data.x_train, data.y_train), None, (data.x_test, data.y_test))
    results = {}
    for split, (x, y) in splits.items():
        with np.errstate(all="ignore"):  # an overflow shows in the loss, reported below
            loss, accuracy = learner.evaluate(x, y)
        if not math.isfinite(loss):
            raise ModelFileError(
                f"{args.model}: the loss on the {split} split is {loss} (the model's outputs "
                "overflow: damaged or diverged weights)"
            )
        results[split] = {"loss": loss, "accuracy": accuracy, "examples": len(x)}
    if args.json:
        print_json({"model": args.model, "data": data.name, **results})
        return 0
    print(
        _("{model}: {engine} engine, layers {layers}, {epoch} trained").format(
            model=args.model,
            engine=config.engine,
            layers=list(config.layers),
            epoch=counted(checkpoint.epoch, "epoch"),
        )
    )
    for split, r in results.items():
        print(
            _(
                "  {split}  loss {loss:.4f}  accuracy {accuracy:.4f}  ({examples} "
                "examples of {name})"
            ).format(
                split=ljust_width(_(SPLITS.get(split, split)), 5),
                loss=r["loss"],
                accuracy=r["accuracy"],
                examples=r["examples"],
                name=data.name,
            )
        )
    return 0


def load_name(name: str) -> str:
    """A data set name as ``load`` spells it (``Fashion_MNIST`` -> ``fashion-mnist``)."""
    return name.strip().lower().replace("_", "-")
