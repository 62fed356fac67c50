"""Training sessions of the network view: one :class:`~chainrule.training.run.Run` stepped
a batch at a time, looked into between steps, with a remedy run beside it.

A :class:`Session` owns one run of the settings a person chose (:class:`Settings`) and turns
its state into a JSON-able frame: loss and accuracy, each layer's learning speed ‖δ^l‖, δ^l
and ∂J/∂W^l as heat-map arrays, the weights, the decision boundary and hidden-unit responses
(2-D data) and the diagnosis. A :class:`Bench` holds the session and, after a remedy, a second
one that started from the same initial weights and steps in lockstep with it. Nothing here
knows about the web: ``live.py`` drives a bench from a WebSocket. Every bound comes from the
playground's ``Limits``.

>>> from chainrule.playground.app import Limits
>>> bench = Bench(Settings(data="xor", hidden=(4,)), Limits())
>>> bench.advance(3)
3
>>> frame = bench.frame()
>>> frame["main"]["step"], sorted(frame["main"]["plane"])[:2]
(3, ['confidence', 'hidden'])
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.data import Dataset, load
from chainrule.diagnostics import GradientRecords, diagnose
from chainrule.diagnostics.adapters import ModuleAdapter
from chainrule.diagnostics.boundary import learner_parts, plane_responses
from chainrule.errors import ConfigError
from chainrule.i18n import _
from chainrule.playground.frames import diagnosis_rows, finite, remedies_for, rolling
from chainrule.training.config import ACTIVATIONS, COSTS, INITS, MAX_EPOCHS, TrainConfig
from chainrule.training.run import Run

if TYPE_CHECKING:
    from chainrule.playground.app import Limits

DATA_SETS = ("xor", "spirals", "moons", "circles", "digits")
ENGINES = ("classic", "autodiff")
#: Examples shown as rows of the δ^l heat maps (the first ones of the training split).
DELTA_ROWS = 16
#: Points per side of the decision-boundary grid sent to the browser.
PLANE_RESOLUTION = 32
#: Recorded steps the diagnosis reads (the latest ones: it follows the run as it trains).
DIAGNOSIS_WINDOW = 20
#: A weight typed in by hand stays within this size (past it every σ saturates anyway).
MAX_EDIT = 1000.0

#: Each remedy as the change of settings it makes; the network and its weights stay the same.
REMEDIES: dict[str, Callable[[Settings], dict[str, Any]]] = {
    "batch_norm": lambda s: {"batch_norm": True},
    "clip": lambda s: {"clip_norm": 1.0},
    "lower_lr": lambda s: {"lr": s.lr / 10},
    "higher_lr": lambda s: {"lr": s.lr * 10},
    "relu": lambda s: {"activation": "relu"},
    "tanh": lambda s: {"activation": "tanh"},
}


@dataclass(frozen=True)
class Settings:
    """What a person chooses in the network view. ``hidden``: the hidden layers' sizes (the
    input and output sizes follow from the data). Batch norm and clipping run on the autodiff
    engine, whatever ``engine`` says."""

    data: str = "xor"
    hidden: tuple[int, ...] = (4,)
    activation: str = "tanh"
    init: str = "xavier"
    cost: str = "cross-entropy"
    lr: float = 0.3
    batch_size: int = 10
    clip_norm: float | None = None
    batch_norm: bool = False
    engine: str = "classic"
    seed: int = 0

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("data", self.data, DATA_SETS),
            ("engine", self.engine, ENGINES),
            ("activation", self.activation, ACTIVATIONS),
            ("init", self.init, INITS),
            ("cost", self.cost, COSTS),
        ):
            if value not in allowed:
                raise ConfigError(
                    _("unknown {name} {value!r}; choose from {choices}").format(
                        name=name, value=value, choices=", ".join(allowed)
                    )
                )
        if isinstance(self.hidden, str | int) or not self.hidden:
            raise ConfigError(_("hidden must list at least one layer size, such as [4, 4]"))

    @classmethod
    def from_dict(cls, values: Any) -> Settings:
        """Settings from a client's JSON object: unknown keys and wrong types are one line."""
        if not isinstance(values, dict):
            raise ConfigError(_("settings must be a JSON object"))
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(_("unknown settings: {names}").format(names=", ".join(unknown)))
        values = dict(values)
        if "hidden" in values and isinstance(values["hidden"], list):
            values["hidden"] = tuple(values["hidden"])
        settings = cls(**values)
        settings.config(2, 2)  # TrainConfig checks the types and ranges
        return settings

    @property
    def engine_used(self) -> str:
        return "autodiff" if self.batch_norm or self.clip_norm is not None else self.engine

    def config(self, n_features: int, n_classes: int) -> TrainConfig:
        """The run's config for data of ``n_features`` inputs and ``n_classes`` classes."""
        return TrainConfig(
            data=self.data,
            layers=(n_features, *self.hidden, n_classes),
            activation=self.activation,
            init=self.init,
            cost=self.cost,
            lr=self.lr,
            batch_size=self.batch_size,
            clip_norm=self.clip_norm,
            batch_norm=self.batch_norm,
            engine=self.engine_used,
            seed=self.seed,
            epochs=MAX_EPOCHS,
            standardize=True,
        )

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}


