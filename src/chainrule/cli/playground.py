"""``chainrule playground``: backpropagation in the browser, served from this computer."""

from __future__ import annotations

import argparse
import sys

from chainrule.i18n import _


def _port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free port)."""
    try:
        value = int(text)
    except ValueError:
        message = _("expected a port number, got {text!r}").format(text=text)
        raise argparse.ArgumentTypeError(message) from None
    if not 0 <= value <= 65535:
        message = _("a port is between 0 and 65535, got {value}").format(value=value)
        raise argparse.ArgumentTypeError(message)
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "playground",
        help=_("open the playground in the browser: expressions and networks, live"),
        description=_(
            "Start a local web server for the playground (the expression view, the network "
            "view, the lab replay) and open it in the browser."
        ),
    )
    p.add_argument(
        "--port",
        type=_port,
        default=8000,
        help=_("port to listen on (default 8000; 0: any free port)"),
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help=_("address to listen on (default 127.0.0.1: this computer only)"),
    )
    p.add_argument(
        "--no-browser", action="store_true", help=_("print the address instead of opening it")
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.playground.server import is_loopback, serve

    if not is_loopback(args.host):
        print(
            _(
                "warning: listening on {host}: other computers that reach it can use the "
                "playground (and the CPU it trains on)"
            ).format(host=args.host),
            file=sys.stderr,
        )
    serve(args.host, args.port, open_browser=not args.no_browser, say=_say)
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
