"""The gradient monitor: per-layer learning speed, gradient norms, updates and activations.

Part 3 of the lecture explains why gradients vanish or explode: the error of a hidden layer is
a product over every later layer, δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l), so factors below one
(the logistic σ' is at most 0.25) shrink it layer after layer toward the input, and factors
above one grow it. The monitor measures that product while a network trains.

What is recorded, per layer l (layers with weights, first hidden layer first, output last):

``speeds``
    The learning speed ‖∂J/∂b^l‖ (Nielsen's measure). J is the cost averaged over the batch,
    so ∂J/∂b^l = Σ_rows δ^l, where each row of δ^l already carries the 1/m of the mean: the
    speed is the norm of the batch-summed δ^l, which is the same number as the norm of the mean
    of the per-sample gradients ∂C_x/∂b^l. For a classic ``Network`` it is computed from
    ``Gradients.grad_biases``; for an ``nn`` model it is the norm of ``Linear.bias.grad``.
    When a ``BatchNorm1d`` sits between the Linear and its activation, the Linear's bias no
    longer moves anything (normalization subtracts the batch mean, so its gradient is 0) and
    the shift that does is the BatchNorm's β: the speed is then ‖∂J/∂β^l‖. In both cases it is
    the batch-summed δ of the input of the layer's activation function.
``grad_norms``
    ‖∂J/∂W^l‖, the Frobenius norm of the weight gradient.
``weight_norms``
    ‖W^l‖ before the step. ``grad_norms / weight_norms`` is the relative speed of a layer's
    weights, the gauge to read under batch normalization (whose backward pass removes the
    batch mean of the error it passes down, so the β speeds of the layers below it are small
    even when they learn well; the weights of a normalized layer are also scale-free).
``update_ratios``
    ‖ΔW^l‖ / ‖W^l‖, the size of the step the optimizer actually took (measured by comparing
    the weights before and after the step), relative to the weights. Around 1e-3 is the usual
    rule of thumb; far below means the layer barely learns, far above means it thrashes.
``act_mean``, ``act_std``
    Mean and standard deviation of the layer's activations a^l over the batch.
``saturated``
    Fraction of activations in a flat part of σ, where σ' is nearly 0: logistic a^l outside
    [0.03, 0.97], tanh |a^l| > 0.97. NaN for activations without such a region.
``dead``
    Fraction of ReLU units that are 0 for every sample of the batch (their σ' is 0 for all of
    them, so no gradient reaches their weights). NaN for other activations.
``nonfinite``
    Count of NaN/Inf values in the layer's activations and gradients (0 when all are finite).
``delta_norms``, ``weight_factor``, ``sigma_factor``, ``sigma_prime_mean``
    The factor split of :mod:`~chainrule.diagnostics.factors`: ‖δ^l‖ over the batch, and
    ‖δ^l‖/‖δ^(l+1)‖ = ``weight_factor`` × ``sigma_factor``, the parts from (W^(l+1))^T and
    from ⊙ σ'(z^l), beside the mean of σ'(z^l). The output layer has no factors (NaN), nor
    does a layer next to a BatchNorm1d.

Cost. A step that is not recorded costs nothing extra (no hooks are attached then, and a
classic network runs its own hot path); a recorded step costs about one more plain step
(0.7x to 1.3x, measured on digits MLPs), so ``every=k`` adds roughly 1/k. The default,
``every=20``, keeps training within about 5-7% of its unmonitored time (see
``benchmarks/vanishing.py``); ``every=1`` records every step. Steps count from 0: step 0 is
the first update, made from the initial weights.

The records are in :mod:`~chainrule.diagnostics.records`, the numbers in
:mod:`~chainrule.diagnostics.stats` and the code that reads a model in
:mod:`~chainrule.diagnostics.adapters`. This module holds what both engines share: the
records, the error, and :class:`GradientMonitor`, which hands a classic network to
:class:`~chainrule.diagnostics.classic_monitor.ClassicMonitor` and an ``nn`` model to
:class:`~chainrule.diagnostics.module_monitor.ModuleMonitor`.

>>> import numpy as np
>>> from chainrule.classic import Network
>>> net = Network([4, 6, 6, 3], activation="tanh", init="xavier", seed=0)
>>> monitor = GradientMonitor(net, every=2)
>>> x = np.random.default_rng(0).random((8, 4)); y = np.arange(8) % 3
>>> for _ in range(4):
...     _ = monitor.train_step(x, y, lr=0.1)
>>> rec = monitor.records
>>> rec.steps.tolist(), rec.speeds.shape
([0, 2], (2, 3))
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from chainrule.diagnostics.adapters import is_classic
from chainrule.diagnostics.records import GradientRecords, LayerInfo
from chainrule.diagnostics.stats import activation_stats, count_nonfinite, norm
from chainrule.errors import ConfigError, NonFiniteError

Array = np.ndarray

#: Record one step in this many by default (a recorded step costs about one plain step).
DEFAULT_EVERY = 20

# What a method of the other engine's monitor says (see GradientMonitor's last paragraph).
_CLASSIC_ONLY = (
    "GradientMonitor.{method}() is for a classic Network; with an nn model call "
    "before_step()/after_step() around optimizer.step() (or use wrap())"
)
_NN_ONLY = (
    "before_step()/after_step() are for nn models; use "
    "GradientMonitor.train_step(x, y, lr) for a classic Network"
)

# --------------------------------------------------------------------------- errors


class LayerNonFiniteError(NonFiniteError):
    """A NaN or Inf in a training step, located: which layer, which step, which op.

    Attributes: ``layer`` (1-based, the lecture's l), ``layer_name`` (e.g.
    ``"layer 3 (Linear 30->30)"``), ``step`` (0-based training step), ``op`` (the op or
    formula that produced it, e.g. ``"Linear"`` or ``"z^3 = W^3 a^2 + b^3"``), ``phase``
    (``"forward"``, ``"backward"``, or ``"step"`` for one raised outside an op, e.g. by
    ``clip_grad_norm_(error_if_nonfinite=True)``). The message reads
    ``"layer 3 (Linear 30->30), step 17: <what happened>"``.

    >>> err = LayerNonFiniteError("Linear produced 1 NaN", layer=2, layer_name="layer 2 (A)",
    ...                           step=5, op="Linear", phase="forward")
    >>> str(err), err.layer, err.step
    ('layer 2 (A), step 5: Linear produced 1 NaN', 2, 5)
    """

    def __init__(
        self,
        detail: str,
        *,
        layer: int | None,
        layer_name: str,
        step: int,
        op: str | None,
        phase: str,
    ) -> None:
        self.detail = detail
        self.layer = layer
        self.layer_name = layer_name
        self.step = step
        self.op = op
        self.phase = phase
        super().__init__(f"{layer_name}, step {step}: {detail}")


# --------------------------------------------------------------------------- the monitor


class GradientMonitor:
    """Record per-layer gradient statistics while a network trains (one step in ``every``).

    Works with a classic :class:`chainrule.classic.Network` and with an ``nn`` model made of
    Linear (+ BatchNorm1d) + activation modules (a Sequential, or any Module whose
    ``named_modules()`` lists them in the order they run).

    Classic network: call :meth:`train_step` instead of ``net.train_step``; on a step that is
    not recorded it runs the network's own hot path, so the monitor costs only on recorded
    steps::

        monitor = GradientMonitor(net)  # every=20: one step in 20
        for xb, yb in loader:
            monitor.train_step(xb, yb, lr=0.5)

    ``nn`` model: forward hooks catch the activations of recorded steps; call
    :meth:`before_step` between ``loss.backward()`` and ``optimizer.step()`` and
    :meth:`after_step` after it, or let :meth:`wrap` do both::

        monitor = GradientMonitor(model)
        opt = monitor.wrap(optim.SGD(model.parameters(), lr=0.1))
        for xb, yb in loader:
            loss = loss_fn(model(cr.tensor(xb)), yb)
            opt.zero_grad(); loss.backward()
            opt.step(loss)              # records (every 20th step), steps, measures ΔW

    Anomaly mode: inside ``with monitor.guard():`` (or with ``anomaly=True`` for a classic
    network) the first NaN/Inf raises :class:`LayerNonFiniteError` naming the layer, the
    step and the op, before the weights are updated.

    ``GradientMonitor(model)`` makes a :class:`~chainrule.diagnostics.classic_monitor.
    ClassicMonitor` or a :class:`~chainrule.diagnostics.module_monitor.ModuleMonitor`; a
    method of the other engine raises ConfigError saying which to call instead.

    Args:
        model: a classic ``Network`` or an ``nn`` Module.
        every: record one step in ``every`` (steps 0, every, 2*every, ...); default 20.
        activations: also record activation mean/std/saturation/dead units.
        anomaly: classic network: check every step for NaN/Inf and raise
            :class:`LayerNonFiniteError` before updating; nn: raise it from
            :meth:`before_step` when a gradient is not finite (see also :meth:`guard`).

    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> net = Network([3, 5, 2], activation="relu", init="he", cost="cross-entropy")
    >>> mon = GradientMonitor(net, every=1)
    >>> _ = mon.train_step(np.ones((4, 3)), [0, 1, 0, 1], lr=0.1)
    >>> mon.records.layers
    ['layer 1 (W 3->5)', 'layer 2 (W 5->2)']
    """

    def __new__(cls, model: Any, **options: Any) -> GradientMonitor:
        if cls is GradientMonitor:
            cls = _monitor_class(model)
        return super().__new__(cls)

    def __init__(
        self,
        model: Any,
        *,
        every: int = DEFAULT_EVERY,
        activations: bool = True,
        anomaly: bool = False,
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
            raise ConfigError(f"every must be a positive integer, got {every!r}")
        self.model = model
        self.every = int(every)
        self.track_activations = bool(activations)
        self.anomaly = bool(anomaly)
        self.step = 0
        self.layers: list[LayerInfo] = self._read_layers(model)
        self._rows: list[dict[str, Any]] = []
        self._closed = False

    def _read_layers(self, model: Any) -> list[LayerInfo]:
        raise NotImplementedError

    # ---------------------------------------------------------------- common

    @property
    def due(self) -> bool:
        """Whether the current step will be recorded."""
        return self.step % self.every == 0

    @property
    def records(self) -> GradientRecords:
        """All rows recorded so far, as arrays (a fresh object on each access)."""
        names = [info.label for info in self.layers]
        acts = [info.activation for info in self.layers]
        rec = GradientRecords.empty(names, acts)
        rec.every = self.every
        rec.hidden = np.array([info.hidden for info in self.layers], bool)
        rec.batch_norm = np.array([info.batch_norm for info in self.layers], bool)
        if not self._rows:
            return rec
        rec.steps = np.array([r["step"] for r in self._rows], np.int64)
        rec.loss = np.array([r["loss"] for r in self._rows], float)
        for name in GradientRecords.FIELDS:
            dtype = np.int64 if name == "nonfinite" else float
            setattr(rec, name, np.array([r[name] for r in self._rows], dtype))
        return rec

    def reset(self) -> None:
        """Forget every record and start counting steps from 0 again."""
        self._rows.clear()
        self.step = 0

    def close(self) -> None:
        """Remove the hooks from an nn model for good (the records stay)."""
        self._closed = True

    def __enter__(self) -> GradientMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _row(self, loss: float | None) -> dict[str, Any]:
        n = len(self.layers)
        return {
            "step": self.step,
            "loss": math.nan if loss is None else float(loss),
            **{name: [math.nan] * n for name in GradientRecords.FIELDS if name != "nonfinite"},
            "nonfinite": [0] * n,
        }

    def _fill_layer(
        self, row: dict[str, Any], l: int, gb: Array | None, gw: Array | None, a: Array | None
    ) -> None:
        if gb is not None:
            row["speeds"][l] = norm(gb)
        if gw is not None:
            row["grad_norms"][l] = norm(gw)
        if a is not None and self.track_activations:
            mean, std, sat, dead = activation_stats(a, self.layers[l].activation)
            row["act_mean"][l], row["act_std"][l] = mean, std
            row["saturated"][l], row["dead"][l] = sat, dead
        # A finite sum of squares means every element is finite: count only when one is not.
        checked = [row["speeds"][l]] if gb is not None else []
        checked += [row["grad_norms"][l]] if gw is not None else []
        checked += [row["act_std"][l]] if a is not None and self.track_activations else []
        if not all(math.isfinite(v) for v in checked):
            row["nonfinite"][l] = count_nonfinite(gb, gw, a)

    # ---------------------------------------------------------------- classic network

    def train_step(self, x: Any, y: Any, lr: float) -> float:
        """Classic network: one gradient-descent step on (x, y), recorded when it is due.

        Returns J before the update, like ``Network.train_step``. A step that is neither
        recorded nor checked (``anomaly=False``) is the network's own ``train_step``.

        >>> import numpy as np
        >>> from chainrule.classic import Network
        >>> mon = GradientMonitor(Network([2, 3, 1], seed=0), every=1)
        >>> j = mon.train_step(np.ones((2, 2)), np.ones((2, 1)), lr=0.5)
        >>> mon.step, mon.records.update_ratios.shape
        (1, (1, 2))
        """
        raise ConfigError(_CLASSIC_ONLY.format(method="train_step"))

    def observe(self, grads: Any) -> None:
        """Classic network: record one row from a ``Gradients`` (``net.backward(x, y)``) now.

        Nothing is stepped and ``step`` does not advance; ``update_ratios`` stay NaN.

        >>> import numpy as np
        >>> from chainrule.classic import Network
        >>> net = Network([2, 3, 1], seed=0); mon = GradientMonitor(net)
        >>> g = net.backward(np.ones((2, 2)), np.ones((2, 1)))
        >>> mon.observe(g)
        >>> bool(np.allclose(mon.records.speeds[0], net.learning_speeds(g)))
        True
        """
        raise ConfigError(_CLASSIC_ONLY.format(method="observe"))

    # ---------------------------------------------------------------- nn models

    def before_step(self, loss: Any = None) -> None:
        """nn model: read the gradients of a recorded step; call after ``loss.backward()``.

        Snapshots the weights so that :meth:`after_step` can measure ΔW. ``loss`` (a tensor
        or a float) is recorded beside the gradients. With ``anomaly=True`` a non-finite
        gradient raises :class:`LayerNonFiniteError` here, before the optimizer steps.

        >>> import chainrule as cr
        >>> from chainrule import nn, optim
        >>> model = nn.Sequential(nn.Linear(2, 4, rng=0), nn.ReLU(), nn.Linear(4, 1, rng=1))
        >>> opt = optim.SGD(model.parameters(), lr=0.1)
        >>> mon = GradientMonitor(model, every=1)
        >>> loss = model(cr.tensor([[1.0, -1.0], [0.5, 2.0]])).sum()
        >>> loss.backward()
        >>> mon.before_step(loss); opt.step(); mon.after_step()
        >>> mon.records.update_ratios.shape, mon.step
        ((1, 2), 1)
        """
        raise ConfigError(_NN_ONLY)

    def after_step(self) -> None:
        """nn model: measure ‖ΔW‖/‖W‖ of a recorded step, store its row, advance ``step``."""
        raise ConfigError(_NN_ONLY)

    def wrap(self, optimizer: Any) -> MonitoredOptimizer:
        """An optimizer whose ``step(loss=None)`` runs before_step, the step and after_step.

        Everything else (``zero_grad``, ``param_groups``, ...) passes through.

        >>> import chainrule as cr
        >>> from chainrule import nn, optim
        >>> model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
        >>> mon = GradientMonitor(model, every=2)
        >>> opt = mon.wrap(optim.SGD(model.parameters(), lr=0.1))
        >>> for _ in range(3):
        ...     opt.zero_grad()
        ...     loss = model(cr.tensor([[1.0, 2.0]])).sum()
        ...     loss.backward()
        ...     opt.step(loss)
        >>> mon.records.steps.tolist()
        [0, 2]
        """
        return MonitoredOptimizer(optimizer, self)

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Anomaly mode for one training step: the first NaN/Inf raises LayerNonFiniteError.

        Runs the block under ``chainrule.detect_anomaly()`` and turns its NonFiniteError into
        one that adds the layer and the step: ``"layer 3 (Linear 30->30), step 17: Linear
        produced 30 NaN ..."``. Raised before ``optimizer.step()`` runs when the step sits in
        the block, so the weights keep their last finite values.

        >>> import numpy as np
        >>> from chainrule.classic import Network
        >>> mon = GradientMonitor(Network([2, 2, 1], seed=0), every=1)
        >>> with mon.guard():
        ...     _ = mon.train_step(np.ones((1, 2)), np.ones((1, 1)), lr=0.1)
        """
        raise NotImplementedError
        yield


def _monitor_class(model: Any) -> type[GradientMonitor]:
    """The monitor for ``model``'s engine (imported here: both build on this module)."""
    if is_classic(model):
        from chainrule.diagnostics.classic_monitor import ClassicMonitor

        return ClassicMonitor
    from chainrule.diagnostics.module_monitor import ModuleMonitor

    return ModuleMonitor


class MonitoredOptimizer:
    """An optimizer wrapped by :meth:`GradientMonitor.wrap`: ``step`` also records."""

    def __init__(self, optimizer: Any, monitor: GradientMonitor) -> None:
        self.optimizer = optimizer
        self.monitor = monitor

    def step(self, loss: Any = None) -> None:
        self.monitor.before_step(loss)
        self.optimizer.step()
        self.monitor.after_step()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.optimizer, name)
