"""The gradient-flow lab: the lecture's three parts, run end to end on the bundled digits.

:func:`run_lab` computes everything and returns it as data (:class:`LabResult`); the
renderers beside this module turn it into an HTML report, figures and a text summary, and
:func:`chainrule.report.write_lab` writes them. What runs, in the lecture's order:

1. **Composite functions.** ``y = (x1 + x2) * (x2 + 1)`` at (1, 2) derived every way
   (:func:`chainrule.explain.derive`: graph, reverse accumulation, per path, forward mode,
   operation counts), and the lecture's two exercises.
2. **Backpropagation.** The lecture's small 3-3-1 network worked through by hand on one
   sample (every z^l, a^l, δ^l, gradient and one update, checked against autodiff); then the
   lecture's network, [64, 30, 10] with the logistic σ and the quadratic cost, trained by the
   classic matrix-form backprop (α = 3.0, batches of 10); first, one batch's gradients by the
   four formulas checked against the autodiff engine.
3. **Vanishing and exploding gradients.** A deep logistic network [64, 30, 30, 30, 30, 10]
   with N(0, 1/n_in) weights: the learning speed ‖∂J/∂b^l‖ of each hidden layer over
   training and the diagnosis; the lecture's remedies on the same data and seed; an exploding
   case (ReLU with weights three times He's scale) with and without gradient clipping; and a
   learning rate too large (ReLU with He's weights at α = 30 against α = 0.1).

Same seed, same numbers: every random draw comes from ``seed`` (weights, batch order, the
digits split). ``quick=True`` shrinks the data and the epochs so the whole lab runs in
seconds (for tests); the story is the same, the numbers rougher.

>>> result = run_lab(LabSettings.quick_settings(seed=0))
>>> result.composite.gradients
{'x1': 3.0, 'x2': 6.0}
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chainrule.data import Dataset, load
from chainrule.diagnostics import (
    ComparisonResult,
    ComparisonRow,
    Diagnosis,
    SpeedResult,
    diagnose,
)
from chainrule.errors import ConfigError
from chainrule.explain import Explanation, derive
from chainrule.i18n import N_
from chainrule.report.lab_backprop import (
    WORKED as WORKED,  # part of this module's names: the report and the tests read it here
)
from chainrule.report.lab_backprop import (
    GradientCheckRow,
    WorkedExample,
    gradient_check,
    worked_example,
)
from chainrule.serialization import finite_json
from chainrule.training import TrainConfig, learning_speed_experiment, train
from chainrule.training.experiments import map_runs
from chainrule.training.parallel import check_backend, one_blas_thread

#: The lecture's composite-function example and the point it is evaluated at.
COMPOSITE = "y = (x1 + x2) * (x2 + 1)"
COMPOSITE_AT = {"x1": 1.0, "x2": 2.0}
#: The lecture's two exercises ("draw the graph and use the technique").
EXERCISES = ("y = x1**2 + (x1 + x2)**2", "y = (x1 + x2)**2 * x2**2 + x2")

#: The network of part 2 and the deep network of part 3 (digits: 64 inputs, 10 classes).
SHALLOW = (64, 30, 10)
DEEP = (64, 30, 30, 30, 30, 10)


@dataclass(frozen=True)
class Remedy:
    """One setting of the remedies table: what changes against the vanishing baseline."""

    key: str
    title: str
    short: str
    activation: str
    init: str
    lr: float
    batch_norm: bool = False
    note: str = ""

    @property
    def settings(self) -> dict[str, Any]:
        """The settings as a row of the remedies table names them (see ``ComparisonRow``)."""
        return {
            "activation": self.activation,
            "init": self.init,
            "lr": self.lr,
            "clip": None,
            "batch_norm": self.batch_norm,
        }


#: The baseline (first) and the lecture's remedies, each changing one or two things.
REMEDIES = (
    Remedy(
        "baseline",
        N_("logistic σ, N(0, 1/n_in), α = 0.5"),
        N_("baseline"),
        "sigmoid",
        "normal-scaled",
        0.5,
        note=N_(
            "the vanishing case: the shape and N(0, 1/n_in) weights of the published "
            "four-hidden-layer experiment (Nielsen, ch. 5, on MNIST), here on the digits"
        ),
    ),
    Remedy(
        "larger_lr",
        N_("a larger learning rate, α = 3"),
        N_("lr 3"),
        "sigmoid",
        "normal-scaled",
        3.0,
        note=N_("too small an α lets the gradient vanish; a larger one moves the early layers"),
    ),
    Remedy(
        "normal_init",
        N_("the lecture's N(0, 1) initialization"),
        N_("N(0,1) init"),
        "sigmoid",
        "normal",
        0.5,
        note=N_("larger weights: |w| near 1 offsets σ' ≤ 0.25 in the product"),
    ),
    Remedy(
        "tanh_xavier",
        N_("tanh with Xavier initialization"),
        N_("tanh+Xavier"),
        "tanh",
        "xavier",
        0.5,
        note=N_("tanh' reaches 1 where the logistic σ' stops at 0.25"),
    ),
    Remedy(
        "relu_he",
        N_("ReLU with He initialization"),
        N_("ReLU+He"),
        "relu",
        "he",
        0.5,
        note=N_("ReLU' is 1 wherever a unit is active"),
    ),
    Remedy(
        "batch_norm",
        N_("batch normalization (logistic σ, N(0, 1/n_in))"),
        N_("batch norm"),
        "sigmoid",
        "normal-scaled",
        0.5,
        batch_norm=True,
        note=N_("each layer's z is rescaled before σ, away from its flat parts"),
    ),
)

#: The exploding case: ReLU, weights drawn at EXPLODE_SCALE times He's standard deviation.
EXPLODE_SCALE = 3.0
EXPLODE_LR = 0.1
EXPLODE_CLIP = 1.0


def large_he(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """N(0, (3 · sqrt(2/n_in))²): three times He's scale, so each ReLU layer multiplies the
    error by about 3 on its way back (He's scale keeps it near 1)."""
    return rng.standard_normal(shape) * (EXPLODE_SCALE * math.sqrt(2.0 / shape[1]))


large_he.__name__ = f"he×{EXPLODE_SCALE:g}"

#: The lecture: "学习率过大也会导致梯度爆炸" (too large a learning rate also makes gradients
#: explode). ReLU with He's weights learns at EXPLODE_LR but overflows at LARGE_LR. A search
#: over α from 0.1 to 50 on the digits (seeds 0-11, quick and full data): at α = 30 every run
#: hit NaN/Inf within 3 to 6 steps; at 15-20, and once at 50, a run killed its ReLU units
#: instead (all zero, so the gradients vanish rather than overflow).
LARGE_LR = 30.0


@dataclass(frozen=True)
class LabSettings:
    """How much the lab runs. :meth:`full` is the demo; :meth:`quick_settings` is seconds.

    ``train_size``/``test_size``: digits examples used (None = all: 1347 / 450).
    """

    seed: int = 0
    quick: bool = False
    train_size: int | None = None
    test_size: int | None = None
    train_epochs: int = 30
    speed_epochs: int = 30
    explode_epochs: int = 3
    batch_size: int = 10
    train_lr: float = 3.0

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        for name in ("train_epochs", "speed_epochs", "explode_epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.replace('_', ' ')} must be at least 1")

    @classmethod
    def full(cls, seed: int = 0) -> LabSettings:
        return cls(seed=seed)

    @classmethod
    def quick_settings(cls, seed: int = 0) -> LabSettings:
        return cls(
            seed=seed,
            quick=True,
            train_size=300,
            test_size=150,
            train_epochs=3,
            speed_epochs=2,
            explode_epochs=1,
        )


@dataclass
class Training:
    """Part 2: the training run's settings and its history (epoch 0 = before training)."""

    sizes: tuple[int, ...]
    activation: str
    cost: str
    init: str
    lr: float
    batch_size: int
    epochs: int
    history: list[dict[str, Any]]
    check: list[GradientCheckRow]
    check_batch: int
    worked: WorkedExample

    @property
    def final(self) -> dict[str, Any]:
        return self.history[-1]


@dataclass
class RemedyRun:
    remedy: Remedy
    result: SpeedResult
    diagnosis: Diagnosis


@dataclass
class Exploding:
    """Part 3, exploding: the same large-weight ReLU network without and with clipping."""

    unclipped: SpeedResult
    clipped: SpeedResult
    diagnosis: Diagnosis
    clipped_diagnosis: Diagnosis
    lr: float = EXPLODE_LR
    clip: float = EXPLODE_CLIP

    @property
    def diverged_at(self) -> int | None:
        """The first training step whose gradients were NaN/Inf (None if none were)."""
        return first_nonfinite_step(self.unclipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "init": large_he.__name__,
            "lr": self.lr,
            "clip": self.clip,
            "diverged_at_step": self.diverged_at,
            "unclipped": _speed_dict(self.unclipped),
            "clipped": _speed_dict(self.clipped),
            "diagnosis": self.diagnosis.to_dict(),
            "clipped_diagnosis": self.clipped_diagnosis.kinds,
        }


@dataclass
class LargeLearningRate:
    """Part 3, exploding by the learning rate: ReLU with He's weights (healthy at a normal α)
    at a too large α and at the normal one, same weights and batches, recorded every step."""

    large: SpeedResult
    normal: SpeedResult
    diagnosis: Diagnosis
    normal_diagnosis: Diagnosis

    @property
    def diverged_at(self) -> int | None:
        """The first step of the large-α run whose gradients were NaN/Inf (None if none)."""
        return first_nonfinite_step(self.large)

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.large.activation,
            "init": self.large.init,
            "lr": self.large.lr,
            "normal_lr": self.normal.lr,
            "diverged_at_step": self.diverged_at,
            "large": _speed_dict(self.large),
            "normal": _speed_dict(self.normal),
            "diagnosis": self.diagnosis.to_dict(),
            "normal_diagnosis": self.normal_diagnosis.kinds,
        }


