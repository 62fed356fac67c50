"""safetensors save/load, atomic writes under a crash, and files that must be rejected."""

from __future__ import annotations

import json
import os
import pathlib
import pickle
import stat

import numpy as np
import pytest

from chainrule import serialization
from chainrule.errors import ConfigError, DTypeError, ModelFileError
from chainrule.serialization import (
    atomic_write_bytes,
    atomic_write_text,
    load_tensors,
    save_tensors,
)


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "0.weight": rng.normal(size=(3, 4)).astype(np.float32),
        "0.bias": rng.normal(size=4),  # float64
        "steps": np.array([1, -2, 3**30], dtype=np.int64),
        "mask": np.array([True, False]),
        "pixels": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "scalar": np.float32(2.5),
        "empty": np.zeros((0, 5), dtype=np.float32),
    }


def test_round_trip_keeps_values_dtypes_shapes_and_metadata(tmp_path):
    arrays = sample_arrays()
    meta = {"layers": [{"type": "Linear", "in": 3, "out": 4}], "lr": 0.1, "name": "ünï"}
    path = save_tensors(tmp_path / "m.safetensors", arrays, meta)
    loaded, loaded_meta = load_tensors(path)
    assert loaded_meta == meta
    assert set(loaded) == set(arrays)
    for name, array in arrays.items():
        expected = np.asarray(array)
        assert loaded[name].dtype == expected.dtype, name
        assert loaded[name].shape == expected.shape, name
        np.testing.assert_array_equal(loaded[name], expected)
        assert loaded[name].flags.writeable
    loaded["0.weight"][0, 0] = 99.0  # a copy, not a view into a shared buffer


def test_no_metadata_gives_empty_dict(tmp_path):
    save_tensors(tmp_path / "m.safetensors", {"w": np.ones(2)})
    assert load_tensors(tmp_path / "m.safetensors")[1] == {}


