"""The command line under hostile input: special files, sizes, damaged models; one line each."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from chainrule.serialization import load_tensors, save_tensors


def test_train_refuses_to_save_onto_a_fifo_before_training(cli, tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    started = time.perf_counter()
    run = cli("train", "--epochs", "30", "--save", fifo)
    assert run.code == 2 and "not a regular file" in run.error_line
    assert time.perf_counter() - started < 2  # refused before any training
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_derive_graph_through_a_link_to_a_fifo_is_refused(cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "graph.svg"
    link.symlink_to(fifo)
    run = cli("derive", "x * 2", "--at", "x=1", "--graph", link)
    assert run.code == 2 and "not a regular file" in run.error_line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


def test_a_fifo_as_input_is_named_as_such(cli, model_file, tmp_path):
    fifo = tmp_path / "rows.npy"
    os.mkfifo(fifo)
    run = cli("predict", model_file, "--input", fifo)
    assert run.code == 2
    assert "not a regular file" in run.error_line and "no such file" not in run.error_line


def test_an_npy_header_claiming_1e11_rows_is_refused(cli, model_file, tmp_path):
    path = tmp_path / "rows.npy"
    with path.open("wb") as f:
        header = {"descr": "<f4", "fortran_order": False, "shape": (10**11, 64)}
        np.lib.format.write_array_header_1_0(f, header)
        f.write(bytes(64 * 4))
    run = cli("predict", model_file, "--input", path)
    assert run.code == 2 and "rows.npy" in run.error_line and "bytes" in run.error_line


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--layers", "64,100000000000,10", "parameters"),
        ("--layers", "64,3000000,10", "parameters"),
        ("--epochs", "99999999999999999999999", "epochs"),
    ],
)
def test_sizes_past_the_limits_are_refused_before_any_work(cli, option, value, says):
    started = time.perf_counter()
    run = cli("train", option, value)
    assert run.code == 2 and says in run.error_line
    assert time.perf_counter() - started < 2


def _chainrule(*argv) -> subprocess.CompletedProcess:
    """The real command in a child process: its stderr is what a terminal would show."""
    code = "import sys; from chainrule.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, argv)], capture_output=True, text=True, timeout=120
    )


def test_extreme_weights_give_one_line_and_no_numpy_warning(model_file, tmp_path):
    arrays, meta = load_tensors(model_file)
    arrays["model.0.weight"] = np.full_like(arrays["model.0.weight"], 3e38)
    path = tmp_path / "extreme.safetensors"
    save_tensors(path, arrays, meta)
    for command in ("evaluate", "predict"):
        done = _chainrule(command, path)
        assert "Warning" not in done.stderr, done.stderr
        assert "nan" not in done.stdout.lower(), done.stdout
        assert done.stderr.count("\n") <= 1, done.stderr


@pytest.mark.parametrize("command", ["gradients", "compare"])
def test_plot_onto_a_fifo_is_refused_before_training(cli, tmp_path, monkeypatch, command):
    """Issue 17: ``--plot`` onto a FIFO was refused only when the figure was written, after
    the whole run; now before any of it: no data is even loaded."""
    import chainrule.cli.compare
    import chainrule.cli.gradients

    def load_data(args):
        raise AssertionError("the run started although --plot is a FIFO")

    monkeypatch.setattr(chainrule.cli.gradients, "load_data", load_data)
    monkeypatch.setattr(chainrule.cli.compare, "load_data", load_data)
    fifo = tmp_path / "speeds.png"
    os.mkfifo(fifo)
    run = cli(command, "--epochs", "3", "--train-size", "200", "--plot", fifo)
    assert run.code == 2 and "not a regular file" in run.error_line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize(
    ("command", "layers"),
    [
        ("formulas", "100000,100000,10"),
        ("train", "100000,100000,10"),
        ("gradients", "784,100000,100000,10"),
        ("compare", "784,100000,100000,10"),
    ],
)
def test_every_command_bounds_layers_before_any_work(cli, monkeypatch, command, layers):
    """formulas built the 10-billion-weight network (a NumPy MemoryError traceback);
    gradients and compare loaded the data first. Now one line naming --layers and the limit
    of train, before anything is built or loaded."""
    import chainrule.cli.compare
    import chainrule.cli.gradients

    def load_data(args):
        raise AssertionError("the run started although --layers is past the limit")

    monkeypatch.setattr(chainrule.cli.gradients, "load_data", load_data)
    monkeypatch.setattr(chainrule.cli.compare, "load_data", load_data)
    run = cli(command, "--layers", layers)
    assert run.code == 2
    assert run.error_line.startswith(f"chainrule {command}: error: --layers {layers} make")
    assert "more than the 20,000,000" in run.error_line


def test_formulas_bounds_the_number_of_layers(cli):
    run = cli("formulas", "--layers", ",".join(["2"] * 1001))
    assert run.code == 2 and "--layers: 1001 sizes, more than the 1000" in run.error_line


def test_export_to_a_missing_folder_names_the_folder_not_a_temporary_file(cli, tmp_path):
    model = tmp_path / "m.safetensors"
    assert (
        cli("train", "--data", "xor", "--layers", "2,4,2", "--epochs", "1", "--save", model).code
        == 0
    )
    out = tmp_path / "nowhere" / "x.onnx"
    run = cli("export", model, "--onnx", out)
    assert run.code == 2
    assert run.error_line == f"chainrule export: error: {out}: no folder {out.parent}"
