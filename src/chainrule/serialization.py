"""Saving arrays to disk safely: safetensors files and atomic writes.

Weights go into `safetensors <https://huggingface.co/docs/safetensors>`_ files: an 8-byte
little-endian header length, a JSON header ``{name: {"dtype", "shape", "data_offsets"},
"__metadata__": {str: str}}``, then the raw little-endian bytes. Loading one parses JSON and
copies bytes; it never unpickles, so a file from a stranger cannot run code. chainrule keeps
its own metadata (architecture, hyperparameters, ...) as one JSON string under the
``"chainrule"`` key of ``__metadata__``.

Every write here is atomic: the bytes go to a temporary file in the target's folder, which is
flushed, fsync'ed and then renamed over the target with ``os.replace``. A crash or an
exception mid-write leaves the previous file as it was and no temporary file behind; Ctrl-C
(SIGINT, in the main thread) is held back until the new file is in place, then raised. What
may be replaced or read, and how much, follows :mod:`chainrule.files` (regular files only,
bounded reads, temporary files of killed writers removed, a write lock for training runs).

Since checkpoint version 2 every file carries a SHA-256 of its tensors and metadata
(``__metadata__["chainrule.sha256"]``), verified on load; a file without one (older versions,
other tools) loads with the other checks. A header may have at most 16 MiB and 10,000 tensors.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

import numpy as np

from chainrule.errors import ConfigError, DTypeError, ModelFileError
from chainrule.files import (
    JSONLimitError,
    bounded_json,
    read_regular,
    remove_stale_temporaries,
    writable_target,
    write_lock,
)
from chainrule.i18n import _

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "finite_json",
    "load_tensors",
    "save_tensors",
    "write_lock",
]

METADATA_KEY = "chainrule"
CHECKSUM_KEY = "chainrule.sha256"
_CHUNK = 1 << 20
# Bounds on what a file may make the reader build: far above any model chainrule trains
# (its metadata is a few kB per 10 epochs), far below what would cost seconds or gigabytes.
_MAX_HEADER = 16 * (1 << 20)
MAX_TENSORS = 10_000
# safetensors dtype codes that chainrule reads and writes
_CODE_TO_DTYPE = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_SAVABLE = {(dt.kind, dt.itemsize) for dt in _CODE_TO_DTYPE.values()}


# ---------------------------------------------------------------------------------------------
# atomic writes


def _write_chunks(f: BinaryIO, data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` in 1 MiB pieces (the step a crash test interrupts)."""
    view = memoryview(data).cast("B")
    for start in range(0, len(view), _CHUNK):
        f.write(view[start : start + _CHUNK])


def _final_mode(path: Path) -> int:
    """Keep an existing file's permissions; give a new one the usual 0o666 minus the umask."""
    try:
        if not path.is_symlink():  # a planted link that is replaced: its target's mode is not ours
            return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        pass
    umask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT back for the duration (main thread only) and raise it once it is over, so
    Ctrl-C never stops a write half-way: the file is whole, then the interrupt comes."""
    # Only the main thread may set handlers, and one not set from Python cannot be put back.
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is None
    ):
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)  # handled now by the handler put back


def atomic_write_bytes(
    path: str | os.PathLike[str],
    data: bytes | bytearray | memoryview,
    *,
    follow_symlinks: bool = True,
) -> Path:
    """Replace ``path`` with ``data`` all at once: readers see the old file or the new one.

    The folder must exist. Anything at ``path`` that is not a regular file (a FIFO, a device,
    a folder) is refused with :class:`~chainrule.errors.UnsafePathError` before anything is
    written. ``follow_symlinks=False`` replaces a symlink at ``path`` instead of its target
    (for files in a folder the program fills). Returns the path written.

    >>> import tempfile, pathlib
    >>> p = atomic_write_bytes(pathlib.Path(tempfile.mkdtemp()) / "blob.bin", b"abc")
    >>> p.read_bytes()
    b'abc'
    """
    path = Path(path)
    target = writable_target(path, follow_symlinks=follow_symlinks)
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, _("no folder {folder}").format(folder=directory), os.fspath(path)
        )
    mode = _final_mode(target)
    remove_stale_temporaries(directory, target.name)
    # The temporary name stays within the 255 bytes a file name may have, however long
    # the final one is; the pid in it tells a later write whether its writer still lives.
    stem = target.name.encode()[:200].decode(errors="ignore")
    with _interrupts_held(), _naming(path, prefix=f".{stem}.{os.getpid()}."):
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{stem}.{os.getpid()}.", suffix=".tmp", dir=directory
        )
        try:
            with os.fdopen(fd, "wb") as f:
                _write_chunks(f, data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp_name, mode)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(directory)
    return path


@contextlib.contextmanager
def _naming(path: Path, prefix: str) -> Iterator[None]:
    """An OSError about the temporary file (``.NAME.PID.XXXXXXXX.tmp``: a full disk, a folder
    without write permission) re-raised about ``path``, the file the user named."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None or not Path(os.fsdecode(exc.filename)).name.startswith(prefix):
            raise
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None


