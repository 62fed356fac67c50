"""Writing and reading files under attack: special files, planted links, bombs, interrupts.

No test here writes to a real device: where a link points at /dev/null, the temporary-file
and rename steps are replaced by guards that fail the test if the write ever gets that far.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import numpy as np
import pytest

from chainrule import serialization
from chainrule.errors import ChainruleError, ModelFileError
from chainrule.serialization import atomic_write_bytes, load_tensors, save_tensors


def _fifo(path):
    os.mkfifo(path)
    return path


def _is_fifo(path) -> bool:
    return stat.S_ISFIFO(os.lstat(path).st_mode)


# --- item 1: saving never replaces what is not a regular file -------------------------------


def test_a_fifo_is_refused_and_left_alone(tmp_path):
    fifo = _fifo(tmp_path / "model.safetensors")
    with pytest.raises(ChainruleError, match="not a regular file") as info:
        save_tensors(fifo, {"w": np.zeros(2)})
    assert str(fifo) in str(info.value) and "\n" not in str(info.value)
    assert _is_fifo(fifo)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


def test_a_link_to_a_fifo_is_refused_and_both_are_left_alone(tmp_path):
    fifo = _fifo(tmp_path / "pipe")
    link = tmp_path / "graph.svg"
    link.symlink_to(fifo)
    with pytest.raises(ChainruleError, match="not a regular file"):
        atomic_write_bytes(link, b"<svg/>")
    assert link.is_symlink() and _is_fifo(fifo)


def test_a_link_to_dev_null_is_refused_before_any_write(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the write got as far as creating or renaming a file")

    monkeypatch.setattr(serialization.tempfile, "mkstemp", never)
    monkeypatch.setattr(serialization.os, "replace", never)
    link = tmp_path / "model.safetensors"
    link.symlink_to(os.devnull)
    with pytest.raises(ChainruleError, match="not a regular file"):
        atomic_write_bytes(link, b"data")
    with pytest.raises(ChainruleError, match="not a regular file"):
        atomic_write_bytes(os.devnull, b"data")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "out.json").mkdir()
    with pytest.raises(ChainruleError, match="is a directory"):
        atomic_write_bytes(tmp_path / "out.json", b"{}")


def test_a_missing_folder_is_named_not_the_temporary_file(tmp_path):
    target = tmp_path / "nowhere" / "model.onnx"
    with pytest.raises(FileNotFoundError) as info:
        atomic_write_bytes(target, b"x")
    assert info.value.filename == str(target)
    assert info.value.strerror == f"no folder {target.parent}"
    assert not (tmp_path / "nowhere").exists()


def test_an_error_on_the_temporary_file_names_the_file_asked_for(tmp_path, monkeypatch):
    """Permission denied (or a full disk) meets the temporary file first: the user named
    another path, and that one is reported."""

    def denied(prefix, suffix, dir):
        raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}abcd{suffix}"))

    monkeypatch.setattr(serialization.tempfile, "mkstemp", denied)
    target = tmp_path / "model.safetensors"
    with pytest.raises(PermissionError) as info:
        atomic_write_bytes(target, b"x")
    assert info.value.filename == str(target) and info.value.strerror == "Permission denied"


def test_a_planted_link_in_a_filled_folder_is_replaced_not_followed(tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").symlink_to(outside)
    atomic_write_bytes(out / "report.html", b"<html/>", follow_symlinks=False)
    assert outside.read_text() == "keep me"
    assert not (out / "report.html").is_symlink()
    assert (out / "report.html").read_bytes() == b"<html/>"


def test_a_link_the_user_named_still_updates_its_target(tmp_path):
    target = tmp_path / "real.bin"
    target.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(target)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


# --- item 2: reads bounded by the file's real size -------------------------------------------


def _load_in_thread(path, seconds: float = 5.0):
    """load_tensors(path) in a thread; a FIFO that blocks is unblocked by opening a writer."""
    outcome: dict[str, BaseException | None] = {}

    def work():
        try:
            load_tensors(path)
            outcome["error"] = None
        except BaseException as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    hung = thread.is_alive()
    if hung:  # let the blocked open return, so the thread ends
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(5)
    return hung, outcome.get("error")


def test_a_fifo_as_model_path_is_refused_without_blocking(tmp_path):
    fifo = _fifo(tmp_path / "model.safetensors")
    hung, error = _load_in_thread(fifo)
    assert not hung, "loading a FIFO blocked"
    assert isinstance(error, ModelFileError) and "not a regular file" in str(error)


def test_a_link_to_an_endless_device_is_refused_without_reading(tmp_path):
    link = tmp_path / "model.safetensors"
    link.symlink_to("/dev/zero")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from chainrule.serialization import load_tensors\n"
        f"load_tensors({str(link)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("chainrule.errors.ModelFileError")
    assert "not a regular file" in done.stderr


def _header_file(path, header: dict, payload: bytes = b"") -> None:
    raw = json.dumps(header).encode()
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + payload)


def test_a_header_of_too_many_tensors_is_refused_quickly(tmp_path):
    path = tmp_path / "many.safetensors"
    n = 20_000
    header = {f"t{i}": {"dtype": "U8", "shape": [1], "data_offsets": [i, i + 1]} for i in range(n)}
    _header_file(path, header, bytes(n))
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match="tensors"):
        load_tensors(path)
    assert time.perf_counter() - started < 5


def test_a_header_longer_than_the_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "long.safetensors"
    raw = b'{"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}'
    raw += b" " * (17 * (1 << 20) - len(raw))
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + b"\0")
    with pytest.raises(ModelFileError, match="header length"):
        load_tensors(path)


def test_json_nested_too_deep_is_one_error(tmp_path):
    path = tmp_path / "deep.safetensors"
    meta = {"format": "x", "v": json.loads("[" * 700 + "]" * 700)}
    save_tensors(path, {"w": np.zeros(1)}, meta)
    with pytest.raises(ModelFileError, match="nests deeper than"):
        load_tensors(path)


def test_a_huge_shape_number_is_one_error(tmp_path):
    path = tmp_path / "inf.safetensors"
    raw = b'{"w": {"dtype": "F32", "shape": [1e99999], "data_offsets": [0, 4]}}'
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + bytes(4))
    with pytest.raises(ModelFileError, match="bad header entry for tensor 'w'"):
        load_tensors(path)


# --- item 3: interrupts and concurrent writers -----------------------------------------------


def test_ctrl_c_inside_a_write_finishes_it_first(tmp_path, monkeypatch):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"old")
    real = serialization._write_chunks

    def interrupted(f, data):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here, between two bytecodes
        real(f, data)

    monkeypatch.setattr(serialization, "_write_chunks", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(path, b"new" * 1000)
    assert path.read_bytes() == b"new" * 1000
    assert [p.name for p in tmp_path.iterdir()] == ["blob.bin"]


_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from chainrule import serialization
    real = serialization._write_chunks
    def slow(f, data):
        f.write(bytes(data[:1000])); f.flush()
        print("writing", flush=True)
        time.sleep(60)
    serialization._write_chunks = slow
    serialization.atomic_write_bytes(sys.argv[1], b"x" * 100000)
    """
)


