"""``chainrule predict MODEL``: class predictions for examples from a file or a data set."""

from __future__ import annotations

import argparse
import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from chainrule.cli._common import load_up_to, positive_int, print_json
from chainrule.errors import DataError, ModelFileError
from chainrule.i18n import _

if TYPE_CHECKING:
    import numpy as np

# the first bytes of every .npy file, whatever its version
_NPY_MAGIC = b"\x93NUMPY"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help=_("predict classes with a saved model"),
        description=_(
            "Predict classes for rows of a .npy/.csv file, or for the "
            "first examples of a data set's test split."
        ),
    )
    p.add_argument("model", help=_("a model file written by chainrule train --save"))
    source = p.add_mutually_exclusive_group()
    source.add_argument("--input", help=_("a .npy or .csv file, one example per row"))
    source.add_argument("--data", help=_("data set whose test examples to predict"))
    p.add_argument("--data-root", help=_("folder of MNIST-format IDX files"))
    p.add_argument(
        "--limit", type=positive_int, default=10, help=_("how many examples at most (default 10)")
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.set_defaults(run=run)


def read_examples(path: str) -> np.ndarray:
    """The rows of a .npy or .csv file as float32 (m, n); a DataError naming the file for
    anything else (a FIFO or device is never read, a .npy header is checked against the
    file's size before NumPy allocates what it announces)."""
    import numpy as np

    from chainrule.files import open_regular  # here: a fast --help (issue 15)
    from chainrule.serialization import first_line

    with open_regular(path, DataError, "a file of examples") as stream:
        try:
            if Path(path).suffix == ".npy":
                x = _read_npy(path, stream)
            else:
                with warnings.catch_warnings():
                    # an empty file is reported below, in one line, instead of NumPy's warning
                    warnings.simplefilter("ignore", UserWarning)
                    x = np.loadtxt(stream, delimiter=",", dtype=np.float32, ndmin=2)
        except DataError:  # a ValueError too, but already one line naming the file
            raise
        except (ValueError, OSError, EOFError) as exc:
            raise DataError(
                _("{path}: cannot read examples: {exc}").format(path=path, exc=first_line(exc))
            ) from None
    try:
        x = np.atleast_2d(np.asarray(x, dtype=np.float32))
    except (TypeError, ValueError) as exc:
        raise DataError(
            _("{path}: examples must be numbers: {exc}").format(path=path, exc=exc)
        ) from None
    if x.size == 0:
        raise DataError(_("{path}: the file has no examples").format(path=path))
    if x.ndim > 2:  # images (m, 28, 28): one row of pixels per example
        x = x.reshape(len(x), -1)
    return x


def _read_npy(path: str, stream: BinaryIO) -> np.ndarray:
    import numpy as np  # here, not at the top: a fast --help (issue 15)

    # np.load takes anything without the .npy magic for a pickle, and with allow_pickle=False
    # says "pickled (object) data" about what is in fact a text file
    if stream.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
        raise DataError(
            _("{path}: not a .npy file (it does not start with the .npy header)").format(path=path)
        )
    stream.seek(0)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, _fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise DataError(
            _("{path}: .npy format version {version} is not supported").format(
                path=path, version=version
            )
        )
    if dtype.hasobject:
        raise DataError(
            _(
                "{path}: cannot read examples: it holds Python objects (pickled data), not numbers"
            ).format(path=path)
        )
    needed = math.prod(shape) * dtype.itemsize  # Python ints: no wrap-around
    held = os.fstat(stream.fileno()).st_size - stream.tell()
    if needed != held:
        raise DataError(
            _(
                "{path}: the .npy header announces shape {shape} ({needed} bytes), the "
                "file holds {held} bytes of data"
            ).format(path=path, shape=shape, needed=needed, held=held)
        )
    stream.seek(0)
    return np.load(stream, allow_pickle=False)


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: `chainrule --help` stays fast (issue 15)
    import numpy as np

    from chainrule.data import check_features
    from chainrule.training.checkpoint import load_model
    from chainrule.training.loop import check_data

    learner, checkpoint = load_model(args.model)
    config = checkpoint.config
    labels = None
    if args.input:
        x = read_examples(args.input)[: args.limit]
    else:
        data = load_up_to(
            args.data or config.data,
            {"test_size": args.limit},  # a limit: a smaller test part is predicted whole
            root=args.data_root or config.data_root,
            seed=config.seed,
        )
        check_data(config, data, saved_model=True)
        x, labels = data.x_test, data.y_test
    check_features(x, None, config.n_features, None, where=args.input or "data")
    with np.errstate(all="ignore"):  # an overflow shows in the scores, reported below
        proba = learner.predict_proba(x)
    if not np.isfinite(proba).all():
        raise ModelFileError(
            f"{args.model}: the model's scores are NaN or Inf on these examples (its outputs "
            "overflow: damaged or diverged weights)"
        )
    predicted = proba.argmax(axis=1)
    if args.json:
        print_json(
            {
                "predictions": predicted.tolist(),
                "labels": labels.tolist() if labels is not None else None,
                "scores": proba.tolist(),
            }
        )
        return 0
    for i, (p, scores) in enumerate(zip(predicted, proba, strict=True)):
        truth = _("  (label {label})").format(label=labels[i]) if labels is not None else ""
        print(
            _("{value:4d}: class {value2}  score {scores:.3f}{truth}").format(
                value=i, value2=p, scores=scores[p], truth=truth
            )
        )
    return 0
