"""The gradient monitor of a classic :class:`~chainrule.classic.Network`.

A step that is not recorded (and not checked for NaN/Inf) is the network's own
``train_step``; a recorded one runs ``backward``, reads the layers from its ``Gradients`` and
steps. See :mod:`chainrule.diagnostics.monitor` for what is recorded.

>>> import numpy as np
>>> from chainrule.classic import Network
>>> mon = ClassicMonitor(Network([2, 3, 1], seed=0), every=1)
>>> _ = mon.train_step(np.ones((2, 2)), np.ones((2, 1)), lr=0.5)
>>> mon.records.steps.tolist()
[0]
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from chainrule.diagnostics.adapters import ClassicAdapter
from chainrule.diagnostics.factors import measure_factors
from chainrule.diagnostics.monitor import GradientMonitor, LayerNonFiniteError
from chainrule.diagnostics.records import LayerInfo
from chainrule.diagnostics.stats import count_nonfinite, norm


class ClassicMonitor(GradientMonitor):
    """:class:`~chainrule.diagnostics.monitor.GradientMonitor` of a classic ``Network``."""

    def _read_layers(self, model: Any) -> list[LayerInfo]:
        return ClassicAdapter(model).layers

    def train_step(self, x: Any, y: Any, lr: float) -> float:
        """One gradient-descent step on (x, y), recorded when due; J before the update."""
        if self.step % self.every and not self.anomaly:
            cost = self.model.train_step(x, y, lr)  # the hot path: nothing recorded
            self.step += 1
            return cost
        net = self.model
        with np.errstate(all="ignore"):
            grads = net.backward(x, y)
            if self.anomaly:
                self._check_pass(grads)
            if self.due:
                row = self._row(grads.cost)
                self._observe_layers(row, grads)
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
        """Record one row from ``net.backward(x, y)`` now, without stepping."""
        row = self._row(grads.cost)
        with np.errstate(all="ignore"):
            self._observe_layers(row, grads)
            row["weight_norms"] = [norm(w) for w in self.model.weights]
        self._rows.append(row)

    def _observe_layers(self, row: dict[str, Any], grads: Any) -> None:
        acts = grads.forward.a
        for l in range(len(self.layers)):
            self._fill_layer(row, l, grads.grad_biases[l], grads.grad_weights[l], acts[l + 1])
        activations = [info.activation for info in self.layers]
        split = measure_factors(
            grads.deltas, self.model.weights, grads.forward.z, acts, activations
        )
        row.update(split)

    def _check_pass(self, grads: Any) -> None:
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

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Check every step inside the block for NaN/Inf (``anomaly=True`` for the block)."""
        previous, self.anomaly = self.anomaly, True
        try:
            yield
        finally:
            self.anomaly = previous