def test_a_temporary_file_of_a_killed_writer_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "model.safetensors"
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        assert len(list(tmp_path.iterdir())) == 1  # the writer's temporary file
    finally:
        writer.kill()  # SIGKILL: no clean-up runs
        writer.wait()
    atomic_write_bytes(path, b"fresh")
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_the_temporary_file_of_a_live_writer_is_kept(tmp_path):
    path = tmp_path / "model.safetensors"
    mine = tmp_path / f".model.safetensors.{os.getppid()}.abcd.tmp"  # a live process
    mine.write_bytes(b"partial")
    atomic_write_bytes(path, b"fresh")
    assert mine.exists()


def test_a_held_write_lock_refuses_a_second_writer(tmp_path):
    path = tmp_path / "model.safetensors"
    with (
        serialization.write_lock(path),
        pytest.raises(ChainruleError, match="another"),
        serialization.write_lock(path),
    ):
        pass
    with serialization.write_lock(path):  # released: taken again
        pass
    assert list(tmp_path.iterdir()) == []  # the lock file goes with the lock


def test_temporary_files_are_made_in_the_target_folder():
    folder = tempfile.mkdtemp()
    atomic_write_bytes(os.path.join(folder, "a.bin"), b"1")
    assert os.listdir(folder) == ["a.bin"]
