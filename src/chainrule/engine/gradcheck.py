"""Check analytic gradients against central finite differences in float64."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.engine import autograd
from chainrule.engine.tensor import Tensor
from chainrule.errors import ChainruleError
from chainrule.seeding import as_generator


class GradcheckError(ChainruleError, AssertionError):
    """Analytic and numerical gradients disagree; the message shows the worst element."""


@dataclass(frozen=True)
class Mismatch:
    input_index: int
    element: tuple[int, ...] | str
    analytic: float
    numeric: float

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


def gradcheck(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    max_elements: int = 4096,
    directions: int = 8,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Compare the gradients of ``f`` with central differences (f(x+h) - f(x-h)) / 2h.

    Inputs are converted to float64 leaves. A non-scalar output is reduced with a fixed random
    weighting, which checks the whole vector-Jacobian product. Inputs with more than
    ``max_elements`` elements are checked along ``directions`` random directions instead of
    element by element. On a mismatch the report names the input, the element, both values.

    >>> import chainrule as cr
    >>> cr.gradcheck(lambda x: (x.sin() * x).sum(), np.array([0.3, -1.2, 2.0]))
    True
    """
    rng = as_generator(seed, "seed")
    leaves = [Tensor(np.array(_data(x), dtype=np.float64), requires_grad=True) for x in inputs]
    out = f(*leaves)
    weights = rng.standard_normal(out.shape) if out.array.size != 1 else None

    def scalar(arrays: list[np.ndarray]) -> float:
        value = f(*[Tensor(a) for a in arrays]).array
        # np.sum also turns a one-element output of any shape, e.g. (1, 1), into a scalar
        return float(np.sum(value * weights)) if weights is not None else float(np.sum(value))

    analytic = _analytic_gradients(out, leaves, weights)
    base = [t.array.copy() for t in leaves]
    worst: Mismatch | None = None
    worst_excess = 0.0
    for i, point in enumerate(base):
        for mismatch in _compare_input(
            i, point, base, analytic[i], scalar, eps, max_elements, directions, rng
        ):
            if mismatch.analytic == mismatch.numeric:  # equal, infinities included
                continue
            excess = mismatch.error - (atol + rtol * abs(mismatch.numeric))
            if math.isnan(excess):  # a NaN on either side is a failure, never a pass
                excess = math.inf
            if excess > worst_excess:
                worst, worst_excess = mismatch, excess
    if worst is None:
        return True
    report = (
        f"gradcheck failed: input {worst.input_index}, element {worst.element}: "
        f"analytic {worst.analytic:.10g} vs numeric {worst.numeric:.10g} "
        f"(abs error {worst.error:.3g}, allowed {atol + rtol * abs(worst.numeric):.3g})"
    )
    if raise_exception:
        raise GradcheckError(report)
    return False


def _analytic_gradients(out: Tensor, leaves: list[Tensor], weights: Any) -> list[np.ndarray]:
    """The engine's gradient of ``out`` (weighted by ``weights``) for each leaf; zeros for a
    leaf it does not depend on."""
    if not out.requires_grad:
        return [np.zeros_like(t.array) for t in leaves]
    grads = autograd.grad(out, leaves, weights)
    return [
        g.array if g is not None else np.zeros_like(t.array)
        for g, t in zip(grads, leaves, strict=True)
    ]


def _compare_input(i, point, base, analytic, scalar, eps, max_elements, directions, rng):
    def at(shifted: np.ndarray) -> float:
        arrays = list(base)
        arrays[i] = shifted
        return scalar(arrays)

    if point.size <= max_elements:
        for index in np.ndindex(point.shape):
            plus, minus = point.copy(), point.copy()
            plus[index] += eps
            minus[index] -= eps
            numeric = (at(plus) - at(minus)) / (2 * eps)
            yield Mismatch(i, tuple(int(k) for k in index), float(analytic[index]), numeric)
    else:
        for d in range(directions):
            v = rng.standard_normal(point.shape)
            numeric = (at(point + eps * v) - at(point - eps * v)) / (2 * eps)
            yield Mismatch(i, f"random direction {d}", float(np.sum(analytic * v)), numeric)


def _data(x: Any) -> Any:
    return x.array if isinstance(x, Tensor) else x
