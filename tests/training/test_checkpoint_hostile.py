"""Model files built to hurt: hostile metadata, damaged values, bit flips, interrupts mid-save,
and two runs saving to one file."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

from chainrule import serialization
from chainrule.errors import ChainruleError, ModelFileError
from chainrule.serialization import load_tensors, save_tensors
from chainrule.training import TrainConfig, load_model, train
from chainrule.training import checkpoint as ckpt

ADAM = TrainConfig(epochs=1, engine="autodiff", optimizer="adam", lr=0.01, standardize=True)
BATCH_NORM = TrainConfig(
    epochs=1, engine="autodiff", optimizer="adam", lr=0.01, batch_norm=True, dropout=0.1
)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A saved autodiff model (Adam, standardized inputs) and its (arrays, metadata)."""
    from chainrule.data import load

    digits = load("digits", train_size=300, test_size=100)
    path = tmp_path_factory.mktemp("good") / "model.safetensors"
    train(ADAM, data=digits, save=path)
    bn = path.parent / "bn.safetensors"
    train(BATCH_NORM, data=digits, save=bn)
    return path, bn


def _nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def _adam_state(meta):
    return meta["values"]["optimizer"]["state"]["0"]


# One case per root cause the review found; each names the field at fault.
HOSTILE = {
    "layers 1e400": (lambda m: m["config"].update(layers=[64, 1e400, 10]), "layers"),
    "data_root 5": (lambda m: m["config"].update(data_root=5), "data_root"),
    "optimizer 700 deep": (
        lambda m: _adam_state(m).update(step=_nested(700)),
        "nests deeper than",
    ),
    "rng 10**200": (lambda m: m["shuffle_rng"]["state"].update(state=10**200), "shuffle_rng"),
    "history []": (lambda m: m.update(history=[]), "history"),
    "history [{}]": (lambda m: m.update(history=[{}]), "history"),
    "epochs 3.5": (lambda m: m["config"].update(epochs=3.5), "epochs"),
    "step 'x'": (lambda m: _adam_state(m).update(step="x"), "step"),
    "step -5": (lambda m: _adam_state(m).update(step=-5), "step"),
    "exp_avg 'x'": (lambda m: _adam_state(m).update(exp_avg="x"), "exp_avg"),
    "amsgrad 'yes'": (
        lambda m: m["values"]["optimizer"]["param_groups"][0].update(amsgrad="yes"),
        "amsgrad",
    ),
    "amsgrad true without its buffer": (
        lambda m: m["values"]["optimizer"]["param_groups"][0].update(amsgrad=True),
        "max_exp_avg_sq",
    ),
    "Adam state {}": (lambda m: m["values"]["optimizer"]["state"].update({"0": {}}), "step"),
    "no epoch": (lambda m: m.pop("epoch"), "epoch"),
    "epoch beyond the history": (lambda m: m.update(epoch=7), "epoch"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_metadata_is_one_line_naming_the_field(good, tmp_path, case):
    mangle, field = HOSTILE[case]
    arrays, meta = load_tensors(good[0])
    mangle(meta)
    path = tmp_path / "bad.safetensors"
    save_tensors(path, arrays, meta)
    for attempt in (lambda: load_model(path), lambda: train(ADAM, resume=path)):
        with pytest.raises(ModelFileError) as info:
            attempt()
        message = str(info.value)
        assert field in message and str(path) in message and "\n" not in message, message


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [("model.1.running_var", -1.0, "running_var"), ("input.std", 0.0, "input.std")],
)
def test_values_that_make_no_sense_are_refused(good, tmp_path, name, value, field):
    source = good[1] if "running" in name else good[0]
    arrays, meta = load_tensors(source)
    assert name in arrays
    arrays[name][0] = value
    path = tmp_path / "bad.safetensors"
    save_tensors(path, arrays, meta)
    with pytest.raises(ModelFileError, match=field):
        load_model(path)


@pytest.mark.parametrize("shape", [(63,), (0,), (64, 1)])
def test_input_statistics_of_the_wrong_shape_are_refused(good, tmp_path, shape):
    arrays, meta = load_tensors(good[0])
    arrays["input.std"] = np.ones(shape, np.float32)
    path = tmp_path / "bad.safetensors"
    save_tensors(path, arrays, meta)
    with pytest.raises(ModelFileError, match=r"'input.std' has shape"):
        load_model(path)


def test_single_bit_flips_never_load_silently(good, tmp_path):
    data = bytearray(good[0].read_bytes())
    rng = np.random.default_rng(17)
    path = tmp_path / "flipped.safetensors"
    loaded = []
    for position in rng.integers(0, len(data), 40):
        flipped = bytearray(data)
        flipped[position] ^= 1 << int(rng.integers(0, 8))
        path.write_bytes(flipped)
        try:
            load_model(path)
        except ModelFileError:
            continue
        loaded.append(int(position))
    assert loaded == []


def test_a_flipped_bit_in_the_weights_fails_the_checksum(good, tmp_path):
    data = bytearray(good[0].read_bytes())
    data[-5] ^= 0x01  # the low bit of a float's mantissa: still a finite number
    path = tmp_path / "flipped.safetensors"
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)


def test_ctrl_c_during_the_final_save_keeps_the_last_epoch(good, tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    real = serialization._write_chunks

    def interrupted(f, data):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here, as if Ctrl-C came mid-write
        real(f, data)

    monkeypatch.setattr(serialization, "_write_chunks", interrupted)
    config = TrainConfig(epochs=2, layers=(64, 8, 10), train_size=200, test_size=50)
    with pytest.raises(KeyboardInterrupt):
        train(config, save=path)
    monkeypatch.undo()
    assert ckpt.load(path).epoch == 2
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_two_runs_cannot_save_to_one_file_at_once(tmp_path):
    path = tmp_path / "model.safetensors"
    config = TrainConfig(epochs=2, layers=(64, 8, 10), train_size=200, test_size=50)
    started, release = threading.Event(), threading.Event()
    first: dict = {}

    def hold(stats, learner):
        started.set()
        release.wait(30)

    def run_first():
        first["result"] = train(config, save=path, on_epoch=hold)

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        assert started.wait(30)
        with pytest.raises(ChainruleError, match="another") as info:
            train(config, save=path)
        assert str(path) in str(info.value)
    finally:
        release.set()
        thread.join(60)
    assert first["result"].checkpoint_path is not None
    assert ckpt.load(path).epoch == 2


def test_a_file_of_the_previous_version_without_checksum_still_loads(good, tmp_path):
    arrays, meta = load_tensors(good[0])
    meta["version"] = 1
    meta.pop("checksum", None)
    path = tmp_path / "old.safetensors"
    blob = serialization._safetensors_numpy().save(arrays, metadata={"chainrule": json.dumps(meta)})
    path.write_bytes(blob)
    _, checkpoint = load_model(path)
    assert checkpoint.epoch == 1
