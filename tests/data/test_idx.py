"""The IDX reader and writer on small files written here (raw and gzip), good and broken."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import read_idx, write_idx
from chainrule.errors import DataError

FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_every_idx_type(tmp_path, dtype, suffix):
    rng = np.random.default_rng(1)
    array = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)
    assert back.dtype.isnative
    assert back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_header_layout_is_big_endian(tmp_path):
    path = tmp_path / "x-idx2"
    write_idx(path, np.array([[258, 1, 2]], dtype=np.int16))
    raw = path.read_bytes()
    assert raw[:4] == bytes([0, 0, 0x0B, 2])  # magic: short, 2 dims
    assert raw[4:12] == bytes([0, 0, 0, 1, 0, 0, 0, 3])  # dims 1 and 3
    assert raw[12:14] == bytes([1, 2])  # 258 big-endian
    assert len(raw) == 12 + 3 * 2


def test_gz_name_compresses_and_gzip_is_detected_by_content(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    # a gzip file without the .gz suffix is still read
    (tmp_path / "renamed").write_bytes((tmp_path / "a.gz").read_bytes())
    np.testing.assert_array_equal(read_idx(tmp_path / "renamed"), array)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(DataError, match=r"nothere-idx1-ubyte.*no such file"):
        read_idx(tmp_path / "nothere-idx1-ubyte")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_truncated_payload(tmp_path, suffix):
    full = tmp_path / "full"
    write_idx(full, np.zeros((2, 3, 3), dtype=np.uint8))
    cut = full.read_bytes()[:-1]
    path = tmp_path / f"cut-idx3-ubyte{suffix}"
    path.write_bytes(gzip.compress(cut) if suffix else cut)
    with pytest.raises(DataError, match=r"cut-idx3-ubyte.*truncated.*needs 18 bytes.*found 17"):
        read_idx(path)


def test_trailing_bytes_are_rejected(tmp_path):
    path = tmp_path / "long-idx1"
    write_idx(path, np.zeros(4, dtype=np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00\x00")
    with pytest.raises(DataError, match=r"long-idx1.*2 unexpected bytes"):
        read_idx(path)


@pytest.mark.parametrize(
    "head",
    [
        b"\x01\x00\x08\x01",  # first byte not zero
        b"\x00\x00\x0a\x01",  # type code 0x0A does not exist
        b"PK\x03\x04",  # a zip file
    ],
)
def test_bad_magic(tmp_path, head):
    path = tmp_path / "bad-magic"
    path.write_bytes(head + b"\x00\x00\x00\x01" + b"\x00")
    with pytest.raises(DataError, match=r"bad-magic.*bad magic number"):
        read_idx(path)


def test_wrong_number_of_dims(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(path, np.zeros(5, dtype=np.uint8))
    with pytest.raises(DataError, match=r"labels-idx1-ubyte.*expected 3 dimension.*has 1"):
        read_idx(path, ndim=3)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated header"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        # 65536^4 bytes wraps to 0 in int64: the size check must use Python ints
        (b"\x00\x00\x08\x04" + b"\x00\x01\x00\x00" * 4, "truncated"),
    ],
)
def test_short_or_empty_headers(tmp_path, blob, message):
    path = tmp_path / "short-file"
    path.write_bytes(blob)
    with pytest.raises(DataError, match=rf"short-file.*{message}"):
        read_idx(path)


def test_corrupt_gzip_stream(tmp_path):
    good = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 3, 232]) + bytes(1000))
    path = tmp_path / "broken.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match=r"broken\.gz.*corrupt gzip"):
        read_idx(path)


def test_gzip_bomb_is_decompressed_only_as_far_as_the_header_says(tmp_path):
    # 10 announced bytes, then 64 MiB of zeros that compress to ~64 KiB
    header = bytes([0, 0, 8, 1, 0, 0, 0, 10])
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(header + bytes(10 + (64 << 20)), compresslevel=9))
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"bomb-idx1-ubyte\.gz: more than \d+ unexpected"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"read_idx held {peak} bytes for a 10-byte payload"


def test_gzip_with_a_few_trailing_bytes_counts_them(tmp_path):
    header = bytes([0, 0, 8, 1, 0, 0, 0, 3])
    path = tmp_path / "long.gz"
    path.write_bytes(gzip.compress(header + bytes(3 + 5)))
    with pytest.raises(DataError, match=r"long\.gz: 5 unexpected bytes after the data of shape"):
        read_idx(path)


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        read_idx(tmp_path)


def test_write_rejects_types_idx_cannot_hold(tmp_path):
    with pytest.raises(DataError, match="int64"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))
    with pytest.raises(DataError, match="dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


@pytest.mark.skipif(not FASHION_ROOT.is_dir(), reason="dataset-fashion-mnist not installed")
def test_real_fashion_mnist_test_files():
    labels = read_idx(FASHION_ROOT / "t10k-labels-idx1-ubyte.gz", ndim=1)
    images = read_idx(FASHION_ROOT / "t10k-images-idx3-ubyte.gz", ndim=3)
    assert images.shape == (10000, 28, 28)
    assert images.dtype == np.uint8
    assert labels.shape == (10000,)
    assert np.bincount(labels).tolist() == [1000] * 10
