"""``chainrule check``: grade a filled-in answer file, or a learner's own ``backward()``.

Exit status 0 when every answer is right, 1 when some are wrong, 2 for a file or an option
that cannot be used (one line on stderr).
"""

from __future__ import annotations

import argparse

from chainrule.cli._common import print_json
from chainrule.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help=_("grade an answer file, or your own backward(), naming the mistakes"),
        description=_(
            "Grade the answers in ANSWERS (the JSON that chainrule exercise --json "
            "writes, filled in), naming the misconception behind each wrong answer when it is "
            "recognised; or, with --backward FILE.py:FUNCTION, run your own backward(weights, "
            "biases, x, y, activation) -> (grads_W, grads_b) on small networks and point at its "
            "first wrong element. Exit status: 0 all right, 1 some wrong, 2 unusable input."
        ),
    )
    p.add_argument(
        "answers", nargs="?", metavar="ANSWERS", help=_("the filled-in answer file (JSON)")
    )
    p.add_argument(
        "--exercise",
        metavar="FILE",
        help=_("the exercise's file, when ANSWERS holds the answers alone"),
    )
    p.add_argument(
        "--backward",
        metavar="FILE.py:FUNCTION",
        help=_("grade your own backward() in FILE.py instead of an answer file"),
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.errors import ConfigError
    from chainrule.exercises import grade, grade_backward, load_backward
    from chainrule.exercises.answers import load
    from chainrule.exercises.render import render_backward_grade, render_grade

    if (args.answers is None) == (args.backward is None):
        raise ConfigError(_("give an answer file or --backward FILE.py:FUNCTION (one of them)"))
    if args.backward is not None:
        if args.exercise is not None:
            raise ConfigError(_("--exercise goes with an answer file, not with --backward"))
        graded = grade_backward(load_backward(args.backward))
        if args.json:
            print_json(graded.to_json())
        else:
            print(render_backward_grade(graded), end="")
        return 0 if graded.all_right else 1
    exercise, answers = load(args.answers, args.exercise)
    result = grade(exercise, answers)
    if args.json:
        print_json(result.to_json())
    else:
        print(render_grade(result), end="")
    return 0 if result.all_right else 1
