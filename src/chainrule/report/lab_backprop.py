"""Part 2 of the lab by hand: the lecture's small network worked through on one sample, and
one batch's gradients by the four formulas, both checked against the autodiff engine (the
learner the training loop drives: its per-layer records and its training step).

:func:`worked_example` returns every number of one step of backpropagation and gradient
descent on the 3-3-1 logistic network (weights in tenths, so a reader can redo each product);
:func:`gradient_check` compares ∂J/∂W^l, ∂J/∂b^l of the classic formulas with the engine's
``backward()`` on the same weights.

>>> example = worked_example(seed=0, lr=3.0)
>>> example.sizes, example.max_diff_gradients < 1e-12
((3, 3, 1), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule import nn
from chainrule.classic import Network
from chainrule.training import AutodiffLearner, TrainConfig

#: The lecture's small network, h_{w,b}(x) = a_1^(3): 3 inputs, 3 hidden neurons, 1 output;
#: part 2 works it through by hand on one sample with this target.
WORKED = (3, 3, 1)
WORKED_TARGET = 1.0


@dataclass(frozen=True)
class GradientCheckRow:
    """One layer of the check: the classic formulas' gradient against the engine's."""

    layer: int
    shape: tuple[int, int]
    grad_w_norm: float
    grad_b_norm: float
    max_diff_w: float
    max_diff_b: float


@dataclass
class WorkedExample:
    """Part 2 by hand: one sample (m = 1) through the lecture's 3-3-1 logistic network with
    the quadratic cost, every number of one step of backpropagation and gradient descent.

    Vectors are 1-D (one sample). Lists run over layers 1..L (index l-1), except ``a``, which
    starts with a^0 = x. ``grad_a[l-1]`` is ∂J/∂a^l: a^L − y at the output, (W^(l+1))^T δ^(l+1)
    below, so that ``deltas[l-1] = grad_a[l-1] * sigma_prime[l-1]``. ``max_diff_*`` compare
    with the autodiff engine: its backward() gradients and its SGD step on the same weights.
    """

    sizes: tuple[int, ...]
    lr: float
    x: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    z: list[np.ndarray]
    a: list[np.ndarray]
    sigma_prime: list[np.ndarray]
    grad_a: list[np.ndarray]
    deltas: list[np.ndarray]
    grad_weights: list[np.ndarray]
    grad_biases: list[np.ndarray]
    new_weights: list[np.ndarray]
    new_biases: list[np.ndarray]
    cost: float
    cost_after: float
    max_diff_gradients: float
    max_diff_update: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "sizes": list(self.sizes),
            "activation": "sigmoid",
            "cost": "quadratic",
            "m": 1,
            "lr": self.lr,
            "x": self.x,
            "y": self.y,
            "weights": self.weights,
            "biases": self.biases,
            "z": self.z,
            "a": self.a,
            "sigma_prime": self.sigma_prime,
            "grad_a": self.grad_a,
            "deltas": self.deltas,
            "grad_weights": self.grad_weights,
            "grad_biases": self.grad_biases,
            "updated_weights": self.new_weights,
            "updated_biases": self.new_biases,
            "J": self.cost,
            "J_after_update": self.cost_after,
            "max_diff_gradients": self.max_diff_gradients,
            "max_diff_update": self.max_diff_update,
        }


def _autodiff(net: Network, lr: float = 1.0) -> AutodiffLearner:
    """The same network (its weights copied) on the autodiff engine: the learner the training
    loop uses, with the quadratic cost and plain SGD at ``lr``."""
    return AutodiffLearner(TrainConfig(layers=tuple(net.sizes), engine="autodiff", lr=lr), net)


def _max_abs_diff(pairs: Any) -> float:
    return max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in pairs)


def gradient_check(
    x: np.ndarray, y: np.ndarray, sizes: tuple[int, ...], seed: int
) -> list[GradientCheckRow]:
    """One batch's ∂J/∂W^l, ∂J/∂b^l by the lecture's formulas (classic network, float64)
    against the autodiff engine's backward() on the same weights."""
    net = Network(list(sizes), "sigmoid", "quadratic", "normal", seed=seed, dtype=np.float64)
    x64 = np.asarray(x, np.float64)
    classic = net.backward(x64, y)
    engine = _autodiff(net).layer_pass(x64, y)
    rows = []
    pairs = zip(engine.grad_weights, engine.grad_biases, strict=True)
    for l, (engine_gw, engine_gb) in enumerate(pairs, start=1):
        gw, gb = classic.grad_weights[l - 1], classic.grad_biases[l - 1]
        rows.append(
            GradientCheckRow(
                layer=l,
                shape=tuple(int(n) for n in gw.shape),
                grad_w_norm=float(np.linalg.norm(gw)),
                grad_b_norm=float(np.linalg.norm(gb)),
                max_diff_w=float(np.max(np.abs(gw - engine_gw))),
                max_diff_b=float(np.max(np.abs(gb - engine_gb))),
            )
        )
    return rows


