"""Experiments: the published four-hidden-layer learning-speed experiment, and its remedies.

:func:`learning_speed_experiment` trains a fully connected network and records the learning
speed ‖∂J/∂b^l‖ of every hidden layer before training (epoch 0) and after every epoch, the way
Nielsen measured it for *Neural Networks and Deep Learning*, chapter 5: J is the cost averaged
over the whole training set (1000 images there), so the speed of layer l is the norm of the
mean over the images of the per-image gradient ∂C_x/∂b^l, which is also the norm of the
batch-summed δ^l of one pass over the whole set (each row of δ carries the 1/m of the mean).
With a 784-30-30-30-30-10 logistic network his speeds were 0.003, 0.017, 0.070, 0.285 (first
hidden layer first): each hidden layer several times slower than the next.

:func:`compare_remedies` runs that experiment once per combination of the lecture's remedies
(activation × initialization × learning rate × gradient clipping × batch normalization) on the
same data with the same seed, and tabulates first- and last-layer speeds, their ratio, the
final loss and the accuracy.

Both are loops over :class:`~chainrule.training.run.Run` (the library's one training loop),
measuring the learner's :meth:`~chainrule.training.learners.Learner.layer_pass` over the whole
training set between epochs, or recording every step with the learner's gradient monitor.
Two engines compute the same numbers: the classic network (:mod:`chainrule.classic`, the
lecture's formulas by hand, fast) for logistic/tanh/ReLU networks, and the autodiff ``nn``
engine where batch normalization or clipping is asked for. Both start from the same weights
(drawn by the classic initializers from ``seed``), see the batches in the same order, use the
same cost (the quadratic cost has a logistic output layer; cross-entropy a softmax) and report
the same speed: ‖∂J/∂b^l‖, or ‖∂J/∂β^l‖ of the BatchNorm shift when one follows the Linear
layer (the Linear's own bias gradient is then 0: normalization removes its effect).

Settings of :func:`learning_speed_experiment` (and, but for the grid's, of
:func:`compare_remedies`):

    dataset: a name for :func:`chainrule.data.load` (``"fashion-mnist"``, ``"digits"``,
        ...) or a loaded :class:`~chainrule.data.Dataset`.
    sizes: neurons per layer, input first: ``[784, 30, 30, 30, 30, 10]`` is the
        published four-hidden-layer network.
    activation: hidden-layer σ: ``"sigmoid"``, ``"tanh"``, ``"relu"``.
    init: ``"normal"`` (N(0, 1)), ``"normal-scaled"`` (N(0, 1/n_in)), ``"xavier"`` or
        ``"he"``, as in :mod:`chainrule.classic.initializers` (biases 0, except N(0, 1)
        for ``"normal"``), or a callable ``init(shape, rng) -> array``.
    cost: ``"quadratic"`` (logistic output layer) or ``"cross-entropy"`` (softmax).
    epochs, batch_size, lr: plain mini-batch gradient descent, shuffled by ``seed``.
        With ``batch_norm`` a last batch of a single example is left out of the epoch
        (PyTorch's ``DataLoader(drop_last=True)`` for that one case): BatchNorm1d cannot
        normalize one value per feature.
    train_size, test_size: keep the first n examples of each split.
    seed: draws the weights and the batch order (same for both engines).
    engine: ``"classic"``, ``"autodiff"``, or ``"auto"`` (classic unless batch_norm or
        clip is asked for).
    batch_norm: a BatchNorm1d between every hidden Linear layer and its σ (autodiff).
    clip: clip the gradient norm to this value before each step (autodiff).
    record: ``"epoch"``: speeds over the whole training set before training and after
        each epoch (Nielsen's measure); ``"step"``: speeds on each training mini-batch.
    on_epoch: called with the epoch number (1, 2, ...) after each epoch, e.g. to move
        a progress bar.

>>> r = learning_speed_experiment("digits", [64, 16, 16, 10], "sigmoid", "normal-scaled",
...                               epochs=2, batch_size=10, lr=0.5, train_size=200)
>>> r.speeds.shape, r.engine, list(r.to_dict()["epochs"])
((3, 2), 'classic', [0, 1, 2])
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from chainrule.classic import Network
from chainrule.data import load
from chainrule.diagnostics.factors import FACTOR_FIELDS, measure_factors
from chainrule.diagnostics.records import GradientRecords, LayerPass
from chainrule.diagnostics.results import (
    GRID_KEYS,
    ComparisonResult,
    ComparisonRow,
    SpeedResult,
    init_name,
)
from chainrule.diagnostics.stats import activation_stats
from chainrule.errors import ConfigError
from chainrule.i18n import _
from chainrule.training.config import TrainConfig
from chainrule.training.learners import Learner, build_learner
from chainrule.training.parallel import check_backend, one_blas_thread, run_tasks
from chainrule.training.run import Run

ENGINES = ("auto", "classic", "autodiff")
RECORD_MODES = ("epoch", "step")
_CLASSIC_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def _load(dataset: Any, train_size: int | None, test_size: int | None, seed: int) -> Any:
    if isinstance(dataset, str):
        return load(dataset, train_size=train_size, test_size=test_size, seed=seed)
    if train_size is not None and hasattr(dataset, "x_train"):
        return replace(
            dataset, x_train=dataset.x_train[:train_size], y_train=dataset.y_train[:train_size]
        )
    return dataset


def _check_settings(
    sizes: Sequence[int], ds: Any, engine: str, record: str, batch_norm: bool, clip: Any
) -> None:
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {ENGINES}, got {engine!r}")
    if record not in RECORD_MODES:
        raise ConfigError(f"record must be 'epoch' or 'step', got {record!r}")
    if len(sizes) < 3:
        raise ConfigError(f"sizes needs at least one hidden layer, got {list(sizes)}")
    if sizes[0] != ds.n_features or sizes[-1] != ds.n_classes:
        raise ConfigError(
            f"sizes {list(sizes)} do not fit {ds.name}: it has {ds.n_features} features and "
            f"{ds.n_classes} classes, so sizes must start with {ds.n_features} and end with "
            f"{ds.n_classes}"
        )
    if clip is not None and not (isinstance(clip, int | float) and clip > 0):
        raise ConfigError(f"clip must be a positive max norm or None, got {clip!r}")
    if engine == "classic" and (batch_norm or clip is not None):
        raise ConfigError(
            "the classic engine has no batch normalization or gradient clipping; use "
            "engine='autodiff' (or 'auto')"
        )


def _choose_engine(engine: str, activation: str, batch_norm: bool, clip: Any) -> str:
    if engine != "auto":
        return engine
    if batch_norm or clip is not None or activation not in _CLASSIC_ACTIVATIONS:
        return "autodiff"
    return "classic"


def _classic_network(
    sizes: Sequence[int], activation: str, init: Any, cost: str, seed: int
) -> Network:
    output = "sigmoid" if cost == "quadratic" else None
    return Network(list(sizes), activation, cost, init, output_activation=output, seed=seed)


def _accuracy(learner: Learner, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(learner.predict(x) == y))


def _activation_table(acts: Sequence[np.ndarray], activation: str | None) -> np.ndarray:
    """Rows mean, std, saturated fraction, dead fraction; one column per hidden layer."""
    table = np.full((4, len(acts)), np.nan)
    for j, a in enumerate(acts):
        if a.size:
            table[:, j] = activation_stats(a, activation)
    return table


@dataclass
class _Trace:
    """A run's records as they come, one entry per record (epoch or step)."""

    speeds: list[np.ndarray] = field(default_factory=list)
    grad_norms: list[np.ndarray] = field(default_factory=list)
    weight_norms: list[np.ndarray] = field(default_factory=list)
    act_tables: list[np.ndarray] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    xs: list[int] = field(default_factory=list)
    factors: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {name: [] for name in FACTOR_FIELDS}
    )

    def add(self, run: Run, x: int, activation: str) -> bool:
        """Measure ``run`` over the training set as record ``x`` (its hidden layers); False
        once J or a speed is NaN/Inf (the run has diverged)."""
        layers = run.records("train")
        speeds = layers.speeds[:-1]
        self.speeds.append(speeds)
        self.grad_norms.append(layers.grad_norms[:-1])
        self.weight_norms.append(layers.weight_norms[:-1])
        self.act_tables.append(_activation_table(layers.hidden_activations(), activation))
        self.losses.append(layers.cost)
        self.xs.append(x)
        self._add_factors(layers, activation)
        return math.isfinite(layers.cost) and bool(np.isfinite(speeds).all())

    def _add_factors(self, layers: LayerPass, activation: str) -> None:
        """The factor split of the hidden layers' δ (NaN where the pass has no weights)."""
        n = layers.n_layers
        split = {name: [np.nan] * n for name in FACTOR_FIELDS}
        if layers.weights is not None:
            acts = [activation] * n
            split = measure_factors(
                layers.deltas, layers.weights, layers.z, layers.a, acts, layers.batch_norm
            )
        for name in FACTOR_FIELDS:
            self.factors[name].append(np.array(split[name][:-1], float))

    @classmethod
    def from_records(cls, records: GradientRecords) -> _Trace:
        """The hidden layers of a monitor's records (no activation tables: they stay there)."""
        return cls(
            speeds=list(records.hidden_speeds),
            grad_norms=list(records.grad_norms[:, records.hidden]),
            weight_norms=list(records.weight_norms[:, records.hidden]),
            losses=list(records.loss),
            xs=list(records.steps),
            factors={
                name: list(getattr(records, name)[:, records.hidden]) for name in FACTOR_FIELDS
            },
        )

    def arrays(self, n_hidden: int) -> dict[str, Any]:
        """The records as SpeedResult's arrays (hidden layers in columns)."""
        acts = (
            np.array(self.act_tables, float).reshape(-1, 4, n_hidden) if self.act_tables else None
        )
        stats = ("act_mean", "act_std", "saturated", "dead")
        return {
            "x": np.array(self.xs, np.int64),
            "speeds": np.array(self.speeds, float).reshape(-1, n_hidden),
            "grad_norms": np.array(self.grad_norms, float).reshape(-1, n_hidden),
            "train_loss": np.array(self.losses, float),
            "final_loss": float(self.losses[-1]) if self.losses else math.nan,
            "weight_norms": np.array(self.weight_norms, float).reshape(-1, n_hidden),
            **{name: None if acts is None else acts[:, k] for k, name in enumerate(stats)},
            **{
                name: np.array(values, float).reshape(-1, n_hidden)
                for name, values in self.factors.items()
            },
        }


