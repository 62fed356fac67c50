"""Fixtures for the data tests: small MNIST-format folders written on the fly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import write_idx

IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass
class FakeMnist:
    root: Path
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    def path(self, key: str) -> Path:
        """The file written for ``key`` (with or without .gz)."""
        base = IDX_NAMES[key]
        gz = self.root / f"{base}.gz"
        return gz if gz.exists() else self.root / base


def write_fake_mnist(
    root: Path, n_train: int = 12, n_test: int = 6, side: int = 4, gz: bool = True, seed: int = 0
) -> FakeMnist:
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, size=(n_train, side, side), dtype=np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, side, side), dtype=np.uint8),
        "test_labels": ((np.arange(n_test) * 3) % 10).astype(np.uint8),
    }
    arrays["train_images"][0, 0, 0] = 255  # so the scaled maximum is exactly 1
    suffix = ".gz" if gz else ""
    for key, array in arrays.items():
        write_idx(root / f"{IDX_NAMES[key]}{suffix}", array)
    return FakeMnist(root=root, **arrays)


@pytest.fixture
def fake_mnist(tmp_path: Path) -> FakeMnist:
    return write_fake_mnist(tmp_path / "mnist")


@pytest.fixture
def make_mnist(tmp_path: Path):
    """A factory: ``make_mnist("name", gz=False, n_train=...)`` writes a folder under tmp_path."""

    def make(name: str = "folder", **options) -> FakeMnist:
        return write_fake_mnist(tmp_path / name, **options)

    return make