def first_nonfinite_step(result: SpeedResult) -> int | None:
    """The first training step of a ``record="step"`` run whose gradients were NaN/Inf."""
    rec = result.records
    if rec is None:
        return None
    bad = np.flatnonzero((rec.nonfinite > 0).any(axis=1) | ~np.isfinite(rec.grad_norms).all(axis=1))
    return int(rec.steps[bad[0]]) if bad.size else None


@dataclass
class LabResult:
    """Everything :func:`run_lab` computed, as data; ``seconds`` is not part of the numbers."""

    settings: LabSettings
    dataset: str
    n_train: int
    n_test: int
    composite: Explanation
    exercises: list[Explanation]
    training: Training
    remedies: list[RemedyRun]
    comparison: ComparisonResult
    exploding: Exploding
    large_lr: LargeLearningRate
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def vanishing(self) -> RemedyRun:
        """The deep logistic network of part 3 (the first row of the remedies)."""
        return self.remedies[0]

    def to_dict(self) -> dict[str, Any]:
        """The numbers, JSON-able (NaN/Inf as None); the same seed gives the same dict."""
        s = self.settings
        t = self.training
        out = {
            "settings": {
                "seed": s.seed,
                "quick": s.quick,
                "dataset": self.dataset,
                "n_train": self.n_train,
                "n_test": self.n_test,
                "train_epochs": s.train_epochs,
                "speed_epochs": s.speed_epochs,
                "explode_epochs": s.explode_epochs,
                "batch_size": s.batch_size,
            },
            "composite": {
                "expression": COMPOSITE,
                "at": dict(COMPOSITE_AT),
                "value": self.composite.value,
                "gradients": dict(self.composite.gradients),
                "counts": asdict(self.composite.counts),
            },
            "exercises": [
                {"expression": e.expression, "value": e.value, "gradients": dict(e.gradients)}
                for e in self.exercises
            ],
            "training": {
                "sizes": list(t.sizes),
                "activation": t.activation,
                "cost": t.cost,
                "init": t.init,
                "lr": t.lr,
                "batch_size": t.batch_size,
                "epochs": t.epochs,
                "history": [{k: v for k, v in h.items() if k != "seconds"} for h in t.history],
                "gradient_check": [asdict(row) for row in t.check],
            },
            "worked_example": t.worked.to_dict(),
            "vanishing": {
                **_speed_dict(self.vanishing.result),
                "diagnosis": self.vanishing.diagnosis.to_dict(),
            },
            "remedies": [
                {
                    "key": run.remedy.key,
                    "title": run.remedy.title,
                    **_speed_dict(run.result),
                    "diagnosis": run.diagnosis.kinds,
                }
                for run in self.remedies
            ],
            "exploding": self.exploding.to_dict(),
            "large_lr": self.large_lr.to_dict(),
        }
        return finite_json(out)


