"""Data files that announce more than they hold, and files that are not files."""

from __future__ import annotations

import gzip
import os
import time
import tracemalloc

import pytest

from chainrule.data import read_idx
from chainrule.errors import DataError


def _measured(call):
    """(the DataError ``call`` raised, peak bytes traced, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DataError) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, peak, time.perf_counter() - started


def test_a_gzip_file_announcing_four_billion_images_is_refused_before_reading(tmp_path):
    header = bytes([0, 0, 8, 3]) + (2**32 - 1).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + bytes(32 << 20), mtime=0))  # 32 MiB of zeros
    error, peak, seconds = _measured(lambda: read_idx(path, ndim=3))
    assert "announces" in str(error) and str(path) in str(error)
    assert peak < 4 << 20, f"read_idx held {peak} bytes before refusing"
    assert seconds < 5


def test_a_raw_file_announcing_more_than_it_holds_is_refused_before_reading(tmp_path):
    header = bytes([0, 0, 8, 3]) + (60000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(header + bytes(8 << 20))
    error, peak, _ = _measured(lambda: read_idx(path, ndim=3))
    assert "the file holds" in str(error)
    assert peak < 2 << 20, f"read_idx held {peak} bytes before refusing"


def test_a_fifo_is_not_a_data_file(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    os.mkfifo(path)
    with pytest.raises(DataError, match="not a regular file"):
        read_idx(path)


def test_a_fifo_in_the_data_folder_is_named_as_such(tmp_path):
    from chainrule.data import load

    for base in ("train-images", "train-labels", "t10k-images", "t10k-labels"):
        os.mkfifo(tmp_path / f"{base}-idx{1 if 'labels' in base else 3}-ubyte")
    with pytest.raises(DataError, match="train-images-idx3-ubyte: is a FIFO, not a regular file"):
        load("mnist", root=tmp_path)
