"""The two engines behind one small interface, so the training loop does not care which runs.

A learner trains on a batch, evaluates, predicts, and hands out its state (weights and
optimizer) as plain arrays plus JSON-able values for checkpoints. Every method takes the raw
inputs: a learner with ``input_stats`` (``--standardize``) scales them itself, so a saved model
predicts from the same pixels it was trained on.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.classic.convert import to_sequential
from chainrule.data import FeatureStats, one_hot, standardize
from chainrule.engine.state import no_grad
from chainrule.engine.tensor import Tensor
from chainrule.errors import ModelFileError
from chainrule.training.config import TrainConfig

#: Rows per forward pass when evaluating or predicting many examples (bounds the memory).
EVAL_CHUNK = 4096
_STATS_KEYS = ("input.mean", "input.std")


class Learner(Protocol):
    engine: str
    input_stats: FeatureStats | None

    def set_lr(self, lr: float) -> None: ...

    def fit_input_stats(self, x: np.ndarray) -> None: ...

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> float: ...

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]: ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]: ...

    def load_state(self, arrays: dict[str, np.ndarray], values: dict[str, Any]) -> None: ...


def build_learner(config: TrainConfig) -> Learner:
    """A fresh model for ``config``; both engines draw the same initial weights from the seed."""
    network = Network(config.layers, config.activation, config.cost, config.init, seed=config.seed)
    if config.engine == "classic":
        return ClassicLearner(network, config.lr)
    return AutodiffLearner(config, network)


class _Inputs:
    """Input standardization shared by both learners: ``(x - mean) / std`` when fitted."""

    input_stats: FeatureStats | None = None

    def fit_input_stats(self, x: np.ndarray) -> None:
        """Fit the per-feature mean and std on training inputs (kept in float32)."""
        _, _, stats = standardize(x)
        self.input_stats = FeatureStats(
            mean=stats.mean.astype(np.float32), std=stats.std.astype(np.float32)
        )

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        if self.input_stats is None:
            return x
        return self.input_stats.apply(x)

    def _stats_arrays(self) -> dict[str, np.ndarray]:
        if self.input_stats is None:
            return {}
        return dict(zip(_STATS_KEYS, (self.input_stats.mean, self.input_stats.std), strict=True))

    def _load_stats(self, arrays: dict[str, np.ndarray]) -> None:
        present = [key in arrays for key in _STATS_KEYS]
        if all(present):
            mean, std = (np.asarray(arrays[key], dtype=np.float32) for key in _STATS_KEYS)
            self.input_stats = FeatureStats(mean=mean, std=std)
        elif any(present):
            raise ModelFileError("the model has only one of input.mean and input.std")
        else:
            self.input_stats = None


class ClassicLearner(_Inputs):
    """The lecture's network: forward, the δ recursion, W ← W − α ∂J/∂W."""

    engine = "classic"

    def __init__(self, network: Network, lr: float) -> None:
        self.network = network
        self.lr = lr

    def set_lr(self, lr: float) -> None:
        self.lr = lr

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.network.train_step(self._inputs(x), y, self.lr)

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        return self.network.evaluate(self._inputs(x), y)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.network.output(self._inputs(x))

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {**self.network.state()["arrays"], **self._stats_arrays()}, {}

    def load_state(self, arrays: dict[str, np.ndarray], values: dict[str, Any]) -> None:
        state = self.network.state()
        weights = {k: v for k, v in arrays.items() if k not in _STATS_KEYS}
        self.network = Network.from_state({"config": state["config"], "arrays": weights})
        self._load_stats(arrays)


