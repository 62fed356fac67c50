"""``TrainConfig``: every choice of a training run, validated in one place."""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

from chainrule.errors import ConfigError

ENGINES = ("classic", "autodiff")
# The classic network's tables (classic.activations, .costs, .initializers) name these; they
# are written out here so that the command line's parsers read them without importing NumPy
# (a fast --help, issue 15), and tests/training/test_config.py checks they match the tables.
# The identity is an output activation only.
ACTIVATIONS = ("sigmoid", "tanh", "relu")
COSTS = ("quadratic", "cross-entropy")
INITS = ("normal", "normal-scaled", "xavier", "he")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "cosine", "step")
#: Where ``train`` writes its checkpoint on Ctrl-C when not told (here, not in loop.py, so the
#: command line's help reads it without importing the training loop).
DEFAULT_CHECKPOINT = "chainrule-checkpoint.safetensors"
# Sizes past these are refused before any work. 20 million parameters are 160 MB per copy in
# float64, and a run holds several (weights, gradients, optimizer state); 10,000 epochs keep
# a model file's history under 4 MB; 1,000 sizes is a far deeper network than any run needs.
MAX_PARAMETERS = 20_000_000
MAX_EPOCHS = 10_000
MAX_LAYERS = 1_000


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Defaults are the lecture's setting on the bundled digits data.

    ``engine="classic"`` runs the lecture's matrix-form backpropagation (plain SGD only);
    ``engine="autodiff"`` builds the same network from ``chainrule.nn`` and trains it with
    ``chainrule.optim``. With the same seed both start from the same weights.

    ``schedule`` sets the learning rate of each epoch (see :meth:`lr_at`); ``val_size`` holds
    out that many training examples (a seeded stratified draw) to tune on, so the test set is
    only ever reported; ``standardize`` scales each input feature to zero mean and unit
    variance with statistics of the training part, saved with the model.

    >>> TrainConfig(layers=(64, 32, 10), lr=-1.0)
    Traceback (most recent call last):
    ...
    chainrule.errors.ConfigError: lr must be positive, got -1.0
    """

    data: str = "digits"
    data_root: str | None = None
    train_size: int | None = None
    test_size: int | None = None
    layers: tuple[int, ...] = (64, 32, 10)
    activation: str = "sigmoid"
    cost: str = "quadratic"
    init: str = "normal"
    optimizer: str = "sgd"
    lr: float = 3.0
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 10
    epochs: int = 30
    seed: int = 0
    engine: str = "classic"
    batch_norm: bool = False
    clip_norm: float | None = None
    dropout: float = 0.0
    schedule: str = "constant"
    lr_min: float = 0.0
    step_size: int = 10
    gamma: float = 0.1
    val_size: int = 0
    standardize: bool = False

    def __post_init__(self) -> None:
        _check_types(self)
        _choice("engine", self.engine, ENGINES)
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("cost", self.cost, COSTS)
        _choice("init", self.init, INITS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("schedule", self.schedule, SCHEDULES)
        _check_sizes(self)
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError(f"lr must be positive, got {self.lr}")
        if not 0 <= self.lr_min < self.lr:
            raise ConfigError(f"lr min must lie in [0, lr), got {self.lr_min} with lr {self.lr}")
        if self.step_size < 1:
            raise ConfigError(f"step size must be at least 1 epoch, got {self.step_size}")
        if not 0 < self.gamma <= 1:
            raise ConfigError(f"gamma must lie in (0, 1], got {self.gamma}")
        for what, size in (("train", self.train_size), ("test", self.test_size)):
            if size is not None and size < 1:
                raise ConfigError(f"{what} size must be at least 1, got {size}")
        if self.val_size < 0:
            raise ConfigError(f"validation size must be 0 or more, got {self.val_size}")
        if self.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        # NumPy's generators take no negative seed: a message here, not a traceback from the
        # middle of loading the data
        from chainrule.seeding import check_seed  # NumPy's: loaded when a config is checked

        check_seed(self.seed)
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout}")
        if self.clip_norm is not None and not self.clip_norm > 0:
            raise ConfigError(f"clip norm must be positive, got {self.clip_norm}")
        if self.weight_decay < 0:
            raise ConfigError(f"weight decay must be 0 or more, got {self.weight_decay}")
        if self.engine == "classic":
            extras = [
                name
                for name, used in (
                    (f"optimizer {self.optimizer!r}", self.optimizer != "sgd"),
                    ("batch norm", self.batch_norm),
                    ("gradient clipping", self.clip_norm is not None),
                    ("dropout", self.dropout > 0),
                    ("weight decay", self.weight_decay > 0),
                )
                if used
            ]
            if extras:
                raise ConfigError(
                    f"engine 'classic' runs the lecture's plain SGD; {', '.join(extras)} "
                    "needs --engine autodiff"
                )

    @property
    def n_features(self) -> int:
        return self.layers[0]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1]

    def lr_at(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (1 to ``epochs``), in closed form.

        ``constant``: lr. ``cosine``: half a cosine from lr down towards ``lr_min`` over the
        run, lr_min + (lr - lr_min)(1 + cos(π (epoch - 1) / epochs)) / 2, the rate
        ``CosineAnnealingLR(T_max=epochs)`` sets when stepped once per epoch. ``step``: lr
        times ``gamma`` every ``step_size`` epochs. A closed form keeps a resumed run on the
        same schedule and gives both engines the same rates.

        >>> c = TrainConfig(lr=1.0, epochs=4, schedule="cosine")
        >>> [round(c.lr_at(e), 4) for e in range(1, 5)]
        [1.0, 0.8536, 0.5, 0.1464]
        >>> [TrainConfig(lr=1.0, schedule="step", step_size=2, gamma=0.5).lr_at(e) for e in (1, 3)]
        [1.0, 0.5]
        """
        if self.schedule == "cosine":
            turn = math.pi * (epoch - 1) / max(self.epochs, 1)
            return self.lr_min + (self.lr - self.lr_min) * (1 + math.cos(turn)) / 2
        if self.schedule == "step":
            return self.lr * self.gamma ** ((epoch - 1) // self.step_size)
        return self.lr

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["layers"] = list(self.layers)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown training settings: {', '.join(unknown)}")
        return cls(**values)


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"unknown {name} {value!r}; choose from {', '.join(allowed)}")


