"""Files on disk, safely: what may be replaced, what may be read, and how much.

The rules every reader and writer in chainrule follows (:mod:`chainrule.serialization` writes
through them):

- only a regular file is replaced or read: a FIFO blocks, ``/dev/zero`` never ends, and
  renaming over ``/dev/null`` would replace the system's; such paths are refused in one line;
- a symbolic link the user named is followed to its target; a link planted in a folder the
  program fills is replaced, never followed (``follow_symlinks=False``);
- a read goes no further than the file's size, and JSON from a file is bounded in objects
  and depth before anything walks it;
- a temporary file is named ``.NAME.PID.XXXXXXXX.tmp``, so the next write to NAME can remove
  one whose writer was killed (``kill -9``);
- a run that will write a file holds its write lock (``.NAME.lock`` beside it) from start to
  end, so two runs never both report saving it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from chainrule.errors import UnsafePathError
from chainrule.i18n import _

__all__ = [
    "JSONLimitError",
    "bounded_json",
    "open_regular",
    "read_regular",
    "remove_stale_temporaries",
    "writable_target",
    "write_lock",
]

MAX_JSON_OBJECTS = 100_000
MAX_JSON_DEPTH = 32


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _kind(mode: int) -> str:
    """What a non-regular file is, in words: ``"a FIFO"``, ``"a character device"``, ..."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def writable_target(path: str | os.PathLike[str], *, follow_symlinks: bool = True) -> Path:
    """The file that writing ``path`` replaces; UnsafePathError for anything not a regular file.

    A symlink is followed to its target when ``follow_symlinks`` (a link the user named; the
    target must be a regular file or not exist yet) and is itself the target otherwise.

    >>> writable_target(os.devnull)
    Traceback (most recent call last):
    ...
    chainrule.errors.UnsafePathError: /dev/null: is a character device, not a regular file; \
refusing to replace it
    """
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    target = path
    if stat.S_ISLNK(mode):
        if not follow_symlinks:
            return path
        target = Path(os.path.realpath(path))
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            return target
    if stat.S_ISREG(mode):
        return target
    if stat.S_ISDIR(mode):
        raise UnsafePathError(f"{path}: is a directory; name a file")
    via = f" (it links to {target})" if target != path else ""
    raise UnsafePathError(
        f"{path}: is {_kind(mode)}{via}, not a regular file; refusing to replace it"
    )


def remove_stale_temporaries(directory: Path, name: str) -> None:
    """Delete ``.NAME.PID.*.tmp`` files whose process is gone (a writer killed mid-write)."""
    prefix = f".{name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                continue
            pid = entry.name[len(prefix) :].split(".", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process (or not a pid at all)
        return True
    return True


@contextlib.contextmanager
def write_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the write lock of ``path`` (a lock file ``.NAME.lock`` beside it, removed after):
    a second holder, in this process or another, gets UnsafePathError instead of waiting.

    A training run holds it from start to save, so two runs never both report saving one
    file while one silently overwrites the other.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> with write_lock(p):
    ...     try:
    ...         with write_lock(p):
    ...             pass
    ...     except UnsafePathError as exc:
    ...         print("another chainrule run" in str(exc))
    True
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    path = Path(path)
    lock_path = path.parent / f".{path.name}.lock"
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UnsafePathError(
                f"{path}: another chainrule run is writing this file (lock {lock_path.name}); "
                "wait for it to finish or save elsewhere"
            ) from None
        # Its last holder may have removed the lock file between our open and our lock:
        # a lock on a removed file guards nothing, so take the one now at the path.
        try:
            held = os.fstat(fd)
            current = os.stat(lock_path)
            if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)


class JSONLimitError(ValueError):
    """JSON past the bounds of :func:`bounded_json`: too many objects (``objects`` true) or
    nested too deep."""

    def __init__(self, message: str, *, objects: bool = False) -> None:
        super().__init__(message)
        self.objects = objects


def bounded_json(
    text: str, *, max_objects: int = MAX_JSON_OBJECTS, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """``json.loads`` that stops at ``max_objects`` objects and refuses nesting past
    ``max_depth``: a hostile file costs bounded time and memory, and no later walk over the
    value can hit Python's recursion limit.

    >>> bounded_json('{"a": [1, {"b": 2}]}')
    {'a': [1, {'b': 2}]}
    >>> bounded_json("[[[1]]]", max_depth=2)
    Traceback (most recent call last):
    ...
    chainrule.files.JSONLimitError: JSON nests deeper than 2 levels
    """
    count = 0

    def counted(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal count
        count += 1
        if count > max_objects:
            raise JSONLimitError(f"more than {max_objects} JSON objects", objects=True)
        return dict(pairs)

    try:
        value = json.loads(text, object_pairs_hook=counted)
    except RecursionError:
        raise JSONLimitError(f"JSON nests deeper than {max_depth} levels") from None
    stack = [(value, 1)]
    while stack:  # iterative: a deep value is what this guards against
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise JSONLimitError(f"JSON nests deeper than {max_depth} levels")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value


def open_regular(
    path: str | os.PathLike[str], error: type[Exception], what: str = "a file"
) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (through links), else raise ``error``
    in one line: a FIFO, a device or a folder is never read (``/dev/zero`` never ends, a FIFO
    blocks). The stream's real size is ``os.fstat(stream.fileno()).st_size``.

    >>> open_regular(os.devnull, ValueError)
    Traceback (most recent call last):
    ...
    ValueError: /dev/null: is a character device, not a regular file
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            # O_NONBLOCK: should a FIFO replace the file after the check, opening it must not
            # wait for a writer; fstat below then sees what was opened
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            mode = os.fstat(fd).st_mode
            if stat.S_ISREG(mode):
                return os.fdopen(fd, "rb")
            os.close(fd)
    except FileNotFoundError:
        raise error(_("{path}: no such file").format(path=path)) from None
    except OSError as exc:
        reason = exc.strerror or exc
        raise error(_("{path}: cannot read ({reason})").format(path=path, reason=reason)) from None
    if stat.S_ISDIR(mode):
        raise error(f"{path}: is a directory, not {what}")
    raise error(f"{path}: is {_kind(mode)}, not a regular file")


def read_regular(path: str | os.PathLike[str], error: type[Exception], what: str) -> bytes:
    """The bytes of a regular file, read no further than the size it had when opened."""
    with open_regular(path, error, what) as stream:
        size = os.fstat(stream.fileno()).st_size
        try:
            return stream.read(size)
        except OSError as exc:
            raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
