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

Two engines compute the same numbers: the classic network (:mod:`chainrule.classic`, the
lecture's formulas by hand, fast) for logistic/tanh/ReLU networks, and the autodiff ``nn``
engine where batch normalization or clipping is asked for. Both start from the same weights
(drawn by the classic initializers from ``seed``), see the batches in the same order, use the
same cost (the quadratic cost has a logistic output layer; cross-entropy a softmax) and report
the same speed: ‖∂J/∂b^l‖, or ‖∂J/∂β^l‖ of the BatchNorm shift when one follows the Linear
layer (the Linear's own bias gradient is then 0: normalization removes its effect).

>>> r = learning_speed_experiment("digits", [64, 16, 16, 10], "sigmoid", "normal-scaled",
...                               epochs=2, batch_size=10, lr=0.5, train_size=200)
>>> r.speeds.shape, r.engine, list(r.to_dict()["epochs"])
((3, 2), 'classic', [0, 1, 2])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.classic.convert import to_sequential
from chainrule.data import DataLoader, load, one_hot
from chainrule.diagnostics.adapters import ModuleAdapter, host, remove_handle
from chainrule.diagnostics.monitor import GradientMonitor
from chainrule.diagnostics.records import GradientRecords
from chainrule.diagnostics.stats import activation_stats, layer_grad_norms, layer_speeds
from chainrule.errors import ConfigError

ENGINES = ("auto", "classic", "autodiff")
RECORD_MODES = ("epoch", "step")
#: The keys ``compare_remedies`` accepts in its grid, in the order rows vary.
GRID_KEYS = ("activation", "init", "lr", "clip", "batch_norm")
_CLASSIC_ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass
class SpeedResult:
    """The learning speeds of one training run, hidden layers only, first hidden layer first.

    ``speeds[k, j]`` is the speed of hidden layer j+1 at record k; records are the epochs
    ``0..epochs`` (``record="epoch"``: 0 is before training, each a pass over the whole
    training set) or the training steps (``record="step"``: each on its mini-batch).
    ``grad_norms[k, j]`` is ‖∂J/∂W‖ of the same layer at the same record: with batch
    normalization it is the better gauge of how fast a layer learns, because the
    normalization's backward pass removes the batch mean of the error it passes down, so the
    batch-summed δ of the layers below (their speed) comes out small even when they learn well.
    ``train_loss[k]`` is the training cost at the same records. A run whose cost or gradients
    became NaN/Inf stops there: ``diverged`` is True and the arrays end at that record.
    ``act_mean``, ``act_std``, ``saturated`` and ``dead`` (``record="epoch"``; with
    ``record="step"`` they are in ``records``) hold the hidden activations' statistics of the
    same passes, as :func:`~chainrule.diagnostics.stats.activation_stats` computes them: a dead
    unit is a ReLU unit that is 0 for every training image.

    >>> r = learning_speed_experiment("digits", [64, 8, 8, 10], epochs=1, train_size=50)
    >>> sorted(r.to_dict())[:4]
    ['activation', 'batch_norm', 'batch_size', 'clip']
    """

    dataset: str
    sizes: list[int]
    activation: str
    init: str
    cost: str
    engine: str
    batch_norm: bool
    clip: float | None
    lr: float
    batch_size: int
    epochs: int
    train_size: int
    seed: int
    record: str
    x: np.ndarray
    speeds: np.ndarray
    grad_norms: np.ndarray
    train_loss: np.ndarray
    final_loss: float
    train_accuracy: float
    test_accuracy: float | None
    diverged: bool = False
    records: GradientRecords | None = field(default=None, repr=False)
    weight_norms: np.ndarray | None = field(default=None, repr=False)
    act_mean: np.ndarray | None = field(default=None, repr=False)
    act_std: np.ndarray | None = field(default=None, repr=False)
    saturated: np.ndarray | None = field(default=None, repr=False)
    dead: np.ndarray | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # a summary: the arrays stay behind their names
        speeds = ", ".join(f"{v:.3g}" for v in self.speeds[0]) if len(self.speeds) else ""
        test = "" if self.test_accuracy is None else f", test accuracy {self.test_accuracy:.3f}"
        return (
            f"SpeedResult({self.dataset} {self.sizes} {self.activation}, {self.epochs} epochs, "
            f"first speeds {speeds}{test}{', diverged' if self.diverged else ''})"
        )

    @property
    def layers(self) -> list[str]:
        """``"hidden layer 1"``, ... in the order of the columns of ``speeds``."""
        return [f"hidden layer {j}" for j in range(1, self.speeds.shape[1] + 1)]

    @property
    def initial_ratio(self) -> float:
        """speed(first hidden layer) / speed(last hidden layer) at the first record."""
        return _ratio(self.speeds[0])

    @property
    def final_ratio(self) -> float:
        """The same ratio at the last record."""
        return _ratio(self.speeds[-1])

    @property
    def initial_weight_ratio(self) -> float:
        """‖∂J/∂W‖ of the first hidden layer over that of the last, at the first record."""
        return _ratio(self.grad_norms[0])

    def to_records(self) -> GradientRecords:
        """The run as monitor records, so that :func:`~chainrule.diagnostics.diagnose` reads it.

        With ``record="step"`` these are the monitor's own records (hidden and output layers).
        With ``record="epoch"`` there is one row per epoch and one column per hidden layer:
        speeds, ‖∂J/∂W‖, ‖W‖, the activation statistics and the cost over the whole training
        set. A run that diverged inside an epoch, after its last finite record, gets one more
        row for that epoch, marked non-finite.

        >>> r = learning_speed_experiment("digits", [64, 8, 8, 10], epochs=1, train_size=50)
        >>> r.to_records().speeds.shape
        (2, 2)
        """
        if self.records is not None:
            return self.records
        speeds, grads = self.speeds, self.grad_norms
        per_layer = {"weight_norms": self.weight_norms}
        for name in ("act_mean", "act_std", "saturated", "dead"):
            per_layer[name] = getattr(self, name)
        for name, values in per_layer.items():
            if values is None or values.shape != speeds.shape:
                per_layer[name] = np.full(speeds.shape, np.nan)  # not measured
        steps, loss = self.x, self.train_loss
        bad = ~(np.isfinite(speeds) & np.isfinite(grads))
        if self.diverged and not bad.any():
            nan_row = np.full((1, speeds.shape[1]), np.nan)
            speeds, grads = np.vstack([speeds, nan_row]), np.vstack([grads, nan_row])
            per_layer = {name: np.vstack([v, nan_row]) for name, v in per_layer.items()}
            steps = np.append(steps, steps[-1] + 1 if len(steps) else 0)
            loss = np.append(loss, np.nan)
            bad = np.vstack([bad, np.ones_like(nan_row, bool)])
        n = speeds.shape[1]
        rec = GradientRecords.empty(self.layers, [self.activation] * n)
        rec.steps, rec.loss = np.asarray(steps, np.int64), np.asarray(loss, float)
        rec.speeds, rec.grad_norms = speeds, grads
        for name, values in per_layer.items():
            setattr(rec, name, values)
        rec.update_ratios = np.full(speeds.shape, np.nan)
        rec.nonfinite = bad.astype(np.int64)
        rec.hidden = np.ones(n, bool)
        rec.batch_norm = np.full(n, self.batch_norm)
        return rec

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``speeds`` is one list per record, one number per hidden layer."""
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "sizes": list(self.sizes),
            "activation": self.activation,
            "init": self.init,
            "cost": self.cost,
            "engine": self.engine,
            "batch_norm": self.batch_norm,
            "clip": self.clip,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "train_size": self.train_size,
            "seed": self.seed,
            "record": self.record,
            "speeds": self.speeds.tolist(),
            "grad_norms": self.grad_norms.tolist(),
            "train_loss": self.train_loss.tolist(),
            "final_loss": self.final_loss,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "diverged": self.diverged,
        }
        out["epochs" if self.record == "epoch" else "steps"] = self.x.tolist()
        if self.record == "epoch":
            out["n_epochs"] = self.epochs
        return out


@dataclass(frozen=True)
class ComparisonRow:
    """One row of :func:`compare_remedies`: the settings and what they gave.

    ``first_speed``/``last_speed``/``ratio`` are measured before training (epoch 0),
    ``final_ratio`` after the last epoch; ``weight_ratio`` is the first/last ratio of
    ‖∂J/∂W‖ before training (the gauge to read with batch normalization, see
    :class:`SpeedResult`); ``accuracy`` is the test accuracy when the data has a test split,
    else the training accuracy.
    """

    settings: dict[str, Any]
    engine: str
    first_speed: float
    last_speed: float
    ratio: float
    final_ratio: float
    weight_ratio: float
    final_loss: float
    accuracy: float
    diverged: bool

    @classmethod
    def from_result(cls, result: SpeedResult, settings: Mapping[str, Any]) -> ComparisonRow:
        """The row of one run; ``settings`` names what the row varies (the keys of
        :data:`GRID_KEYS`).

        >>> r = learning_speed_experiment("digits", [64, 8, 8, 10], epochs=1, train_size=50)
        >>> settings = {"activation": "sigmoid", "init": "normal-scaled", "lr": 0.5,
        ...             "clip": None, "batch_norm": False}
        >>> ComparisonRow.from_result(r, settings).label()
        'sigmoid/normal-scaled lr=0.5'
        """
        accuracy = result.test_accuracy
        return cls(
            settings=dict(settings),
            engine=result.engine,
            first_speed=float(result.speeds[0, 0]),
            last_speed=float(result.speeds[0, -1]),
            ratio=result.initial_ratio,
            final_ratio=result.final_ratio,
            weight_ratio=result.initial_weight_ratio,
            final_loss=result.final_loss,
            accuracy=result.train_accuracy if accuracy is None else accuracy,
            diverged=result.diverged,
        )

    def label(self) -> str:
        """The settings in a few words, e.g. ``"relu/he lr=0.1"``."""
        s = self.settings
        text = f"{s['activation']}/{_init_name(s['init'])} lr={s['lr']:g}"
        if s["clip"] is not None:
            text += f" clip={s['clip']:g}"
        if s["batch_norm"]:
            text += " +BN"
        return text


@dataclass
class ComparisonResult:
    """The table of :func:`compare_remedies`, with every run's :class:`SpeedResult`.

    >>> res = compare_remedies("digits", [64, 8, 8, 10], {"activation": ["sigmoid", "relu"],
    ...                        "init": ["he"]}, epochs=1, train_size=50)
    >>> [row.label() for row in res.rows]
    ['sigmoid/he lr=0.5', 'relu/he lr=0.5']
    """

    dataset: str
    sizes: list[int]
    rows: list[ComparisonRow]
    results: list[SpeedResult] = field(repr=False, default_factory=list)

    def __repr__(self) -> str:
        return f"ComparisonResult({self.dataset} {self.sizes}, {len(self.rows)} runs)"

    def _repr_markdown_(self) -> str:
        """Jupyter shows the table."""
        return "```\n" + self.table() + "\n```"

    def table(self) -> str:
        """A plain-text table, one line per row."""
        header = (
            f"{'setting':<34} {'engine':<8} {'first':>9} {'last':>9} {'ratio':>9} "
            f"{'final ratio':>11} {'dW ratio':>9} {'loss':>8} {'accuracy':>8}"
        )
        lines = [header, "-" * len(header)]
        for r in self.rows:
            lines.append(
                f"{r.label():<34} {r.engine:<8} {r.first_speed:>9.3g} {r.last_speed:>9.3g} "
                f"{r.ratio:>9.3g} {r.final_ratio:>11.3g} {r.weight_ratio:>9.3g} "
                f"{r.final_loss:>8.4f} "
                f"{r.accuracy:>8.3f}" + ("  diverged" if r.diverged else "")
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "sizes": list(self.sizes),
            "rows": [
                {
                    **r.settings,
                    "init": _init_name(r.settings["init"]),
                    "engine": r.engine,
                    "first_speed": r.first_speed,
                    "last_speed": r.last_speed,
                    "ratio": r.ratio,
                    "final_ratio": r.final_ratio,
                    "weight_ratio": r.weight_ratio,
                    "final_loss": r.final_loss,
                    "accuracy": r.accuracy,
                    "diverged": r.diverged,
                }
                for r in self.rows
            ],
        }


# --------------------------------------------------------------------------- helpers


def _init_name(init: Any) -> str:
    return init if isinstance(init, str) else getattr(init, "__name__", "custom")


def _ratio(speeds: np.ndarray) -> float:
    if len(speeds) < 1:
        return math.nan
    first, last = float(speeds[0]), float(speeds[-1])
    with np.errstate(all="ignore"):
        return first / last if last != 0 else math.inf if first != 0 else math.nan


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


def _accuracy(predicted: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predicted == y))


def _activation_table(acts: Sequence[np.ndarray], activation: str | None) -> np.ndarray:
    """Rows mean, std, saturated fraction, dead fraction; one column per hidden layer."""
    table = np.full((4, len(acts)), np.nan)
    for j, a in enumerate(acts):
        if a.size:
            table[:, j] = activation_stats(a, activation)
    return table


# --------------------------------------------------------------------------- engines


class _ClassicRun:
    """Training and measuring with the classic network."""

    def __init__(self, net: Network, lr: float, x: np.ndarray, y: np.ndarray) -> None:
        self.net = net
        self.lr = lr
        self.x, self.y = x, y
        self.targets = y

    def measure(self) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        """Hidden-layer speeds, ‖∂J/∂W‖, J and activation statistics over the training set.

        The statistics are :func:`_activation_table` of the hidden activations a^1 .. a^(L-1)
        of the same forward pass (a[0] is the input).
        """
        g = self.net.backward(self.x, self.y)
        norms = np.array([np.linalg.norm(gw) for gw in g.grad_weights[:-1]])
        acts = _activation_table(g.forward.a[1:-1], self.net.activation.name)
        return self.net.learning_speeds(g)[:-1], norms, float(g.cost), acts

    def weight_norms(self) -> np.ndarray:
        """‖W^l‖ of the hidden layers, current weights."""
        return np.array([np.linalg.norm(w) for w in self.net.weights[:-1]])

    def step(self, xb: np.ndarray, yb: np.ndarray, monitor: Any) -> float:
        if monitor is not None:
            return monitor.train_step(xb, yb, self.lr)
        return self.net.train_step(xb, yb, self.lr)

    def monitor(self) -> GradientMonitor:
        return GradientMonitor(self.net, every=1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.net.predict(x)


class _AutodiffRun:
    """Training and measuring with the nn engine: the classic network's weights as
    Linear [+ BatchNorm1d] + activation modules (:func:`to_sequential`)."""

    def __init__(
        self,
        net: Network,
        cost: str,
        batch_norm: bool,
        clip: float | None,
        lr: float,
        x: np.ndarray,
        y: np.ndarray,
        n_classes: int,
    ) -> None:
        self.model = to_sequential(net, batch_norm=batch_norm)
        adapter = ModuleAdapter(self.model)
        self.linears = [group["linear"] for group in adapter.groups]
        # a^l of each hidden layer is the output of these modules: hooks catch it there
        self.hidden_outputs = [adapter.stats_module(l) for l in range(len(self.linears) - 1)]
        self.activation = net.activation.name
        self.loss_fn = nn.QuadraticCost() if cost == "quadratic" else nn.CrossEntropyLoss()
        self.clip = clip
        self.opt = optim.SGD(self.model.parameters(), lr=lr)
        self.x = x.astype(net.dtype, copy=False)
        self.targets = one_hot(y, n_classes, dtype=net.dtype) if cost == "quadratic" else y

    def measure(self) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        """Hidden-layer speeds, ‖∂J/∂W‖, J and activation statistics (train mode).

        Over the whole training set; the statistics are :func:`_activation_table` of the hidden
        activations, caught by forward hooks on the same pass.
        """
        model = self.model
        saved = {name: b.array.copy() for name, b in model.named_buffers() if b is not None}
        model.zero_grad()
        hidden_acts: list[np.ndarray] = [np.zeros((0, 0))] * len(self.hidden_outputs)

        def keep(l: int) -> Any:
            def hook(module: Any, inputs: Any, output: Any) -> None:
                hidden_acts[l] = host(output)

            return hook

        handles = [m.register_forward_hook(keep(l)) for l, m in enumerate(self.hidden_outputs)]
        try:
            loss = self.loss_fn(model(cr.tensor(self.x)), self.targets)
        finally:
            for handle in handles:
                remove_handle(handle)
        acts = _activation_table(hidden_acts, self.activation)
        loss.backward()
        speeds = layer_speeds(model)[:-1]
        norms = layer_grad_norms(model)[:-1]
        model.zero_grad()
        for name, b in model.named_buffers():
            if b is not None:
                b.array[...] = saved[name]
        return speeds, norms, float(loss.item()), acts

    def weight_norms(self) -> np.ndarray:
        """‖W^l‖ of the hidden layers, current weights."""
        return np.array([np.linalg.norm(lin.weight.array) for lin in self.linears[:-1]])

    def step(self, xb: np.ndarray, tb: Any, monitor: Any) -> float:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(cr.tensor(xb)), tb)
        loss.backward()
        value = float(loss.item())
        if monitor is not None:
            monitor.before_step(value)
        if self.clip is not None:
            total = optim.clip_grad_norm_(self.model.parameters(), self.clip)
            if not math.isfinite(total):
                return math.nan  # leave the weights: the run has diverged
        self.opt.step()
        if monitor is not None:
            monitor.after_step()
        return value

    def monitor(self) -> GradientMonitor:
        return GradientMonitor(self.model, every=1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        self.model.eval()
        try:
            with cr.no_grad():
                out = self.model(cr.tensor(x.astype(self.x.dtype, copy=False)))
        finally:
            self.model.train()
        return np.argmax(out.numpy(), axis=1)


@dataclass
class _Trace:
    """A run's records as they come, one entry per record (epoch or step)."""

    speeds: list[np.ndarray] = field(default_factory=list)
    grad_norms: list[np.ndarray] = field(default_factory=list)
    weight_norms: list[np.ndarray] = field(default_factory=list)
    act_tables: list[np.ndarray] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    xs: list[int] = field(default_factory=list)

    def add(self, run: _ClassicRun | _AutodiffRun, x: int) -> bool:
        """Measure ``run`` over the training set as record ``x``; False once J or a speed is
        NaN/Inf (the run has diverged)."""
        speeds, grad_norms, loss, acts = run.measure()
        self.speeds.append(speeds)
        self.grad_norms.append(grad_norms)
        self.weight_norms.append(run.weight_norms())
        self.act_tables.append(acts)
        self.losses.append(loss)
        self.xs.append(x)
        return math.isfinite(loss) and bool(np.isfinite(speeds).all())

    @classmethod
    def from_records(cls, records: GradientRecords) -> _Trace:
        """The hidden layers of a monitor's records (no activation tables: they stay there)."""
        return cls(
            speeds=list(records.hidden_speeds),
            grad_norms=list(records.grad_norms[:, records.hidden]),
            weight_norms=list(records.weight_norms[:, records.hidden]),
            losses=list(records.loss),
            xs=list(records.steps),
        )


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
) -> SpeedResult:
    """Train a network and record the learning speed of each hidden layer.

    Args:
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

    >>> r = learning_speed_experiment("digits", [64, 16, 16, 10], "relu", "he",
    ...                               cost="cross-entropy", epochs=1, lr=0.1, train_size=100)
    >>> len(r.speeds), r.speeds.shape[1]
    (2, 2)
    """
    ds = _load(dataset, train_size, test_size, seed)
    sizes = [int(s) for s in sizes]
    _check_settings(sizes, ds, engine, record, batch_norm, clip)
    engine = _choose_engine(engine, activation, batch_norm, clip)
    x, y = ds.x_train, ds.y_train
    n = len(x)
    min_batch = nn.BatchNorm1d.min_batch(batch_size, n) if batch_norm else 1
    net = _classic_network(sizes, activation, init, cost, seed)
    if engine == "classic":
        run: _ClassicRun | _AutodiffRun = _ClassicRun(net, lr, x, y)
    else:
        run = _AutodiffRun(net, cost, batch_norm, clip, lr, x, y, ds.n_classes)
    monitor = run.monitor() if record == "step" else None
    batches = DataLoader(
        x,
        run.targets,
        batch_size,
        shuffle=True,
        rng=np.random.default_rng([seed, 1]),
        min_batch=min_batch,
    )

    trace = _Trace()
    diverged = False
    with np.errstate(all="ignore"):
        if record == "epoch":
            diverged = not trace.add(run, 0)
        for epoch in range(1, epochs + 1):
            if diverged:
                break
            for xb, tb in batches:
                j = run.step(xb, tb, monitor)
                if not math.isfinite(j):
                    diverged = True
                    break
            if record == "epoch" and not diverged:
                diverged = not trace.add(run, epoch)
            if on_epoch is not None:
                on_epoch(epoch)
        records = monitor.records if monitor is not None else None
        if records is not None:
            trace = _Trace.from_records(records)
            diverged = diverged or bool((records.nonfinite > 0).any())
        train_acc = _accuracy(run.predict(x), y)
        test_acc = None
        if len(ds.x_test):
            test_acc = _accuracy(run.predict(ds.x_test), ds.y_test)
    n_hidden = len(sizes) - 2
    acts = np.array(trace.act_tables, float).reshape(-1, 4, n_hidden) if trace.act_tables else None
    return SpeedResult(
        dataset=ds.name,
        sizes=sizes,
        activation=activation,
        init=_init_name(init),
        cost=cost,
        engine=engine,
        batch_norm=bool(batch_norm),
        clip=None if clip is None else float(clip),
        lr=float(lr),
        batch_size=int(batch_size),
        epochs=int(epochs),
        train_size=n,
        seed=int(seed),
        record=record,
        x=np.array(trace.xs, np.int64),
        speeds=np.array(trace.speeds, float).reshape(-1, n_hidden),
        grad_norms=np.array(trace.grad_norms, float).reshape(-1, n_hidden),
        train_loss=np.array(trace.losses, float),
        final_loss=float(trace.losses[-1]) if trace.losses else math.nan,
        train_accuracy=train_acc,
        test_accuracy=test_acc,
        diverged=diverged,
        records=records,
        weight_norms=np.array(trace.weight_norms, float).reshape(-1, n_hidden),
        act_mean=None if acts is None else acts[:, 0],
        act_std=None if acts is None else acts[:, 1],
        saturated=None if acts is None else acts[:, 2],
        dead=None if acts is None else acts[:, 3],
    )


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
) -> ComparisonResult:
    """Run :func:`learning_speed_experiment` for every combination of the remedies in ``grid``.

    ``grid`` maps any of ``activation``, ``init``, ``lr``, ``clip``, ``batch_norm`` to a list
    of values; a key left out takes its single default (``"sigmoid"``, ``"normal-scaled"``,
    ``lr``, no clipping, no batch normalization). Every row uses the same data, the same seed
    (so the same initial weights where the init is the same) and the same batch order; each
    runs on the classic engine unless it needs batch normalization or clipping. ``on_epoch``
    is called after every epoch of every run (see :func:`learning_speed_experiment`).

    >>> res = compare_remedies("digits", [64, 8, 8, 10], {"lr": [0.1, 1.0]}, epochs=1,
    ...                        train_size=50)
    >>> len(res.rows), res.rows[1].settings["lr"]
    (2, 1.0)
    """
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
    ds = _load(dataset, train_size, test_size, seed)
    rows: list[ComparisonRow] = []
    results: list[SpeedResult] = []
    for combo in itertools.product(*axes):
        settings = dict(zip(GRID_KEYS, combo, strict=True))
        result = learning_speed_experiment(
            ds,
            sizes,
            settings["activation"],
            settings["init"],
            cost=cost,
            epochs=epochs,
            batch_size=batch_size,
            lr=settings["lr"],
            train_size=None,
            seed=seed,
            batch_norm=bool(settings["batch_norm"]),
            clip=settings["clip"],
            on_epoch=on_epoch,
        )
        results.append(result)
        rows.append(ComparisonRow.from_result(result, settings))
    return ComparisonResult(ds.name, [int(s) for s in sizes], rows, results)