# --------------------------------------------------------------------------- experiments


def learning_speed_experiment(
    dataset: Any = "fashion-mnist",
    sizes: Sequence[int] = (784, 30, 30, 30, 30, 10),
    activation: str = "sigmoid",
    init: str | Callable[..., np.ndarray] = "normal-scaled",
    *,
    cost: str = "quadratic",
    epochs: int = 30,
    batch_size: int = 10,
    lr: float = 0.5,
    train_size: int | None = 1000,
    test_size: int | None = None,
    seed: int = 0,
    engine: str = "auto",
    batch_norm: bool = False,
    clip: float | None = None,
    record: str = "epoch",
    on_epoch: Callable[[int], None] | None = None,
    network: Network | None = None,
) -> SpeedResult:
    """Train a network and record the learning speed of each hidden layer.

    The settings are described in the module docstring (*Settings*); ``record="epoch"``
    measures over the whole training set before training and after each epoch, ``"step"``
    records every training step with the learner's gradient monitor. ``network``: start from
    this classic network's weights instead of drawing them from ``seed`` (it must have
    ``sizes``, ``activation`` and ``cost``; see :func:`chainrule.training.rerun.rerun_with`).

    >>> r = learning_speed_experiment("digits", [64, 16, 16, 10], "relu", "he",
    ...                               cost="cross-entropy", epochs=1, lr=0.1, train_size=100)
    >>> len(r.speeds), r.speeds.shape[1]
    (2, 2)
    """
    ds = _load(dataset, train_size, test_size, seed)
    sizes = [int(s) for s in sizes]
    _check_settings(sizes, ds, engine, record, batch_norm, clip)
    engine = _choose_engine(engine, activation, batch_norm, clip)
    net = network if network is not None else _classic_network(sizes, activation, init, cost, seed)
    _check_network(net, sizes, activation, cost)
    config = _run_config(
        ds.name, sizes, cost, lr, batch_size, epochs, seed, engine, batch_norm, clip
    )
    run = Run(
        config, ds, learner=build_learner(config, net), evaluate=False, stop_on_divergence=True
    )
    trace, diverged, records = _train_and_measure(run, activation, record, on_epoch)
    with np.errstate(all="ignore"):
        train_acc = _accuracy(run.learner, ds.x_train, ds.y_train)
        test_acc = _accuracy(run.learner, ds.x_test, ds.y_test) if len(ds.x_test) else None
    return SpeedResult(
        **_config_fields(config),
        dataset=ds.name,
        sizes=sizes,
        activation=activation,
        init=init_name(init),
        train_size=len(ds.x_train),
        record=record,
        train_accuracy=train_acc,
        test_accuracy=test_acc,
        diverged=diverged,
        records=records,
        **trace.arrays(len(sizes) - 2),
    )


