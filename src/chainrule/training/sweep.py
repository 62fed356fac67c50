"""Sweeps: every combination of some training settings (or a random draw of them) × seeds.

:func:`sweep` builds one :class:`~chainrule.training.config.TrainConfig` per grid point and
seed, trains each with :class:`~chainrule.training.run.Run` (the library's one training loop)
and measures what the lecture's remedies are claims about: the learning speed ‖∂J/∂b‖ of the
first and last hidden layers over the training set before and after training, their ratio,
the final test loss and accuracy, whether the run diverged, and its wall time.

Runs are independent and each one's seed fixes its weights, batch order and data draw, so they
go through joblib: serially, on local processes (``backend="loky"``, ``jobs=N``) or on a Dask
cluster (``backend="dask"``), with bit-identical numbers whichever (BLAS is held to one thread
in every run, so no reduction order depends on the machine's threads). With ``out`` each
finished run is appended to ``out/runs.jsonl`` as it comes, keyed by its settings and seed: a
sweep interrupted and started again runs only what is missing. A run that raises, or whose
worker dies, is tried again up to ``retries`` times and then recorded as failed.

>>> result = sweep({"activation": ["sigmoid", "relu"]}, seeds=2,
...                base=TrainConfig(layers=(64, 8, 8, 10), epochs=1, train_size=60,
...                                 test_size=60, lr=0.5))
>>> len(result.runs), result.n_failed, len(result.summary())
(4, 0, 2)
>>> sorted(result.runs[0]["results"])[:3]
['diverged', 'epochs_done', 'ratio_after']
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data import Dataset
from chainrule.errors import ConfigError
from chainrule.serialization import finite_json
from chainrule.training.config import TrainConfig
from chainrule.training.parallel import Outcome, check_backend, run_tasks
from chainrule.training.run import Run
from chainrule.training.splits import load_data

RESULTS_FILE = "runs.jsonl"
#: the per-run numbers, in the tables' column order
QUANTITIES = (
    "test_accuracy",
    "test_loss",
    "speed_first_before",
    "speed_last_before",
    "ratio_before",
    "speed_first_after",
    "speed_last_after",
    "ratio_after",
    "diverged",
    "epochs_done",
    "seconds",
)
_SETTINGS = tuple(f.name for f in fields(TrainConfig) if f.name != "seed")
# the settings the classic engine lacks: a grid point asking for one runs on autodiff
_AUTODIFF_ONLY = {
    "optimizer": "sgd",
    "batch_norm": False,
    "clip_norm": None,
    "dropout": 0.0,
    "weight_decay": 0.0,
}

RunFunction = Callable[[TrainConfig], dict[str, Any]]


# --------------------------------------------------------------------------- one run


@functools.lru_cache(maxsize=8)
def _data(data: str, root: str | None, train: int | None, test: int | None, seed: int) -> Any:
    """The data of a run, loaded once per process for all runs that share it."""
    return load_data(
        TrainConfig(data=data, data_root=root, train_size=train, test_size=test, seed=seed)
    )


def _data_of(config: TrainConfig) -> Dataset:
    return _data(config.data, config.data_root, config.train_size, config.test_size, config.seed)


def measure_run(config: TrainConfig) -> dict[str, Any]:
    """Train ``config`` to its last epoch (or until it diverges) and measure it.

    Speeds are ‖∂J/∂b‖ of the first and last hidden layers over the whole training split
    (Nielsen's measure); ``ratio`` is first / last (far below 1: the first layer learns slowly).

    >>> r = measure_run(TrainConfig(layers=(64, 8, 8, 10), epochs=1, train_size=50))
    >>> r["epochs_done"], r["diverged"], 0 <= r["test_accuracy"] <= 1
    (1, False, True)
    """
    data = _data_of(config)
    started = time.perf_counter()  # the run's own time: the data is loaded once per process
    run = Run(config, data, evaluate=False, stop_on_divergence=True)
    before = _speeds(run)
    while not run.done:
        run.run_epoch()
    after = _speeds(run)
    with np.errstate(all="ignore"):  # a diverged network's NaN loss is reported, not raised
        stats = run.evaluate()
    split = "test" if "test_loss" in stats else "train"
    return {
        "test_accuracy": float(stats[f"{split}_accuracy"]),
        "test_loss": float(stats[f"{split}_loss"]),
        "speed_first_before": before[0],
        "speed_last_before": before[-1],
        "ratio_before": _ratio(before),
        "speed_first_after": after[0],
        "speed_last_after": after[-1],
        "ratio_after": _ratio(after),
        "diverged": bool(run.diverged or not math.isfinite(float(stats[f"{split}_loss"]))),
        "epochs_done": int(run.epoch),
        "seconds": time.perf_counter() - started,
    }


def _speeds(run: Run) -> list[float]:
    """The hidden layers' speeds now (the last layer of ``records`` is the output layer)."""
    return [float(s) for s in run.records("train").speeds[:-1]]


def _ratio(speeds: list[float]) -> float:
    with np.errstate(all="ignore"):
        return float(np.float64(speeds[0]) / np.float64(speeds[-1]))


@dataclass(frozen=True)
class _Measured:
    """``run_fn`` of a task: the run's settings as a dict (they pickle small) -> its results."""

    run_fn: RunFunction

    def __call__(self, task: dict[str, Any]) -> dict[str, Any]:
        return self.run_fn(TrainConfig.from_dict(task))


# --------------------------------------------------------------------------- the grid


def run_key(settings: Mapping[str, Any], seed: int) -> str:
    """The run's identity in the results file: its settings and seed as canonical JSON."""
    return json.dumps({**settings, "seed": seed}, sort_keys=True, default=str)


def grid_points(
    grid: Mapping[str, Sequence[Any]],
    base: TrainConfig | None = None,
    *,
    random: int | None = None,
    search_seed: int = 0,
) -> list[dict[str, Any]]:
    """The settings of every grid point (all of TrainConfig's but the seed), in grid order.

    ``grid`` maps TrainConfig fields (and ``depth``: that many hidden layers as wide as the
    first of ``layers``) to lists of values. ``random=N`` keeps N points drawn without
    replacement by ``search_seed`` (in grid order). Each point is validated here, so a bad
    value is named before anything runs.

    >>> [p["layers"] for p in grid_points({"depth": [1, 3]}, TrainConfig(layers=(64, 8, 10)))]
    [[64, 8, 10], [64, 8, 8, 8, 10]]
    """
    base = base or TrainConfig()
    unknown = sorted(set(grid) - set(_SETTINGS) - {"depth"})
    if unknown:
        raise ConfigError(f"unknown sweep setting(s) {unknown}; use TrainConfig's fields or depth")
    for name, values in grid.items():
        if not list(values):
            raise ConfigError(f"the sweep's {name} has no values")
    names = list(grid)
    combos = list(itertools.product(*(list(grid[n]) for n in names)))
    if random is not None:
        if random < 1:
            raise ConfigError(f"random must be at least 1, got {random}")
        rng = np.random.default_rng(search_seed)
        keep = rng.choice(len(combos), size=min(random, len(combos)), replace=False)
        combos = [combos[i] for i in sorted(keep)]
    return [_point(base, dict(zip(names, combo, strict=True))) for combo in combos]


def _point(base: TrainConfig, chosen: dict[str, Any]) -> dict[str, Any]:
    values = {**base.to_dict(), **chosen}
    depth = values.pop("depth", None)
    if depth is not None:
        if int(depth) < 1:
            raise ConfigError(f"depth must be at least 1 hidden layer, got {depth}")
        layers = list(values["layers"])
        hidden = layers[1] if len(layers) > 2 else 30
        values["layers"] = [layers[0], *[hidden] * int(depth), layers[-1]]
    needs_autodiff = any(values[k] != default for k, default in _AUTODIFF_ONLY.items())
    if needs_autodiff and "engine" not in chosen:
        values["engine"] = "autodiff"  # as compare does: the classic engine lacks the setting
    config = TrainConfig.from_dict(values)
    settings = config.to_dict()
    del settings["seed"]
    return settings


# --------------------------------------------------------------------------- the result


@dataclass
class SweepResult:
    """Every run of a sweep, in grid order (seeds innermost).

    ``runs``: one dict per run, ``{"key", "settings", "seed", "status", "attempts", "error",
    "results"}`` (``status`` is ``"ok"`` or ``"failed"``; ``results`` None when failed);
    ``axes``: the settings that differ between grid points (the tables' setting columns);
    ``seconds``: wall time of the sweep; ``resumed``: runs taken from an earlier sweep's
    results file.
    """

    runs: list[dict[str, Any]]
    axes: list[str]
    seconds: float = 0.0
    resumed: int = 0

    @property
    def n_failed(self) -> int:
        return sum(run["status"] != "ok" for run in self.runs)

    def rows(self) -> list[dict[str, Any]]:
        """The tidy table: one flat row per run (its varied settings, seed, status, results)."""
        rows = []
        for run in self.runs:
            row = {axis: _cell(run["settings"], axis) for axis in self.axes}
            row.update(seed=run["seed"], status=run["status"])
            results = run["results"] or {}
            row.update({q: results.get(q) for q in QUANTITIES})
            rows.append(row)
        return rows

    def summary(self) -> list[dict[str, Any]]:
        """One row per grid point: runs, failures, divergences, and mean, std (ddof 1),
        min, max over its seeds of each quantity (finite values of finished runs only)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for run in self.runs:
            groups.setdefault(json.dumps(run["settings"], sort_keys=True), []).append(run)
        return [self._summary_row(runs) for runs in groups.values()]

    def _summary_row(self, runs: list[dict[str, Any]]) -> dict[str, Any]:
        row = {axis: _cell(runs[0]["settings"], axis) for axis in self.axes}
        done = [run["results"] for run in runs if run["status"] == "ok"]
        row.update(
            runs=len(runs),
            failed=len(runs) - len(done),
            diverged=sum(bool(r["diverged"]) for r in done),
        )
        for q in QUANTITIES:
            if q == "diverged":
                continue
            values = np.array([r[q] for r in done if r[q] is not None], float)
            values = values[np.isfinite(values)]
            n = len(values)
            row[f"{q}_mean"] = float(values.mean()) if n else None
            row[f"{q}_std"] = float(values.std(ddof=1)) if n > 1 else (0.0 if n else None)
            row[f"{q}_min"] = float(values.min()) if n else None
            row[f"{q}_max"] = float(values.max()) if n else None
        return row

    def to_json(self) -> list[dict[str, Any]]:
        """``runs.json``'s list: settings, seed, status and results of each run."""
        keep = ("settings", "seed", "status", "attempts", "error", "results")
        return [finite_json({k: run[k] for k in keep}) for run in self.runs]


def _cell(settings: Mapping[str, Any], axis: str) -> Any:
    if axis == "depth":
        return len(settings["layers"]) - 2
    value = settings[axis]
    return "-".join(map(str, value)) if isinstance(value, list) else value


# --------------------------------------------------------------------------- the sweep


def sweep(
    grid: Mapping[str, Sequence[Any]],
    seeds: int | Sequence[int] = 1,
    *,
    base: TrainConfig | None = None,
    random: int | None = None,
    search_seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    retries: int = 1,
    progress: bool = False,
    run_fn: RunFunction = measure_run,
) -> SweepResult:
    """Train every grid point (see :func:`grid_points`) with every seed and measure each run.

    ``seeds``: N for seeds 0..N-1, or the seeds. ``out``: a folder for the resumable results
    file (``runs.jsonl``); runs found finished there are not run again. ``jobs``: worker
    processes (``backend="loky"``; 1 runs in this process) or, with ``backend="dask"``, the
    workers of the local cluster started when no ``scheduler`` address is given. ``retries``:
    further tries of a run that raised or lost its worker before it is recorded as failed.
    ``run_fn(config) -> dict`` replaces :func:`measure_run` (it must be picklable).
    """
    started = time.perf_counter()
    seed_list = _seed_list(seeds)
    check_backend(jobs, backend, scheduler, retries)
    points = grid_points(grid, base, random=random, search_seed=search_seed)
    tasks = {run_key(p, s): {**p, "seed": s} for p in points for s in seed_list}
    store = Path(out) / RESULTS_FILE if out is not None else None
    if store is not None:
        store.parent.mkdir(parents=True, exist_ok=True)
    done = _finished_runs(store, tasks) if store is not None else {}
    resumed = len(done)
    pending = [key for key in tasks if key not in done]
    outcomes = run_tasks(
        _Measured(run_fn),
        {key: tasks[key] for key in pending},
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        retries=retries,
    )
    with _progress(len(tasks), resumed, progress) as moved:
        for outcome in outcomes:
            record = _record(outcome, tasks[outcome.key])
            done[outcome.key] = record
            if store is not None:
                _append(store, record)
            moved(record)
    runs = [done[key] for key in tasks]
    varied = [name for name in grid if len(grid[name]) > 1 and _varies(points, name)]
    return SweepResult(runs, varied, time.perf_counter() - started, resumed)


def _varies(points: list[dict[str, Any]], name: str) -> bool:
    """Whether the grid points differ in ``name`` (a setting, or the depth)."""
    return len({_cell(point, name) for point in points}) > 1


def _seed_list(seeds: int | Sequence[int]) -> list[int]:
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list:
        raise ConfigError(f"a sweep needs at least one seed, got {seeds!r}")
    if len(set(seed_list)) != len(seed_list) or min(seed_list) < 0:
        raise ConfigError(f"seeds must be distinct and 0 or more, got {seed_list}")
    return seed_list


def _record(outcome: Outcome, task: dict[str, Any]) -> dict[str, Any]:
    """A run as the results file and runs.json keep it (NaN/Inf as null)."""
    settings = {k: v for k, v in task.items() if k != "seed"}
    return finite_json(
        {
            "key": outcome.key,
            "settings": settings,
            "seed": task["seed"],
            "status": "ok" if outcome.ok else "failed",
            "attempts": outcome.attempts,
            "error": outcome.error_line(),
            "results": outcome.value,
        }
    )


# --------------------------------------------------------------------------- files, progress


def _finished_runs(path: Path, tasks: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The runs of ``tasks`` that an earlier sweep finished, from its results file (failed
    runs are tried again; runs of other grids stay in the file, unused)."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        _write_line(path, "")  # a line cut short by a crash: the next record starts afresh
    finished = {}
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # that cut-short line: its run is simply run again
        if isinstance(record, dict) and record.get("status") == "ok" and record.get("key") in tasks:
            finished[record["key"]] = record
    return finished


def _append(path: Path, record: dict[str, Any]) -> None:
    _write_line(path, json.dumps(record, sort_keys=True, allow_nan=False))


def _write_line(path: Path, line: str) -> None:
    """Append one line with a single write and fsync it: a run is either in the file whole
    or (a crash mid-write) a broken last line the reader skips. Rewriting the file atomically
    per run would cost time quadratic in the runs."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _progress(total: int, initial: int, enabled: bool) -> Iterator[Callable[[dict], None]]:
    """A tqdm bar over the runs (done, failed, time left), moved once per finished run."""
    if not enabled:
        yield lambda record: None
        return
    from tqdm.auto import tqdm

    failed = 0
    with tqdm(total=total, initial=initial, desc="sweep", unit="run") as bar:

        def moved(record: dict[str, Any]) -> None:
            nonlocal failed
            failed += record["status"] != "ok"
            bar.set_postfix(failed=failed, refresh=False)
            bar.update()

        yield moved
