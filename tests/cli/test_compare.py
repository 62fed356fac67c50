"""``chainrule compare``: a grid of remedies, one row per combination, one figure."""

from __future__ import annotations

import json

import pytest

FAST = ["--data", "digits", "--train-size", "60", "--test-size", "30", "--epochs", "1"]
ISSUE_GRID = [
    "--activation",
    "sigmoid,relu",
    "--init",
    "normal-scaled,he",
    "--lr",
    "0.1,1",
    "--clip-norm",
    "none,1",
    "--batch-norm",
    "off,on",
]


def test_rows_are_the_product_of_the_grid(cli):
    run = cli("compare", *FAST, "--layers", "64,8,8,10", *ISSUE_GRID, "--json")
    assert run.code == 0, run.err
    rows = json.loads(run.out)["rows"]
    assert len(rows) == 2 * 2 * 2 * 2 * 2
    combos = {(r["activation"], r["init"], r["lr"], r["clip"], r["batch_norm"]) for r in rows}
    assert len(combos) == 32
    for row in rows:
        assert {"first_speed", "last_speed", "ratio", "final_loss", "accuracy"} <= set(row)
        assert row["diagnosis"]
        assert row["engine"] == (
            "autodiff" if row["batch_norm"] or row["clip"] is not None else "classic"
        )


def test_text_table_and_plot(cli, tmp_path):
    plot = tmp_path / "remedies.png"
    run = cli(
        "compare", *FAST, "--activation", "sigmoid,tanh,relu", "--lr", "0.5,2", "--plot", plot
    )
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    # the numbers, then the engine and diagnosis: two tables, each headed "setting ..."
    header, second = (k for k, line in enumerate(lines) if line.startswith("setting"))
    for word in ("first", "last", "ratio", "loss", "accuracy", "diagnosis"):
        assert word in lines[header] + lines[second]
    table = lines[header + 2 : header + 2 + 6]
    assert [line.split()[0] for line in table] == [
        "sigmoid/normal-scaled",
        "sigmoid/normal-scaled",
        "tanh/normal-scaled",
        "tanh/normal-scaled",
        "relu/normal-scaled",
        "relu/normal-scaled",
    ]
    assert lines[0].startswith("6 runs of [64, 30, 30, 30, 30, 10] on digits")
    assert f"plot written to {plot}" in run.out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_default_train_size_is_capped_at_a_small_data_set(cli):
    run = cli("compare", "--data", "circles", "--epochs", "0", "--json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["train_size"] == 150  # all of it, not the published 1000


def test_same_seed_same_numbers(cli):
    argv = ["compare", *FAST, "--activation", "sigmoid,relu", "--json"]
    assert json.loads(cli(*argv).out) == json.loads(cli(*argv).out)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--lr", "0,1"], "positive number"),
        (["--lr", "0.1,,1"], "comma-separated"),
        (["--lr", "0.1,0.1"], "repeated"),
        (["--clip-norm", "none,big"], "positive number"),
        (["--batch-norm", "off,maybe"], "off or on"),
        (["--activation", "sigmoid,softmax"], "unknown value 'softmax'"),
        (["--init", "glorot"], "unknown value 'glorot'"),
        (["--data", "nope"], "unknown data set"),
        (["--layers", "784,30,10"], "does not fit digits"),
    ],
)
def test_bad_grid_values_are_one_line_and_exit_2(cli, argv, says):
    run = cli("compare", "--data", "digits", *argv)
    assert run.code == 2
    assert says in run.error_line
