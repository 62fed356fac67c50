"""``chainrule train``: output, --json, progress, Ctrl-C and --resume, bad input."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.cli import train as train_cli
from chainrule.data import write_idx
from chainrule.serialization import load_tensors
from chainrule.training import loop

FAST = ["--train-size", "200", "--test-size", "100", "--epochs", "2"]
ADAM_DROPOUT = [
    *FAST,
    "--epochs",
    "3",
    "--engine",
    "autodiff",
    "--optimizer",
    "adam",
    "--lr",
    "0.01",
    "--dropout",
    "0.2",
    "--schedule",
    "cosine",
]


def test_text_output_has_every_epoch_and_a_summary(cli):
    run = cli("train", *FAST)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].startswith("epoch   1  loss ")
    assert "train acc" in lines[1] and "test acc" in lines[1]
    assert lines[2].startswith("done: classic engine, 2 epochs")
    assert run.err == ""  # not a terminal: no progress bar


def test_json_output(cli):
    run = cli("train", *FAST, "--val-size", "50", "--json")
    assert run.code == 0
    assert run.err == ""
    result = json.loads(run.out)
    assert 0 <= result["test_accuracy"] <= 1
    assert 0 <= result["val_accuracy"] <= 1
    assert len(result["train_loss"]) == 2
    assert result["seconds"] > 0
    assert result["config"]["layers"] == [64, 32, 10]
    again = json.loads(cli("train", *FAST, "--val-size", "50", "--json").out)
    assert again["train_loss"] == result["train_loss"]
    assert again["test_accuracy"] == result["test_accuracy"]
    other = json.loads(cli("train", *FAST, "--seed", "1", "--json").out)
    assert other["train_loss"] != result["train_loss"]


def test_progress_bar_only_at_a_terminal(cli, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    shown = cli("train", *FAST)
    # one bar over the whole run, left in place, with the last epoch's numbers
    assert shown.err.count("\n") == 1 and "training: 100%" in shown.err
    assert "epoch=2" in shown.err and "loss=" in shown.err and "test=" in shown.err
    hidden = cli("train", *FAST, "--json")
    assert hidden.err == ""


def test_ctrl_c_saves_and_resume_finishes_the_same_run(cli, tmp_path, monkeypatch):
    full_path, cut_path = tmp_path / "full.safetensors", tmp_path / "cut.safetensors"
    full = json.loads(cli("train", *ADAM_DROPOUT, "--save", full_path, "--json").out)

    calls = 0

    def press_ctrl_c(step, loss, learner):  # in the middle of epoch 2 (20 steps per epoch)
        nonlocal calls
        calls += 1
        if calls == 20 + 7:
            raise KeyboardInterrupt

    monkeypatch.setattr(train_cli, "train", functools.partial(loop.train, on_batch=press_ctrl_c))
    stopped = cli("train", *ADAM_DROPOUT, "--save", cut_path)
    assert stopped.code == 130
    assert stopped.out.splitlines()[0].startswith("epoch   1")
    assert f"continue with --resume {cut_path}" in stopped.out
    monkeypatch.undo()

    resumed = cli("train", "--resume", cut_path, "--json")  # its settings come from the file
    assert resumed.code == 0, resumed.err
    result = json.loads(resumed.out)
    assert result["train_loss"] == full["train_loss"]
    assert result["test_accuracy"] == full["test_accuracy"]
    full_arrays, _ = load_tensors(full_path)
    cut_arrays, _ = load_tensors(cut_path)  # resuming saves back to the file by default
    assert sorted(full_arrays) == sorted(cut_arrays)
    for name, array in full_arrays.items():
        np.testing.assert_array_equal(cut_arrays[name], array, err_msg=name)


def test_resume_with_other_settings_names_them(cli, tmp_path):
    path = tmp_path / "m.safetensors"
    assert cli("train", *FAST, "--save", path).code == 0
    run = cli("train", "--resume", path, "--lr", "0.5")
    assert run.code == 2
    assert "other settings (lr 3.0 there, 0.5 here)" in run.error_line


@pytest.mark.parametrize("epochs", ["1", "2"])
def test_resume_of_a_model_trained_that_far_does_nothing_and_says_so(cli, tmp_path, epochs):
    """It printed "model saved" and rewrote the file, having trained nothing."""
    path = tmp_path / "m.safetensors"
    assert cli("train", *FAST, "--save", path).code == 0
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.read_bytes()
    run = cli("train", "--resume", path, "--epochs", epochs)
    assert run.code == 0, run.err
    assert run.out == (
        f"{path} is already trained 2 epochs (--epochs {epochs}): nothing to do; "
        "the file is left as it is\n"
    )
    assert path.stat().st_mtime_ns == 1_000_000_000 and path.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
    longer = cli("train", "--resume", path, "--epochs", "3")  # one more epoch still trains
    assert longer.code == 0 and "model saved" in longer.out
    assert path.stat().st_mtime_ns != 1_000_000_000


def _fake_idx(root: Path, bad_label: int | None = None) -> Path:
    rng = np.random.default_rng(0)
    root.mkdir()
    labels = rng.integers(0, 10, 30).astype(np.uint8)
    if bad_label is not None:
        labels[4] = bad_label
    write_idx(root / "train-images-idx3-ubyte", rng.integers(0, 256, (30, 4, 4), dtype=np.uint8))
    write_idx(root / "train-labels-idx1-ubyte", labels)
    write_idx(root / "t10k-images-idx3-ubyte", rng.integers(0, 256, (10, 4, 4), dtype=np.uint8))
    write_idx(root / "t10k-labels-idx1-ubyte", rng.integers(0, 10, 10).astype(np.uint8))
    return root


def test_idx_folder_trains(cli, tmp_path):
    root = _fake_idx(tmp_path / "idx")
    run = cli("train", "--data", "mnist", "--data-root", root, "--layers", "16,8,10", "--epochs", 1)
    assert run.code == 0, run.err


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--layers", "784,30,10"], "digits has 64 features but the first layer takes 784"),
        (["--layers", "64,30,5"], "digits has 10 classes but the output layer has 5 neurons"),
        (["--data", "cifar"], "unknown data set 'cifar'"),
        (["--data", "fashion-mnist", "--data-root", "/nonexistent"], "no folder /nonexistent"),
        (
            ["--data", "mnist", "--data-root", "/nonexistent"],
            "no folder /nonexistent; give --data-root (root= in Python) a folder",
        ),
        (["--train-size", "5000"], "--train-size 5000 (train_size= in Python) but only 1347"),
        (["--test-size", "0"], "test size must be at least 1, got 0"),
        (["--seed", "-1"], "seed must be an integer of 0 or more, got -1"),
        (["--lr", "-1"], "argument --lr: expected a positive number"),
        (["--activation", "swish"], "argument --activation: invalid choice: 'swish'"),
        (["--layers", "64,x,10"], "argument --layers: expected comma-separated integers"),
        (["--layers", "64,,10"], "argument --layers: empty item in '64,,10'"),
        (["--epochs", "-3"], "epochs must be 0 or more"),
        (["--optimizer", "adam"], "needs --engine autodiff"),
        (["--val-size", "1347"], "validation size 1347 leaves nothing to train on"),
        (["--resume", "/nonexistent.safetensors"], "/nonexistent.safetensors: no such file"),
        (["--save", "/nonexistent/m.safetensors"], "no folder /nonexistent"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, argv, names):
    run = cli("train", *argv)
    assert run.code == 2
    assert names in run.error_line
    # argparse reports unknown options from the top-level parser, as "chainrule: error:"
    assert run.error_line.startswith(("chainrule train: error: ", "chainrule: error: "))
    assert run.out == ""


def test_labels_out_of_range_in_an_idx_folder(cli, tmp_path):
    root = _fake_idx(tmp_path / "idx", bad_label=12)
    run = cli("train", "--data", "mnist", "--data-root", root, "--layers", "16,8,10")
    assert run.code == 2
    assert "train-labels-idx1-ubyte: 1 label(s) outside 0..9; the first is 12" in run.error_line


def test_the_console_script(tmp_path):
    script = Path(sys.executable).with_name("chainrule")
    model = tmp_path / "m.safetensors"
    done = subprocess.run(
        [script, "train", *FAST, "--save", model, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["checkpoint"] == str(model)
    bad = subprocess.run(
        [script, "evaluate", tmp_path], capture_output=True, text=True, timeout=60, check=False
    )
    assert bad.returncode == 2
    assert (
        bad.stderr == f"chainrule evaluate: error: {tmp_path}: is a directory, not a model file\n"
    )
