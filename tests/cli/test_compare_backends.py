"""``chainrule compare --jobs/--backend``: the same table, wherever the rows ran."""

from __future__ import annotations

import json

FAST = ["--data", "digits", "--train-size", "60", "--test-size", "30", "--epochs", "1"]
GRID = ["--layers", "64,8,8,10", "--activation", "sigmoid,relu", "--lr", "0.1,1"]


def test_jobs_2_prints_the_serial_numbers(cli):
    serial = cli("compare", *FAST, *GRID, "--json")
    spread = cli("compare", *FAST, *GRID, "--json", "--jobs", "2")
    assert serial.code == spread.code == 0, spread.err
    assert len(json.loads(serial.out)["rows"]) == 4
    assert json.loads(spread.out) == json.loads(serial.out)


def test_bad_backend_options_are_one_line(cli):
    for argv, named in ((["--jobs", "0"], "0"), (["--backend", "mpi"], "mpi")):
        run = cli("compare", *FAST, *argv)
        assert run.code == 2 and named in run.error_line
    run = cli("compare", *FAST, "--scheduler", "tcp://localhost:8786")
    assert run.code == 2 and "needs backend 'dask'" in run.error_line
