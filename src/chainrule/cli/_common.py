"""Helpers shared by the subcommands: output, JSON, progress and list parsing."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from chainrule.errors import ConfigError
from chainrule.serialization import finite_json


def int_list(text: str) -> tuple[int, ...]:
    """``"784,30,10"`` -> (784, 30, 10), for ``--layers``."""
    try:
        values = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return values


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """``"10"`` -> 10; zero, negatives and non-integers are usage errors (exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def print_json(payload: Any) -> None:
    """``payload`` as strict JSON on stdout; NaN and Inf (a diverged run) become null."""
    json.dump(finite_json(payload), sys.stdout, indent=2, default=_jsonable, allow_nan=False)
    sys.stdout.write("\n")


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only for a person at a terminal, never with --json."""
    return not getattr(args, "json", False) and sys.stderr.isatty()


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)
