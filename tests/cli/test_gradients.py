"""``chainrule gradients``: speeds per epoch, the diagnosis, the plot, bad input."""

from __future__ import annotations

import json
import struct

import pytest

FAST = ["--data", "digits", "--train-size", "150", "--test-size", "60", "--epochs", "2"]


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100
    assert data[-8:-4] == b"IEND"


def test_json_speeds_have_one_row_per_epoch_and_one_number_per_hidden_layer(cli):
    run = cli("gradients", *FAST, "--json")
    assert run.code == 0, run.err
    assert run.err == ""  # not a terminal and --json: no progress bar
    result = json.loads(run.out)
    speeds = result["speeds"]
    assert len(speeds) == 2 + 1  # before training, then after each epoch
    assert all(len(row) == 4 for row in speeds)  # 64,30,30,30,30,10: four hidden layers
    assert result["epochs"] == [0, 1, 2]
    assert result["sizes"] == [64, 30, 30, 30, 30, 10]
    findings = result["diagnosis"]["findings"]
    assert findings and "vanishing" in [f["kind"] for f in findings]
    assert all(f["remedy"] for f in findings)


def test_the_issue_example_shape_with_given_layers(cli):
    run = cli(
        "gradients",
        *FAST,
        "--layers",
        "64,20,20,20,10",
        "--activation",
        "sigmoid",
        "--init",
        "normal",
        "--epochs",
        "3",
        "--json",
    )
    assert run.code == 0, run.err
    speeds = json.loads(run.out)["speeds"]
    assert [len(speeds), len(speeds[0])] == [4, 3]


def test_text_output_and_plot(cli, tmp_path):
    plot = tmp_path / "speeds.png"
    run = cli("gradients", *FAST, "--plot", plot)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[3].split()[:5] == ["epoch", "layer", "1", "layer", "2"]
    assert [line.split()[0] for line in lines[4:7]] == ["0", "1", "2"]
    assert "diagnosis:" in run.out and "Remedy:" in run.out
    assert f"plot written to {plot}" in run.out
    assert_png(plot)


def test_record_step_has_one_row_per_training_step(cli):
    run = cli("gradients", *FAST, "--record", "step", "--batch-size", "50", "--json")
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert result["steps"] == list(range(6))  # 150 images / 50 per batch x 2 epochs
    assert len(result["speeds"]) == 6


def test_batch_norm_and_clipping_run_on_the_autodiff_engine(cli):
    run = cli("gradients", *FAST, "--batch-norm", "--clip-norm", "1", "--json")
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert result["engine"] == "autodiff" and result["batch_norm"] and result["clip"] == 1.0


def test_exploding_run_is_strict_json(cli):
    run = cli(
        "gradients", *FAST, "--activation", "relu", "--init", "normal", "--lr", "5",
        "--cost", "cross-entropy", "--json",
    )  # fmt: skip
    assert run.code == 0, run.err
    result = json.loads(run.out)  # NaN would not parse as strict JSON: it is null
    kinds = [f["kind"] for f in result["diagnosis"]["findings"]]
    assert result["diverged"] and "non_finite" in kinds


def test_same_seed_same_numbers(cli):
    first = json.loads(cli("gradients", *FAST, "--seed", "3", "--json").out)
    second = json.loads(cli("gradients", *FAST, "--seed", "3", "--json").out)
    other = json.loads(cli("gradients", *FAST, "--seed", "4", "--json").out)
    assert first == second
    assert first["speeds"] != other["speeds"]


@pytest.mark.parametrize(("data", "train_size"), [("xor", 150), ("moons", 150), ("spirals", 225)])
def test_default_train_size_is_capped_at_a_small_data_set(cli, data, train_size):
    # the published 1000 is a default, not a demand: a smaller set is used whole
    run = cli("gradients", "--data", data, "--epochs", "0", "--json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["train_size"] == train_size


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--data", "nope"], "unknown data set 'nope'"),
        (["--data", "xor", "--train-size", "1000"], "--train-size 1000"),
        (["--data", "digits", "--layers", "64,,30,10"], "argument --layers: empty item"),
        (["--data", "digits", "--layers", "784,30,10"], "does not fit digits"),
        (["--data", "digits", "--layers", "64,10"], "at least one hidden layer"),
        (["--data", "digits", "--epochs", "-1"], "--epochs"),
        (["--data", "digits", "--plot", "speeds.bmp"], ".png, .svg or .pdf"),
        (["--data", "digits", "--plot", "/no/such/folder/s.png"], "does not exist"),
        (["--data", "digits", "--lr", "-1"], "--lr"),
        (["--data", "digits", "--activation", "softmax"], "--activation"),
        (["--data", "digits", "--engine", "classic", "--batch-norm"], "autodiff"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, argv, says):
    run = cli("gradients", *argv)
    assert run.code == 2
    assert says in run.error_line
    assert run.out == ""


def test_a_network_stuck_at_chance_is_diagnosed_as_not_learning(cli):
    """The deep logistic net at a small learning rate: the loss falls, accuracy stays 0.1."""
    run = cli("gradients", *FAST, "--lr", "0.01", "--json")
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert result["train_accuracy"] <= 0.15
    kinds = [f["kind"] for f in result["diagnosis"]["findings"]]
    assert kinds[-1] == "not_learning" and "vanishing" in kinds
    finding = result["diagnosis"]["findings"][-1]
    assert finding["numbers"]["chance"] == pytest.approx(0.1)
    assert "likely cause: vanishing" in finding["message"]
    learning = ["--activation", "tanh", "--init", "xavier", "--json"]
    healthy = json.loads(cli("gradients", *FAST, *learning).out)
    assert healthy["train_accuracy"] > 0.3  # well above chance: no finding
    assert "not_learning" not in [f["kind"] for f in healthy["diagnosis"]["findings"]]


def test_factor_split_is_printed_and_diagnosed(cli):
    run = cli("gradients", *FAST)
    assert run.code == 0, run.err
    assert "where δ shrinks or grows on its way back, epoch 0" in run.out
    assert "σ' is what shrinks δ" in run.out
    assert "hidden layer 2: σ' averages" in run.out


def test_rerun_with_a_remedy_side_by_side(cli):
    run = cli("gradients", *FAST, "--rerun-with", "smaller-lr")
    assert run.code == 0, run.err
    assert "rerun with smaller-lr (a learning rate ten times smaller), from the same initial" in (
        run.out
    )
    assert "diagnosis of the rerun:" in run.out
    as_json = cli("gradients", *FAST, "--rerun-with", "relu-he", "--json")
    rerun = json.loads(as_json.out)["rerun"]
    assert rerun["remedy"] == "relu-he" and rerun["after"]["activation"] == "relu"
    assert rerun["diagnosis"]["findings"]


def test_rerun_with_an_unknown_remedy_is_one_line(cli):
    run = cli("gradients", *FAST, "--rerun-with", "dropout")
    assert run.code == 2
    assert "--rerun-with dropout: use one of relu-he" in run.error_line
