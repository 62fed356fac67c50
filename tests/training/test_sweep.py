"""Sweeps: the grid, one run's numbers against the training loop, backends giving identical
numbers, the resumable results file, retries and failures, the summary over seeds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from chainrule.errors import ConfigError
from chainrule.training import Run, TrainConfig, train
from chainrule.training.sweep import (
    RESULTS_FILE,
    grid_points,
    measure_run,
    run_key,
    sweep,
)

BASE = TrainConfig(layers=(64, 8, 10), epochs=1, train_size=60, test_size=40, lr=0.5)
GRID = {"activation": ["sigmoid", "relu"], "depth": [1, 2]}


def numbers(result) -> list[dict]:
    """runs.json's list without wall times: what two executions of one sweep must share."""
    runs = result.to_json()
    for run in runs:
        if run["results"] is not None:
            run["results"] = {k: v for k, v in run["results"].items() if k != "seconds"}
    return runs


# --------------------------------------------------------------------------- the grid


def test_grid_is_the_product_in_order_with_depth():
    points = grid_points({"activation": ["sigmoid", "relu"], "depth": [1, 3]}, BASE)
    assert [(p["activation"], len(p["layers"]) - 2) for p in points] == [
        ("sigmoid", 1),
        ("sigmoid", 3),
        ("relu", 1),
        ("relu", 3),
    ]
    assert points[1]["layers"] == [64, 8, 8, 8, 10]
    assert all("seed" not in p and p["epochs"] == 1 for p in points)


def test_random_search_draws_distinct_points_reproducibly():
    grid = {"lr": [0.1, 0.2, 0.5, 1.0], "activation": ["sigmoid", "tanh", "relu"]}
    every = grid_points(grid, BASE)
    drawn = grid_points(grid, BASE, random=5, search_seed=3)
    assert len(drawn) == 5
    assert len({run_key(p, 0) for p in drawn}) == 5
    assert all(p in every for p in drawn)
    assert drawn == grid_points(grid, BASE, random=5, search_seed=3)
    assert drawn != grid_points(grid, BASE, random=5, search_seed=4)
    assert grid_points(grid, BASE, random=50) == every


def test_a_setting_the_classic_engine_lacks_runs_on_autodiff():
    points = grid_points({"batch_norm": [False, True]}, BASE)
    assert [p["engine"] for p in points] == ["classic", "autodiff"]
    with pytest.raises(ConfigError, match="engine 'classic'"):
        grid_points({"batch_norm": [True], "engine": ["classic"]}, BASE)


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({"colour": ["red"]}, "unknown sweep setting"),
        ({"lr": []}, "has no values"),
        ({"lr": [0.1, -1.0]}, "lr must be positive"),
        ({"depth": [0]}, "depth must be at least 1"),
    ],
)
def test_bad_grids_are_named_before_anything_runs(grid, match):
    with pytest.raises(ConfigError, match=match):
        sweep(grid, 1, base=BASE, run_fn=_never)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"backend": "spark"}, "unknown backend"),
        ({"jobs": 0}, "jobs must be at least 1"),
        ({"scheduler": "tcp://localhost:8786"}, "needs backend 'dask'"),
        ({"retries": -1}, "retries"),
    ],
)
def test_bad_execution_settings(options, match):
    with pytest.raises(ConfigError, match=match):
        sweep({"lr": [0.5]}, 1, base=BASE, run_fn=_never, **options)


def test_bad_seeds():
    for seeds in (0, [1, 1], [-1]):
        with pytest.raises(ConfigError, match="seed"):
            sweep({"lr": [0.5]}, seeds, base=BASE, run_fn=_never)


def _never(config):
    raise AssertionError("nothing should run")


# --------------------------------------------------------------------------- one run


def test_a_run_measures_what_the_training_loop_computes():
    config = TrainConfig(
        layers=(64, 8, 8, 10), epochs=2, train_size=60, test_size=40, lr=0.5, seed=3
    )
    measured = measure_run(config)
    trained = train(config)  # the loop itself, epoch by epoch
    assert measured["test_accuracy"] == trained.test_accuracy
    assert measured["test_loss"] == trained.history[-1]["test_loss"]
    before = Run(config).records("train").speeds
    assert measured["speed_first_before"] == float(before[0])
    assert measured["speed_last_before"] == float(before[-2])  # the last hidden layer
    assert measured["ratio_before"] == pytest.approx(before[0] / before[-2], rel=1e-12)
    assert measured["epochs_done"] == 2 and measured["diverged"] is False
    assert measured["seconds"] > 0


def test_a_diverging_run_is_marked_not_raised():
    config = TrainConfig(
        layers=(64, 64, 64, 10),
        activation="relu",
        init="normal",
        cost="cross-entropy",
        lr=1e3,
        train_size=300,
        epochs=2,
    )
    measured = measure_run(config)
    assert measured["diverged"] is True
    assert measured["epochs_done"] == 0  # it diverged in the first epoch and stopped there
    assert not np.isfinite(measured["test_loss"])


# --------------------------------------------------------------------------- backends


@pytest.fixture(scope="module")
def serial():
    return sweep(GRID, 2, base=BASE)


def test_serial_sweep_has_one_run_per_point_and_seed(serial):
    assert len(serial.runs) == 8 and serial.n_failed == 0
    assert [r["seed"] for r in serial.runs] == [0, 1] * 4
    assert serial.axes == ["activation", "depth"]
    # different seeds, different numbers: the seed reaches the run
    assert (
        serial.runs[0]["results"]["speed_first_before"]
        != serial.runs[1]["results"]["speed_first_before"]
    )


