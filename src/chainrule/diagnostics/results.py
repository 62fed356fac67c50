"""The results of the learning-speed experiments, as data: :class:`SpeedResult` (one run),
:class:`ComparisonRow` and :class:`ComparisonResult` (the remedies table).

The runs themselves are made by :mod:`chainrule.training.experiments` (a layer above: they
train); here is what they measured, how it reads as monitor records
(:meth:`SpeedResult.to_records`, which :func:`~chainrule.diagnostics.diagnose` takes), the
table and the JSON. What the numbers mean is described in
:mod:`chainrule.training.experiments`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.diagnostics.factors import FACTOR_FIELDS, FactorSplit, LayerFactors
from chainrule.diagnostics.records import GradientRecords
from chainrule.wording import counted

#: The keys ``compare_remedies`` accepts in its grid, in the order rows vary.
GRID_KEYS = ("activation", "init", "lr", "clip", "batch_norm")


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

    >>> from chainrule.training import learning_speed_experiment
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
    # the factor split of ‖δ^l‖/‖δ^(l+1)‖ at the same records (chainrule.diagnostics.factors)
    delta_norms: np.ndarray | None = field(default=None, repr=False)
    weight_factor: np.ndarray | None = field(default=None, repr=False)
    sigma_factor: np.ndarray | None = field(default=None, repr=False)
    sigma_prime_mean: np.ndarray | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # a summary: the arrays stay behind their names
        speeds = ", ".join(f"{v:.3g}" for v in self.speeds[0]) if len(self.speeds) else ""
        test = "" if self.test_accuracy is None else f", test accuracy {self.test_accuracy:.3f}"
        return (
            f"SpeedResult({self.dataset} {self.sizes} {self.activation}, "
            f"{counted(self.epochs, 'epoch')}, "
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

    def factor_split(self, record: int = 0) -> FactorSplit | None:
        """The factor split of every hidden layer at one record (0: the first; -1: the last),
        or None where it was not measured (batch normalization, an old result).

        >>> from chainrule.training import learning_speed_experiment
        >>> r = learning_speed_experiment("digits", [64, 8, 8, 10], epochs=1, train_size=50)
        >>> [row.layer for row in r.factor_split().rows]
        ['hidden layer 1', 'hidden layer 2']
        """
        if self.weight_factor is None or not len(self.weight_factor):
            return None
        rows = []
        for j, layer in enumerate(self.layers):
            w, s = float(self.weight_factor[record, j]), float(self.sigma_factor[record, j])
            mean = float(self.sigma_prime_mean[record, j])
            if math.isfinite(w) and math.isfinite(s):
                rows.append(LayerFactors(layer, w * s, w, s, mean))
        return FactorSplit(rows) if rows else None

    def to_records(self) -> GradientRecords:
        """The run as monitor records, so that :func:`~chainrule.diagnostics.diagnose` reads it.

        With ``record="step"`` these are the monitor's own records (hidden and output layers).
        With ``record="epoch"`` there is one row per epoch and one column per hidden layer:
        speeds, ‖∂J/∂W‖, ‖W‖, the activation statistics and the cost over the whole training
        set. A run that diverged inside an epoch, after its last finite record, gets one more
        row for that epoch, marked non-finite.

        >>> from chainrule.training import learning_speed_experiment
        >>> r = learning_speed_experiment("digits", [64, 8, 8, 10], epochs=1, train_size=50)
        >>> r.to_records().speeds.shape
        (2, 2)
        """
        if self.records is not None:
            return self.records
        speeds, grads = self.speeds, self.grad_norms
        per_layer = {"weight_norms": self.weight_norms}
        for name in ("act_mean", "act_std", "saturated", "dead", *FACTOR_FIELDS):
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
        out["factors"] = {
            name: getattr(self, name).tolist()
            for name in FACTOR_FIELDS
            if getattr(self, name) is not None
        }
        out["epochs" if self.record == "epoch" else "steps"] = self.x.tolist()
        if self.record == "epoch":
            out["n_epochs"] = self.epochs
        return out


@dataclass(frozen=True)
class ComparisonRow:
    """One row of :func:`~chainrule.training.experiments.compare_remedies`: the settings and
    what they gave.

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

        >>> from chainrule.training import learning_speed_experiment
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
        text = f"{s['activation']}/{init_name(s['init'])} lr={s['lr']:g}"
        if s["clip"] is not None:
            text += f" clip={s['clip']:g}"
        if s["batch_norm"]:
            text += " +BN"
        return text


@dataclass
class ComparisonResult:
    """The table of :func:`~chainrule.training.experiments.compare_remedies`, with every run's
    :class:`SpeedResult`.

    >>> from chainrule.training import compare_remedies
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
                    "init": init_name(r.settings["init"]),
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


def init_name(init: Any) -> str:
    return init if isinstance(init, str) else getattr(init, "__name__", "custom")


def _ratio(speeds: np.ndarray) -> float:
    if len(speeds) < 1:
        return math.nan
    first, last = float(speeds[0]), float(speeds[-1])
    with np.errstate(all="ignore"):
        return first / last if last != 0 else math.inf if first != 0 else math.nan
