"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the values in
C order, big-endian. The magic number is two zero bytes, a type code and the number of dims:

====  ==============  =====
code  type            bytes
====  ==============  =====
0x08  unsigned byte   1
0x09  signed byte     1
0x0B  short           2
0x0C  int             4
0x0D  float           4
0x0E  double          8
====  ==============  =====

Files may be gzip-compressed (``*.gz``); the reader recognises gzip by its first two bytes, so
the file name does not have to say, and decompresses no more than the header announces.
The payload is checked before it is read: against the file's size (raw) and at most
``MAX_IDX_BYTES`` (gzip, whose size shows only once read).
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from chainrule.errors import DataError
from chainrule.files import open_regular
from chainrule.serialization import atomic_write_bytes

__all__ = ["read_idx", "write_idx"]

# type code -> big-endian dtype stored in the file
_CODE_TO_DTYPE = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_KIND_SIZE_TO_CODE = {(dt.kind, dt.itemsize): code for code, dt in _CODE_TO_DTYPE.items()}
_GZIP_MAGIC = b"\x1f\x8b"


# Reads go in chunks, so a header that announces more than the file holds costs no memory.
_CHUNK = 1 << 24
# How far past the announced payload the reader looks to count stray bytes.
_TRAILING_LOOK = 1 << 20
#: The largest payload read: 512 MiB, ten times MNIST's 47 MB of training images.
MAX_IDX_BYTES = 1 << 29


def _open(path: Path) -> tuple[BinaryIO, int | None]:
    """The file as a stream of IDX bytes, and the bytes it holds (None for gzip, whose
    decompressed size is known only by reading). Gzip is decompressed on the fly, recognised
    by its first bytes; a FIFO or a device is refused without being read."""
    raw = open_regular(path, DataError, "an IDX file")
    size = os.fstat(raw.fileno()).st_size
    if raw.peek(2)[:2] != _GZIP_MAGIC:  # type: ignore[attr-defined]
        return raw, size
    return gzip.GzipFile(fileobj=raw, mode="rb"), None  # type: ignore[return-value]


def _read_up_to(stream: BinaryIO, n: int) -> bytearray:
    """At most ``n`` bytes, fewer only where the stream ends; grown chunk by chunk, so what
    is held is what the stream had, never what a header announced."""
    data = bytearray()
    while len(data) < n:
        part = stream.read(min(n - len(data), _CHUNK))
        if not part:
            break
        data += part
    return data


def read_idx(path: str | os.PathLike[str], *, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or gzip) into a native-byte-order array.

    ``ndim`` checks the number of dimensions (3 for image files, 1 for label files). Every
    problem -- a missing file, a bad magic number, a payload shorter or longer than the dims
    say, a corrupt gzip stream -- raises :class:`~chainrule.errors.DataError` naming the file.
    A gzip file is decompressed only as far as its header announces: the reader never holds
    more than the announced payload (and a little past it, to report stray bytes).

    >>> import tempfile, numpy as np
    >>> p = tempfile.mkdtemp() + "/labels-idx1-ubyte.gz"
    >>> write_idx(p, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(p, ndim=1)
    array([3, 1, 4], dtype=uint8)
    """
    path = Path(path)
    stream, size = _open(path)
    try:
        with stream:
            return _parse(path, stream, ndim, size)
    except (OSError, EOFError, zlib.error) as exc:
        if not isinstance(stream, gzip.GzipFile):
            raise DataError(f"{path}: cannot read ({exc})") from None
        # gzip raises BadGzipFile (an OSError) or EOFError on a cut-off stream
        raise DataError(f"{path}: corrupt gzip data ({exc or 'stream ends early'})") from None


def _parse(path: Path, stream: BinaryIO, ndim: int | None, size: int | None) -> np.ndarray:
    magic = _read_up_to(stream, 4)
    if len(magic) < 4:
        raise DataError(
            f"{path}: too short for an IDX file ({len(magic)} bytes, need a 4-byte magic)"
        )
    zero0, zero1, code, n_dims = magic
    if zero0 != 0 or zero1 != 0 or code not in _CODE_TO_DTYPE:
        raise DataError(
            f"{path}: bad magic number 0x{magic.hex()} (expected 0x0000TTDD with type code "
            "TT in 08, 09, 0B, 0C, 0D, 0E); not an IDX file"
        )
    if n_dims == 0:
        raise DataError(f"{path}: IDX header declares 0 dimensions")
    if ndim is not None and n_dims != ndim:
        raise DataError(f"{path}: expected {ndim} dimension(s), the file has {n_dims}")
    header_len = 4 + 4 * n_dims
    dims = _read_up_to(stream, 4 * n_dims)
    if len(dims) < 4 * n_dims:
        raise DataError(
            f"{path}: truncated header ({4 + len(dims)} bytes, {n_dims} dims need {header_len})"
        )
    shape = tuple(int(d) for d in np.frombuffer(dims, dtype=">u4"))
    dtype = _CODE_TO_DTYPE[code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no int64 wrap-around
    _check_announced(path, shape, expected, None if size is None else size - header_len)
    data = _read_up_to(stream, expected)
    if len(data) < expected:
        raise DataError(
            f"{path}: truncated: shape {shape} needs {expected} bytes of data, found {len(data)}"
        )
    extra = len(_read_up_to(stream, _TRAILING_LOOK + 1))
    if extra:
        count = str(extra) if extra <= _TRAILING_LOOK else f"more than {_TRAILING_LOOK}"
        raise DataError(f"{path}: {count} unexpected bytes after the data of shape {shape}")
    array = np.frombuffer(data, dtype=dtype)
    # astype copies, so the result is writable and in the machine's byte order
    return array.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _check_announced(path: Path, shape: tuple[int, ...], expected: int, held: int | None) -> None:
    """Refuse, before reading, a payload the file cannot hold (a raw file's size is known) or
    one past the limit (a gzip file's is not, and a bomb announces billions of images)."""
    if held is not None and expected > held:
        raise DataError(
            f"{path}: truncated: shape {shape} needs {expected} bytes of data, found {held} "
            "(all the file holds)"
        )
    if expected > MAX_IDX_BYTES:
        raise DataError(
            f"{path}: the header announces shape {shape}, {expected} bytes of data, more than "
            f"the {MAX_IDX_BYTES} bytes chainrule reads from an IDX file"
        )


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzip-compressed when the name ends in ``.gz``.

    The dtype must be one IDX can hold: uint8, int8, int16, int32, float32 or float64.

    >>> import tempfile, numpy as np
    >>> p = tempfile.mkdtemp() + "/images-idx3-ubyte"
    >>> write_idx(p, np.zeros((2, 28, 28), dtype=np.uint8))
    >>> read_idx(p).shape
    (2, 28, 28)
    """
    path = Path(path)
    array = np.asarray(array)
    code = _KIND_SIZE_TO_CODE.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise DataError(
            f"{path}: IDX cannot store dtype {array.dtype}; "
            "use uint8, int8, int16, int32, float32 or float64"
        )
    if array.ndim == 0 or array.ndim > 255:
        raise DataError(f"{path}: IDX needs 1 to 255 dimensions, got {array.ndim}")
    if any(d >= 2**32 for d in array.shape):
        raise DataError(f"{path}: a dimension of shape {array.shape} does not fit in uint32")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=_CODE_TO_DTYPE[code]).tobytes()
    blob = header + payload
    if path.name.endswith(".gz"):
        # mtime=0 keeps the bytes reproducible
        blob = gzip.compress(blob, mtime=0)
    atomic_write_bytes(path, blob)  # a crash mid-write keeps any previous file whole
