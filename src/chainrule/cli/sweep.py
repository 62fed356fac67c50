"""``chainrule sweep``: a grid (or random) search over training settings and seeds.

Its options are ``train``'s, each taking a comma-separated list as ``compare``'s do (``--layers``
takes layer lists separated by ``/``: ``64,30,10/64,30,30,10``), plus ``--depth`` (hidden layers
as wide as the first hidden one), ``--seeds N``, ``--random N``, ``--out DIR`` and where to
run: ``--jobs N`` local processes, ``--backend dask`` with ``--scheduler tcp://host:8786`` (a
local cluster of ``--jobs`` workers when none is given). The options are taken from ``train``'s
own definitions, so a setting added there is sweepable here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from chainrule.cli._backend import add_backend_options
from chainrule.cli._common import int_list, positive_int, show_progress
from chainrule.cli.compare import _choice, _values, clip_list, switch_list
from chainrule.cli.train import add_training_options
from chainrule.i18n import _
from chainrule.training.config import TrainConfig
from chainrule.wording import counted

_NOT_SWEPT = ("seed",)  # --seeds replaces it


def _listed(parse: Callable[[str], Any], what: str) -> Callable[[str], list[Any]]:
    """A comma-separated list of values each parsed by ``parse`` (train's own type)."""

    def parse_one(part: str) -> Any:
        try:
            return parse(part)
        except ValueError:  # int("x"): argparse would call it an invalid <lambda> value
            raise argparse.ArgumentTypeError(
                _("expected {what}, got {part!r}").format(what=what, part=part)
            ) from None

    return lambda text: _values(text, parse_one, what)


def layers_list(text: str) -> list[tuple[int, ...]]:
    """``"64,30,10/64,30,30,10"`` -> [(64, 30, 10), (64, 30, 30, 10)]."""
    return [int_list(part) for part in _split_layers(text)]


def _split_layers(text: str) -> list[str]:
    parts = [part.strip() for part in text.split("/")]
    if not all(parts):
        raise argparse.ArgumentTypeError(
            _("empty layer list in {text!r}; expected 64,30,10/...").format(text=text)
        )
    return parts


def add_sweep_options(p: argparse.ArgumentParser) -> None:
    """``train``'s options, each turned into a list of values (one definition of each)."""
    definitions = argparse.ArgumentParser(add_help=False)
    add_training_options(definitions)
    p.set_defaults(default_layers=definitions.get_default("default_layers"))
    for action in definitions._actions:
        if action.dest in _NOT_SWEPT or not action.option_strings:
            continue
        p.add_argument(
            *action.option_strings,
            dest=action.dest,
            type=_list_type(action),
            metavar="LIST",
            help=(action.help or "") + " [a comma-separated list]",
        )


def _list_type(action: argparse.Action) -> Callable[[str], list[Any]]:
    if action.dest == "layers":
        return layers_list
    if action.dest == "clip_norm":
        return clip_list  # "none,1": no clipping is a value to compare too
    if isinstance(action, argparse._StoreTrueAction):
        return switch_list
    if action.choices is not None:
        return _choice(tuple(action.choices))
    name = getattr(action.type, "__name__", "value").replace("_", " ")
    return _listed(action.type or str, name)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help=_("train every combination of some settings over several seeds: tables, figures"),
        description=_(
            "Train every combination of the settings given (each a comma-separated "
            "list) with seeds 0..N-1, measure the first/last hidden-layer learning speeds before "
            "and after training, the test loss and accuracy; write runs.csv, runs.json, "
            "summary.csv (over seeds) and figures into --out. Started again with the same --out, "
            "a sweep runs only the runs missing from its runs.jsonl."
        ),
    )
    add_sweep_options(p)
    p.add_argument(
        "--depth",
        type=_listed(positive_int, "a number of hidden layers"),
        metavar="LIST",
        help=_("hidden layers, each as wide as the first hidden layer of --layers, e.g. 2,3,4"),
    )
    p.add_argument("--seeds", type=positive_int, default=1, help=_("seeds 0..N-1 (default: 1)"))
    p.add_argument(
        "--random",
        type=positive_int,
        metavar="N",
        help=_("N grid points drawn at random (without replacement) instead of all of them"),
    )
    p.add_argument("--search-seed", type=int, default=0, help=_("the draw of --random (default 0)"))
    p.add_argument("--out", required=True, metavar="DIR", help=_("folder for the results"))
    add_backend_options(p)
    p.add_argument(
        "--retries",
        type=int,
        default=1,
        help=_("further tries of a run that fails before it is recorded as failed (default: 1)"),
    )
    p.set_defaults(run=run)


def grid_from(args: argparse.Namespace) -> tuple[dict[str, list[Any]], TrainConfig]:
    """The sweep's grid (the options given, in TrainConfig's order) and its base config."""
    names = [f.name for f in fields(TrainConfig)] + ["depth"]
    grid = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    base = TrainConfig(layers=args.default_layers)
    return grid, base


def run(args: argparse.Namespace) -> int:
    from chainrule.report.sweep_report import write_sweep
    from chainrule.training.sweep import sweep

    grid, base = grid_from(args)
    result = sweep(
        grid,
        args.seeds,
        base=base,
        random=args.random,
        search_seed=args.search_seed,
        out=args.out,
        jobs=args.jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        retries=args.retries,
        progress=show_progress(args),
    )
    written = write_sweep(result, args.out)
    runs = len(result.runs)
    print(
        _("{runs} ({resumed} from an earlier sweep, {n_failed} failed) in {seconds:.1f} s").format(
            runs=counted(runs, "run"),
            resumed=result.resumed,
            n_failed=result.n_failed,
            seconds=result.seconds,
        )
    )
    for row in result.summary():
        print(_summary_line(row, result.axes))
    print(_("wrote {written}").format(written=", ".join(str(p) for p in written)))
    return 1 if result.n_failed else 0


def _summary_line(row: dict[str, Any], axes: list[str]) -> str:
    def num(key: str) -> str:
        value = row[key]
        return "   -   " if value is None else f"{value:7.3g}"

    label = ", ".join(f"{axis}={row[axis]}" for axis in axes) or _("all runs")
    line = _(
        "{label}: accuracy {mean} ± {std}, speed ratio before {ratio}, diverged {diverged}/{runs}"
    ).format(
        label=label,
        mean=num("test_accuracy_mean"),
        std=num("test_accuracy_std"),
        ratio=num("ratio_before_mean"),
        diverged=row["diverged"],
        runs=row["runs"],
    )
    return line + (_(", failed {failed}").format(failed=row["failed"]) if row["failed"] else "")
