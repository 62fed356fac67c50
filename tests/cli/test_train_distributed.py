"""``chainrule train --distributed``: ``mpiexec -n 2`` against one process, and the errors.

The MPI tests run where mpiexec and mpi4py are installed (the ``[mpi]`` extra; ``make test``
installs it) and skip elsewhere, saying why.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


def test_without_mpi4py_the_cli_says_so_in_one_line(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py raises ImportError
    run = cli("train", "--epochs", "1", "--train-size", "50", "--distributed")
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and "pip install 'chainrule[mpi]'" in run.err


# --------------------------------------------------------------------------- real MPI


def _mpi() -> tuple[str, dict[str, str]]:
    """mpiexec and the environment that lets mpi4py find its libmpi, or a skip saying why."""
    spec = importlib.util.find_spec("mpi4py")
    if spec is None or spec.origin is None:
        pytest.skip("mpi4py is not installed (the optional [mpi] extra)")
    prefix = Path(spec.origin).parents[4]  # <prefix>/lib/pythonX.Y/site-packages/mpi4py
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for lib in ("libmpi.so.12", "libmpi.so"):  # the mpich wheel's, beside mpi4py
        if (prefix / "lib" / lib).exists():
            env.setdefault("MPI4PY_LIBMPI", str(prefix / "lib" / lib))
            break
    for candidate in (Path(sys.prefix) / "bin" / "mpiexec", prefix / "bin" / "mpiexec"):
        if candidate.exists():
            return str(candidate), env
    found = shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec (pip install 'chainrule[mpi]' brings MPICH's)")
    return found, env


TRAIN = [sys.executable, "-m", "chainrule", "train", "--layers", "64,12,12,10"]
TRAIN += ["--epochs", "2", "--train-size", "203", "--test-size", "50", "--lr", "1", "--json"]


@pytest.mark.parametrize(
    "engine",
    [
        ["--engine", "classic"],
        ["--engine", "autodiff", "--optimizer", "adam", "--lr", "0.01", "--clip-norm", "1"],
    ],
    ids=["classic", "autodiff"],
)
def test_mpiexec_two_processes_give_the_weights_of_one(tmp_path, engine):
    mpiexec, env = _mpi()
    from safetensors.numpy import load_file

    one = subprocess.run(
        [*TRAIN, *engine, "--save", tmp_path / "one.safetensors"],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    two_dir = tmp_path / "two"
    two_dir.mkdir()
    two = subprocess.run(
        [mpiexec, "-n", "2", *TRAIN, *engine, "--distributed", "--save", "two.safetensors"],
        capture_output=True, text=True, env=env, timeout=120, cwd=two_dir,
    )  # fmt: skip
    assert two.returncode == 0, two.stderr
    assert list(two_dir.iterdir()) == [two_dir / "two.safetensors"]  # rank 0 alone wrote
    report = json.loads(two.stdout)  # one JSON object: rank 0 alone printed
    assert report["train_loss"] == pytest.approx(json.loads(one.stdout)["train_loss"], rel=1e-5)
    ones, twos = load_file(tmp_path / "one.safetensors"), load_file(two_dir / "two.safetensors")
    assert sorted(ones) == sorted(twos)
    for name in ones:  # float32 weights of size ~1-4: the sums' order moves the last bits
        np.testing.assert_allclose(twos[name], ones[name], atol=2e-6, err_msg=name)


def test_distributed_outside_mpiexec_is_one_line_exit_2():
    _, env = _mpi()
    alone = subprocess.run(
        [*TRAIN, "--distributed"], capture_output=True, text=True, env=env, timeout=120
    )
    assert alone.returncode == 2 and alone.stdout == ""
    assert alone.stderr.count("\n") == 1 and "this process is alone" in alone.stderr


def test_a_bad_save_path_stops_every_process_with_exit_2(tmp_path):
    mpiexec, env = _mpi()
    bad = str(tmp_path / "no-such-folder" / "m.safetensors")
    run = subprocess.run(
        [mpiexec, "-n", "2", *TRAIN, "--distributed", "--save", bad],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and run.stdout == ""
    assert "no folder" in run.stderr  # rank 0's reason; rank 1 says it stopped with it
    assert "another process stopped before training" in run.stderr


FAILS_ON_RANK_1 = """
from chainrule.training import TrainConfig, train
from chainrule.training.distributed import DataParallel

parallel = DataParallel.world()


def on_batch(step, loss, learner):
    if parallel.rank == 1 and step == 5:
        raise OSError(28, "No space left on device", "scratch")


train(TrainConfig(layers=(64, 12, 10), epochs=3, train_size=203), data_parallel=parallel,
      on_batch=on_batch)
print("finished", parallel.rank)
"""


def test_a_process_failing_mid_training_stops_every_process(tmp_path):
    # rank 0 would wait in the next step's Allreduce forever (and rank 1 in MPI_Finalize):
    # the failing process names itself in one line and aborts the MPI job
    mpiexec, env = _mpi()
    script = tmp_path / "fails.py"
    script.write_text(FAILS_ON_RANK_1)
    run = subprocess.run(
        [mpiexec, "-n", "2", sys.executable, script],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and "finished" not in run.stdout
    line = "chainrule: process 1 of 2 stopped: [Errno 28] No space left on device: 'scratch'"
    assert line in run.stderr


def _ctrl_c_interrupts() -> None:
    """In mpiexec's process: Ctrl-C as a terminal sends it (a shell running the tests in the
    background ignores it, and the ignoring would be inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_under_mpiexec_stops_every_process_and_keeps_the_last_epoch(tmp_path):
    # mpiexec passes Ctrl-C to every process, each at its own point of a step: one raising
    # at once would leave the others in the Allreduce forever; they stop at the same step
    mpiexec, env = _mpi()
    command = [mpiexec, "-n", "2", *TRAIN[:6], "--train-size", "203", "--test-size", "50"]
    command += ["--epochs", "10000", "--distributed", "--save", "m.safetensors"]
    run = subprocess.Popen(
        command, cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, preexec_fn=_ctrl_c_interrupts,
    )  # fmt: skip
    try:
        assert run.stdout is not None
        for line in run.stdout:  # the second epoch's line: training is under way
            if line.split()[:2] == ["epoch", "2"]:
                break
        run.send_signal(signal.SIGINT)
        _out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, err
    assert "interrupted" in err
    from chainrule.training import checkpoint

    saved = checkpoint.load(tmp_path / "m.safetensors")
    assert saved.epoch >= 2
