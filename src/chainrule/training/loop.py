"""The training loop: seeded shuffling, per-epoch evaluation, progress, checkpoints, Ctrl-C.

Same config and seed, same numbers: the initial weights come from the seed, the shuffling from
its own generator whose state is checkpointed, so an interrupted run resumed with ``resume=``
ends with exactly the weights of an uninterrupted one.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import nn
from chainrule.data import DataLoader, Dataset, check_features, load, train_test_split
from chainrule.errors import ConfigError, DataError, ModelFileError, NonFiniteError
from chainrule.serialization import try_writing_in, writable_target, write_lock
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
    def val_accuracy(self) -> float | None:
        return self.history[-1].get("val_accuracy") if self.history else None

    @property
    def train_loss(self) -> list[float]:
        return self.per_epoch("train_loss")

    def per_epoch(self, key: str) -> list[Any]:
        """``key`` of every trained epoch (1, 2, ...), e.g. ``per_epoch("val_accuracy")``."""
        return [h.get(key) for h in self.history if h["epoch"] > 0]

    def __repr__(self) -> str:  # a summary: the history grows with every epoch
        epochs = self.history[-1]["epoch"] if self.history else 0
        accuracy = self.test_accuracy
        shown = "" if accuracy is None else f", test accuracy {accuracy:.4f}"
        stopped = ", interrupted" if self.interrupted else ""
        return (
            f"TrainResult({self.config.engine}, {list(self.config.layers)}, {epochs} epochs"
            f"{shown}, {self.seconds:.2f} s{stopped})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "test_accuracy": self.test_accuracy,
            "val_accuracy": self.val_accuracy,
            "train_loss": self.train_loss,
            "train_accuracy": self.per_epoch("train_accuracy"),
            "val_accuracy_per_epoch": self.per_epoch("val_accuracy"),
            "test_accuracy_per_epoch": self.per_epoch("test_accuracy"),
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


def check_data(config: TrainConfig, data: Dataset, *, saved_model: bool = False) -> None:
    """Raise DataError (naming the data set and the fix) unless ``data`` fits the network of
    ``config``: its input width, its number of classes and finite, well-shaped arrays.

    Before training the fix is a different ``--layers``; for a ``saved_model`` (evaluate,
    predict) the layers are fixed, so the message names the model's sizes instead.
    """
    if data.n_features != config.n_features:
        if saved_model:
            raise DataError(
                f"the model's first layer takes {config.n_features} features but "
                f"{data.name} has {data.n_features}"
            )
        raise DataError(
            f"{data.name} has {data.n_features} features but the first layer takes "
            f"{config.n_features}: start --layers with {data.n_features}"
        )
    if data.n_classes > config.n_outputs:
        if saved_model:
            raise DataError(
                f"the model's output layer has {config.n_outputs} neurons but {data.name} "
                f"has {data.n_classes} classes"
            )
        raise DataError(
            f"{data.name} has {data.n_classes} classes but the output layer has "
            f"{config.n_outputs} neurons: end --layers with {data.n_classes}"
        )
    check_features(
        data.x_train,
        data.y_train,
        config.n_features,
        config.n_outputs,
        where=f"{data.name} training set",
    )
    check_features(
        data.x_test, data.y_test, config.n_features, config.n_outputs, where=f"{data.name} test set"
    )


Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Splits:
    """The parts a run uses: ``train`` (what the network learns from), ``val`` (held out of
    the training set to tune on; None without ``val_size``) and ``test`` (reported only)."""

    name: str
    train: Split
    val: Split | None
    test: Split

    def items(self) -> list[tuple[str, Split]]:
        parts = [("train", self.train), ("val", self.val), ("test", self.test)]
        return [(name, part) for name, part in parts if part is not None]


def make_splits(config: TrainConfig, data: Dataset) -> Splits:
    """Hold ``config.val_size`` training examples out for validation: a stratified draw from
    its own generator, so one seed always holds out the same examples (also on resume)."""
    train = (data.x_train, data.y_train)
    if config.val_size == 0:
        return Splits(data.name, train, None, (data.x_test, data.y_test))
    m = len(data.x_train)
    if config.val_size >= m:
        raise DataError(
            f"{data.name}: validation size {config.val_size} leaves nothing to train on "
            f"({m} training examples)"
        )
    # train_test_split holds out ceil(fraction * m); half an example below val_size makes
    # that exactly val_size whatever the rounding of the division.
    fraction = (config.val_size - 0.5) / m
    x_tr, x_val, y_tr, y_val = train_test_split(
        data.x_train, data.y_train, fraction, rng=np.random.default_rng([config.seed, 3])
    )
    return Splits(data.name, (x_tr, y_tr), (x_val, y_val), (data.x_test, data.y_test))


EpochCallback = Callable[[dict[str, Any], Learner], None]
BatchCallback = Callable[[int, float, Learner], None]


def train(
    config: TrainConfig,
    *,
    data: Dataset | None = None,
    on_epoch: EpochCallback | None = None,
    progress: bool = False,
    save: str | Path | None = None,
    resume: str | Path | None = None,
    on_batch: BatchCallback | None = None,
) -> TrainResult:
    """Train the network ``config`` describes; returns the history and the trained model.

    ``save`` writes the model (atomically) after the last epoch; on Ctrl-C the state at the
    end of the last finished epoch is written there (or to ``chainrule-checkpoint.safetensors``)
    and the result says ``interrupted``. ``resume`` continues from such a file (its settings
    must equal ``config``'s but for ``epochs``); the resumed run ends with exactly the weights
    and history of an uninterrupted one. ``on_batch(step, loss, learner)`` runs after each
    training step, ``on_epoch(stats, learner)`` after each epoch's evaluation.

    >>> result = train(TrainConfig(epochs=1, layers=(64, 16, 10)))
    >>> 0 <= result.test_accuracy <= 1
    True
    """
    if save is None:
        return _train(config, data, on_epoch, progress, save, resume, on_batch)
    _check_writable(Path(save))
    # held from start to save: a second run saving to the same file is refused, not raced
    with write_lock(save):
        return _train(config, data, on_epoch, progress, save, resume, on_batch)


def _train(
    config: TrainConfig,
    data: Dataset | None,
    on_epoch: EpochCallback | None,
    progress: bool,
    save: str | Path | None,
    resume: str | Path | None,
    on_batch: BatchCallback | None,
) -> TrainResult:
    data = data if data is not None else load_data(config)
    check_data(config, data)
    splits = make_splits(config, data)
    shuffle_rng = np.random.default_rng([config.seed, 1])
    if resume is not None:
        state = ckpt.load(resume)
        _check_resumable(config, state.config, resume)
        if state.shuffle_rng is None:
            raise ModelFileError(f"{resume}: a model file without training state; cannot resume")
        learner = ckpt.restore(state, resume)
        history = state.history
        try:
            shuffle_rng.bit_generator.state = state.shuffle_rng
        except (TypeError, ValueError, KeyError):
            raise ModelFileError(f"{resume}: bad shuffling state in the model file") from None
        first_epoch = state.epoch + 1
    else:
        learner = build_learner(config)
        if config.standardize:
            learner.fit_input_stats(splits.train[0])
        history = [_evaluate(learner, splits, epoch=0)]
        first_epoch = 1
    result = TrainResult(config=config, learner=learner, history=history)
    snapshot = ckpt.capture(learner, config, first_epoch - 1, history, shuffle_rng)
    started = time.perf_counter()
    epochs = range(first_epoch, config.epochs + 1)
    per_epoch = len(_batches(splits.train, config))
    try:
        with _progress_bar(len(epochs) * per_epoch, progress) as bar:
            for epoch in epochs:
                epoch_started = time.perf_counter()
                lr = config.lr_at(epoch)
                learner.set_lr(lr)
                mean_loss = _run_epoch(
                    learner, splits.train, config, shuffle_rng, epoch, bar, on_batch
                )
                seconds = time.perf_counter() - epoch_started
                history.append(
                    _evaluate(learner, splits, epoch, lr=lr, loss=mean_loss, seconds=seconds)
                )
                snapshot = ckpt.capture(learner, config, epoch, history, shuffle_rng)
                if bar is not None:
                    bar.set_postfix(_progress_numbers(history[-1]), refresh=False)
                if on_epoch is not None:
                    on_epoch(history[-1], learner)
    except NonFiniteError as exc:
        # Diverged: stop, and keep the last finished epoch where the user asked for a model.
        if save is not None:
            kept = ckpt.save(save, snapshot)
            raise NonFiniteError(f"{exc}; epoch {snapshot.epoch} is saved in {kept}") from None
        raise
    except KeyboardInterrupt:
        # The learner may be half-way through an epoch: keep the last finished one instead.
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


def _batches(train_split: Split, config: TrainConfig, rng: Any = None) -> DataLoader:
    # Under batch norm a last batch of one example is skipped (a different example each
    # epoch, the order being shuffled); too small a batch size is refused before training.
    x, y = train_split
    min_batch = nn.BatchNorm1d.min_batch(config.batch_size, len(x)) if config.batch_norm else 1
    return DataLoader(
        x, y, config.batch_size, shuffle=rng is not None, rng=rng, min_batch=min_batch
    )


@contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Any]:
    """One bar over the whole run (kept when it ends), or None."""
    if not enabled:
        yield None
        return
    from tqdm import TqdmWarning
    from tqdm.auto import tqdm

    with warnings.catch_warnings():
        # Without ipywidgets a notebook gets tqdm's text bar, which is fine: no warning.
        warnings.simplefilter("ignore", TqdmWarning)
        bar = tqdm(total=total, desc="training", unit="batch")
    try:
        yield bar
    finally:
        bar.close()


def _progress_numbers(stats: dict[str, Any]) -> dict[str, str]:
    shown = {"epoch": str(stats["epoch"]), "loss": f"{stats['train_loss']:.4g}"}
    for split in ("val", "test"):
        if stats.get(f"{split}_accuracy") is not None:
            shown[split] = f"{stats[f'{split}_accuracy']:.3f}"
    return shown


def _run_epoch(
    learner: Learner,
    train_split: Split,
    config: TrainConfig,
    rng: np.random.Generator,
    epoch: int,
    bar: Any,
    on_batch: BatchCallback | None,
) -> float:
    batches = _batches(train_split, config, rng)
    total = 0.0
    for step, (xb, yb) in enumerate(batches):
        with np.errstate(all="ignore"):  # divergence is reported below, once and clearly
            loss = learner.train_batch(xb, yb)
        if not math.isfinite(loss):
            raise NonFiniteError(
                f"training diverged in epoch {epoch}, batch {step + 1}: the loss became "
                f"{loss}; lower the learning rate (lr, --lr) or clip the gradient norm "
                "(clip_norm, --clip-norm; autodiff engine)"
            )
        total += loss * len(yb)
        if on_batch is not None:
            on_batch(step, loss, learner)
        if bar is not None:
            bar.update()
    return total / batches.n_used


def _evaluate(
    learner: Learner,
    splits: Splits,
    epoch: int,
    *,
    lr: float | None = None,
    loss: float | None = None,
    seconds: float = 0.0,
) -> dict[str, Any]:
    """One history entry: loss and accuracy on every split after ``epoch`` (0: untrained)."""
    stats: dict[str, Any] = {"epoch": epoch}
    for name, (x, y) in splits.items():
        stats[f"{name}_loss"], stats[f"{name}_accuracy"] = learner.evaluate(x, y)
    stats["lr"] = lr
    stats["mean_batch_loss"] = loss
    stats["seconds"] = seconds
    return stats


def _check_writable(path: Path) -> None:
    """Fail before training, not after it, when the model cannot be saved where asked."""
    where = f"save={str(path)!r} (--save)"
    if path.is_dir():
        raise ConfigError(f"{where}: is a directory; name a file such as model.safetensors")
    writable_target(path)  # a FIFO or a device is refused now, not after training
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"{where}: no folder {folder}")
    try:
        try_writing_in(folder)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot write in {folder} ({exc.strerror or exc})") from None


def _check_resumable(config: TrainConfig, saved: TrainConfig, path: str | Path) -> None:
    mine = config.to_dict()
    theirs = saved.to_dict()
    mine.pop("epochs"), theirs.pop("epochs")
    differ = sorted(k for k in mine if mine[k] != theirs.get(k))
    if differ:
        changes = ", ".join(f"{k} {theirs.get(k)!r} there, {mine[k]!r} here" for k in differ)
        raise ConfigError(
            f"{path} was trained with other settings ({changes}); resume with its own"
        )
    if config.schedule == "cosine" and config.epochs != saved.epochs:
        raise ConfigError(
            f"{path} follows a cosine schedule over {saved.epochs} epochs; resume it with "
            f"--epochs {saved.epochs}"
        )
