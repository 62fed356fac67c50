"""``chainrule train --blas-threads N``: a bad count is one line; a resumed run on another count
than its checkpoint records says so in one line, and trains."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from chainrule.training import checkpoint

SMALL = ["--train-size", "200", "--test-size", "100", "--layers", "64,256,256,10"]


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "expected a positive integer, got '0'"), ("abc", "expected an integer, got 'abc'")],
)
def test_a_bad_count_is_one_line_and_exit_2(cli, value, message):
    run = cli("train", "--blas-threads", value)
    assert run.code == 2
    assert run.error_line == f"chainrule train: error: argument --blas-threads: {message}"


def test_the_count_is_saved_and_a_resume_on_another_warns_in_one_line(cli, tmp_path):
    path = tmp_path / "model.safetensors"
    first = cli("train", *SMALL, "--epochs", "1", "--blas-threads", "2", "--save", path)
    assert first.code == 0 and first.err == ""
    assert checkpoint.load(path).blas_threads == 2
    with threadpool_limits(limits=2, user_api="blas"):  # on a 1-core machine too
        same = cli("train", "--resume", path, "--epochs", "2")
    assert same.code == 0 and same.err == ""  # the recorded count, where the process has it
    other = cli("train", "--resume", path, "--epochs", "3", "--blas-threads", "1")
    assert other.code == 0 and "epoch   3" in other.out
    assert other.error_line == (
        f"chainrule train: warning: {path} was trained on 2 BLAS threads and continues on "
        "1 BLAS thread: its sums may differ in the last bits from an uninterrupted run's"
    )
    assert checkpoint.load(path).blas_threads == 1