def _check_network(net: Network, sizes: list[int], activation: str, cost: str) -> None:
    """A network given to start from must be the one the settings describe."""
    have = (list(net.sizes), net.activation.name, net.cost_function.name)
    if have != (sizes, activation, cost):
        raise ConfigError(
            _("network {have} does not match the settings {want}").format(
                have=have, want=(sizes, activation, cost)
            )
        )


def _run_config(
    name: str,
    sizes: list[int],
    cost: str,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
    engine: str,
    batch_norm: bool,
    clip: float | None,
) -> TrainConfig:
    """The run's schedule, engine and cost. The network (its activation and init) is built
    apart, since it may use what TrainConfig does not offer: a callable init, the identity."""
    return TrainConfig(
        data=name,
        layers=tuple(sizes),
        cost=cost,
        lr=float(lr),
        batch_size=int(batch_size),
        epochs=int(epochs),
        seed=int(seed),
        engine=engine,
        batch_norm=bool(batch_norm),
        clip_norm=None if clip is None else float(clip),
    )


def _config_fields(config: TrainConfig) -> dict[str, Any]:
    """The fields of a SpeedResult that restate the run's config."""
    return {
        "cost": config.cost,
        "engine": config.engine,
        "batch_norm": config.batch_norm,
        "clip": config.clip_norm,
        "lr": config.lr,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "seed": config.seed,
    }