def _check_sizes(config: TrainConfig) -> None:
    """The network's and the run's sizes: positive, and within the limits above."""
    if len(config.layers) < 2 or min(config.layers) < 1:
        raise ConfigError(f"layers must be at least two positive sizes, got {config.layers}")
    if len(config.layers) > MAX_LAYERS:
        raise ConfigError(
            f"layers: {len(config.layers)} sizes, more than the {MAX_LAYERS} chainrule trains"
        )
    parameters = sum(a * b + b for a, b in itertools.pairwise(config.layers))
    if parameters > MAX_PARAMETERS:
        raise ConfigError(
            f"layers {list(config.layers)} make {parameters:,} parameters, more than the "
            f"{MAX_PARAMETERS:,} chainrule trains; use narrower layers"
        )
    if config.epochs < 0:
        raise ConfigError(f"epochs must be 0 or more, got {config.epochs}")
    if config.epochs > MAX_EPOCHS:
        raise ConfigError(f"epochs must be at most {MAX_EPOCHS}, got {config.epochs}")


def _check_types(config: TrainConfig) -> None:
    """Every field of the type its annotation names, in one line naming the field: a config
    also comes from a model file, where ``epochs`` may read 3.5 and ``data_root`` 5. Whole
    numbers become Python ints (NumPy's too), so the config stays JSON-able."""
    for f in fields(config):
        value = getattr(config, f.name)
        kind = str(f.type)
        if (value is None and kind.endswith("| None")) or f.name == "seed":
            continue  # the seed has its own check (check_seed), shared with the lab
        if f.name == "layers":
            if isinstance(value, str) or not all(_is_whole(n) for n in _items(value)):
                raise ConfigError(f"layers must be whole numbers, got {value!r:.80}")
            object.__setattr__(config, "layers", tuple(int(n) for n in value))
        elif kind.startswith("int"):
            if not _is_whole(value):
                raise ConfigError(f"{f.name} must be a whole number, got {value!r:.80}")
            object.__setattr__(config, f.name, int(value))
        elif kind.startswith("float"):
            is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not (is_number and math.isfinite(value)):
                raise ConfigError(f"{f.name} must be a finite number, got {value!r:.80}")
        elif kind == "bool" and not isinstance(value, bool):
            raise ConfigError(f"{f.name} must be true or false, got {value!r:.80}")
        elif kind.startswith("str") and not isinstance(value, str):
            none = " or None" if kind.endswith("| None") else ""
            raise ConfigError(f"{f.name} must be a string{none}, got {value!r:.80}")


def _is_whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _items(value: Any) -> tuple[Any, ...]:
    try:
        return tuple(value)
    except TypeError:
        return (None,)  # not a sequence: no whole numbers in it