def test_local_processes_give_identical_numbers(serial):
    assert numbers(sweep(GRID, 2, base=BASE, jobs=2)) == numbers(serial)


def test_a_dask_cluster_gives_identical_numbers(serial):
    distributed = pytest.importorskip("distributed", reason="Dask is the optional [dask] extra")
    with distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as cluster:
        result = sweep(GRID, 2, base=BASE, backend="dask", scheduler=cluster.scheduler_address)
    assert numbers(result) == numbers(serial)


def test_summary_is_mean_std_min_max_over_seeds(serial):
    summary = serial.summary()
    assert len(summary) == 4
    for row in summary:
        runs = [
            r["results"]["test_loss"]
            for r in serial.runs
            if r["settings"]["activation"] == row["activation"]
            and len(r["settings"]["layers"]) - 2 == row["depth"]
        ]
        assert row["runs"] == len(runs) == 2
        assert row["test_loss_mean"] == pytest.approx(np.mean(runs))
        assert row["test_loss_std"] == pytest.approx(np.std(runs, ddof=1))
        assert (row["test_loss_min"], row["test_loss_max"]) == (min(runs), max(runs))


# --------------------------------------------------------------------------- resume


def test_a_restarted_sweep_runs_only_what_is_missing(tmp_path):
    calls: list[int] = []

    def counted(config):
        calls.append(config.seed)
        return measure_run(config)

    first = sweep({"lr": [0.5, 1.0]}, 2, base=BASE, out=tmp_path, run_fn=counted)
    assert len(calls) == 4 and first.resumed == 0
    calls.clear()
    again = sweep({"lr": [0.5, 1.0]}, 3, base=BASE, out=tmp_path, run_fn=counted)
    assert sorted(calls) == [2, 2]  # only seed 2 of each grid point is new
    assert again.resumed == 4 and len(again.runs) == 6
    assert numbers(again)[:2] == numbers(first)[:2]


def test_a_line_cut_short_by_a_crash_is_run_again(tmp_path):
    sweep({"lr": [0.5]}, 2, base=BASE, out=tmp_path)
    path = tmp_path / RESULTS_FILE
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])  # no newline: cut short
    calls: list[int] = []
    result = sweep({"lr": [0.5]}, 2, base=BASE, out=tmp_path, run_fn=_counting(calls))
    assert calls == [1] and result.resumed == 1 and result.n_failed == 0
    for line in path.read_text().splitlines()[2:]:
        json.loads(line)  # what was appended after the broken line parses


def _counting(calls):
    def run(config):
        calls.append(config.seed)
        return measure_run(config)

    return run


# --------------------------------------------------------------------------- failures


def _fails_first_time(marker_dir: str, how: str):
    """A run function whose first call for each seed fails (raises, or kills its process)."""

    def run(config):
        marker = Path(marker_dir) / f"tried-{config.seed}"
        if not marker.exists():
            marker.write_text("")
            if how == "exit":
                os._exit(1)  # the worker process dies, as on a segfault or an OOM kill
            raise RuntimeError("a transient failure")
        return measure_run(config)

    return run


def test_a_run_that_raises_once_is_retried(tmp_path):
    result = sweep({"lr": [0.5]}, 2, base=BASE, run_fn=_fails_first_time(str(tmp_path), "raise"))
    assert result.n_failed == 0
    assert [r["attempts"] for r in result.runs] == [2, 2]


def test_a_dead_worker_costs_only_a_retry(tmp_path):
    flaky = _fails_first_time(str(tmp_path), "exit")
    result = sweep({"lr": [0.5]}, 2, base=BASE, jobs=2, run_fn=flaky, retries=2)
    assert result.n_failed == 0
    assert all(run["attempts"] >= 2 for run in result.runs)  # both seeds lost a worker once
    serial = sweep({"lr": [0.5]}, 2, base=BASE)
    assert [r["results"] for r in numbers(result)] == [r["results"] for r in numbers(serial)]


def test_a_run_that_always_fails_is_recorded_not_fatal(tmp_path):
    def broken_for_relu(config):
        if config.activation == "relu":
            raise ValueError("no relu today")
        return measure_run(config)

    result = sweep(
        {"activation": ["sigmoid", "relu"]}, 1, base=BASE, out=tmp_path, run_fn=broken_for_relu
    )
    ok, failed = result.runs
    assert ok["status"] == "ok" and failed["status"] == "failed"
    assert failed["attempts"] == 2 and failed["results"] is None
    assert failed["error"] == "ValueError: no relu today"
    assert result.summary()[1]["failed"] == 1
    # a failed run is tried again by the next sweep over the same folder
    calls: list[int] = []
    sweep({"activation": ["sigmoid", "relu"]}, 1, base=BASE, out=tmp_path, run_fn=_counting(calls))
    assert calls == [0]


def test_the_progress_bar_counts_runs_and_failures(capsys):
    def broken_for_relu(config):
        if config.activation == "relu":
            raise ValueError("no relu today")
        return measure_run(config)

    sweep(
        {"activation": ["sigmoid", "relu"]},
        1,
        base=BASE,
        run_fn=broken_for_relu,
        retries=0,
        progress=True,
    )
    bar = capsys.readouterr().err
    assert "2/2" in bar and "failed=1" in bar
