"""``chainrule evaluate MODEL``: the saved model's numbers, and files that cannot be read."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from chainrule.training import load_model


def test_save_then_evaluate_gives_the_training_numbers(cli, tmp_path):
    path = tmp_path / "m.safetensors"
    trained = cli("train", "--test-size", "200", "--epochs", "3", "--save", path, "--json")
    assert trained.code == 0, trained.err
    final = json.loads(trained.out)["epochs"][-1]
    run = cli("evaluate", path, "--json")
    assert run.code == 0
    result = json.loads(run.out)
    assert result["test"]["accuracy"] == final["test_accuracy"]
    assert result["test"]["loss"] == pytest.approx(final["test_loss"], rel=1e-6)
    assert result["train"]["accuracy"] == final["train_accuracy"]
    assert result["test"]["examples"] == 200
    text = cli("evaluate", path)
    assert (
        text.out.splitlines()[0] == f"{path}: classic engine, layers [64, 32, 10], 3 epochs trained"
    )
    assert f"accuracy {final['test_accuracy']:.4f}" in text.out


def test_evaluate_reports_the_validation_part(cli, tmp_path):
    path = tmp_path / "m.safetensors"
    assert cli("train", "--epochs", "1", "--val-size", "100", "--save", path).code == 0
    result = json.loads(cli("evaluate", path, "--json").out)
    assert result["val"]["examples"] == 100
    assert result["train"]["examples"] == 1347 - 100


def test_standardized_model_evaluates_from_raw_data(cli, model_file):
    result = json.loads(cli("evaluate", model_file, "--json", "--test-size", "100").out)
    learner, _ = load_model(model_file)
    assert learner.input_stats is not None
    assert result["test"]["accuracy"] > 0.8


def test_evaluate_on_data_of_another_shape(cli, model_file, tmp_path):
    run = cli("evaluate", model_file, "--data", "moons")
    assert run.code == 2
    assert "the model's first layer takes 64 features but moons has 2" in run.error_line
    assert "--layers" not in run.error_line  # evaluate has no --layers to change


@pytest.mark.parametrize("size", ["0", "-5"])
def test_a_test_size_below_1_is_refused_not_ignored(cli, model_file, size):
    run = cli("evaluate", model_file, "--test-size", size)
    assert run.code == 2
    assert (
        run.error_line == f"chainrule evaluate: error: --test-size must be at least 1, got {size}"
    )
    assert run.out == ""


@pytest.mark.parametrize("kind", ["garbage", "pickle", "truncated", "directory", "missing", "npy"])
def test_unreadable_model_file_is_one_line_and_exit_2(cli, model_file, tmp_path, kind):
    path = tmp_path / "bad.safetensors"
    if kind == "garbage":
        path.write_bytes(b"\x00\xffnot a model" * 40)
    elif kind == "pickle":
        path.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    elif kind == "truncated":
        path.write_bytes(model_file.read_bytes()[:500])
    elif kind == "directory":
        path.mkdir()
    elif kind == "npy":
        np.save(path, np.zeros(3))  # writes bad.safetensors.npy
        path = path.with_name(path.name + ".npy")
    for command in ("evaluate", "predict"):
        run = cli(command, path)
        assert run.code == 2
        assert run.error_line.startswith(f"chainrule {command}: error: {path}: ")
        assert run.out == ""