def check_size(layers: tuple[int, ...], limits: Limits) -> None:
    """Refuse a network past the playground's bounds, in one line naming the bound."""
    parameters = sum(a * b + b for a, b in itertools.pairwise(layers))
    if len(layers) - 1 > limits.network_layers:
        raise ConfigError(
            _("the network has {n} layers of weights; the playground trains at most {most}").format(
                n=len(layers) - 1, most=limits.network_layers
            )
        )
    if max(layers) > limits.network_units:
        raise ConfigError(
            _("a layer of {n} units is too wide; the playground allows at most {most}").format(
                n=max(layers), most=limits.network_units
            )
        )
    if parameters > limits.network_parameters:
        raise ConfigError(
            _("the network has {n} parameters; the playground allows at most {most}").format(
                n=parameters, most=limits.network_parameters
            )
        )


def load_playground_data(name: str, seed: int) -> Dataset:
    """One of the playground's data sets, with the library's own defaults."""
    return load(name, seed=seed)


class Session:
    """One training run of ``settings``, stepped by the caller and shown as frames.

    ``initial``: the weights and biases to start from (a remedy's run starts from those of
    the run it is compared with); by default the seed's.
    """

    def __init__(
        self,
        settings: Settings,
        limits: Limits,
        *,
        initial: list[tuple[np.ndarray, np.ndarray]] | None = None,
        data: Dataset | None = None,
    ) -> None:
        self.settings = settings
        self.data = data if data is not None else load_playground_data(settings.data, settings.seed)
        config = settings.config(self.data.n_features, self.data.n_classes)
        check_size(config.layers, limits)
        self.run = Run(config, self.data, stop_on_divergence=True)
        if initial is not None:
            for (w, b), (w0, b0) in zip(self.parameters(), initial, strict=True):
                w[...], b[...] = w0, b0
        self.initial = [(w.copy(), b.copy()) for w, b in self.parameters()]
        self.monitor = self.run.learner.watch(every=2)
        self._window: GradientRecords | None = None
        self._recorded_from = 0  # the run's step at the monitor's step 0
        self.plane_inputs = self.data.x_train if self.data.n_features == 2 else None

    def recorded(self) -> GradientRecords:
        """The monitor's latest ``DIAGNOSIS_WINDOW`` records (it is emptied on each read)."""
        new = self.monitor.records
        new.steps = new.steps + self._recorded_from
        self._recorded_from = self.run.steps
        self.monitor.reset()
        self._window = rolling(self._window, new, DIAGNOSIS_WINDOW)
        return self._window

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each layer's (W^l, b^l) as the arrays the learner trains (edits change the run)."""
        learner: Any = self.run.learner
        if learner.engine == "classic":
            return list(zip(learner.network.weights, learner.network.biases, strict=True))
        groups = ModuleAdapter(learner.model).groups
        return [(g["linear"].weight.array, g["linear"].bias.array) for g in groups]

    def step(self, n: int = 1) -> int:
        """Train on the next ``n`` batches (fewer once the run is done); returns how many."""
        taken = 0
        with self.run.holding_threads():  # once for the n steps, not once per step
            while taken < n and not self.run.done:
                self.run.step()
                taken += 1
        return taken

    def edit(self, layer: int, j: int, k: int, value: float) -> None:
        """Set w^l_jk, the weight from unit k of layer l-1 to unit j of layer l (l from 1,
        j and k from 0), to ``value``."""
        params = self.parameters()
        if not (isinstance(layer, int) and 1 <= layer <= len(params)):
            raise ConfigError(
                _("layer must be 1 to {n}, got {value!r}").format(n=len(params), value=layer)
            )
        w = params[layer - 1][0]
        for name, index, size in (("j", j, w.shape[0]), ("k", k, w.shape[1])):
            if not (isinstance(index, int) and 0 <= index < size):
                raise ConfigError(
                    _("{name} must be 0 to {last} in layer {layer}, got {value!r}").format(
                        name=name, last=size - 1, layer=layer, value=index
                    )
                )
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None or not (math.isfinite(number) and abs(number) <= MAX_EDIT):
            raise ConfigError(
                _("a weight must be a number between -{most} and {most}, got {value!r}").format(
                    most=MAX_EDIT, value=value
                )
            )
        w[j, k] = number

    def frame(self, *, plane: bool = True, diagnosis: bool = True) -> dict[str, Any]:
        """The run now, as JSON-able numbers (see the module docstring); the decision
        boundary and the diagnosis (the costly parts) only when asked, else None."""
        run = self.run
        stats = run.evaluate()
        x, y = run.splits.train
        rows = min(DELTA_ROWS, len(x))
        with np.errstate(all="ignore"):
            passed = run.learner.layer_pass(x, y)
        n_classes = self.data.n_classes
        params = self.parameters()
        out: dict[str, Any] = {
            "step": run.steps,
            "epoch": run.epoch,
            "diverged": run.diverged,
            "done": run.done,
            **{key: finite(value) for key, value in stats.items()},
            "speeds": finite(passed.speeds),
            "deltas": [finite(d[:rows] * len(x)) for d in passed.deltas],
            "grad_weights": [finite(g) for g in passed.grad_weights],
            "weights": [finite(w) for w, _ in params],
            "biases": [finite(b) for _, b in params],
            "diagnosis": None,
            "remedies": None,
            "plane": None,
        }
        if diagnosis:
            found = diagnose(
                self.recorded(), accuracy=stats["train_accuracy"], chance=1 / n_classes
            )
            out["diagnosis"], out["remedies"] = diagnosis_rows(found), remedies_for(found)
        if plane and self.plane_inputs is not None:
            model, scale = learner_parts(run.learner)
            out["plane"] = plane_responses(
                model, self.plane_inputs, resolution=PLANE_RESOLUTION, scale=scale
            ).to_dict(digits=3, hidden_stride=2)
        return out

    def describe(self) -> dict[str, Any]:
        """What the view draws once per session: the settings, the layer sizes and the points."""
        x, y = self.run.splits.train
        two_d = self.data.n_features == 2
        return {
            "settings": self.settings.to_dict(),
            "engine": self.run.config.engine,
            "layers": list(self.run.config.layers),
            "classes": self.data.n_classes,
            "points": finite(x) if two_d else None,
            "labels": y.tolist() if two_d else None,
        }


