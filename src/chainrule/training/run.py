"""A training run that advances one mini-batch at a time and can be looked into between steps.

:class:`Run` is the library's one training loop: :func:`chainrule.training.train` drives it
epoch by epoch (adding progress, checkpoints and Ctrl-C), the learning-speed experiments drive
it with a measurement after each epoch, and a front end can drive it a step at a time::

    run = Run(config, data)
    run.step()            # one mini-batch: J before the step
    run.records()         # z, a, δ, ∂J/∂W, ∂J/∂b and the speeds of every layer, now
    run.run_epoch()       # the rest of the epoch; its history entry

Same config and seed, same numbers: the initial weights come from the seed and the batch
order from its own generator (``shuffle_rng``), drawn afresh at the start of each epoch.

>>> run = Run(TrainConfig(layers=(64, 16, 10), epochs=1, train_size=100))
>>> loss = run.step()
>>> run.steps, run.epoch, run.records().speeds.shape
(1, 0, (2,))
>>> entry = run.run_epoch()
>>> run.steps, run.epoch, entry["epoch"], run.done
(10, 1, 1, True)
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from chainrule import nn
from chainrule.data import DataLoader, Dataset
from chainrule.diagnostics.records import LayerPass
from chainrule.errors import ConfigError, NonFiniteError
from chainrule.i18n import _
from chainrule.training.config import TrainConfig
from chainrule.training.learners import Learner, build_learner
from chainrule.training.splits import Split, check_data, load_data, make_splits
from chainrule.training.threads import (
    checked_blas_threads,
    choose_blas_threads,
    largest_product,
    limit_blas_threads,
)

# largest_product lived here before the thread count was chosen in threads.py
__all__ = ["Run", "StepCallback", "largest_product", "make_loader"]

StepCallback = Callable[[int, float], None]


class Run:
    """One training run of ``config`` on ``data`` (loaded from ``config`` when None).

    Args:
        learner: the model to train; by default a fresh one from ``config`` (its input
            statistics fitted when ``config.standardize``). Pass one to train a network built
            elsewhere (e.g. a custom initializer) or one restored from a checkpoint.
        history: the history so far (a resumed run); by default epoch 0 is evaluated now.
        evaluate: evaluate loss and accuracy on every split after each epoch (the history's
            entries); without it an entry has only the epoch, lr, mean batch loss, seconds.
        stop_on_divergence: on a NaN/Inf loss mark the run ``diverged`` and stop, instead of
            raising NonFiniteError.
        blas_threads: the BLAS threads of every step, evaluation and record (OpenBLAS's sums
            depend on it); by default chosen now for ``config`` by
            :func:`~chainrule.training.threads.choose_blas_threads`.

    Attributes: ``epoch`` (epochs finished), ``steps`` (steps taken by this object),
    ``history``, ``diverged``, ``loader`` (the batches of one epoch), ``learner``,
    ``blas_threads``.
    """

    def __init__(
        self,
        config: TrainConfig,
        data: Dataset | None = None,
        *,
        learner: Learner | None = None,
        history: list[dict[str, Any]] | None = None,
        evaluate: bool = True,
        stop_on_divergence: bool = False,
        blas_threads: int | None = None,
    ) -> None:
        self.config = config
        blas_threads = checked_blas_threads(blas_threads)
        self.data = data if data is not None else load_data(config)
        check_data(config, self.data)
        self.splits = make_splits(config, self.data)
        if learner is None:
            learner = build_learner(config)
            if config.standardize:
                learner.fit_input_stats(self.splits.train[0])
        self.learner = learner
        self.shuffle_rng = np.random.default_rng([config.seed, 1])
        self.loader = make_loader(self.splits.train, config, self.shuffle_rng)
        self.evaluating = evaluate
        self.stop_on_divergence = stop_on_divergence
        self.history = history if history is not None else []
        # chosen once, before any sum: every step and evaluation of the run then agrees
        self.blas_threads = blas_threads or choose_blas_threads(config)
        self._holding_threads = False
        if history is None and evaluate:
            with self.holding_threads():  # the same sums as every later evaluation
                self.history.append(self._entry(0))
        self.epoch = self.history[-1]["epoch"] if self.history else 0
        self.steps = 0
        self.diverged = False
        self.last_batch: Split | None = None
        self._batches: Iterator[Split] | None = None
        self._in_epoch = 0  # steps taken in the current epoch
        self._loss_sum = 0.0
        self._epoch_started = 0.0
        self._lr = config.lr

    def __repr__(self) -> str:
        c = self.config
        return (
            f"Run({c.engine}, {list(c.layers)}, epoch {self.epoch} of {c.epochs}, "
            f"{self.steps} steps{', diverged' if self.diverged else ''})"
        )

    @property
    def done(self) -> bool:
        """Whether the epochs of ``config`` are all finished (or the run diverged)."""
        return self.diverged or self.epoch >= self.config.epochs

    def step(self) -> float:
        """Train on the next mini-batch; returns J of the batch before the step.

        Starts the next epoch (its learning rate, a fresh batch order) when none is under
        way, and ends it after its last batch: the history gets the epoch's entry. A NaN/Inf
        loss raises NonFiniteError naming the epoch and batch, or with ``stop_on_divergence``
        sets ``diverged`` (and returns the loss); a diverged run takes no more steps.
        """
        if self.diverged:
            raise NonFiniteError("the run has diverged: it takes no more steps")
        if self._batches is None:
            self._start_epoch()
        assert self._batches is not None
        xb, yb = next(self._batches)
        # a step taken by hand holds the run's threads itself; run_epoch holds them already
        threads = contextlib.nullcontext() if self._holding_threads else self.holding_threads()
        with np.errstate(all="ignore"), threads:  # divergence is reported below, once
            loss = self.learner.train_batch(xb, yb)
        self.steps += 1
        self._in_epoch += 1
        self.last_batch = (xb, yb)
        if not math.isfinite(loss):
            self.diverged = True
            if self.stop_on_divergence:
                return loss
            raise NonFiniteError(
                _(
                    "training diverged in epoch {epoch}, batch {batch}: the loss became "
                    "{loss}; lower the learning rate (lr, --lr) or clip the gradient norm "
                    "(clip_norm, --clip-norm; autodiff engine)"
                ).format(epoch=self.epoch + 1, batch=self._in_epoch, loss=loss)
            )
        self._loss_sum += loss * len(yb)
        if self._in_epoch == len(self.loader):
            self._end_epoch()
        return loss

    def run_epoch(self, on_step: StepCallback | None = None) -> dict[str, Any] | None:
        """Step to the end of the current (or next) epoch; returns its history entry, or None
        when the run diverged on the way. ``on_step(index, loss)`` runs after each step
        (``index`` counts from 0 within the epoch)."""
        epoch = self.epoch
        with self.holding_threads():
            while self.epoch == epoch and not self.diverged:
                index = self._in_epoch
                loss = self.step()
                if on_step is not None:
                    on_step(index, loss)
        return None if self.diverged else self.history[-1]

    def records(self, on: str = "train") -> LayerPass:
        """Every layer's z, a, δ, ∂J/∂W, ∂J/∂b and learning speed at the current weights.

        ``on``: ``"train"`` (the whole training split, Nielsen's measure), ``"batch"`` (the
        batch the last step trained on), ``"val"`` or ``"test"``. Nothing is stepped.
        """
        if on == "batch":
            if self.last_batch is None:
                raise ConfigError("records('batch'): no step has been taken yet")
            x, y = self.last_batch
        else:
            parts = dict(self.splits.items())
            if on not in parts:
                raise ConfigError(f"records(on={on!r}): use 'batch' or one of {list(parts)}")
            x, y = parts[on]
        with np.errstate(all="ignore"), self.holding_threads():
            return self.learner.layer_pass(x, y)

    def evaluate(self) -> dict[str, Any]:
        """Loss and accuracy on every split now (keys ``train_loss``, ``test_accuracy``, ...)."""
        stats: dict[str, Any] = {}
        # Huge finite weights overflow to Inf here: the loss says so (the history, the epoch
        # line); NumPy's RuntimeWarnings on stderr would only add noise after it.
        with np.errstate(all="ignore"), self.holding_threads():
            for name, (x, y) in self.splits.items():
                stats[f"{name}_loss"], stats[f"{name}_accuracy"] = self.learner.evaluate(x, y)
        return stats

    @contextlib.contextmanager
    def holding_threads(self) -> Iterator[None]:
        """BLAS held to the run's thread count inside the block, for a front end that takes
        many steps by hand: each ``step`` outside such a block holds them by itself (~60 µs).

        >>> run = Run(TrainConfig(layers=(64, 16, 10), epochs=1, train_size=100))
        >>> with run.holding_threads():
        ...     losses = [run.step() for _ in range(3)]
        >>> run.steps
        3
        """
        if self._holding_threads:
            yield
            return
        with limit_blas_threads(self.blas_threads):
            self._holding_threads = True
            try:
                yield
            finally:
                self._holding_threads = False

    def _start_epoch(self) -> None:
        self._lr = self.config.lr_at(self.epoch + 1)
        self.learner.set_lr(self._lr)
        self._batches = iter(self.loader)
        self._in_epoch = 0
        self._loss_sum = 0.0
        self._epoch_started = time.perf_counter()

    def _end_epoch(self) -> None:
        seconds = time.perf_counter() - self._epoch_started
        self.epoch += 1
        self._batches = None
        mean_loss = self._loss_sum / self.loader.n_used
        self.history.append(self._entry(self.epoch, lr=self._lr, loss=mean_loss, seconds=seconds))

    def _entry(
        self,
        epoch: int,
        *,
        lr: float | None = None,
        loss: float | None = None,
        seconds: float = 0.0,
    ) -> dict[str, Any]:
        """One history entry: loss and accuracy on every split after ``epoch`` (0: untrained)."""
        stats: dict[str, Any] = {"epoch": epoch}
        if self.evaluating:
            stats.update(self.evaluate())
        stats["lr"] = lr
        stats["mean_batch_loss"] = loss
        stats["seconds"] = seconds
        return stats


def make_loader(train_split: Split, config: TrainConfig, rng: np.random.Generator) -> DataLoader:
    """The shuffled mini-batches of one epoch (a fresh order from ``rng`` on every pass).

    Under batch norm a last batch of one example is skipped (a different example each epoch,
    the order being shuffled); too small a batch size is refused here, before training.
    """
    x, y = train_split
    min_batch = nn.BatchNorm1d.min_batch(config.batch_size, len(x)) if config.batch_norm else 1
    return DataLoader(x, y, config.batch_size, shuffle=True, rng=rng, min_batch=min_batch)
