"""The training loop: reproducibility, validation splits, bad data, Ctrl-C and resume."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import Dataset
from chainrule.errors import ConfigError, DataError, ModelFileError, NonFiniteError
from chainrule.serialization import load_tensors, save_tensors
from chainrule.training import TrainConfig, train
from chainrule.training import checkpoint as ckpt
from chainrule.training.loop import check_data, make_splits

STEPS_PER_EPOCH = 30  # 300 training digits, batches of 10

RESUMABLE = {
    "classic": TrainConfig(epochs=4, schedule="step", step_size=2, gamma=0.5),
    "momentum+dropout": TrainConfig(
        epochs=4,
        engine="autodiff",
        optimizer="momentum",
        lr=0.5,
        activation="tanh",
        cost="cross-entropy",
        init="xavier",
        dropout=0.2,
    ),
    "adam+dropout+batchnorm": TrainConfig(
        epochs=4,
        engine="autodiff",
        optimizer="adam",
        lr=0.01,
        activation="relu",
        cost="cross-entropy",
        init="he",
        dropout=0.3,
        batch_norm=True,
        schedule="cosine",
        standardize=True,
        val_size=40,
    ),
}


def interrupt_at(epoch: int, step: int):
    """An ``on_batch`` callback that presses Ctrl-C at ``step`` of ``epoch`` (both from 1)."""
    calls = 0

    def on_batch(_step: int, _loss: float, _learner: object) -> None:
        nonlocal calls
        calls += 1
        if calls == (epoch - 1) * STEPS_PER_EPOCH + step:
            raise KeyboardInterrupt

    return on_batch


def test_same_seed_same_numbers_other_seed_other_numbers(digits, same_run):
    config = TrainConfig(epochs=2, engine="autodiff", optimizer="adam", lr=0.01, dropout=0.2)
    first, second = train(config, data=digits), train(config, data=digits)
    same_run(first, second)
    other = train(dataclasses.replace(config, seed=1), data=digits)
    assert other.train_loss != first.train_loss
    classic = TrainConfig(epochs=2)
    assert train(classic, data=digits).train_loss == train(classic, data=digits).train_loss


def test_history_has_every_epoch_and_the_rates(digits):
    result = train(TrainConfig(epochs=3, lr=2.0, schedule="cosine"), data=digits)
    assert [h["epoch"] for h in result.history] == [0, 1, 2, 3]
    assert result.history[0]["lr"] is None
    assert [h["lr"] for h in result.history[1:]] == pytest.approx([2.0, 1.5, 0.5])
    assert len(result.train_loss) == 3
    assert 0 <= result.test_accuracy <= 1
    assert result.val_accuracy is None
    keys = {"test_accuracy", "train_loss", "seconds", "val_accuracy", "epochs", "config"}
    assert keys <= set(result.to_dict())


def test_validation_split_is_seeded_stratified_and_exact(digits):
    config = TrainConfig(val_size=60)
    splits = make_splits(config, digits)
    (x_tr, _), (x_val, y_val) = splits.train, splits.val
    assert len(x_val) == 60 and len(x_tr) == 240
    assert np.array_equal(make_splits(config, digits).val[1], y_val)
    # every example lands in exactly one part
    rows = {row.tobytes() for row in digits.x_train}
    assert {row.tobytes() for row in np.concatenate([x_tr, x_val])} == rows
    # stratified: each class keeps about its share
    share = np.bincount(digits.y_train, minlength=10) / 300
    assert np.abs(np.bincount(y_val, minlength=10) / 60 - share).max() < 0.05
    other = make_splits(dataclasses.replace(config, seed=1), digits).val[1]
    assert not np.array_equal(other, y_val)
    with pytest.raises(DataError, match="validation size 300 leaves nothing"):
        make_splits(TrainConfig(val_size=300), digits)


def test_validation_accuracy_is_reported(digits):
    result = train(TrainConfig(epochs=1, val_size=50), data=digits)
    assert 0 <= result.val_accuracy <= 1
    assert "val_loss" in result.history[-1]


def _with(data: Dataset, **parts: np.ndarray) -> Dataset:
    return dataclasses.replace(data, **parts)


def test_saved_model_messages_name_the_model_not_layers(digits):
    wide = TrainConfig(layers=(784, 30, 10))
    with pytest.raises(DataError) as info:
        check_data(wide, digits, saved_model=True)
    assert str(info.value) == "the model's first layer takes 784 features but digits has 64"
    narrow = TrainConfig(layers=(64, 30, 5))
    with pytest.raises(DataError) as info:
        check_data(narrow, digits, saved_model=True)
    assert str(info.value) == "the model's output layer has 5 neurons but digits has 10 classes"
    with pytest.raises(DataError, match="start --layers with 64"):  # training keeps its fix
        check_data(wide, digits)


def test_bad_data_names_the_problem(digits):
    config = TrainConfig(epochs=1)
    with pytest.raises(DataError, match="digits has 64 features but the first layer takes 784"):
        train(dataclasses.replace(config, layers=(784, 30, 10)), data=digits)
    with pytest.raises(DataError, match="10 classes but the output layer has 5"):
        train(dataclasses.replace(config, layers=(64, 30, 5)), data=digits)
    labels = digits.y_train.copy()
    labels[7] = 12
    with pytest.raises(DataError, match=r"training set: 1 label.* outside 0..9.*12 at index 7"):
        train(config, data=_with(digits, y_train=labels))
    x = digits.x_test.copy()
    x[3, 5] = np.nan
    with pytest.raises(DataError, match=r"test set has 1 non-finite value.*\(3, 5\)"):
        train(config, data=_with(digits, x_test=x))


def test_unknown_data_set(tmp_path):
    with pytest.raises(DataError, match="unknown data set 'cifar'"):
        train(TrainConfig(data="cifar"))


def test_save_path_is_checked_before_training(digits, tmp_path):
    with pytest.raises(ConfigError, match="no folder"):
        train(TrainConfig(epochs=1), data=digits, save=tmp_path / "missing" / "m.safetensors")
    with pytest.raises(ConfigError, match="is a directory"):
        train(TrainConfig(epochs=1), data=digits, save=tmp_path)


def test_a_folder_that_cannot_be_written_fails_before_training(digits, tmp_path, monkeypatch):
    """Permissions are tried by writing (root passes every os.access check)."""

    def refuse(folder):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("chainrule.training.loop.try_writing_in", refuse)
    steps = []
    with pytest.raises(ConfigError, match=r"cannot write in .*Permission denied"):
        train(
            TrainConfig(epochs=1),
            data=digits,
            save=tmp_path / "m.safetensors",
            on_batch=lambda *args: steps.append(1),
        )
    assert steps == []


def test_batch_norm_needs_two_examples_per_batch(digits):
    with pytest.raises(ConfigError, match="at least 2 examples per batch"):
        train(TrainConfig(epochs=1, engine="autodiff", batch_norm=True, batch_size=1), data=digits)


@pytest.mark.parametrize("name", list(RESUMABLE))
def test_ctrl_c_then_resume_equals_an_uninterrupted_run(digits, tmp_path, same_run, name):
    config = RESUMABLE[name]
    full = train(config, data=digits)
    path = tmp_path / "run.safetensors"
    stopped = train(config, data=digits, save=path, on_batch=interrupt_at(epoch=3, step=17))
    assert stopped.interrupted
    assert stopped.checkpoint_path == path
    saved = ckpt.load(path)
    assert saved.epoch == 2  # the last finished epoch, not the half-done third
    assert [h["epoch"] for h in saved.history] == [0, 1, 2]
    assert [h["epoch"] for h in stopped.history] == [0, 1, 2]
    resumed = train(config, data=digits, resume=path)
    assert not resumed.interrupted
    same_run(resumed, full)


def test_ctrl_c_in_the_first_epoch_and_without_save(digits, tmp_path, monkeypatch, same_run):
    monkeypatch.chdir(tmp_path)
    config = RESUMABLE["momentum+dropout"]
    stopped = train(config, data=digits, on_batch=interrupt_at(epoch=1, step=3))
    assert stopped.checkpoint_path == Path("chainrule-checkpoint.safetensors")
    assert ckpt.load(stopped.checkpoint_path).epoch == 0
    resumed = train(config, data=digits, resume=stopped.checkpoint_path)
    same_run(resumed, train(config, data=digits))


def test_resume_longer_and_with_other_settings(digits, tmp_path, same_run):
    config = TrainConfig(epochs=2, engine="autodiff", optimizer="adam", lr=0.01)
    path = tmp_path / "m.safetensors"
    train(config, data=digits, save=path)
    longer = train(dataclasses.replace(config, epochs=4), data=digits, resume=path)
    same_run(longer, train(dataclasses.replace(config, epochs=4), data=digits))
    with pytest.raises(ConfigError, match=r"other settings \(lr 0.01 there, 0.1 here\)"):
        train(dataclasses.replace(config, lr=0.1), data=digits, resume=path)
    cosine = dataclasses.replace(config, schedule="cosine")
    train(cosine, data=digits, save=path)
    with pytest.raises(ConfigError, match="cosine schedule over 2 epochs"):
        train(dataclasses.replace(cosine, epochs=3), data=digits, resume=path)
    with pytest.raises(ModelFileError, match="no such file"):
        train(config, data=digits, resume=tmp_path / "nothing.safetensors")
    arrays, meta = load_tensors(path)
    meta["shuffle_rng"] = {"bit_generator": "nonsense"}
    save_tensors(path, arrays, meta)
    with pytest.raises(ModelFileError, match="bad shuffling state"):
        train(cosine, data=digits, resume=path)


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
def test_divergence_stops_with_one_clear_error_and_keeps_the_last_good_epoch(
    engine: str, tmp_path: Path
) -> None:
    config = TrainConfig(
        layers=(64, 64, 64, 10),
        activation="relu",
        init="normal",
        cost="cross-entropy",
        lr=1000.0,
        epochs=3,
        engine=engine,
        train_size=300,
    )
    path = tmp_path / "model.safetensors"
    with pytest.raises(NonFiniteError, match=r"diverged in epoch 1, batch \d+.*--lr") as info:
        train(config, save=path)
    assert str(path) in str(info.value)
    kept = ckpt.load(path)
    assert kept.epoch == 0
    assert all(np.isfinite(a).all() for a in kept.arrays.values())


def test_batch_norm_drops_a_last_batch_of_one_example(digits):
    """301 examples in batches of 10 leave one over: batch norm cannot normalize it alone."""
    x, y = digits.x_train, digits.y_train
    odd = dataclasses.replace(digits, x_train=np.concatenate([x, x[:1]]), y_train=np.r_[y, y[:1]])
    config = TrainConfig(epochs=2, engine="autodiff", batch_norm=True, batch_size=10)
    steps = []
    result = train(config, data=odd, on_batch=lambda step, loss, learner: steps.append(step))
    assert len(steps) == 2 * 30
    assert all(np.isfinite(result.train_loss))


def test_a_result_shows_a_summary(digits):
    result = train(TrainConfig(epochs=3), data=digits)
    assert repr(result) == (
        f"TrainResult(classic, [64, 32, 10], 3 epochs, test accuracy "
        f"{result.test_accuracy:.4f}, {result.seconds:.2f} s)"
    )


def test_cosine_resume_error_says_one_epoch(digits, tmp_path):
    """Issue 17: the plural agrees with the count ("over 1 epoch", not "over 1 epochs")."""
    config = TrainConfig(epochs=1, schedule="cosine")
    path = tmp_path / "m.safetensors"
    train(config, data=digits, save=path)
    with pytest.raises(ConfigError, match=r"cosine schedule over 1 epoch; resume it"):
        train(dataclasses.replace(config, epochs=2), data=digits, resume=path)


def test_resuming_huge_finite_weights_leaks_no_numpy_warnings(digits, tmp_path):
    """Issue 17: the per-epoch evaluation overflows in float32 on weights of 3e38 (finite, so
    the file loads); that is no reason for NumPy RuntimeWarnings on stderr."""
    config = TrainConfig(epochs=1)
    path = tmp_path / "m.safetensors"
    first = train(config, data=digits, save=path)
    for w in first.learner.network.weights:
        w[:] = 3e38
    saved = ckpt.load(path)
    rng = np.random.default_rng()
    rng.bit_generator.state = saved.shuffle_rng
    ckpt.save(path, ckpt.capture(first.learner, config, 1, first.history, rng))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would now raise
        resumed = train(dataclasses.replace(config, epochs=2), data=digits, resume=path)
    assert resumed.history[-1]["epoch"] == 2
