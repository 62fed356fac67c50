"""The two engines behind one interface: what the training loop, the experiments, the gradient
monitor and the lab drive, so that none of them asks which engine runs.

A learner trains on a batch, evaluates, predicts, shows one forward and backward pass layer by
layer (:meth:`Learner.layer_pass`: z, a, δ, ∂J/∂W, ∂J/∂b and the learning speeds), records
its training steps with a gradient monitor when asked (:meth:`Learner.watch`), and hands out
its state (weights and optimizer) as plain arrays plus JSON-able values for checkpoints. Every
method takes the raw inputs: a learner with ``input_stats`` (``--standardize``) scales them
itself, so a saved model predicts from the same pixels it was trained on.

>>> import numpy as np
>>> learner = build_learner(TrainConfig(layers=(4, 3, 2), engine="autodiff"))
>>> x, y = np.ones((5, 4), np.float32), np.array([0, 1, 0, 1, 1])
>>> p = learner.layer_pass(x, y)
>>> [d.shape for d in p.deltas], p.speeds.shape
([(5, 3), (5, 2)], (2,))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.classic.convert import to_sequential
from chainrule.compiler import CompiledStep, compiling
from chainrule.data import FeatureStats, one_hot
from chainrule.data.preprocessing import check_standardizable, fit_stats
from chainrule.diagnostics.adapters import ModuleAdapter, host, remove_handle
from chainrule.diagnostics.monitor import GradientMonitor
from chainrule.diagnostics.records import LayerPass
from chainrule.diagnostics.stats import layer_grad_norms, layer_speeds
from chainrule.engine.state import no_grad
from chainrule.engine.tensor import Tensor
from chainrule.errors import ModelFileError
from chainrule.training.config import TrainConfig

#: Rows per forward pass when evaluating or predicting many examples (bounds the memory).
EVAL_CHUNK = 4096
_STATS_KEYS = ("input.mean", "input.std")


class Learner(Protocol):
    """What every engine offers; :class:`ClassicLearner` and :class:`AutodiffLearner` are the two.

    ``train_batch`` returns J of the batch before the step, or NaN when the step was refused
    (a non-finite gradient norm under clipping: the weights are left as they were).
    ``layer_pass`` runs forward and backward on (x, y) without stepping. After ``watch``,
    every training step goes through the returned monitor, which records one in ``every``.
    With a ``gradient_hook`` (data-parallel training, see
    :class:`~chainrule.training.distributed.DataParallel`) a step trains on the hook's
    ``shard`` of the batch and takes the step its ``average`` of the gradients gives.
    """

    engine: str
    input_stats: FeatureStats | None
    monitor: GradientMonitor | None
    gradient_hook: GradientHook | None

    def set_lr(self, lr: float) -> None: ...

    def fit_input_stats(self, x: np.ndarray) -> None: ...

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> float: ...

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]: ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...

    def predict(self, x: np.ndarray) -> np.ndarray: ...

    def layer_pass(self, x: np.ndarray, y: np.ndarray) -> LayerPass: ...

    def watch(self, every: int = 1) -> GradientMonitor: ...

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]: ...

    def load_state(self, arrays: dict[str, np.ndarray], values: dict[str, Any]) -> None: ...

    def parameter_arrays(self) -> list[np.ndarray]: ...


class GradientHook(Protocol):
    """What sits between a learner's backward pass and its step (data-parallel training):
    ``shard`` picks this process's rows of the batch, ``average`` turns its gradients and
    loss (means over those rows) into the whole batch's."""

    def shard(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def average(
        self, grads: Sequence[np.ndarray], loss: float
    ) -> tuple[list[np.ndarray], float]: ...


def build_learner(
    config: TrainConfig, network: Network | None = None, *, compile: bool | None = None
) -> Learner:
    """A fresh model for ``config``; both engines draw the same initial weights from the seed.

    ``network`` replaces the one ``config`` describes (e.g. weights from a custom
    initializer); the learner trains it (classic) or a copy of it (autodiff) as ``config``
    says. ``compile`` (autodiff): compile the training step (see ``chainrule.compile``); by
    default unless ``--no-compile`` or ``CHAINRULE_COMPILE=0``. The numbers are the same.
    """
    if network is None:
        network = Network(
            config.layers, config.activation, config.cost, config.init, seed=config.seed
        )
    if config.engine == "classic":
        return ClassicLearner(network, config.lr)
    return AutodiffLearner(config, network, compile=compile)


class _Inputs:
    """Input standardization shared by both learners: ``(x - mean) / std`` when fitted."""

    input_stats: FeatureStats | None = None

    def fit_input_stats(self, x: np.ndarray) -> None:
        """Fit the per-feature mean and std on training inputs (kept in float32)."""
        stats = fit_stats(check_standardizable(x))  # standardize's, without its scaled copy
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
        self.monitor: GradientMonitor | None = None
        self.gradient_hook: GradientHook | None = None

    def set_lr(self, lr: float) -> None:
        self.lr = lr

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> float:
        if self.gradient_hook is not None:
            return self._train_shard(self.gradient_hook, x, y)
        if self.monitor is not None:
            return self.monitor.train_step(self._inputs(x), y, self.lr)
        # the run checked its labels once (check_data), as the compiled autodiff step trusts
        return self.network.train_step(self._inputs(x), y, self.lr, check_labels=False)

    def _train_shard(self, hook: GradientHook, x: np.ndarray, y: np.ndarray) -> float:
        """backward on this process's rows, the hook's average, then the lecture's step."""
        x, y = hook.shard(x, y)
        grads = self.network.backward(self._inputs(x), y)
        n = len(grads.grad_weights)
        averaged, cost = hook.average([*grads.grad_weights, *grads.grad_biases], grads.cost)
        self.network.step(
            replace(grads, grad_weights=averaged[:n], grad_biases=averaged[n:]), self.lr
        )
        return cost

    def parameter_arrays(self) -> list[np.ndarray]:
        """W^1, ..., W^L, b^1, ..., b^L: the arrays the network trains, not copies."""
        return [*self.network.weights, *self.network.biases]

    def watch(self, every: int = 1) -> GradientMonitor:
        self.monitor = GradientMonitor(self.network, every=every)
        return self.monitor

    def layer_pass(self, x: np.ndarray, y: np.ndarray) -> LayerPass:
        net = self.network
        g = net.backward(self._inputs(x), y)
        return LayerPass(
            cost=float(g.cost),
            z=list(g.forward.z),
            a=list(g.forward.a),
            deltas=list(g.deltas),
            grad_weights=list(g.grad_weights),
            grad_biases=list(g.grad_biases),
            speeds=net.learning_speeds(g),
            grad_norms=np.array([np.linalg.norm(gw) for gw in g.grad_weights]),
            weight_norms=np.array([np.linalg.norm(w) for w in net.weights]),
            weights=list(net.weights),
        )

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.network.predict(self._inputs(x))

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
        if self.monitor is not None:
            self.monitor.model = self.network
        self._load_stats(arrays)


class AutodiffLearner(_Inputs):
    """The same network as ``nn.Sequential``, trained by ``chainrule.optim``."""

    engine = "autodiff"

    def __init__(
        self, config: TrainConfig, network: Network, *, compile: bool | None = None
    ) -> None:
        self.config = config
        self.model = to_sequential(
            network, batch_norm=config.batch_norm, dropout=config.dropout, seed=config.seed
        )
        self.optimizer = make_optimizer(config, self.model.parameters())
        self.n_classes = config.n_outputs
        self.monitor: GradientMonitor | None = None
        self.gradient_hook: GradientHook | None = None
        if config.cost == "quadratic":
            self.loss = nn.QuadraticCost()
        else:
            self.loss = nn.CrossEntropyLoss()
        # The same numbers, faster: the step traced once per batch shape. The data were
        # checked before training, so the labels are not checked at every step; and no one
        # reads .grad after a step here, so plain SGD folds α into the loss gradient (equal
        # to the eager loop to rounding; every other optimizer bit for bit).
        self.compiled: CompiledStep | None = None
        if compiling() if compile is None else compile:
            self.compiled = CompiledStep(
                self.model,
                self.loss,
                self.optimizer,
                check_labels=False,
                warn=False,
                keep_grads=False,
            )

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.config.cost == "quadratic" and y.ndim == 1:
            return one_hot(y, self.n_classes, dtype=np.float32)
        return y

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> float:
        if self.gradient_hook is not None:
            x, y = self.gradient_hook.shard(x, y)
        elif self.compiled is not None and self.monitor is None and self.config.clip_norm is None:
            return self.compiled(self._inputs(x), self._targets(y))
        self.model.train()
        loss = self.loss(self.model(Tensor(self._inputs(x))), self._targets(y))
        self.optimizer.zero_grad()
        loss.backward()
        value = float(loss.item())
        if self.gradient_hook is not None:
            value = self._average_gradients(self.gradient_hook, value)
        if self.monitor is not None:
            self.monitor.before_step(value)
        if self.config.clip_norm is not None:
            total = optim.clip_grad_norm_(self.model.parameters(), self.config.clip_norm)
            if not math.isfinite(total):
                return math.nan  # no finite direction to clip to: leave the weights
        self.optimizer.step()
        if self.monitor is not None:
            self.monitor.after_step()
        return value

    def watch(self, every: int = 1) -> GradientMonitor:
        self.monitor = GradientMonitor(self.model, every=every)
        return self.monitor

    def _average_gradients(self, hook: GradientHook, loss: float) -> float:
        """Every parameter's gradient replaced by the hook's average; the batch's loss."""
        params = list(self.model.parameters())
        grads = [
            p.grad.numpy() if p.grad is not None else np.zeros(p.shape, p.dtype) for p in params
        ]
        averaged, loss = hook.average(grads, loss)
        for p, grad in zip(params, averaged, strict=True):
            p.grad = Tensor(grad)
        return loss

    def parameter_arrays(self) -> list[np.ndarray]:
        """The model's parameters in ``parameters()`` order: its arrays, not copies."""
        return [p.array for p in self.model.parameters()]

    def layer_pass(self, x: np.ndarray, y: np.ndarray) -> LayerPass:
        """In training mode (batch statistics under batch norm), as a step sees the batch;
        the running statistics and the dropout generators are left as they were."""
        model = self.model
        buffers = {name: b.array.copy() for name, b in model.named_buffers() if b is not None}
        rngs = self.model_rng_states()
        adapter = ModuleAdapter(model)
        caught: dict[str, list[Any]] = {k: [None] * len(adapter.groups) for k in "zad"}
        handles = _catch_layers(adapter, caught)
        inputs = self._inputs(x)
        model.train()
        model.zero_grad()
        try:
            loss = self.loss(model(Tensor(inputs)), self._targets(y))
            loss.backward()
        finally:
            for handle in handles:
                remove_handle(handle)
        layers = range(len(adapter.groups))
        result = LayerPass(
            cost=float(loss.item()),
            z=caught["z"],
            a=[np.asarray(inputs), *caught["a"]],
            deltas=caught["d"],
            grad_weights=[adapter.weight_grad(l) for l in layers],
            grad_biases=[adapter.shift_grad(l) for l in layers],
            speeds=layer_speeds(model),
            grad_norms=layer_grad_norms(model),
            weight_norms=np.array([np.linalg.norm(host(w)) for w in adapter.weights()]),
            weights=[host(w).copy() for w in adapter.weights()],
            batch_norm=[info.batch_norm for info in adapter.layers],
        )
        model.zero_grad()
        for name, b in model.named_buffers():
            if b is not None:
                b.array[...] = buffers[name]
        self._set_rng_states(rngs)
        return result

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The class of each row: the index of the largest output."""
        return np.concatenate([out.argmax(axis=1) for out in self._outputs(x)])

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
        parts = self._outputs(x, softmax=self.config.cost == "cross-entropy")
        return np.concatenate(parts)

    def _outputs(self, x: np.ndarray, *, softmax: bool = False) -> list[np.ndarray]:
        """The model's outputs in evaluation mode, a chunk of rows at a time."""
        self.model.eval()
        parts = []
        with no_grad():
            for start in range(0, len(x), EVAL_CHUNK):
                out = self.model(Tensor(self._inputs(x[start : start + EVAL_CHUNK])))
                parts.append((out.softmax(axis=-1) if softmax else out).numpy())
        return parts

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        # copies: the state dict's tensors share memory with the model, as PyTorch's do
        arrays = {f"model.{k}": v.numpy().copy() for k, v in self.model.state_dict().items()}
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
        self._set_rng_states(values.get("rngs", []))

    def _set_rng_states(self, states: list[dict[str, Any]]) -> None:
        for module, state in zip(self._dropouts(), states, strict=False):
            try:
                module.rng.bit_generator.state = state
            except (TypeError, ValueError, KeyError):
                raise ModelFileError("bad dropout generator state in the model file") from None

    def _dropouts(self) -> list[Any]:
        return [m for m in self.model.modules() if isinstance(m, nn.Dropout)]

    def model_rng_states(self) -> list[dict[str, Any]]:
        return [m.rng.bit_generator.state for m in self._dropouts()]


def _catch_layers(adapter: ModuleAdapter, caught: dict[str, list[Any]]) -> list[Any]:
    """Forward hooks that keep each layer's z ("z"), a ("a") and, once backward reaches it,
    δ = ∂J/∂z ("d"); returns their handles."""
    handles = []
    for l, group in enumerate(adapter.groups):

        def keep_z(module: Any, inputs: Any, output: Any, l: int = l) -> None:
            caught["z"][l] = host(output)
            if output.requires_grad:
                output.register_hook(lambda grad: caught["d"].__setitem__(l, host(grad)))

        def keep_a(module: Any, inputs: Any, output: Any, l: int = l) -> None:
            caught["a"][l] = host(output)

        handles.append((group["bn"] or group["linear"]).register_forward_hook(keep_z))
        handles.append(adapter.stats_module(l).register_forward_hook(keep_a))
    return handles


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