def _speed_dict(r: SpeedResult) -> dict[str, Any]:
    d = r.to_dict()
    keep = (
        "sizes",
        "activation",
        "init",
        "cost",
        "engine",
        "batch_norm",
        "clip",
        "lr",
        "batch_size",
        "epochs",
        "record",
        "speeds",
        "grad_norms",
        "train_loss",
        "final_loss",
        "train_accuracy",
        "test_accuracy",
        "diverged",
    )
    out = {k: d[k] for k in keep}
    out["x"] = r.x.tolist()
    return out


Progress = Callable[[str], None]


def run_lab(
    settings: LabSettings | None = None,
    *,
    progress: Progress | None = None,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
) -> LabResult:
    """Run the three parts of the lab and return the numbers (see the module docstring).

    ``progress(stage)`` is called as each stage starts (for a progress bar). ``jobs``,
    ``backend``, ``scheduler``: where the remedies run (see ``training.parallel.run_tasks``).
    """
    check_backend(jobs, backend, scheduler)  # before any work
    settings = settings or LabSettings.full()
    report = progress or (lambda stage: None)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    report("part 1: the composite function")
    composite = derive(COMPOSITE, COMPOSITE_AT)
    exercises = [derive(text, COMPOSITE_AT) for text in EXERCISES]
    lap("composite")

    report("part 2: backpropagation")
    ds = load(
        "digits", train_size=settings.train_size, test_size=settings.test_size, seed=settings.seed
    )
    training = _backpropagation(ds, settings)
    lap("training")

    where = {"jobs": jobs, "backend": backend, "scheduler": scheduler}
    runs = _remedies(ds, settings, report, where)
    comparison = ComparisonResult(
        ds.name,
        list(DEEP),
        [ComparisonRow.from_result(run.result, run.remedy.settings) for run in runs],
        [run.result for run in runs],
    )
    lap("remedies")

    report("part 3: exploding gradients")
    exploding = _exploding(ds, settings)
    large_lr = _large_lr(ds, settings)
    lap("exploding")

    return LabResult(
        settings=settings,
        dataset=ds.name,
        n_train=len(ds.x_train),
        n_test=len(ds.x_test),
        composite=composite,
        exercises=exercises,
        training=training,
        remedies=runs,
        comparison=comparison,
        exploding=exploding,
        large_lr=large_lr,
        seconds=seconds,
    )


