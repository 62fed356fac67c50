"""Where the runs of a command go: ``--jobs``, ``--backend``, ``--scheduler`` (sweep, compare)."""

from __future__ import annotations

import argparse

from chainrule.cli._common import positive_int
from chainrule.i18n import _
from chainrule.training.parallel import BACKENDS


def add_backend_options(p: argparse.ArgumentParser) -> None:
    """The options of :func:`chainrule.training.parallel.run_tasks`, one definition for all."""
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        help=_(
            "worker processes for the runs (default: 1, this process); with --backend dask "
            "and no --scheduler, the workers of the local cluster"
        ),
    )
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default="loky",
        help=_(
            "loky: local processes (default); dask: a Dask cluster (pip install "
            "'chainrule[dask]'). Same numbers whichever"
        ),
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help=_("the Dask scheduler, e.g. tcp://host:8786")
    )
