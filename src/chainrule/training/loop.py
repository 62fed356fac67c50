"""The training loop: seeded shuffling, per-epoch evaluation, progress, checkpoints, Ctrl-C.

Same config and seed, same numbers: the initial weights come from the seed, the shuffling from
its own generator whose state is checkpointed, so an interrupted run resumed with ``resume=``
ends with exactly the weights of an uninterrupted one.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainrule.data import Dataset
from chainrule.diagnostics.diagnosis import input_scale
from chainrule.errors import ConfigError, ModelFileError, NonFiniteError
from chainrule.i18n import _
from chainrule.serialization import try_writing_in, writable_target, write_lock
from chainrule.training import checkpoint as ckpt
from chainrule.training.config import DEFAULT_CHECKPOINT, TrainConfig
from chainrule.training.distributed import DataParallel
from chainrule.training.learners import Learner
from chainrule.training.run import Run
from chainrule.training.splits import Splits, check_data, load_data, make_splits
from chainrule.training.threads import checked_blas_threads, resumed_blas_threads
from chainrule.wording import counted

# load_data, check_data, Splits and make_splits live in splits.py; importable from here too
__all__ = ["Splits", "TrainResult", "check_data", "load_data", "make_splits", "train"]


@dataclass
class TrainResult:
    """What a run produced. ``history`` has one dict per epoch (epoch 0 = before training);
    ``hints`` are lines of advice about the setup (e.g. inputs far from unit scale);
    ``blas_threads`` the BLAS threads it trained on (recorded in its checkpoints)."""

    config: TrainConfig
    learner: Learner
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    checkpoint_path: Path | None = None
    hints: list[str] = field(default_factory=list)
    blas_threads: int | None = None

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
            f"TrainResult({self.config.engine}, {list(self.config.layers)}, "
            f"{counted(epochs, 'epoch')}"
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
            "hints": self.hints,
            "config": self.config.to_dict(),
        }


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
    data_parallel: DataParallel | None = None,
    blas_threads: int | None = None,
) -> TrainResult:
    """Train the network ``config`` describes; returns the history and the trained model.

    ``save`` writes the model (atomically) after the last epoch; on Ctrl-C the state at the
    end of the last finished epoch is written there (or to ``chainrule-checkpoint.safetensors``)
    and the result says ``interrupted``. ``resume`` continues from such a file (its settings
    must equal ``config``'s but for ``epochs``); the resumed run ends with exactly the weights
    and history of an uninterrupted one. ``on_batch(step, loss, learner)`` runs after each
    training step, ``on_epoch(stats, learner)`` after each epoch's evaluation. The steps
    themselves are a :class:`~chainrule.training.run.Run`'s.

    ``data_parallel`` (a :class:`~chainrule.training.distributed.DataParallel`, one per MPI
    process) shards every batch across the processes and averages their gradients; every
    process evaluates (and returns the same result), rank 0 alone shows progress, calls
    ``on_epoch`` and writes ``save``.

    ``blas_threads`` pins the BLAS threads of the run (OpenBLAS's sums depend on them); by
    default a new run chooses them (:func:`~chainrule.training.threads.choose_blas_threads`)
    and a resumed one keeps the count its checkpoint records. A resumed run on another count
    than recorded still trains, with a one-line
    :class:`~chainrule.training.threads.BlasThreadsWarning`.

    >>> result = train(TrainConfig(epochs=1, layers=(64, 16, 10)))
    >>> 0 <= result.test_accuracy <= 1
    True
    """
    how = _How(on_epoch, progress, save, resume, on_batch, data_parallel)
    how.blas_threads = checked_blas_threads(blas_threads)
    if data_parallel is None:
        return _saved_run(config, data, how)
    data_parallel.check(config)  # the same settings fail on every process: no one waits
    try:
        if not data_parallel.is_root:  # rank 0 alone prints and writes
            how.save, how.progress, how.on_epoch = None, False, None
        return _saved_run(config, data, how)
    except BaseException as exc:
        data_parallel.abandon(exc)  # the others must not wait for this process forever
        raise
    finally:
        data_parallel.detach()


@dataclass
class _How:
    """How ``train`` runs (its keyword arguments, as checked), passed down as one."""

    on_epoch: EpochCallback | None
    progress: bool
    save: str | Path | None
    resume: str | Path | None
    on_batch: BatchCallback | None
    data_parallel: DataParallel | None
    blas_threads: int | None = None


def _saved_run(config: TrainConfig, data: Dataset | None, how: _How) -> TrainResult:
    if how.save is None:
        return _train(config, data, how)
    _check_writable(Path(how.save))
    # held from start to save: a second run saving to the same file is refused, not raced
    with write_lock(how.save):
        return _train(config, data, how)


def _train(config: TrainConfig, data: Dataset | None, how: _How) -> TrainResult:
    data = data if data is not None else load_data(config)
    check_data(config, data)  # bad data is named before a bad checkpoint
    if how.resume is not None:
        run = _resumed(config, data, how.resume, how.blas_threads)
    else:
        run = Run(config, data, blas_threads=how.blas_threads)
    learner, save = run.learner, how.save
    if how.data_parallel is not None:
        how.data_parallel.attach(learner)
    result = TrainResult(
        config=config,
        learner=learner,
        history=run.history,
        hints=_hints(run),
        blas_threads=run.blas_threads,
    )
    snapshot = _snapshot(run)
    started = time.perf_counter()
    total = max(config.epochs - run.epoch, 0) * len(run.loader)
    try:
        with _progress_bar(total, how.progress) as bar:
            for snapshot in _epochs(run, bar, how.on_batch, how.on_epoch):  # noqa: B007
                pass  # (the last snapshot is kept below)
    except NonFiniteError as exc:
        # Diverged: stop, and keep the last finished epoch where the user asked for a model.
        if save is not None:
            kept = ckpt.save(save, snapshot)
            raise NonFiniteError(f"{exc}; epoch {snapshot.epoch} is saved in {kept}") from None
        raise
    except KeyboardInterrupt:
        if how.data_parallel is not None and not how.data_parallel.is_root:
            raise  # rank 0 keeps the last finished epoch
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


def _hints(run: Run) -> list[str]:
    """Advice worth one line before training: raw inputs (pixels 0..255, digits 0..16) train
    far worse than standardized ones, and nothing else would tell the user why."""
    if run.config.standardize:
        return []
    finding = input_scale(run.splits.train[0])
    return [] if finding is None else [f"{finding.message} (standardize=True, --standardize)"]


def _resumed(
    config: TrainConfig, data: Dataset, resume: str | Path, blas_threads: int | None
) -> Run:
    """The run saved in ``resume``, ready to continue with its next epoch (on the BLAS
    threads it recorded, unless ``blas_threads`` pins others)."""
    state = ckpt.load(resume)
    _check_resumable(config, state.config, resume)
    if state.shuffle_rng is None:
        raise ModelFileError(f"{resume}: a model file without training state; cannot resume")
    threads = resumed_blas_threads(config, state.blas_threads, blas_threads, resume)
    learner = ckpt.restore(state, resume)
    run = Run(config, data, learner=learner, history=state.history, blas_threads=threads)
    run.epoch = state.epoch
    try:
        run.shuffle_rng.bit_generator.state = state.shuffle_rng
    except (TypeError, ValueError, KeyError):
        raise ModelFileError(f"{resume}: bad shuffling state in the model file") from None
    return run


def _epochs(
    run: Run, bar: Any, on_batch: BatchCallback | None, on_epoch: EpochCallback | None
) -> Iterator[ckpt.Checkpoint]:
    """Run the remaining epochs; after each, yield the snapshot of the run as it stands."""
    config, learner = run.config, run.learner
    while run.epoch < config.epochs:
        stats = run.run_epoch(_step_callback(learner, bar, on_batch))
        assert stats is not None  # a run that raises on divergence never returns None
        yield _snapshot(run)
        if bar is not None:
            bar.set_postfix(_progress_numbers(stats), refresh=False)
        if on_epoch is not None:
            with _beside(bar):
                on_epoch(stats, learner)


def _snapshot(run: Run) -> ckpt.Checkpoint:
    """The run as it stands, its BLAS thread count included."""
    return ckpt.capture(
        run.learner, run.config, run.epoch, run.history, run.shuffle_rng, run.blas_threads
    )


def _step_callback(
    learner: Learner, bar: Any, on_batch: BatchCallback | None
) -> Callable[[int, float], None]:
    def after_step(index: int, loss: float) -> None:
        if on_batch is not None:
            on_batch(index, loss, learner)
        if bar is not None:
            bar.update()

    return after_step


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


@contextmanager
def _beside(bar: Any) -> Iterator[None]:
    """Let a callback print whole lines while ``bar`` is on screen.

    stdout and stderr share one terminal line with the bar: a line printed as it stands would
    be glued after the bar's text. tqdm clears the bar, lets the print through on a line of
    its own, and redraws the bar below it (``tqdm.write`` does the same for one string).
    """
    if bar is None:
        yield
        return
    with bar.external_write_mode():
        yield


def _progress_numbers(stats: dict[str, Any]) -> dict[str, str]:
    shown = {"epoch": str(stats["epoch"]), "loss": f"{stats['train_loss']:.4g}"}
    for split in ("val", "test"):
        if stats.get(f"{split}_accuracy") is not None:
            shown[split] = f"{stats[f'{split}_accuracy']:.3f}"
    return shown


def _check_writable(path: Path) -> None:
    """Fail before training, not after it, when the model cannot be saved where asked."""
    where = f"save={str(path)!r} (--save)"
    if path.is_dir():
        raise ConfigError(
            _("{where}: is a directory; name a file such as model.safetensors").format(where=where)
        )
    writable_target(path)  # a FIFO or a device is refused now, not after training
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(_("{where}: no folder {folder}").format(where=where, folder=folder))
    try:
        try_writing_in(folder)
    except OSError as exc:
        reason = exc.strerror or exc
        raise ConfigError(
            _("{where}: cannot write in {folder} ({reason})").format(
                where=where, folder=folder, reason=reason
            )
        ) from None


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
            f"{path} follows a cosine schedule over {counted(saved.epochs, 'epoch')}; resume it "
            f"with --epochs {saved.epochs}"
        )
