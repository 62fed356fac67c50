"""The gradient monitor of an ``nn`` model of Linear (+ BatchNorm1d) + activation modules.

Forward hooks catch the activations of the steps that are recorded; :meth:`before_step`
reads the gradients between ``loss.backward()`` and ``optimizer.step()``, :meth:`after_step`
measures the update. Hooks cost a Python call per module per forward, so they are on only
when needed: activation hooks on the recorded steps, layer-tracking hooks inside
:meth:`guard`. See :mod:`chainrule.diagnostics.monitor` for what is recorded.

>>> import chainrule as cr
>>> from chainrule import nn
>>> model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
>>> mon = ModuleMonitor(model, every=1)
>>> model(cr.tensor([[1.0, 2.0]])).sum().backward()
>>> mon.before_step(); mon.after_step(); mon.records.steps.tolist()
[0]
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from chainrule.diagnostics.adapters import ModuleAdapter, host, remove_handle
from chainrule.diagnostics.factors import measure_factors
from chainrule.diagnostics.monitor import GradientMonitor, LayerNonFiniteError
from chainrule.diagnostics.records import LayerInfo
from chainrule.diagnostics.stats import count_nonfinite, norm
from chainrule.engine.anomaly import detect_anomaly
from chainrule.errors import NonFiniteError

Array = np.ndarray


class ModuleMonitor(GradientMonitor):
    """:class:`~chainrule.diagnostics.monitor.GradientMonitor` of an ``nn`` model."""

    def __init__(self, model: Any, **options: Any) -> None:
        self._adapter = ModuleAdapter(model)
        self._pending: dict[str, Any] | None = None
        self._weights_before: list[Array] | None = None
        self._act_handles: list[Any] = []
        self._forward_layer = 0  # the layer whose modules run now (set by pre-hooks)
        self._backward_layer: int | None = None
        super().__init__(model, **options)
        self._acts: list[Array | None] = [None] * len(self.layers)
        # z^l (each Linear's output) and δ^l = ∂J/∂z^l of a recorded step, for the factor split
        self._z: list[Array | None] = [None] * len(self.layers)
        self._deltas: list[Array | None] = [None] * len(self.layers)
        self._sync_activation_hooks()

    def _read_layers(self, model: Any) -> list[LayerInfo]:
        return self._adapter.layers

    def reset(self) -> None:
        super().reset()
        self._pending = None
        self._sync_activation_hooks()

    def close(self) -> None:
        super().close()
        for handle in self._act_handles:
            remove_handle(handle)
        self._act_handles.clear()

    def _sync_activation_hooks(self) -> None:
        """Hook the output module of each layer while the current step is due, else unhook."""
        want = self.track_activations and self.due and not self._closed
        if want and not self._act_handles:
            for l in range(len(self.layers)):
                hook = self._make_activation_hook(l)
                module = self._adapter.stats_module(l)
                self._act_handles.append(module.register_forward_hook(hook))
                linear = self._adapter.groups[l]["linear"]
                self._act_handles.append(linear.register_forward_hook(self._make_delta_hook(l)))
        elif not want and self._act_handles:
            for handle in self._act_handles:
                remove_handle(handle)
            self._act_handles.clear()

    def _make_activation_hook(self, l: int) -> Callable[..., None]:
        def hook(module: Any, inputs: Any, output: Any) -> None:
            self._acts[l] = host(output)

        return hook

    def _make_delta_hook(self, l: int) -> Callable[..., None]:
        def keep_delta(grad: Any) -> None:
            self._deltas[l] = host(grad)

        def hook(module: Any, inputs: Any, output: Any) -> None:
            self._z[l] = host(output)
            if getattr(output, "requires_grad", False):
                output.register_hook(keep_delta)

        return hook

    def _fill_factors(self, row: dict[str, Any]) -> None:
        """The factor split of δ (see :mod:`chainrule.diagnostics.factors`) from the caught
        z^l, a^l and δ^l; NaN across a BatchNorm1d."""
        weights = [host(w) for w in self._adapter.weights()]
        split = measure_factors(
            self._deltas,
            weights,
            self._z,
            [None, *self._acts],
            [info.activation for info in self.layers],
            [info.batch_norm for info in self.layers],
        )
        row.update(split)
        self._z = [None] * len(self.layers)
        self._deltas = [None] * len(self.layers)

    def _attach_guard_hooks(self) -> list[Any]:
        """Pre-hooks that say which layer runs, and output hooks that track backward."""
        adapter = self._adapter
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
        """Read the gradients of a recorded step; call after ``loss.backward()``."""
        adapter = self._adapter
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
            self._fill_factors(row)
        self._acts = [None] * len(self.layers)
        self._snapshot_weights(row)
        self._pending = row

    def after_step(self) -> None:
        """Measure ‖ΔW‖/‖W‖ of a recorded step, store its row, advance ``step``."""
        if self._pending is not None:
            with np.errstate(all="ignore"):
                self._finish_update(self._pending)
            self._rows.append(self._pending)
            self._pending = None
        self.step += 1
        self._sync_activation_hooks()

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
        """Anomaly mode for one step: the first NaN/Inf raises LayerNonFiniteError."""
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
