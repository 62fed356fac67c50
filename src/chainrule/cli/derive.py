"""``chainrule derive EXPR --at x1=1 x2=2``: the chain rule on an expression, step by step."""

from __future__ import annotations

import argparse
import re

from chainrule.cli._common import print_json, require
from chainrule.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "derive",
        help=_("derive an expression: graph, reverse accumulation, paths, forward mode"),
        description=_(
            "Derive an expression by the chain rule and show every step: the graph "
            "with its forward values, the reverse-accumulation table, the naive per-path sums, "
            "forward mode, and what each method costs."
        ),
    )
    p.add_argument("expression", help=_('e.g. "y = (x1 + x2) * (x2 + 1)"'))
    p.add_argument(
        "--at",
        nargs="*",
        action="extend",  # --at x1=1 --at x2=2 gives both, not only the last
        default=[],
        metavar="NAME=VALUE",
        help=_("the point, e.g. --at x1=1 x2=2 (or --at x1=1 --at x2=2)"),
    )
    p.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        help=_(
            "how to print the tables (default: text; markdown and latex paste into notes; "
            "not with --json)"
        ),
    )
    p.add_argument(
        "--graph",
        metavar="FILE",
        type=_graph_path,
        help=_("draw the graph with values and gradients (.svg, .png or .dot)"),
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.set_defaults(run=run)
    # argparse takes any word that starts with '-' for an option unless it looks like a
    # negative number, so "-x**2" would need "--" before it. Here a '-' followed by anything
    # but a second '-' is an expression: derive's options (-h and the --long ones) are
    # matched before this test, and none of them looks like it.
    p._negative_number_matcher = re.compile(r"-[^-]")


def _graph_path(text: str) -> str:
    """``--graph FILE``: an empty name would silently draw nothing, so it is an error."""
    if not text.strip():
        raise argparse.ArgumentTypeError(_("empty path; give a .svg, .png or .dot file"))
    return text


def run(args: argparse.Namespace) -> int:
    from chainrule.explain import (  # here, not at the top: a fast --help (issue 15)
        derive,
        parse_assignments,
        render_latex,
        render_markdown,
        render_text,
        write_graph,
    )

    require(
        not (args.json and args.format),
        _("--format {format} applies to the text output; --json prints JSON only").format(
            format=args.format
        ),
    )
    explanation = derive(args.expression, parse_assignments(args.at))
    if args.graph:
        write_graph(explanation, args.graph)
    if args.json:
        print_json(explanation.to_json())
    else:
        render = {"text": render_text, "markdown": render_markdown, "latex": render_latex}
        print(render[args.format or "text"](explanation))
        if args.graph:
            print(_("graph written to {graph}").format(graph=args.graph))
    return 0