def _train_and_measure(
    run: Run, activation: str, record: str, on_epoch: Callable[[int], None] | None
) -> tuple[_Trace, bool, GradientRecords | None]:
    """Train ``run`` to its last epoch or until it diverges, measuring the hidden layers over
    the training set before training and after each epoch (``record="epoch"``) or recording
    every step with the learner's monitor (``"step"``)."""
    monitor = run.learner.watch(every=1) if record == "step" else None
    trace = _Trace()
    with np.errstate(all="ignore"):
        diverged = record == "epoch" and not trace.add(run, 0, activation)
        while not diverged and run.epoch < run.config.epochs:
            epoch = run.epoch + 1
            run.run_epoch()
            diverged = run.diverged
            if record == "epoch" and not diverged:
                diverged = not trace.add(run, epoch, activation)
            if on_epoch is not None:
                on_epoch(epoch)
    if monitor is None:
        return trace, diverged, None
    records = monitor.records
    diverged = diverged or bool((records.nonfinite > 0).any())
    return _Trace.from_records(records), diverged, records


def compare_remedies(
    dataset: Any = "fashion-mnist",
    sizes: Sequence[int] = (784, 30, 30, 30, 30, 10),
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    cost: str = "quadratic",
    epochs: int = 10,
    batch_size: int = 10,
    lr: float = 0.5,
    train_size: int | None = 1000,
    test_size: int | None = None,
    seed: int = 0,
    on_epoch: Callable[[int], None] | None = None,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
) -> ComparisonResult:
    """Run :func:`learning_speed_experiment` for every combination of the remedies in ``grid``.

    ``grid`` maps any of ``activation``, ``init``, ``lr``, ``clip``, ``batch_norm`` to a list
    of values; a key left out takes its single default (``"sigmoid"``, ``"normal-scaled"``,
    ``lr``, no clipping, no batch normalization). Every row uses the same data, the same seed
    (so the same initial weights where the init is the same) and the same batch order; each
    runs on the classic engine unless it needs batch normalization or clipping. ``on_epoch``
    is called after every epoch of every run (see :func:`learning_speed_experiment`).
    ``jobs``, ``backend``, ``scheduler``: run the rows on joblib's workers as
    :func:`chainrule.training.parallel.run_tasks` does, with the same numbers.

    >>> res = compare_remedies("digits", [64, 8, 8, 10], {"lr": [0.1, 1.0]}, epochs=1,
    ...                        train_size=50)
    >>> len(res.rows), res.rows[1].settings["lr"]
    (2, 1.0)
    """
    axes = _grid_axes(grid, lr)
    check_backend(jobs, backend, scheduler)
    ds = _load(dataset, train_size, test_size, seed)
    combos = [dict(zip(GRID_KEYS, combo, strict=True)) for combo in itertools.product(*axes)]
    shared = {"cost": cost, "epochs": epochs, "batch_size": batch_size, "seed": seed}
    one = functools.partial(_remedy_run, ds, tuple(sizes), shared)
    if jobs == 1 and backend == "loky":
        with one_blas_thread():  # the workers' sums, so --jobs N gives these numbers
            results = [one(settings, on_epoch) for settings in combos]
    else:
        where = {"jobs": jobs, "backend": backend, "scheduler": scheduler}
        results = _runs_on_workers(one, combos, epochs, on_epoch, where)
    rows = [ComparisonRow.from_result(r, s) for r, s in zip(results, combos, strict=True)]
    return ComparisonResult(ds.name, [int(s) for s in sizes], rows, results)


