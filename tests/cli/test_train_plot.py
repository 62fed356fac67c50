"""``chainrule train --plot FILE``: the decision-boundary figure for 2-D data, or one line."""

from __future__ import annotations


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