def _backpropagation(ds: Dataset, settings: LabSettings) -> Training:
    """Part 2: the formulas worked by hand on the 3-3-1 network and checked on one batch,
    then the shallow network trained."""
    batch = settings.batch_size
    worked = worked_example(settings.seed, settings.train_lr)
    check = gradient_check(ds.x_train[:batch], ds.y_train[:batch], SHALLOW, settings.seed)
    config = TrainConfig(
        data="digits",
        layers=SHALLOW,
        activation="sigmoid",
        cost="quadratic",
        init="normal",
        lr=settings.train_lr,
        batch_size=batch,
        epochs=settings.train_epochs,
        seed=settings.seed,
        train_size=settings.train_size,
        test_size=settings.test_size,
    )
    trained = train(config, data=ds)
    return Training(
        sizes=SHALLOW,
        activation=config.activation,
        cost=config.cost,
        init=config.init,
        lr=config.lr,
        batch_size=batch,
        epochs=config.epochs,
        history=trained.history,
        check=check,
        check_batch=batch,
        worked=worked,
    )


def _remedies(ds: Dataset, settings: LabSettings, report: Progress, where: dict) -> list[RemedyRun]:
    """Part 3, vanishing: the deep network under the baseline and each remedy."""
    one = functools.partial(_remedy_result, ds, settings)
    if where["jobs"] == 1 and where["backend"] == "loky":
        results = []
        for remedy in REMEDIES:
            report(f"part 3: {remedy.title}")
            with one_blas_thread():  # the workers' sums: --jobs N gives these numbers
                results.append(one(remedy))
    else:
        results = map_runs(
            one, REMEDIES, on_done=lambda i: report(f"part 3: {REMEDIES[i].title}"), **where
        )
    pairs = zip(REMEDIES, results, strict=True)
    return [RemedyRun(remedy, result, diagnose(result.to_records())) for remedy, result in pairs]


def _remedy_result(ds: Dataset, settings: LabSettings, remedy: Remedy) -> SpeedResult:
    """The deep network under one remedy (a module-level function: workers unpickle it)."""
    return learning_speed_experiment(
        ds,
        DEEP,
        remedy.activation,
        remedy.init,
        cost="quadratic",
        epochs=settings.speed_epochs,
        batch_size=settings.batch_size,
        lr=remedy.lr,
        train_size=None,
        seed=settings.seed,
        batch_norm=remedy.batch_norm,
    )


def _step_runs(settings: LabSettings) -> dict[str, Any]:
    """The settings the exploding runs share: every step recorded, to catch the first NaN."""
    return {
        "cost": "cross-entropy",
        "epochs": settings.explode_epochs,
        "batch_size": settings.batch_size,
        "train_size": None,
        "seed": settings.seed,
        "record": "step",
    }


def _exploding(ds: Dataset, settings: LabSettings) -> Exploding:
    """Part 3, exploding: the large-weight ReLU network, without and with clipping."""
    common = {**_step_runs(settings), "lr": EXPLODE_LR}
    unclipped = learning_speed_experiment(ds, DEEP, "relu", large_he, **common)
    clipped = learning_speed_experiment(ds, DEEP, "relu", large_he, clip=EXPLODE_CLIP, **common)
    return Exploding(
        unclipped,
        clipped,
        diagnose(unclipped.to_records()),
        diagnose(clipped.to_records()),
    )


def _large_lr(ds: Dataset, settings: LabSettings) -> LargeLearningRate:
    """Part 3, exploding by the learning rate: ReLU with He's weights at LARGE_LR and at
    EXPLODE_LR; same seed, so the same initial weights and batches: only α differs."""
    common = _step_runs(settings)
    large = learning_speed_experiment(ds, DEEP, "relu", "he", lr=LARGE_LR, **common)
    normal = learning_speed_experiment(ds, DEEP, "relu", "he", lr=EXPLODE_LR, **common)
    return LargeLearningRate(
        large, normal, diagnose(large.to_records()), diagnose(normal.to_records())
    )
