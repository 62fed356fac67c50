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

Cost. A step that is not recorded costs nothing extra (no hooks are attached then, and a
classic network runs its own hot path); a recorded step costs about one more plain step
(0.7x to 1.3x, measured on digits MLPs), so ``every=k`` adds roughly 1/k. The default,
``every=20``, keeps training within about 5-7% of its unmonitored time (see
``benchmarks/vanishing.py``); ``every=1`` records every step. Steps count from 0: step 0 is
the first update, made from the initial weights.

The records are in :mod:`~chainrule.diagnostics.records`, the numbers in
:mod:`~chainrule.diagnostics.stats` and the code that reads a model in
:mod:`~chainrule.diagnostics.adapters`; this module holds the monitor itself.

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
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from chainrule.diagnostics.adapters import (
    ClassicAdapter,
    ModuleAdapter,
    host,
    is_classic,
    remove_handle,
)
from chainrule.diagnostics.records import GradientRecords, LayerInfo
from chainrule.diagnostics.stats import activation_stats, count_nonfinite, norm
from chainrule.engine.anomaly import detect_anomaly
from chainrule.errors import ConfigError, NonFiniteError

Array = np.ndarray

#: Record one step in this many by default (a recorded step costs about one plain step).
DEFAULT_EVERY = 20


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
        self._classic = is_classic(model)
        self._adapter: ClassicAdapter | ModuleAdapter
        self._adapter = ClassicAdapter(model) if self._classic else ModuleAdapter(model)
        self.layers: list[LayerInfo] = self._adapter.layers
        self._rows: list[dict[str, Any]] = []
        self._pending: dict[str, Any] | None = None
        self._weights_before: list[Array] | None = None
        self._acts: list[Array | None] = [None] * len(self.layers)
        self._act_handles: list[Any] = []
        self._closed = False
        self._forward_layer = 0  # nn: the layer whose modules run now (set by pre-hooks)
        self._backward_layer: int | None = None
        self._sync_activation_hooks()

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
        self._pending = None
        self.step = 0
        self._sync_activation_hooks()

    def close(self) -> None:
        """Remove the hooks from an nn model for good (the records stay)."""
        self._closed = True
        for handle in self._act_handles:
            remove_handle(handle)
        self._act_handles.clear()

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

    def _snapshot_weights(self, row: dict[str, Any]) -> None:
        self._weights_before = [host(w).copy() for w in self._adapter.weights()]
        row["weight_norms"] = [norm(w) for w in self._weights_before]

    def _finish_update(self, row: dict[str, Any]) -> None:
        if self._weights_before is None:
            return
        for l, (w, before) in enumerate(
            zip(self._adapter.weights(), self._weights_before, strict=True)
        ):
            after = host(w)
            denom = row["weight_norms"][l]
            row["update_ratios"][l] = norm(after - before) / denom if denom > 0 else math.inf
        self._weights_before = None

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
        if self._classic and self.step % self.every and not self.anomaly:
            cost = self.model.train_step(x, y, lr)  # the hot path: nothing recorded
            self.step += 1
            return cost
        self._require_classic("train_step")
        net = self.model
        with np.errstate(all="ignore"):
            grads = net.backward(x, y)
            if self.anomaly:
                self._check_classic(grads)
            if self.due:
                row = self._row(grads.cost)
                self._observe_classic(row, grads)
                # The classic step is W ← W - α ∂J/∂W, so ‖ΔW‖ = α ‖∂J/∂W‖ exactly: no copy.
                for l, w in enumerate(net.weights):
                    w_norm = row["weight_norms"][l] = norm(w)
                    ratio = lr * row["grad_norms"][l] / w_norm if w_norm > 0 else math.inf
                    row["update_ratios"][l] = ratio
                self._rows.append(row)
            net.step(grads, lr)
        self.step += 1
        return grads.cost

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
        self._require_classic("observe")
        row = self._row(grads.cost)
        with np.errstate(all="ignore"):
            self._observe_classic(row, grads)
            row["weight_norms"] = [norm(w) for w in self.model.weights]
        self._rows.append(row)

    def _observe_classic(self, row: dict[str, Any], grads: Any) -> None:
        acts = grads.forward.a
        for l in range(len(self.layers)):
            self._fill_layer(row, l, grads.grad_biases[l], grads.grad_weights[l], acts[l + 1])

    def _check_classic(self, grads: Any) -> None:
        """Find the first NaN/Inf of a classic pass: forward z^l, a^l, then δ^L .. δ^1."""
        fp = grads.forward
        n = len(self.layers)

        def fail(l: int, detail: str, op: str, phase: str) -> None:
            raise LayerNonFiniteError(
                detail,
                layer=l,
                layer_name=self.layers[l - 1].label,
                step=self.step,
                op=op,
                phase=phase,
            )

        if not np.isfinite(fp.a[0]).all():
            fail(1, f"the input x has {count_nonfinite(fp.a[0])} NaN/Inf", "input", "forward")
        for l in range(1, n + 1):
            z, a = fp.z[l - 1], fp.a[l]
            if not np.isfinite(z).all():
                bad_w = count_nonfinite(self.model.weights[l - 1], self.model.biases[l - 1])
                cause = f"; W^{l}, b^{l} hold {bad_w} NaN/Inf" if bad_w else ""
                fail(
                    l,
                    f"z^{l} = W^{l} a^{l - 1} + b^{l} has {count_nonfinite(z)} NaN/Inf{cause}",
                    f"z^{l} = W^{l} a^{l - 1} + b^{l}",
                    "forward",
                )
            if not np.isfinite(a).all():
                name = self.layers[l - 1].activation or "softmax"
                fail(l, f"a^{l} = {name}(z^{l}) has {count_nonfinite(a)} NaN/Inf", name, "forward")
        if not math.isfinite(grads.cost):
            fail(n, f"the cost J = {grads.cost} is not finite", "cost", "forward")
        for l in range(n, 0, -1):
            d = grads.deltas[l - 1]
            if not np.isfinite(d).all():
                formula = "δ^L = ∇_a J ⊙ σ'(z^L)" if l == n else f"δ^{l} = (W^{l + 1})^T δ^{l + 1}"
                formula += "" if l == n else f" ⊙ σ'(z^{l})"
                fail(l, f"{formula} has {count_nonfinite(d)} NaN/Inf", formula, "backward")
            gw = grads.grad_weights[l - 1]
            if not np.isfinite(gw).all():
                formula = f"∂J/∂W^{l} = δ^{l} (a^{l - 1})^T"
                fail(l, f"{formula} has {count_nonfinite(gw)} NaN/Inf", formula, "backward")

    def _require_classic(self, what: str) -> None:
        if not self._classic:
            raise ConfigError(
                f"GradientMonitor.{what}() is for a classic Network; with an nn model call "
                "before_step()/after_step() around optimizer.step() (or use wrap())"
            )

    # ---------------------------------------------------------------- nn models

    # Hooks cost a Python call per module per forward, so they are on only when needed:
    # activation hooks on the steps that are recorded, layer-tracking hooks inside guard().

    def _sync_activation_hooks(self) -> None:
        """Hook the output module of each layer while the current step is due, else unhook."""
        want = self.track_activations and self.due and not (self._classic or self._closed)
        if want and not self._act_handles:
            adapter = self._adapter
            assert isinstance(adapter, ModuleAdapter)
            for l in range(len(self.layers)):
                hook = self._make_activation_hook(l)
                self._act_handles.append(adapter.stats_module(l).register_forward_hook(hook))
        elif not want and self._act_handles:
            for handle in self._act_handles:
                remove_handle(handle)
            self._act_handles.clear()

    def _make_activation_hook(self, l: int) -> Callable[..., None]:
        def hook(module: Any, inputs: Any, output: Any) -> None:
            self._acts[l] = host(output)

        return hook

    def _attach_guard_hooks(self) -> list[Any]:
        """Pre-hooks that say which layer runs, and output hooks that track backward."""
        adapter = self._adapter
        assert isinstance(adapter, ModuleAdapter)
        handles = []
        for l, group in enumerate(adapter.groups):
            stats_module = adapter.stats_module(l)
            for module in (group["linear"], group["bn"], group["act"]):
                if module is not None:
                    handles.append(module.register_forward_pre_hook(self._make_pre_hook(l)))
            handles.append(stats_module.register_forward_hook(self._make_guard_hook(l)))
        return handles

    def _make_pre_hook(self, l: int) -> Callable[..., None]:
        def pre_hook(module: Any, inputs: Any) -> None:
            self._forward_layer = l  # an op that fails from here on is in layer l

        return pre_hook

    def _make_guard_hook(self, l: int) -> Callable[..., None]:
        def track(grad: Any) -> None:
            # called when ∂J/∂a^l is complete, just before layer l's ops are differentiated
            self._backward_layer = l

        def hook(module: Any, inputs: Any, output: Any) -> None:
            if getattr(output, "requires_grad", False):
                output.register_hook(track)

        return hook

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
        if self._classic:
            raise ConfigError(
                "before_step()/after_step() are for nn models; use "
                "GradientMonitor.train_step(x, y, lr) for a classic Network"
            )
        adapter = self._adapter
        assert isinstance(adapter, ModuleAdapter)
        if self.anomaly:
            self._check_module_grads(adapter)
        if not self.due:
            self._pending = None
            return
        row = self._row(None if loss is None else float(host(loss)))
        with np.errstate(all="ignore"):
            for l in range(len(self.layers)):
                self._fill_layer(
                    row, l, adapter.shift_grad(l), adapter.weight_grad(l), self._acts[l]
                )
        self._acts = [None] * len(self.layers)
        self._snapshot_weights(row)
        self._pending = row

    def after_step(self) -> None:
        """nn model: measure ‖ΔW‖/‖W‖ of a recorded step, store its row, advance ``step``."""
        if self._pending is not None:
            with np.errstate(all="ignore"):
                self._finish_update(self._pending)
            self._rows.append(self._pending)
            self._pending = None
        self.step += 1
        self._sync_activation_hooks()

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

    def _check_module_grads(self, adapter: ModuleAdapter) -> None:
        for l in range(len(self.layers) - 1, -1, -1):
            for what, grad in (("bias", adapter.shift_grad(l)), ("weight", adapter.weight_grad(l))):
                if grad is not None and not np.isfinite(grad).all():
                    raise LayerNonFiniteError(
                        f"the {what} gradient has {count_nonfinite(grad)} NaN/Inf",
                        layer=l + 1,
                        layer_name=self.layers[l].label,
                        step=self.step,
                        op=None,
                        phase="backward",
                    )

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
        if self._classic:
            previous, self.anomaly = self.anomaly, True
            try:
                yield
            finally:
                self.anomaly = previous
            return
        self._forward_layer = 0
        self._backward_layer = None
        handles = self._attach_guard_hooks()
        try:
            with detect_anomaly():
                yield
        except LayerNonFiniteError:
            raise
        except NonFiniteError as exc:
            raise self._locate(exc) from exc
        finally:
            for handle in handles:
                remove_handle(handle)

    def _locate(self, exc: NonFiniteError) -> LayerNonFiniteError:
        """Add the layer to the engine's message: from the hooks, or from the gradients."""
        text = str(exc)
        adapter = self._adapter
        assert isinstance(adapter, ModuleAdapter)
        forward = re.match(r"(\w+) produced ", text)
        backward = re.match(r"the backward of (\w+) ", text)
        if backward:
            # The output-gradient hook of layer l fires just before layer l's ops are
            # differentiated; none fired yet means the loss's own backward failed.
            phase, op = "backward", backward.group(1)
            index = self._backward_layer
            if index is None:
                index = len(self.layers) - 1
        elif forward:
            phase, op = "forward", forward.group(1)
            index = self._forward_layer
        else:
            # Raised outside an op (e.g. clip_grad_norm_(error_if_nonfinite=True)): the
            # layer nearest the input whose gradient is not finite, where the damage arrived.
            phase, op = "step", None
            index = len(self.layers) - 1
            for l in range(len(self.layers)):
                grads = (adapter.shift_grad(l), adapter.weight_grad(l))
                if any(g is not None and not np.isfinite(g).all() for g in grads):
                    index = l
                    break
        group = adapter.groups[index]
        bad = [
            f"{name} holds {count} NaN/Inf"
            for name, param in (
                ("its weight", group["linear"].weight),
                ("its bias", group["linear"].bias),
            )
            if param is not None and (count := count_nonfinite(host(param)))
        ]
        if bad:
            text += " (" + ", ".join(bad) + ")"
        return LayerNonFiniteError(
            text,
            layer=index + 1,
            layer_name=self.layers[index].label,
            step=self.step,
            op=op,
            phase=phase,
        )


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