def test_non_contiguous_and_big_endian_inputs(tmp_path):
    base = np.arange(12.0).reshape(3, 4)
    arrays = {"t": base.T, "step": base[:, ::2], "be": base.astype(">f8")}
    save_tensors(tmp_path / "m.safetensors", arrays)
    loaded, _ = load_tensors(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(loaded["t"], base.T)
    np.testing.assert_array_equal(loaded["step"], base[:, ::2])
    np.testing.assert_array_equal(loaded["be"], base)
    assert loaded["be"].dtype.isnative


def test_file_is_standard_safetensors(tmp_path):
    from safetensors.numpy import load_file

    path = save_tensors(tmp_path / "m.safetensors", {"w": np.eye(2)}, {"k": 1})
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    assert header["w"] == {"dtype": "F64", "shape": [2, 2], "data_offsets": [0, 32]}
    assert json.loads(header["__metadata__"]["chainrule"]) == {"k": 1}
    np.testing.assert_array_equal(load_file(path)["w"], np.eye(2))


def test_file_from_another_tool_returns_raw_metadata(tmp_path):
    from safetensors.numpy import save_file

    save_file({"x": np.zeros(3, np.float32)}, tmp_path / "o.safetensors", metadata={"format": "np"})
    arrays, meta = load_tensors(tmp_path / "o.safetensors")
    assert meta == {"format": "np"} and arrays["x"].shape == (3,)


def test_save_rejects_bad_input_and_writes_nothing(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(DTypeError, match=r"'names'.*object"):
        save_tensors(path, {"names": np.array(["a", None], dtype=object)})
    with pytest.raises(ConfigError, match="__metadata__"):
        save_tensors(path, {"__metadata__": np.ones(1)})
    with pytest.raises(ConfigError, match="JSON-serialisable"):
        save_tensors(path, {"w": np.ones(1)}, {"f": object()})
    assert list(tmp_path.iterdir()) == []


# --- atomic writes -------------------------------------------------------------------------


def half_then_crash(f, data):
    f.write(memoryview(data)[: len(data) // 2])
    raise RuntimeError("disk on fire")


def test_crash_mid_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    save_tensors(path, {"w": np.zeros(1000)}, {"version": 1})
    before = path.read_bytes()
    monkeypatch.setattr(serialization, "_write_chunks", half_then_crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_tensors(path, {"w": np.ones(1000)}, {"version": 2})
    assert path.read_bytes() == before
    arrays, meta = load_tensors(path)
    assert meta == {"version": 1} and arrays["w"].sum() == 0
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temp file left


def test_crash_before_rename_of_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    def fail_fsync(fd):
        raise OSError("fsync failed")

    monkeypatch.setattr(serialization.os, "fsync", fail_fsync)
    with pytest.raises(OSError, match="fsync failed"):
        atomic_write_text(tmp_path / "report.html", "<html></html>")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_and_sets_normal_permissions(tmp_path):
    path = tmp_path / "out.json"
    atomic_write_text(path, '{"a": 1}')
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0o600
    path.chmod(0o640)
    assert atomic_write_bytes(path, b"new") == path
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_large_payload_is_written_in_full(tmp_path):
    data = os.urandom(3 * (1 << 20) + 17)
    atomic_write_bytes(tmp_path / "big.bin", data)
    assert (tmp_path / "big.bin").read_bytes() == data


# --- files that must be rejected -----------------------------------------------------------


def good_bytes() -> bytes:
    from safetensors.numpy import save

    return save({"w": np.arange(4, dtype=np.float32)}, metadata={"chainrule": "{}"})


def bad_json_file() -> bytes:
    header = b"{not json at all}"
    return len(header).to_bytes(8, "little") + header


def header_past_end() -> bytes:
    return (1000).to_bytes(8, "little") + b'{"w": 1}'


def huge_shape_file() -> bytes:
    # 2^32 * 2^32 * 4 bytes wraps to 0 in int64: the size check must use Python ints
    header = b'{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}'
    return len(header).to_bytes(8, "little") + header


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "not a safetensors file"),
        (b"\x01\x02\x03", "not a safetensors file"),
        (b"hello, this is a text file and not weights\n", "not a safetensors file"),
        (os.urandom(256), "not a safetensors file"),
        (good_bytes()[:-3], "truncated"),
        (good_bytes()[:20], "truncated"),
        (good_bytes() + b"junk", "unexpected bytes"),
        (bad_json_file(), "bad JSON header"),
        (header_past_end(), "truncated"),
        (b"\x0f\x00\x00\x00\x00\x00\x00\x00" + b'{"w": {"a": 1}}', "bad header entry"),
        (b"\x02\x00\x00\x00\x00\x00\x00\x00" + b"[]", "not a JSON object"),
        (huge_shape_file(), "offsets do not match shape"),
    ],
)
def test_garbage_is_rejected_with_one_line_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "garbage.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as info:
        load_tensors(path)
    message = str(info.value)
    assert str(path) in message and problem in message
    assert "\n" not in message


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.safetensors: no such file"):
        load_tensors(tmp_path / "nope.safetensors")
    with pytest.raises(ModelFileError, match="is a directory"):
        load_tensors(tmp_path)


@pytest.mark.parametrize(
    "text",
    ["{oops", "[" * 5000 + "]" * 5000, '{"format": ' + "1" * 5000 + "}"],
    ids=["bad JSON", "nested 5000 deep", "5000-digit number"],
)
def test_bad_chainrule_metadata(tmp_path, text):
    from safetensors.numpy import save

    path = tmp_path / "m.safetensors"
    path.write_bytes(save({"w": np.ones(1)}, metadata={"chainrule": text}))
    with pytest.raises(ModelFileError, match="bad JSON in the 'chainrule' metadata") as info:
        load_tensors(path)
    assert "\n" not in str(info.value)


def test_a_hostile_header_is_one_error(tmp_path):
    header = b'{"w": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    path = tmp_path / "deep.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(ModelFileError, match="bad JSON header"):
        load_tensors(path)


def test_saving_through_a_symlink_updates_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.safetensors"
    save_tensors(target, {"w": np.zeros(2)})
    link = tmp_path / "link.safetensors"
    link.symlink_to(target)
    save_tensors(link, {"w": np.ones(2)})
    assert link.is_symlink()
    np.testing.assert_array_equal(load_tensors(target)[0]["w"], [1.0, 1.0])


def test_a_file_name_of_250_bytes_can_be_written(tmp_path):
    path = tmp_path / ("a" * 238 + ".safetensors")
    save_tensors(path, {"w": np.ones(2)})
    assert load_tensors(path)[0]["w"].tolist() == [1.0, 1.0]


# --- loading never unpickles ---------------------------------------------------------------


class Payload:
    """Unpickling this touches a file: the side effect a malicious pickle would have."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_pickle_payload_is_rejected_and_never_runs(tmp_path):
    # the payload is live: unpickling it does create the marker
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(Payload(probe)))
    assert probe.exists()

    marker = tmp_path / "pwned"
    for name, blob in {
        "plain.safetensors": pickle.dumps(Payload(marker)),
        "old-protocol.bin": pickle.dumps(Payload(marker), protocol=2),
        # a plausible header length followed by a pickle instead of JSON
        "prefixed.safetensors": (40).to_bytes(8, "little") + pickle.dumps(Payload(marker)),
    }.items():
        path = tmp_path / name
        path.write_bytes(blob)
        with pytest.raises(ModelFileError, match=name):
            load_tensors(path)
    assert not marker.exists()


def test_loading_does_not_touch_pickle_at_all(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used while loading")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    save_tensors(tmp_path / "m.safetensors", sample_arrays(), {"ok": True})
    arrays, meta = load_tensors(tmp_path / "m.safetensors")
    assert meta == {"ok": True} and len(arrays) == len(sample_arrays())
