"""``chainrule lab``: wired once the gradient-flow lab lands."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    pass
