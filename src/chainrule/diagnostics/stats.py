"""The numbers the monitor records: norms, NaN/Inf counts and activation statistics.

:func:`activation_stats` summarizes one layer's activations (mean, std, saturation, dead ReLU
units); :func:`layer_speeds`, :func:`layer_grad_norms` and :func:`collect_activations` read an
``nn`` model (or, for the activations, a classic network) once, without recording anything.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.diagnostics.adapters import (
    ClassicAdapter,
    ModuleAdapter,
    host,
    is_classic,
    remove_handle,
)

Array = np.ndarray

#: Logistic activations outside [SIGMOID_LOW, SIGMOID_HIGH] count as saturated.
SIGMOID_LOW, SIGMOID_HIGH = 0.03, 0.97
#: tanh activations with |a| above this count as saturated.
TANH_LIMIT = 0.97


def norm(v: Array) -> float:
    """Euclidean (Frobenius) norm via one BLAS dot product (again in float64 on overflow)."""
    flat = v.reshape(-1)
    total = float(np.dot(flat, flat))
    if not math.isfinite(total) and flat.dtype != np.float64:
        flat = flat.astype(np.float64)
        total = float(np.dot(flat, flat))
    return math.sqrt(total)


def count_nonfinite(*arrays: Array | None) -> int:
    return sum(int(a.size - np.count_nonzero(np.isfinite(a))) for a in arrays if a is not None)


def activation_stats(a: Array, activation: str | None) -> tuple[float, float, float, float]:
    """Mean, std, saturated fraction and dead-unit fraction of one layer's activations.

    ``a`` has shape (m, n): m samples, n units. Saturated: logistic outside [0.03, 0.97],
    tanh with |a| > 0.97 (NaN for other σ). Dead: ReLU units that are 0 for all m samples
    (NaN for other σ).

    >>> import numpy as np
    >>> activation_stats(np.array([[0.0, 1.0], [0.0, 2.0]]), "relu")
    (0.75, 0.82915619758885, nan, 0.5)
    """
    a2 = a if a.ndim == 2 else a.reshape(len(a), -1)
    flat = a2.reshape(-1)
    n = flat.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    # Two passes in float64: E[x²] - mean² in float32 loses every digit of a small spread
    # around a large mean (1e4 ± 0.01), and float32 squares overflow past ~1.8e19.
    f64 = flat.astype(np.float64)
    mean = float(np.add.reduce(f64)) / n
    f64 -= mean
    var = float(np.dot(f64, f64)) / n
    saturated = dead = math.nan
    if activation == "sigmoid":
        outside = np.count_nonzero(flat < SIGMOID_LOW) + np.count_nonzero(flat > SIGMOID_HIGH)
        saturated = outside / n
    elif activation == "tanh":
        saturated = np.count_nonzero(np.abs(flat) > TANH_LIMIT) / n
    elif activation == "relu":
        units = a2.shape[1]
        dead = (units - int(np.count_nonzero(a2.any(axis=0)))) / units
    return mean, math.sqrt(var), saturated, dead


def layer_speeds(model: Any) -> Array:
    """The learning speed of every layer of an ``nn`` model from its current gradients.

    Call after ``loss.backward()``: ‖∂J/∂b^l‖ of each Linear layer (‖∂J/∂β^l‖ where a
    BatchNorm1d follows it), first layer first; NaN for a layer without a gradient. Reads
    only; nothing is recorded or hooked.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    >>> model(cr.tensor([[1.0, 2.0]])).sum().backward()
    >>> layer_speeds(model).shape
    (2,)
    """
    adapter = ModuleAdapter(model)
    speeds = []
    for l in range(len(adapter.layers)):
        grad = adapter.shift_grad(l)
        speeds.append(math.nan if grad is None else norm(grad))
    return np.array(speeds)


def layer_grad_norms(model: Any) -> Array:
    """‖∂J/∂W^l‖ of every Linear layer of an ``nn`` model from its current gradients.

    The companion of :func:`layer_speeds`; NaN for a layer without a gradient.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    >>> model(cr.tensor([[1.0, 2.0]])).sum().backward()
    >>> bool((layer_grad_norms(model) > 0).all())
    True
    """
    adapter = ModuleAdapter(model)
    norms = []
    for l in range(len(adapter.layers)):
        grad = adapter.weight_grad(l)
        norms.append(math.nan if grad is None else norm(grad))
    return np.array(norms)


def collect_activations(model: Any, x: Any) -> dict[str, Array]:
    """The activations a^l of every layer for inputs x, keyed by layer label.

    For a classic ``Network`` this is one forward pass; for an ``nn`` model it runs
    ``model(x)`` under ``no_grad`` with temporary forward hooks. Feeds the histograms of
    :func:`chainrule.diagnostics.plots.plot_activation_histograms`.

    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> acts = collect_activations(Network([3, 4, 2], seed=0), np.ones((5, 3)))
    >>> {k: v.shape for k, v in acts.items()}
    {'layer 1 (W 3->4)': (5, 4), 'layer 2 (W 4->2)': (5, 2)}
    """
    if is_classic(model):
        adapter = ClassicAdapter(model)
        fp = model.forward(x)
        return {info.label: fp.a[info.index] for info in adapter.layers}
    adapter_nn = ModuleAdapter(model)
    out: dict[str, Array] = {}
    handles = []
    for l, info in enumerate(adapter_nn.layers):

        def hook(module: Any, inputs: Any, output: Any, label: str = info.label) -> None:
            out[label] = host(output).copy()

        handles.append(adapter_nn.stats_module(l).register_forward_hook(hook))
    try:
        with cr.no_grad():
            model(x if isinstance(x, cr.Tensor) else cr.tensor(np.asarray(x)))
    finally:
        for h in handles:
            remove_handle(h)
    return out
