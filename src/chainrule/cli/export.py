"""``chainrule export MODEL --onnx OUT``: a model saved by ``train --save`` as an ONNX file."""

from __future__ import annotations

import argparse

from chainrule.cli._common import require
from chainrule.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help=_("write a saved model in a format other tools read (ONNX)"),
        description=_(
            "Write a model saved by `chainrule train --save` as an ONNX file that "
            "ONNX Runtime and other tools run: the evaluation-mode model (batch norm with its "
            "running statistics, no dropout), its input standardization included, any batch "
            "size. The output is the last layer's (the logits when the cost is cross-entropy)."
        ),
    )
    p.add_argument("model", help=_("a model file written by chainrule train --save"))
    p.add_argument("--onnx", required=True, metavar="OUT", help=_("the ONNX file to write"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np  # here, not at the top: a fast --help (issue 15)

    from chainrule.interop.onnx_export import export_onnx  # here: a fast --help (issue 15)
    from chainrule.training.checkpoint import load_model

    require(
        args.onnx.endswith(".onnx"),
        _("--onnx must name a .onnx file, got {onnx!r}").format(onnx=args.onnx),
    )
    learner, checkpoint = load_model(args.model)
    model = learner.model if hasattr(learner, "model") else learner.network
    n_features = int(checkpoint.config.layers[0])
    stats = learner.input_stats
    standardize = None if stats is None else (stats.mean, stats.std)
    path = export_onnx(model, np.zeros((1, n_features), np.float32), args.onnx, standardize)
    print(
        _("wrote {path} ({n_features} inputs, any batch size)").format(
            path=path, n_features=n_features
        )
    )
    return 0
