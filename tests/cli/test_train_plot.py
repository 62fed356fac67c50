"""``chainrule train --plot FILE``: the decision-boundary figure for 2-D data, or one line."""

from __future__ import annotations

import os

import pytest


def test_plot_writes_a_png_for_2d_data(cli, tmp_path):
    out = tmp_path / "xor.png"
    run = cli(
        "train",
        "--data",
        "xor",
        "--layers",
        "2,4,2",
        "--activation",
        "tanh",
        "--cost",
        "cross-entropy",
        "--epochs",
        "2",
        "--lr",
        "0.5",
        "--plot",
        out,
    )
    assert run.code == 0, run.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out) in run.out.splitlines()[-1]


def test_plot_of_non_2d_data_is_one_line_before_training(cli, tmp_path):
    out = tmp_path / "digits.png"
    run = cli("train", "--epochs", "1", "--plot", out)
    assert run.code == 2
    assert "--plot" in run.error_line and "64 input features" in run.error_line
    assert "epoch" not in run.out and not out.exists()


@pytest.mark.parametrize(
    ("plot", "words"),
    [
        ("x.txt", "use a .png, .svg or .pdf file name"),
        ("no-such-folder/x.png", "does not exist"),
        ("a-folder.png", "is a folder"),
        (os.devnull, "use a .png, .svg or .pdf file name"),
    ],
)
def test_a_plot_file_that_cannot_be_written_is_one_line_before_training(cli, tmp_path, plot, words):
    """Nothing is trained or saved when --plot names a file that cannot be drawn or written."""
    (tmp_path / "a-folder.png").mkdir()
    save = tmp_path / "m.safetensors"
    plot_path = plot if os.path.isabs(plot) else tmp_path / plot
    run = cli("train", "--data", "xor", "--layers", "2,4,2", "--epochs", "1", "--save", save)
    assert run.code == 0 and save.exists()  # the same run without --plot trains and saves
    save.unlink()
    argv = ("train", "--data", "xor", "--layers", "2,4,2", "--epochs", "1", "--save", save)
    run = cli(*argv, "--plot", plot_path)
    assert run.code == 2
    assert "--plot" in run.error_line and words in run.error_line
    assert "epoch" not in run.out and not save.exists()