class AutodiffLearner(_Inputs):
    """The same network as ``nn.Sequential``, trained by ``chainrule.optim``."""

    engine = "autodiff"

    def __init__(self, config: TrainConfig, network: Network) -> None:
        self.config = config
        self.model = to_sequential(
            network, batch_norm=config.batch_norm, dropout=config.dropout, seed=config.seed
        )
        self.optimizer = make_optimizer(config, self.model.parameters())
        self.n_classes = config.n_outputs
        if config.cost == "quadratic":
            self.loss = nn.QuadraticCost()
        else:
            self.loss = nn.CrossEntropyLoss()

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.config.cost == "quadratic" and y.ndim == 1:
            return one_hot(y, self.n_classes, dtype=np.float32)
        return y

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> float:
        self.model.train()
        loss = self.loss(self.model(Tensor(self._inputs(x))), self._targets(y))
        self.optimizer.zero_grad()
        loss.backward()
        if self.config.clip_norm is not None:
            optim.clip_grad_norm_(self.model.parameters(), self.config.clip_norm)
        self.optimizer.step()
        return float(loss.item())

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Mean loss and accuracy over (x, y), a chunk of rows at a time."""
        self.model.eval()
        total, correct = 0.0, 0
        with no_grad():
            for start in range(0, len(x), EVAL_CHUNK):
                xc, yc = x[start : start + EVAL_CHUNK], y[start : start + EVAL_CHUNK]
                out = self.model(Tensor(self._inputs(xc)))
                total += float(self.loss(out, self._targets(yc)).item()) * len(xc)
                labels = yc if yc.ndim == 1 else yc.argmax(axis=1)
                correct += int(np.count_nonzero(out.numpy().argmax(axis=1) == labels))
        return total / len(x), correct / len(x)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        self.model.eval()
        parts = []
        with no_grad():
            for start in range(0, len(x), EVAL_CHUNK):
                out = self.model(Tensor(self._inputs(x[start : start + EVAL_CHUNK])))
                if self.config.cost == "cross-entropy":
                    out = out.softmax(axis=-1)
                parts.append(out.numpy())
        return np.concatenate(parts)

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {f"model.{k}": v.numpy() for k, v in self.model.state_dict().items()}
        opt_arrays, opt_values = _flatten_optimizer(self.optimizer.state_dict())
        arrays.update(opt_arrays)
        arrays.update(self._stats_arrays())
        return arrays, {"optimizer": opt_values, "rngs": self.model_rng_states()}

    def load_state(self, arrays: dict[str, np.ndarray], values: dict[str, Any]) -> None:
        model = {k[len("model.") :]: v for k, v in arrays.items() if k.startswith("model.")}
        self.model.load_state_dict(model)
        self._load_stats(arrays)
        if "optimizer" in values:
            self.optimizer.load_state_dict(_unflatten_optimizer(arrays, values["optimizer"]))
        for module, state in zip(self._dropouts(), values.get("rngs", []), strict=False):
            try:
                module.rng.bit_generator.state = state
            except (TypeError, ValueError, KeyError):
                raise ModelFileError("bad dropout generator state in the model file") from None

    def _dropouts(self) -> list[Any]:
        return [m for m in self.model.modules() if isinstance(m, nn.Dropout)]

    def model_rng_states(self) -> list[dict[str, Any]]:
        return [m.rng.bit_generator.state for m in self._dropouts()]


def make_optimizer(config: TrainConfig, params: Any) -> optim.Optimizer:
    """The optimizer ``config`` names, with its learning rate and weight decay."""
    lr, decay = config.lr, config.weight_decay
    if config.optimizer == "sgd":
        return optim.SGD(params, lr=lr, weight_decay=decay)
    if config.optimizer in ("momentum", "nesterov"):
        return optim.SGD(
            params,
            lr=lr,
            momentum=config.momentum,
            nesterov=config.optimizer == "nesterov",
            weight_decay=decay,
        )
    if config.optimizer == "adam":
        return optim.Adam(params, lr=lr, weight_decay=decay)
    if config.optimizer == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=decay)
    return optim.RMSprop(params, lr=lr, weight_decay=decay)


# Optimizer state dicts nest arrays inside JSON-able values; checkpoints keep the arrays as
# tensors and the rest as JSON, with a placeholder naming each array.
_ARRAY_TAG = "__array__"


def _flatten_optimizer(state: Any) -> tuple[dict[str, np.ndarray], Any]:
    arrays: dict[str, np.ndarray] = {}

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {str(k): walk(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(value)]
        if isinstance(value, np.ndarray | np.generic) and np.ndim(value) > 0:
            arrays[path] = np.asarray(value)
            return {_ARRAY_TAG: path}
        if isinstance(value, np.generic):
            return value.item()
        return value

    return arrays, walk(state, "optimizer")


def _unflatten_optimizer(arrays: dict[str, np.ndarray], values: Any) -> Any:
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {_ARRAY_TAG}:
                if value[_ARRAY_TAG] not in arrays:
                    raise ModelFileError(f"checkpoint lacks optimizer array {value[_ARRAY_TAG]}")
                return arrays[value[_ARRAY_TAG]]
            return {_int_key(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(values)


def _int_key(key: str) -> Any:
    return int(key) if key.isdigit() else key
