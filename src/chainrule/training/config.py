"""``TrainConfig``: every choice of a training run, validated in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from chainrule.errors import ConfigError

ENGINES = ("classic", "autodiff")
ACTIVATIONS = ("sigmoid", "tanh", "relu")
COSTS = ("quadratic", "cross-entropy")
INITS = ("normal", "normal-scaled", "xavier", "he")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop")


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Defaults are the lecture's setting on the bundled digits data.

    ``engine="classic"`` runs the lecture's matrix-form backpropagation (plain SGD only);
    ``engine="autodiff"`` builds the same network from ``chainrule.nn`` and trains it with
    ``chainrule.optim``. With the same seed both start from the same weights.

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(int(n) for n in self.layers))
        _choice("engine", self.engine, ENGINES)
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("cost", self.cost, COSTS)
        _choice("init", self.init, INITS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        if len(self.layers) < 2 or min(self.layers) < 1:
            raise ConfigError(f"layers must be at least two positive sizes, got {self.layers}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr}")
        if self.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        if self.epochs < 0:
            raise ConfigError(f"epochs must be 0 or more, got {self.epochs}")
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
