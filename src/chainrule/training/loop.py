"""The training loop: seeded shuffling, per-epoch evaluation, progress, checkpoints, Ctrl-C.

Same config and seed, same numbers: the initial weights come from the seed, the shuffling from
its own generator whose state is checkpointed, so an interrupted run resumed with ``resume=``
ends with exactly the weights of an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data import Dataset, check_features, load
from chainrule.errors import ConfigError, DataError
from chainrule.training import checkpoint as ckpt
from chainrule.training.config import TrainConfig
from chainrule.training.learners import Learner, build_learner

DEFAULT_CHECKPOINT = "chainrule-checkpoint.safetensors"


@dataclass
class TrainResult:
    """What a run produced. ``history`` has one dict per epoch (epoch 0 = before training)."""

    config: TrainConfig
    learner: Learner
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    checkpoint_path: Path | None = None

    @property
    def test_accuracy(self) -> float | None:
        return self.history[-1]["test_accuracy"] if self.history else None

    @property
    def train_loss(self) -> list[float]:
        return [h["train_loss"] for h in self.history if h["epoch"] > 0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "test_accuracy": self.test_accuracy,
            "train_loss": self.train_loss,
            "train_accuracy": [h["train_accuracy"] for h in self.history if h["epoch"] > 0],
            "test_accuracy_per_epoch": [
                h["test_accuracy"] for h in self.history if h["epoch"] > 0
            ],
            "epochs": [h for h in self.history if h["epoch"] > 0],
            "seconds": self.seconds,
            "interrupted": self.interrupted,
            "checkpoint": str(self.checkpoint_path) if self.checkpoint_path else None,
            "config": self.config.to_dict(),
        }


def load_data(config: TrainConfig) -> Dataset:
    """The data set a config names, checked against the network's input and output sizes."""
    data = load(
        config.data,
        root=config.data_root,
        train_size=config.train_size,
        test_size=config.test_size,
        seed=config.seed,
    )
    check_data(config, data)
    return data


def check_data(config: TrainConfig, data: Dataset) -> None:
    if data.n_features != config.n_features:
        raise DataError(
            f"{data.name} has {data.n_features} features but the first layer takes "
            f"{config.n_features}: start --layers with {data.n_features}"
        )
    if data.n_classes > config.n_outputs:
        raise DataError(
            f"{data.name} has {data.n_classes} classes but the output layer has "
            f"{config.n_outputs} neurons: end --layers with {data.n_classes}"
        )
    check_features(data.x_train, data.y_train, config.n_features, config.n_outputs,
                   where=f"{data.name} training set")
    check_features(data.x_test, data.y_test, config.n_features, config.n_outputs,
                   where=f"{data.name} test set")


EpochCallback = Callable[[dict[str, Any], Learner], None]


def train(
    config: TrainConfig,
    *,
    data: Dataset | None = None,
    on_epoch: EpochCallback | None = None,
    progress: bool = False,
    save: str | Path | None = None,
    resume: str | Path | None = None,
    on_batch: Callable[[int, float, Learner], None] | None = None,
) -> TrainResult:
    """Train the network ``config`` describes; returns the history and the trained model.

    ``save`` writes the model (atomically) after the last epoch; on Ctrl-C the state at the
    end of the last finished epoch is written there (or to ``chainrule-checkpoint.safetensors``)
    and the result says ``interrupted``. ``resume`` continues from such a file.

    >>> result = train(TrainConfig(epochs=1, layers=(64, 16, 10)))
    >>> 0 <= result.test_accuracy <= 1
    True
    """
    data = data if data is not None else load_data(config)
    check_data(config, data)
    shuffle_rng = np.random.default_rng([config.seed, 1])
    if resume is not None:
        state = ckpt.load(resume)
        _check_resumable(config, state.config, resume)
        learner = ckpt.restore(state, resume)
        history = state.history
        if state.shuffle_rng is not None:
            shuffle_rng.bit_generator.state = state.shuffle_rng
        first_epoch = state.epoch + 1
    else:
        learner = build_learner(config)
        history = [_evaluate(learner, data, epoch=0, loss=None, seconds=0.0)]
        first_epoch = 1
    result = TrainResult(config=config, learner=learner, history=history)
    snapshot = ckpt.capture(learner, config, first_epoch - 1, history, shuffle_rng)
    started = time.perf_counter()
    try:
        for epoch in range(first_epoch, config.epochs + 1):
            epoch_started = time.perf_counter()
            mean_loss = _run_epoch(learner, data, config, shuffle_rng, epoch, progress, on_batch)
            seconds = time.perf_counter() - epoch_started
            history.append(_evaluate(learner, data, epoch, mean_loss, seconds))
            snapshot = ckpt.capture(learner, config, epoch, history, shuffle_rng)
            if on_epoch is not None:
                on_epoch(history[-1], learner)
    except KeyboardInterrupt:
        result.interrupted = True
        path = Path(save) if save is not None else Path(DEFAULT_CHECKPOINT)
        result.checkpoint_path = ckpt.save(path, snapshot)
        result.learner = ckpt.restore(snapshot)
        result.history = snapshot.history
    else:
        if save is not None:
            result.checkpoint_path = ckpt.save(save, snapshot)
    result.seconds = time.perf_counter() - started
    return result


def _run_epoch(
    learner: Learner,
    data: Dataset,
    config: TrainConfig,
    rng: np.random.Generator,
    epoch: int,
    progress: bool,
    on_batch: Callable[[int, float, Learner], None] | None,
) -> float:
    x, y = data.x_train, data.y_train
    order = rng.permutation(len(x))
    starts = range(0, len(x), config.batch_size)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(starts), desc=f"epoch {epoch}/{config.epochs}", leave=False,
                   unit="batch")
    total = 0.0
    try:
        for step, start in enumerate(starts):
            idx = order[start : start + config.batch_size]
            loss = learner.train_batch(x[idx], y[idx])
            total += loss * len(idx)
            if on_batch is not None:
                on_batch(step, loss, learner)
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    return total / len(x)


def _evaluate(
    learner: Learner, data: Dataset, epoch: int, loss: float | None, seconds: float
) -> dict[str, Any]:
    train_loss, train_accuracy = learner.evaluate(data.x_train, data.y_train)
    test_loss, test_accuracy = learner.evaluate(data.x_test, data.y_test)
    return {
        "epoch": epoch,
        "train_loss": train_loss,
        "train_accuracy": train_accuracy,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "mean_batch_loss": loss,
        "seconds": seconds,
    }


def _check_resumable(config: TrainConfig, saved: TrainConfig, path: str | Path) -> None:
    mine = config.to_dict()
    theirs = saved.to_dict()
    mine.pop("epochs"), theirs.pop("epochs")
    differ = sorted(k for k in mine if mine[k] != theirs.get(k))
    if differ:
        raise ConfigError(
            f"{path} was trained with other settings ({', '.join(differ)}); "
            "resume with the same settings"
        )
