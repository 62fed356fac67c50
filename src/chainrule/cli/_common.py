"""Helpers shared by the subcommands: output, JSON, progress and list parsing."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

from chainrule.errors import ConfigError, DataError
from chainrule.i18n import _
from chainrule.wording import counted

__all__ = ["counted"]  # re-exported: the commands import it from here


def int_list(text: str) -> tuple[int, ...]:
    """``"784,30,10"`` -> (784, 30, 10), for ``--layers``."""
    parts = text.replace(" ", "").split(",")
    if not any(parts):
        raise argparse.ArgumentTypeError(_("expected at least one integer"))
    if not all(parts):
        # "64,,10" is more likely a lost number than a stray comma: dropping it would train
        # a network of another shape than the one meant
        raise argparse.ArgumentTypeError(
            _("empty item in {text!r}; expected 64,32,10 or the like").format(text=text)
        )
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected comma-separated integers, got {text!r}").format(text=text)
        ) from None


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a number, got {text!r}").format(text=text)
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            _("expected a positive number, got {text!r}").format(text=text)
        )
    return value


def positive_int(text: str) -> int:
    """``"10"`` -> 10; zero, negatives and non-integers are usage errors (exit 2)."""
    value = _integer(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(
            _("expected a positive integer, got {text!r}").format(text=text)
        )
    return value


def nonnegative_int(text: str) -> int:
    """``"0"`` -> 0 (a seed); negatives and non-integers are usage errors (exit 2)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(
            _("expected an integer of 0 or more, got {text!r}").format(text=text)
        )
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected an integer, got {text!r}").format(text=text)
        ) from None


def print_json(payload: Any) -> None:
    """``payload`` as strict JSON on stdout; NaN and Inf (a diverged run) become null."""
    from chainrule.serialization import finite_json  # here: a fast --help (issue 15)

    # finite_json has turned NumPy values into Python ones; anything else (a Path) as text
    json.dump(finite_json(payload), sys.stdout, indent=2, default=str, allow_nan=False)
    sys.stdout.write("\n")


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only for a person at a terminal, never with --json."""
    return not getattr(args, "json", False) and sys.stderr.isatty()


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def check_layers(layers: tuple[int, ...] | list[int] | None) -> None:
    """A --layers network chainrule would not build is refused before anything is allocated:
    the limits are :mod:`chainrule.training.config`'s, as ``train`` applies them.

    >>> check_layers((100000, 100000, 10))
    Traceback (most recent call last):
    ...
    chainrule.errors.ConfigError: --layers 100000,100000,10 make 10,001,100,010 parameters, more \
than the 20,000,000 chainrule builds; use narrower layers
    """
    if layers is None:
        return
    from chainrule.training.config import MAX_LAYERS, MAX_PARAMETERS  # NumPy-free

    sizes = ",".join(map(str, layers))
    require(
        len(layers) <= MAX_LAYERS,
        _("--layers: {n} sizes, more than the {limit} chainrule builds").format(
            n=len(layers), limit=MAX_LAYERS
        ),
    )
    parameters = sum(a * b + b for a, b in itertools.pairwise(layers))
    require(
        parameters <= MAX_PARAMETERS,
        _(
            "--layers {sizes} make {parameters:,} parameters, more than the {limit:,} "
            "chainrule builds; use narrower layers"
        ).format(sizes=sizes, parameters=parameters, limit=MAX_PARAMETERS),
    )


#: The figure formats every --plot writes (by the file name's extension).
PLOT_FORMATS = (".png", ".svg", ".pdf")


def check_plot_path(plot: str | None) -> None:
    """A --plot FILE that cannot be written is refused before anything runs, not after.

    >>> check_plot_path("curve.txt")
    Traceback (most recent call last):
    ...
    chainrule.errors.ConfigError: --plot curve.txt: use a .png, .svg or .pdf file name
    """
    if not plot:
        return
    path = Path(plot)
    require(
        path.suffix.lower() in PLOT_FORMATS,
        _("--plot {plot}: use a .png, .svg or .pdf file name").format(plot=plot),
    )
    folder = path.parent if str(path.parent) else Path(".")
    require(
        folder.is_dir(),
        _("--plot {plot}: the folder {folder} does not exist").format(plot=plot, folder=folder),
    )
    require(not path.is_dir(), _("--plot {plot}: is a folder").format(plot=plot))
    from chainrule.files import writable_target  # here: a fast --help (issue 15)

    writable_target(path)  # a FIFO or a device is refused now, not after the run


def load_up_to(name: str, limits: dict[str, int], **options: Any) -> Any:
    """``chainrule.data.load(name, **limits, **options)``, with the sizes in ``limits``
    (``train_size``, ``test_size``) as upper bounds: a smaller part is taken whole."""
    from chainrule.data import load

    try:
        return load(name, **limits, **options)
    except DataError:
        # Asking for the bound first spares turning all 60000 IDX images into floats to keep
        # 1000. A fault other than "too few examples" does not depend on the limits, so the
        # second call meets it again and reports it.
        return load(name, **options)