def try_writing_in(folder: str | os.PathLike[str]) -> None:
    """Raise the OSError that writing a file in ``folder`` would meet, by writing one.

    The sure test of permissions: ``os.access`` says yes to root, and a full disk or a
    read-only mount only shows when a file is created.

    >>> import tempfile
    >>> try_writing_in(tempfile.mkdtemp())
    """
    with tempfile.TemporaryFile(dir=folder):
        pass


def atomic_write_text(
    path: str | os.PathLike[str],
    text: str,
    encoding: str = "utf-8",
    *,
    follow_symlinks: bool = True,
) -> Path:
    """:func:`atomic_write_bytes` for text (an HTML report, a JSON file).

    >>> import tempfile, pathlib
    >>> p = atomic_write_text(pathlib.Path(tempfile.mkdtemp()) / "r.json", '{"ok": true}')
    >>> p.read_text()
    '{"ok": true}'
    """
    return atomic_write_bytes(path, text.encode(encoding), follow_symlinks=follow_symlinks)


def finite_json(value: Any) -> Any:
    """NaN/Inf -> None, tuples -> lists, NumPy scalars and arrays -> Python values, so that
    ``json.dumps(..., allow_nan=False)`` (strict JSON) accepts the result.

    >>> finite_json({"loss": [0.5, float("nan")], "best": np.float32(2), "w": np.array([np.inf])})
    {'loss': [0.5, None], 'best': 2.0, 'w': [None]}
    """
    if isinstance(value, dict):
        return {str(k): finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return finite_json(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ---------------------------------------------------------------------------------------------
# safetensors


def _safetensors_numpy() -> ModuleType:
    try:
        import safetensors.numpy
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "saving and loading models needs safetensors: pip install safetensors"
        ) from exc
    return safetensors.numpy


def save_tensors(
    path: str | os.PathLike[str],
    arrays: dict[str, np.ndarray],
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Save named arrays (and JSON-serialisable ``metadata``) as a safetensors file, atomically.

    Supported dtypes: float16/32/64, int8/16/32/64, uint8/16/32/64, bool.

    >>> import tempfile, pathlib, numpy as np
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> _ = save_tensors(p, {"0.weight": np.eye(2, dtype=np.float32)}, {"layers": [2, 2]})
    >>> arrays, meta = load_tensors(p)
    >>> arrays["0.weight"].tolist(), meta
    ([[1.0, 0.0], [0.0, 1.0]], {'layers': [2, 2]})
    """
    path = Path(path)
    if not isinstance(arrays, dict):
        raise ConfigError(
            f"save_tensors: arrays must be a dict of name -> array, not {type(arrays).__name__}"
        )
    tensors: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ConfigError(f"save_tensors: bad tensor name {name!r} for {path}")
        array = np.asarray(value)
        if (array.dtype.kind, array.dtype.itemsize) not in _SAVABLE:
            raise DTypeError(
                f"save_tensors: cannot save {name!r} of dtype {array.dtype} to {path}; "
                "use a float, int, uint or bool dtype"
            )
        # little-endian and C-contiguous: safetensors reads the array's memory as it lies
        array = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False)
        if not array.flags.c_contiguous:
            array = array.copy(order="C")
        tensors[name] = array
    header_meta = {}
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise ConfigError(
                f"save_tensors: metadata must be a dict, not {type(metadata).__name__}"
            )
        try:
            header_meta = {METADATA_KEY: json.dumps(metadata)}
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"save_tensors: metadata for {path} is not JSON-serialisable: {exc}"
            ) from None
    header_meta[CHECKSUM_KEY] = checksum(tensors, header_meta)
    blob = _safetensors_numpy().save(tensors, metadata=header_meta)
    return atomic_write_bytes(path, blob)


def checksum(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> str:
    """SHA-256 (hex) over every tensor's name, dtype, shape and bytes, in name order, then
    the metadata strings (all but the checksum itself): one flipped bit changes it.

    >>> a = checksum({"w": np.zeros(2, np.float32)}, {})
    >>> len(a), a == checksum({"w": np.array([0.0, -0.0], np.float32)}, {})
    (64, False)
    """
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        digest.update(f"{name}\0{little.dtype.str}\0{array.shape}\0".encode())
        digest.update(little.reshape(-1).view(np.uint8))
    for key in sorted(metadata):
        if key != CHECKSUM_KEY:
            digest.update(f"{key}\0{metadata[key]}\0".encode())
    return digest.hexdigest()


def _fail(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}")


def first_line(exc: BaseException) -> str:
    """An exception's message in one line (its first), or its type's name when it has none.

    >>> first_line(ValueError("bad\\nmore"))
    'bad'
    """
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _parse_header(path: Path, data: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the header and every tensor's extent before any bytes are interpreted."""
    if len(data) < 8:
        raise _fail(path, f"not a safetensors file ({len(data)} bytes, too short for a header)")
    n = int.from_bytes(data[:8], "little")
    if n < 2 or n > _MAX_HEADER:
        raise _fail(path, f"not a safetensors file (implausible header length {n})")
    if n > len(data) - 8:
        raise _fail(path, f"truncated: the header needs {n} bytes, only {len(data) - 8} follow")
    try:
        header = bounded_json(data[8 : 8 + n].decode("utf-8"), max_objects=MAX_TENSORS + 2)
    except JSONLimitError as exc:
        problem = f"more than {MAX_TENSORS} tensors" if exc.objects else str(exc)
        raise _fail(path, f"not a safetensors file (bad JSON header: {problem})") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail(path, f"not a safetensors file (bad JSON header: {first_line(exc)})") from None
    if not isinstance(header, dict):
        raise _fail(path, "not a safetensors file (the header is not a JSON object)")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _fail(path, "bad header: __metadata__ must map strings to strings")
    payload = len(data) - 8 - n
    end_max = 0
    for name, entry in header.items():
        try:
            dtype = _CODE_TO_DTYPE[entry["dtype"]]
            shape = [_whole(d) for d in entry["shape"]]
            begin, end = (_whole(o) for o in entry["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise _fail(path, f"bad header entry for tensor {name!r}: {entry!r:.80}") from None
        if any(d < 0 for d in shape) or not 0 <= begin <= end:
            raise _fail(path, f"bad shape or offsets for tensor {name!r}")
        if end - begin != math.prod(shape) * dtype.itemsize:  # Python ints: no wrap-around
            raise _fail(path, f"tensor {name!r}: offsets do not match shape {tuple(shape)}")
        end_max = max(end_max, end)
    if end_max > payload:
        raise _fail(path, f"truncated: the tensors need {end_max} bytes of data, found {payload}")
    if end_max < payload:
        raise _fail(path, f"{payload - end_max} unexpected bytes after the tensor data")
    return header, meta


def _whole(value: Any) -> int:
    """A JSON whole number; anything else (1e99999 reads as inf, true, "3") is a TypeError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a whole number: {value!r:.40}")
    return value


@dataclass
class TensorFile:
    """What :func:`read_tensors` found: the arrays, the metadata, and whether a checksum was
    stored (and matched: a mismatch is an error)."""

    arrays: dict[str, np.ndarray]
    metadata: dict[str, Any]
    checksummed: bool


def read_tensors(path: str | os.PathLike[str]) -> TensorFile:
    """:func:`load_tensors`, saying also whether the file carried a checksum."""
    path = Path(path)
    data = read_regular(path, ModelFileError, "a model file")
    _, raw_meta = _parse_header(path, data)
    try:
        loaded = _safetensors_numpy().load(data)
    except Exception as exc:  # SafetensorError and anything else the decoder trips on
        raise _fail(path, f"cannot decode tensors ({first_line(exc)})") from None
    stored = raw_meta.pop(CHECKSUM_KEY, None)
    if stored is not None and stored != checksum(loaded, raw_meta):
        raise _fail(
            path,
            "checksum mismatch: the file is damaged (its tensors or metadata "
            "changed after it was saved)",
        )
    arrays = {
        name: np.array(value, dtype=value.dtype.newbyteorder("=")) for name, value in loaded.items()
    }
    if METADATA_KEY not in raw_meta:
        return TensorFile(arrays, dict(raw_meta), stored is not None)
    try:
        metadata = bounded_json(raw_meta[METADATA_KEY])
    except ValueError as exc:  # JSONDecodeError, JSONLimitError, numbers too long
        raise _fail(path, f"bad JSON in the {METADATA_KEY!r} metadata: {first_line(exc)}") from None
    if not isinstance(metadata, dict):
        raise _fail(path, f"the {METADATA_KEY!r} metadata is not a JSON object")
    return TensorFile(arrays, metadata, stored is not None)


def load_tensors(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load ``(arrays, metadata)`` from a safetensors file; never unpickles, never runs code.

    ``metadata`` is the dict given to :func:`save_tensors` (``{}`` if none); for a file from
    another tool it is the raw string-to-string ``__metadata__``. Any problem -- a missing file,
    a FIFO or device, something that is not safetensors, a truncated file, bad JSON, a
    checksum that does not match -- raises :class:`~chainrule.errors.ModelFileError` naming the
    file. The arrays are writable copies.
    """
    found = read_tensors(path)
    return found.arrays, found.metadata
