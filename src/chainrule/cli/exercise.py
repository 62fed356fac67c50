"""``chainrule exercise``: a seeded exercise in the lecture's format, with or without solutions."""

from __future__ import annotations

import argparse
import json

from chainrule.cli._common import nonnegative_int, positive_int
from chainrule.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "exercise",
        help=_("a seeded exercise: composite functions, operation counts, a small network"),
        description=_(
            "Generate an exercise in the lecture's format. Level 1: a composite "
            "function (its graph, the reverse-accumulation table, the partials at a point); "
            "level 2: the per-path method's operation count against reverse accumulation's; "
            "level 3: a small network (z, a, δ^L, δ^l, ∂J/∂W, ∂J/∂b, one step of gradient "
            "descent). The same seed gives the same exercise. Fill in the JSON that --json writes "
            "and grade it with chainrule check."
        ),
    )
    p.add_argument(
        "--level", type=int, choices=(1, 2, 3), default=1, help=_("1, 2 or 3 (default 1)")
    )
    p.add_argument(
        "--seed", type=nonnegative_int, default=0, help=_("the exercise's seed (default 0)")
    )
    p.add_argument(
        "--samples", type=positive_int, help=_("level 3: the samples in the batch (default 2)")
    )
    p.add_argument(
        "--format",
        choices=("text", "markdown", "latex", "json"),
        help=_("text (default), markdown, latex, or json (the answer file to fill in)"),
    )
    p.add_argument("--json", action="store_true", help=_("the same as --format json"))
    p.add_argument("--solutions", action="store_true", help=_("fill in the answers"))
    p.add_argument("--out", metavar="FILE", help=_("write to FILE instead of printing"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.errors import ConfigError
    from chainrule.exercises import generate, render_exercise

    if args.json and args.format not in (None, "json"):
        raise ConfigError(
            _("--json and --format {fmt} ask for two formats").format(fmt=args.format)
        )
    fmt = "json" if args.json else args.format or "text"
    exercise = generate(args.level, args.seed, samples=args.samples)
    if fmt == "json":
        text = (
            json.dumps(exercise.to_json(solutions=args.solutions), indent=2, ensure_ascii=False)
            + "\n"
        )
    else:
        text = render_exercise(exercise, fmt, solutions=args.solutions)
    if args.out:
        from chainrule.serialization import atomic_write_text

        atomic_write_text(args.out, text)
        print(_("exercise written to {path}").format(path=args.out))
    else:
        print(text, end="")
    return 0
