"""The digits read straight from scikit-learn's data file, without importing scikit-learn."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

from chainrule.data import load
from chainrule.data.datasets import read_bundled_digits
from chainrule.data.preprocessing import train_test_split
from chainrule.errors import DataError


def test_the_same_values_as_sklearn_load_digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels, labels = read_bundled_digits()
    assert pixels.dtype == bunch.data.dtype and labels.dtype == np.int64
    np.testing.assert_array_equal(pixels, bunch.data)
    np.testing.assert_array_equal(labels, bunch.target)


@pytest.mark.parametrize(("seed", "test_fraction"), [(0, 0.25), (7, 0.5)])
def test_load_digits_equals_the_former_sklearn_path(seed, test_fraction):
    # the loader as it was before it stopped importing scikit-learn
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (np.asarray(bunch.data, dtype=np.float64) / 16.0).astype(np.float32)
    y = np.asarray(bunch.target, dtype=np.int64)
    expected = train_test_split(x, y, test_fraction, rng=seed)
    ds = load("digits", seed=seed, test_fraction=test_fraction)
    for ours, theirs in zip((ds.x_train, ds.x_test, ds.y_train, ds.y_test), expected, strict=True):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_loading_digits_does_not_import_sklearn():
    code = (
        "import sys, chainrule.data as d; d.load('digits'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'pandas')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(DataError, match=r"digits\.csv\.gz: no such file$"):
        read_bundled_digits(tmp_path / "digits.csv.gz")


def test_missing_sklearn_is_one_line(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataError, match=r"scikit-learn is not installed.*pip install"):
        load("digits")


def _gz(data: bytes) -> bytes:
    """gzip with a fixed header time: pytest-xdist's workers must collect the same test ids."""
    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", r"corrupt gzip data"),
        (_gz(b"0," * 700_000), r"unpacks to more than 1048576 bytes"),
        (_gz(b"1,2,3\n4,5,6\n")[:-12], r"stream ends early|corrupt gzip"),
        (_gz(b"1,2,3\n4,5,6\n"), r"table of shape \(2, 3\), expected \(1797, 65\)"),
        (_gz(b"a,b\n"), r"not the digits CSV"),
        (_gz(("17," * 64 + "3\n").encode() * 1797), r"pixels outside 0\.\.16"),
        (_gz(("1," * 64 + "10\n").encode() * 1797), r"labels outside 0\.\.9"),
    ],
    ids=["not gzip", "too big", "cut short", "wrong shape", "not csv", "bad pixels", "bad labels"],
)
def test_bad_files_are_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "digits.csv.gz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        read_bundled_digits(path)
    assert "\n" not in str(info.value)


def test_a_folder_is_not_read(tmp_path):
    with pytest.raises(DataError, match=r"is a directory"):
        read_bundled_digits(tmp_path)
