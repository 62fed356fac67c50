"""Fixtures for the CLI tests: run ``chainrule`` in-process, and a small saved model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from chainrule.cli.main import main
from chainrule.training import TrainConfig, train


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def error_line(self) -> str:
        """The one line a failing command writes to stderr."""
        assert self.err.endswith("\n") and self.err.count("\n") == 1, repr(self.err)
        return self.err.strip()


@pytest.fixture
def cli(capsys):
    """``cli("train", "--epochs", "1")`` runs the command line in-process -> Run."""

    def run(*argv: str) -> Run:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: --help, usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def model_file(tmp_path_factory) -> Path:
    """A model trained on digits for two epochs, with standardized inputs."""
    path = tmp_path_factory.mktemp("model") / "digits.safetensors"
    config = TrainConfig(
        train_size=200,
        test_size=100,
        epochs=2,
        engine="autodiff",
        optimizer="adam",
        lr=0.01,
        cost="cross-entropy",
        init="xavier",
        standardize=True,
    )
    train(config, save=path)
    return path