def _runs_on_workers(
    one: Callable[..., SpeedResult],
    combos: list[dict[str, Any]],
    epochs: int,
    on_epoch: Callable[[int], None] | None,
    where: dict[str, Any],
) -> list[SpeedResult]:
    """``one(settings)`` of every combination on joblib's workers, in the grid's order."""

    def finished(index: int) -> None:
        for epoch in range(1, epochs + 1) if on_epoch is not None else ():
            on_epoch(epoch)  # a worker's epochs, counted when its run is back

    return map_runs(one, combos, on_done=finished, **where)


def map_runs(
    one: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[Any]:
    """``one(task)`` for every task, through :func:`~chainrule.training.parallel.run_tasks`
    (this process, local processes or Dask: the same numbers), returned in the tasks' order;
    ``on_done(index)`` as each comes back. The first error a run raised is raised here, as a
    serial loop would raise it. ``one`` and the tasks must pickle.

    >>> map_runs(abs, [-3, 2, -1], jobs=1)
    [3, 2, 1]
    """
    keyed = {str(i): task for i, task in enumerate(tasks)}
    done: dict[str, Any] = {}
    with closing(run_tasks(one, keyed, jobs=jobs, backend=backend, scheduler=scheduler)) as outs:
        for outcome in outs:
            if outcome.error is not None:
                raise outcome.error
            done[outcome.key] = outcome.value
            if on_done is not None:
                on_done(int(outcome.key))
    return [done[key] for key in keyed]


def _remedy_run(
    ds: Any,
    sizes: Sequence[int],
    shared: dict[str, Any],
    settings: dict[str, Any],
    on_epoch: Callable[[int], None] | None = None,
) -> SpeedResult:
    """One row of :func:`compare_remedies` (a module-level function: workers unpickle it)."""
    return learning_speed_experiment(
        ds,
        sizes,
        settings["activation"],
        settings["init"],
        lr=settings["lr"],
        train_size=None,
        batch_norm=bool(settings["batch_norm"]),
        clip=settings["clip"],
        on_epoch=on_epoch,
        **shared,
    )


def _grid_axes(grid: Mapping[str, Sequence[Any]] | None, lr: float) -> list[list[Any]]:
    """The values of each of GRID_KEYS, in that order: ``grid``'s or the single default."""
    grid = dict(grid or {})
    unknown = sorted(set(grid) - set(GRID_KEYS))
    if unknown:
        raise ConfigError(f"unknown grid key(s) {unknown}: use {list(GRID_KEYS)}")
    defaults: dict[str, list[Any]] = {
        "activation": ["sigmoid"],
        "init": ["normal-scaled"],
        "lr": [lr],
        "clip": [None],
        "batch_norm": [False],
    }
    axes = []
    for key in GRID_KEYS:
        values = list(grid.get(key, defaults[key]))
        if not values:
            raise ConfigError(f"grid[{key!r}] is empty")
        axes.append(values)
    return axes
