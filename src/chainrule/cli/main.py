"""Entry point of the ``chainrule`` command.

Each subcommand lives in its own module beside this one, exposing ``add_parser(subparsers)``
and ``run(args) -> int``. Errors the library raises on purpose (``ChainruleError``) become one
line on stderr and exit status 2; Ctrl-C exits with 130.

``--lang zh|en`` works before or after the subcommand (default: the environment's locale); it is
read before the parser is built, so that the help itself is in that language.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from chainrule import __version__
from chainrule.errors import ChainruleError
from chainrule.i18n import LANGUAGES, N_, _, language, ngettext

COMMANDS = (
    "derive",
    "train",
    "evaluate",
    "predict",
    "export",
    "gradients",
    "compare",
    "lab",
    "sweep",
    "playground",
    "exercise",
    "check",
    "formulas",
)


#: argparse's own words that a person reads (headings, usage errors), as argparse 3.11-3.13
#: writes them: translated while chainrule's command line is built and parsed.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


@contextmanager
def _argparse_in_language() -> Iterator[None]:
    """argparse looks its ``_`` and ``ngettext`` up in its module at each call: chainrule's
    for the time of one command line, then argparse's own again."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 (argparse prints usage too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, _("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chainrule",
        description=_("Backpropagation made visible and real: derive, train, diagnose."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"chainrule {__version__}",
        help=_("show program's version number and exit"),
    )
    _add_lang(parser, default=None)
    parser.add_argument(
        "--no-compile",
        action="store_true",
        help=_(
            "train autodiff models eagerly, without compiling the training step (the same "
            "numbers; under plain SGD to rounding)"
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"chainrule.cli.{name}")
        module.add_parser(sub)
        # after the subcommand too; SUPPRESS keeps a --lang given before it
        _add_lang(sub.choices[name], default=argparse.SUPPRESS)
    return parser


def _add_lang(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help=_("language of the output (default: from the locale, LANG)"),
    )


def requested_language(argv: Sequence[str]) -> str | None:
    """The ``--lang`` of a command line, looked for before parsing it (None when absent or not a
    language chainrule speaks: the parser then says so in one line).

    >>> requested_language(["derive", "y = x", "--lang", "zh"]), requested_language(["--lang=xx"])
    ('zh', None)
    """
    words = list(argv[: argv.index("--")] if "--" in argv else argv)
    for k, word in enumerate(words):
        value = word.partition("=")[2] if word.startswith("--lang=") else None
        if word == "--lang" and k + 1 < len(words):
            value = words[k + 1]
        if value in LANGUAGES:
            return value
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with language(requested_language(argv)):
        return _main(argv)


def _main(argv: Sequence[str]) -> int:
    with _argparse_in_language():
        parser = build_parser()
        args = parser.parse_args(argv)
    try:
        with _compiling(not args.no_compile):
            return int(args.run(args) or 0)
    except ChainruleError as exc:
        print(
            _("chainrule {command}: error: {message}").format(command=args.command, message=exc),
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(_("chainrule {command}: interrupted").format(command=args.command), file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `chainrule derive ... | head`: the reader left, fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        # A file the command could not read or write (a full disk, a folder where a file
        # should go): the operating system's one line, naming the file, not a traceback.
        name = exc.filename2 or exc.filename  # a rename names its destination second
        where = f"{name}: " if name else ""
        message = f"{where}{exc.strerror or exc}"
        print(
            _("chainrule {command}: error: {message}").format(
                command=args.command, message=message
            ),
            file=sys.stderr,
        )
        return 2


@contextmanager
def _compiling(allowed: bool) -> Iterator[None]:
    """``--no-compile`` for the command: set in the environment, so that sweep workers
    inherit it, and put back as it was once the command ends (``main`` may run again)."""
    if allowed:
        yield
        return
    before = os.environ.get("CHAINRULE_COMPILE")
    os.environ["CHAINRULE_COMPILE"] = "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CHAINRULE_COMPILE", None)
        else:
            os.environ["CHAINRULE_COMPILE"] = before


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
