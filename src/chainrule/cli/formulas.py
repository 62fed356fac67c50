"""``chainrule formulas --layers 784,30,30,10``: the lecture's δ formulas for one network.

δ^L, δ^l, ∂J/∂W^l and ∂J/∂b^l specialised to the network's activations and cost, with every
shape, each checked numerically against both engines before it is printed (see
:mod:`chainrule.classic.formulas`).
"""

from __future__ import annotations

import argparse

from chainrule.cli._common import int_list
from chainrule.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    from chainrule.training.config import ACTIVATIONS, COSTS  # NumPy-free names: a fast --help

    p = sub.add_parser(
        "formulas",
        help=_("the backpropagation formulas written out for one network, with every shape"),
        description=_(
            "Write δ^L, δ^l, ∂J/∂W^l and ∂J/∂b^l out for a fully connected network: σ' spelled "
            "out for its activation, δ^L for its cost, the shape of every symbol. Each formula "
            "is first checked numerically against the classic and the autodiff engines on a "
            "random sample; one that disagreed would be an error, never printed."
        ),
    )
    p.add_argument(
        "--layers",
        type=int_list,
        required=True,
        help=_("neurons per layer, input first, e.g. 784,30,30,10"),
    )
    p.add_argument(
        "--activation", choices=tuple(ACTIVATIONS), default="sigmoid", help=_("(default: sigmoid)")
    )
    p.add_argument("--cost", choices=COSTS, default="quadratic", help=_("(default: quadratic)"))
    p.add_argument(
        "--output-activation",
        choices=tuple(ACTIVATIONS),
        help=_("σ of the output layer for the quadratic cost (default: --activation)"),
    )
    p.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        default="text",
        help=_("(default: text)"),
    )
    p.add_argument(
        "--seed", type=int, default=0, help=_("weights and sample of the check (default: 0)")
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.classic.formulas import formulas
    from chainrule.cli._common import check_layers, require

    check_layers(args.layers)  # the check below builds the network: bounded first
    require(args.seed >= 0, _("--seed must be 0 or more, got {seed}").format(seed=args.seed))
    result = formulas(
        args.layers,
        args.activation,
        args.cost,
        output_activation=args.output_activation,
        seed=args.seed,
    )
    render = {"text": result.to_text, "markdown": result.to_markdown, "latex": result.to_latex}
    print(render[args.format]())
    return 0