class StepBudget:
    """The steps-per-second bound: a bucket that holds one second's worth of steps and
    refills at ``rate``. One per client, kept across restarts (a restart does not refill it).
    ``clock`` is the time source (a test passes its own)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(rate)
        self._clock = clock
        self._tokens = self.rate
        self._filled_at = clock()

    def allowance(self) -> int:
        """Steps allowed now."""
        now = self._clock()
        self._tokens = min(self.rate, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now
        return int(self._tokens)

    def spend(self, steps: int) -> None:
        self._tokens -= steps


class Bench:
    """The session a person drives and, after :meth:`remedy`, a second one beside it that
    started from the same initial weights with one setting changed; both step in lockstep.

    ``budget``: the client's steps-per-second bound (a fresh one from ``limits`` if None).
    """

    def __init__(
        self, settings: Settings, limits: Limits, *, budget: StepBudget | None = None
    ) -> None:
        self.limits = limits
        self.main = Session(settings, limits)
        self.side: Session | None = None
        self.remedy_name: str | None = None
        self.budget = budget if budget is not None else StepBudget(limits.steps_per_second)

    def advance(self, n: int = 1) -> int:
        """Step both sessions ``n`` batches, or as many as the bound allows; returns how many."""
        allowed = min(max(int(n), 0), self.budget.allowance())
        taken = self.main.step(allowed)
        if self.side is not None:
            self.side.step(taken)
        self.budget.spend(taken)
        return taken

    def remedy(self, name: str) -> None:
        """Restart side by side from the main session's initial weights: the main settings
        on the left, the same changed by remedy ``name`` on the right, both from step 0."""
        if name not in REMEDIES:
            raise ConfigError(
                _("unknown remedy {name!r}; choose from {choices}").format(
                    name=name, choices=", ".join(REMEDIES)
                )
            )
        base = self.main.settings
        settings = dataclasses.replace(base, **REMEDIES[name](base))
        initial, data = self.main.initial, self.main.data
        side = Session(settings, self.limits, initial=initial, data=data)
        self.main = Session(base, self.limits, initial=initial, data=data)
        self.side, self.remedy_name = side, name

    def frame(self, *, plane: bool = True, diagnosis: bool = True) -> dict[str, Any]:
        """One message for the view: the main session's frame and the side one's, if any."""
        parts = {"plane": plane, "diagnosis": diagnosis}
        side = None if self.side is None else self.side.frame(**parts)
        return {"type": "frame", "main": self.main.frame(**parts), "side": side}

    def describe(self) -> dict[str, Any]:
        side = None if self.side is None else self.side.describe()
        return {"type": "ready", **self.main.describe(), "remedy": self.remedy_name, "side": side}


class Slots:
    """The live sessions of one application, at most ``Limits.sessions`` at once."""

    def __init__(self, most: int) -> None:
        self.most = int(most)
        self.taken = 0
        self._lock = threading.Lock()

    @classmethod
    def of(cls, app: Any) -> Slots:
        """The slots of a Starlette application (made on first use)."""
        slots = getattr(app.state, "network_slots", None)
        if slots is None:
            slots = app.state.network_slots = cls(app.state.limits.sessions)
        return slots

    def take(self) -> bool:
        """Take a slot; False when all are taken."""
        with self._lock:
            if self.taken >= self.most:
                return False
            self.taken += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.taken = max(0, self.taken - 1)

    def refusal(self) -> str:
        return _(
            "{most} network sessions are open already, the most the playground runs at once; "
            "close one and reload"
        ).format(most=self.most)