def _tenths(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Uniform in [-1, 1], rounded to one decimal, so that a reader can redo every product by
    hand; + 0.0 turns a rounded -0.0 into 0.0 (no "-0" in the tables)."""
    return np.round(rng.uniform(-1.0, 1.0, shape), 1) + 0.0


def worked_example(seed: int, lr: float) -> WorkedExample:
    """The lecture's 3-3-1 network on one sample: the forward pass, δ^L and δ^l, the
    gradients and one update, by the classic formulas; checked against the autodiff engine."""
    rng = np.random.default_rng(seed)
    net = Network(list(WORKED), "sigmoid", "quadratic", _tenths, rng=rng, dtype=np.float64)
    net.biases = [_tenths(b.shape, rng) for b in net.biases]  # a custom init leaves them 0
    x = np.round(rng.uniform(0.0, 1.0, (1, WORKED[0])), 1)  # inputs like pixel intensities
    y = np.full((1, WORKED[-1]), WORKED_TARGET)
    weights = [w.copy() for w in net.weights]
    biases = [b.copy() for b in net.biases]
    g = net.backward(x, y)
    fp = g.forward
    # ∂J/∂a^l: ∇_a J = a^L - y for J = ½‖y - a^L‖²; below, (W^(l+1))^T δ^(l+1) (a row here)
    grad_a = [fp.a[-1] - y]
    for l in range(net.num_layers - 1, 0, -1):
        grad_a.insert(0, g.deltas[l] @ weights[l])
    engine = _autodiff(net, lr)
    checked = engine.layer_pass(x, y)
    diff_gradients = _max_abs_diff(
        list(zip(g.grad_weights, checked.grad_weights, strict=True))
        + list(zip(g.grad_biases, checked.grad_biases, strict=True))
    )
    net.step(g, lr)
    engine.train_batch(x, y)  # the same gradient again, then the SGD step
    linears = [m for m in engine.model if isinstance(m, nn.Linear)]
    diff_update = _max_abs_diff(
        [(w, lin.weight.numpy()) for w, lin in zip(net.weights, linears, strict=True)]
        + [(b, lin.bias.numpy()) for b, lin in zip(net.biases, linears, strict=True)]
    )
    return WorkedExample(
        sizes=WORKED,
        lr=lr,
        x=x[0],
        y=y[0],
        weights=weights,
        biases=biases,
        z=[z[0] for z in fp.z],
        a=[a[0] for a in fp.a],
        sigma_prime=[a[0] * (1.0 - a[0]) for a in fp.a[1:]],  # the logistic σ' = σ(1 - σ)
        grad_a=[v[0] for v in grad_a],
        deltas=[d[0] for d in g.deltas],
        grad_weights=g.grad_weights,
        grad_biases=g.grad_biases,
        new_weights=[w.copy() for w in net.weights],
        new_biases=[b.copy() for b in net.biases],
        cost=g.cost,
        cost_after=net.cost(x, y),
        max_diff_gradients=diff_gradients,
        max_diff_update=diff_update,
    )
