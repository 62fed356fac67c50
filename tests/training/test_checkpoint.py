"""Model files: safetensors + JSON metadata, atomic writes, and files that cannot be read."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from chainrule import serialization
from chainrule.errors import ModelFileError
from chainrule.serialization import save_tensors
from chainrule.training import TrainConfig, load_model, train
from chainrule.training import checkpoint as ckpt

CONFIG = TrainConfig(epochs=1, engine="autodiff", optimizer="adam", lr=0.01, standardize=True)


@pytest.fixture
def saved(digits, tmp_path):
    path = tmp_path / "model.safetensors"
    result = train(CONFIG, data=digits, save=path)
    return path, result


def test_round_trip_predicts_the_same(digits, saved):
    path, result = saved
    learner, checkpoint = load_model(path)
    assert checkpoint.config == CONFIG
    assert checkpoint.epoch == 1
    assert checkpoint.history == json.loads(json.dumps(result.history))
    np.testing.assert_array_equal(
        learner.predict_proba(digits.x_test), result.learner.predict_proba(digits.x_test)
    )


def test_the_file_is_plain_safetensors(saved):
    path, _ = saved
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    meta = json.loads(header["__metadata__"]["chainrule"])
    assert meta["format"] == "chainrule.model"
    assert meta["config"]["layers"] == [64, 32, 10]
    assert "model.0.weight" in header and "input.mean" in header


def test_a_crash_mid_save_leaves_the_previous_file(saved, monkeypatch):
    path, result = saved
    before = path.read_bytes()
    snapshot = ckpt.capture(result.learner, CONFIG, 5, result.history, np.random.default_rng(0))

    def crash(f, data):
        f.write(bytes(data)[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serialization, "_write_chunks", crash)
    with pytest.raises(ModelFileError, match=r"cannot write the model .No space left"):
        ckpt.save(path, snapshot)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert ckpt.load(path).epoch == 1


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("garbage", "not a safetensors file"),
        ("pickle", "not a safetensors file"),
        ("truncated", "truncated"),
        ("directory", "is a directory"),
        ("missing", "no such file"),
        ("foreign", "not a chainrule model file"),
        ("bad config", "bad training config"),
        ("wrong shapes", "shape"),
        ("nan weights", "'model.0.weight' holds NaN or Inf"),
        ("float32 overflow", "'0.weight' does not fit in float32"),
        ("int weights", "'model.0.weight' holds int32 values, not floats"),
        ("huge layers", "need 75000000010 parameters, the file holds"),
        ("no input statistics", "standardizes its inputs but lacks input.mean"),
        ("half the statistics", "only one of input.mean and input.std"),
    ],
)
def test_unreadable_model_files(saved, tmp_path, capsys, kind, message):
    good, _ = saved
    path = tmp_path / "bad.safetensors"
    if kind == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(300))
    elif kind == "pickle":
        path.write_bytes(pickle.dumps(_Payload()))
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[:-100])
    elif kind == "directory":
        path.mkdir()
    elif kind == "foreign":
        save_tensors(path, {"w": np.zeros(3)}, {"layers": [3]})
    elif kind == "bad config":
        arrays, meta = serialization.load_tensors(good)
        meta["config"]["lr"] = -1
        save_tensors(path, arrays, meta)
    elif kind == "wrong shapes":
        arrays, meta = serialization.load_tensors(good)
        arrays["model.0.weight"] = np.zeros((3, 3), np.float32)
        save_tensors(path, arrays, meta)
    elif kind == "float32 overflow":  # finite in float64, inf once cast to the model's float32
        arrays, meta = serialization.load_tensors(good)
        arrays["model.0.weight"] = arrays["model.0.weight"].astype(np.float64)
        arrays["model.0.weight"][0, 0] = 1e39
        save_tensors(path, arrays, meta)
    elif kind == "int weights":
        arrays, meta = serialization.load_tensors(good)
        arrays["model.0.weight"] = arrays["model.0.weight"].view(np.int32)
        save_tensors(path, arrays, meta)
    elif kind == "huge layers":  # must fail before a 4 TB network is allocated
        arrays, meta = serialization.load_tensors(good)
        meta["config"]["layers"] = [64, 1_000_000_000, 10]
        save_tensors(path, arrays, meta)
    elif kind == "nan weights":
        arrays, meta = serialization.load_tensors(good)
        arrays["model.0.weight"][0, 0] = np.nan
        save_tensors(path, arrays, meta)
    elif kind.endswith("statistics"):
        arrays, meta = serialization.load_tensors(good)
        del arrays["input.std"]
        if kind.startswith("no"):
            del arrays["input.mean"]
        save_tensors(path, arrays, meta)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    assert "must never run" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda meta: meta.update(epoch="two"), "bad epoch 'two'"),
        (lambda meta: meta.update(history=5), "bad history"),
        (lambda meta: meta.update(values=[1]), "bad 'values'"),
        (lambda meta: meta["config"].update(layers="abc"), "bad training config"),
        (lambda meta: meta["values"].update(optimizer="zz"), "bad saved state"),
        (lambda meta: meta["values"].update(rngs=5), "bad saved state"),
    ],
    ids=["epoch", "history", "values", "layers", "optimizer", "rngs"],
)
def test_mangled_metadata_is_a_model_file_error(saved, tmp_path, mangle, message):
    good, _ = saved
    path = tmp_path / "bad.safetensors"
    arrays, meta = serialization.load_tensors(good)
    mangle(meta)
    save_tensors(path, arrays, meta)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value)
