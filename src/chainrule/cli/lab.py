"""``chainrule lab``: the gradient-flow lab end to end, into one self-contained HTML report.

On the bundled digits data, in about a minute on two cores (``--quick``: seconds): the
lecture's composite-function example derived every way, a network trained by the classic
backpropagation, the vanishing-gradient experiment with its diagnosis, the remedies side by
side, an exploding case with and without gradient clipping, and the activation functions with
their derivatives. Writes ``report.html`` (figures inline), the figures as PNG files and
``lab.json`` (the numbers) into ``--out``, and prints a short summary.
"""

from __future__ import annotations

import argparse
import sys
import time

from chainrule.cli._backend import add_backend_options
from chainrule.cli._common import show_progress
from chainrule.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lab",
        help=_("run the whole gradient-flow lab and write one HTML report (make demo)"),
        description=_(
            "Run the lecture's three parts end to end on the bundled digits data "
            "(composite functions, backpropagation, vanishing and exploding gradients with their "
            "remedies) and write a self-contained HTML report, its figures as PNG files and the "
            "numbers as JSON. Same seed, same numbers."
        ),
    )
    p.add_argument(
        "--out", default="out", help=_("folder for the report and figures (default: out)")
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=_("small data and few epochs: seconds instead of a minute (rough numbers)"),
    )
    p.add_argument(
        "--seed", type=int, default=0, help=_("weights, batch order, split (default: 0)")
    )
    add_backend_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.report import (
        LabSettings,
        prepare_out,
        render_summary,
        run_lab,
        write_lab,
    )
    from chainrule.training.parallel import check_backend

    started = time.perf_counter()
    settings = LabSettings.quick_settings(args.seed) if args.quick else LabSettings.full(args.seed)
    check_backend(args.jobs, args.backend, args.scheduler)
    prepare_out(args.out)  # a bad --out fails before the work, not after
    stages = 10  # part 1, part 2, six remedies, exploding, the report
    bar = None
    if show_progress(args):
        from tqdm import tqdm

        bar = tqdm(total=stages, unit="stage", file=sys.stderr, leave=False, dynamic_ncols=True)

    def progress(stage: str) -> None:
        if bar is not None:
            if bar.n or stage != "part 1: the composite function":
                bar.update(1)
            bar.set_description(stage)

    try:
        result = run_lab(
            settings,
            progress=progress,
            jobs=args.jobs,
            backend=args.backend,
            scheduler=args.scheduler,
        )
        progress("writing the report")
        paths = write_lab(result, args.out)
        if bar is not None:
            bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    print(render_summary(result, paths))
    print(_("done in {seconds:.1f} s").format(seconds=time.perf_counter() - started))
    return 0
