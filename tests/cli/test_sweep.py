"""``chainrule sweep``: train's options as lists, the files in --out, resume, bad input."""

from __future__ import annotations

import argparse
import csv
import json

import pytest

from chainrule.cli.sweep import add_sweep_options
from chainrule.cli.train import add_training_options

FAST = ["--train-size", "60", "--test-size", "40", "--epochs", "1", "--lr", "0.5"]


def test_every_train_option_is_a_sweep_option():
    train = argparse.ArgumentParser(add_help=False)
    add_training_options(train)
    sweep = argparse.ArgumentParser(add_help=False)
    add_sweep_options(sweep)
    train_flags = {f for a in train._actions for f in a.option_strings}
    sweep_flags = {f for a in sweep._actions for f in a.option_strings}
    assert train_flags - sweep_flags == {"--seed"}  # --seeds N replaces it
    lists = ["--activation", "sigmoid,relu", "--lr", "0.1,1", "--batch-norm", "off,on"]
    more = ["--layers", "64,8,10/64,8,8,10", "--clip-norm", "none,1", "--batch-size", "5,10"]
    args = sweep.parse_args([*lists, *more])
    assert args.activation == ["sigmoid", "relu"] and args.lr == [0.1, 1.0]
    assert args.batch_norm == [False, True] and args.clip_norm == [None, 1.0]
    assert args.layers == [(64, 8, 10), (64, 8, 8, 10)] and args.batch_size == [5, 10]


def test_a_sweep_writes_its_tables_and_figures(cli, tmp_path):
    out = tmp_path / "sweep"
    grid = ["--activation", "sigmoid,relu", "--depth", "1,2", "--layers", "64,8,10"]
    run = cli("sweep", *FAST, *grid, "--seeds", "2", "--out", out)
    assert run.code == 0, run.err
    assert "8 runs (0 from an earlier sweep, 0 failed)" in run.out
    names = {p.name for p in out.iterdir()}
    assert {"runs.csv", "runs.json", "summary.csv", "runs.jsonl"} <= names
    assert {"speed_ratio_by_depth.png", "accuracy.png"} <= names
    runs = json.loads((out / "runs.json").read_text())
    assert len(runs) == 8
    assert {"settings", "seed", "status", "results"} <= set(runs[0])
    assert runs[1]["seed"] == 1 and runs[2]["seed"] == 0  # seeds innermost
    assert runs[1]["settings"]["layers"] == [64, 8, 10]
    assert runs[2]["settings"]["layers"] == [64, 8, 8, 10]
    rows = list(csv.DictReader((out / "runs.csv").open()))
    assert [r["seed"] for r in rows] == ["0", "1"] * 4
    assert float(rows[0]["test_accuracy"]) == runs[0]["results"]["test_accuracy"]
    summary = list(csv.DictReader((out / "summary.csv").open()))
    assert len(summary) == 4 and summary[0]["runs"] == "2"
    assert {"ratio_before_mean", "ratio_before_std", "ratio_before_min", "ratio_before_max"} <= set(
        summary[0]
    )
    again = cli("sweep", *FAST, *grid, "--seeds", "2", "--out", out)
    assert "8 runs (8 from an earlier sweep, 0 failed)" in again.out
    assert json.loads((out / "runs.json").read_text()) == runs


def test_random_search_runs_n_points(cli, tmp_path):
    grid = ["--activation", "sigmoid,tanh,relu", "--lr", "0.1,0.5", "--layers", "64,8,10"]
    run = cli("sweep", *FAST[:6], *grid, "--random", "2", "--out", tmp_path)
    assert run.code == 0, run.err
    assert len(json.loads((tmp_path / "runs.json").read_text())) == 2


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--activation", "sigmoid,swish"], "swish"),
        (["--lr", "0.1,-1"], "-1"),
        (["--batch-size", "10,ten"], "ten"),
        (["--layers", "64,8,10/"], "empty layer list"),
        (["--depth", "0"], "0"),
        (["--seeds", "0"], "0"),
        (["--backend", "spark"], "spark"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(cli, tmp_path, argv, named):
    run = cli("sweep", *FAST, *argv, "--out", tmp_path)
    assert run.code == 2
    assert named in run.error_line


def test_a_setting_the_library_refuses_is_one_line(cli, tmp_path):
    run = cli("sweep", *FAST, "--batch-norm", "on", "--engine", "classic", "--out", tmp_path)
    assert run.code == 2
    assert "engine 'classic'" in run.error_line
    assert not (tmp_path / "runs.jsonl").exists()
