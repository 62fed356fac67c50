"""Level 3: a small network, one batch, one step: solved by :class:`chainrule.classic.Network`.

The learner is given W^l, b^l, a batch x, y (one sample per row, as the classic network keeps
them), σ and α, and fills in every z^l and a^l, J, δ^L, each hidden δ^l, ∂J/∂W^l, ∂J/∂b^l and
W^l, b^l after one step of gradient descent. The cost is the lecture's
J = 1/(2m) Σ_i ||y_i - a_i^L||². Every answer is the classic network's (``backward`` and
``step``, in float64); nothing here backpropagates on its own.

A wrong answer is compared with what each known mistake gives at that step, from the
library's own values one step before it (a missing σ', W not transposed, one parent's term
alone, the cost's 1/2 or 1/m dropped, the update's sign), and with what the learner's own
earlier answers give (an error carried over is not a second mistake). Those variants are the
one place where a step is written out here: each is the lecture's formula with one thing
wrong, and a test checks that with nothing wrong they give the library's values.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from chainrule.classic import Network, QuadraticCost, get_activation
from chainrule.exercises.model import Entry, Exercise, Mistake, Section
from chainrule.i18n import N_, _

#: Layer sizes drawn from: each has a square W^(l+1) behind a hidden layer, so that "W not
#: transposed" gives numbers (not only a shape error) at that layer.
SIZES = ((2, 2, 2), (3, 2, 2), (2, 2, 2, 1), (1, 2, 2))
ACTIVATIONS = ("sigmoid", "sigmoid", "tanh")
RATES = (0.5, 0.1, 2.0)
DEFAULT_SAMPLES = 2


def network_exercise(
    seed: int,
    *,
    samples: int | None = None,
    sizes: tuple[int, ...] | None = None,
    activation: str | None = None,
) -> Exercise:
    """The level-3 exercise for ``seed`` (``samples`` rows in the batch, default 2).

    >>> ex = network_exercise(0)
    >>> [e.key for e in ex.entries][:3]
    ['z1', 'a1', 'z2']
    """
    rng = np.random.default_rng([3, seed])
    sizes = tuple(sizes or SIZES[int(rng.integers(len(SIZES)))])
    activation = activation or str(rng.choice(ACTIVATIONS))
    m = samples or DEFAULT_SAMPLES
    alpha = float(rng.choice(RATES))
    net = Network(list(sizes), activation, "quadratic", dtype=np.float64, seed=0)
    for w in net.weights:
        w[...] = rng.integers(-9, 10, size=w.shape) / 10
    for b in net.biases:
        b[...] = rng.integers(-5, 6, size=b.shape) / 10
    x = rng.integers(-10, 11, size=(m, sizes[0])) / 10
    y = rng.integers(0, 2, size=(m, sizes[-1])).astype(np.float64)
    grads = net.backward(x, y)
    after = copy.deepcopy(net)
    after.step(grads, alpha)
    given = {
        "sizes": list(sizes),
        "activation": activation,
        "cost": "quadratic",
        "alpha": alpha,
        "W": [w.tolist() for w in net.weights],
        "b": [b.tolist() for b in net.biases],
        "x": x.tolist(),
        "y": y.tolist(),
    }
    solved = _Solved(net, grads, after, x, y, alpha)
    return Exercise(3, seed, m, given, _sections(m), solved.entries(), solved.mistakes, grads)


def _sections(m: int) -> tuple[Section, ...]:
    rows = _("One row per sample (m = {m}), as the classic network keeps a batch.").format(m=m)
    return (
        Section("forward", _("Forward pass"), rows),
        Section("output", _("Output-layer error δ^L"), _("δ^L = ∇_a J ⊙ σ'(z^L)")),
        Section("hidden", _("Hidden-layer errors δ^l"), _("δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l)")),
        Section(
            "gradients",
            _("Gradients"),
            _("∂J/∂w_jk^l = a_k^(l-1) δ_j^l and ∂J/∂b_j^l = δ_j^l, summed over the samples"),
        ),
        Section("update", _("One step of gradient descent"), _("W ← W - α ∂J/∂W, b ← b - α ∂J/∂b")),
    )


class _Solved:
    """The library's forward and backward pass of one exercise, and the mistakes beside it."""

    def __init__(
        self, net: Network, grads: Any, after: Network, x: np.ndarray, y: np.ndarray, alpha: float
    ) -> None:
        self.net, self.grads, self.after = net, grads, after
        self.x, self.y, self.alpha, self.m = x, y, alpha, len(x)
        self.L = net.num_layers
        self.sigma = get_activation(net.activation.name)
        self.cost = QuadraticCost(self.sigma)

    # the library's values, by the lecture's layer index
    def z(self, l: int) -> np.ndarray:
        return self.grads.forward.z[l - 1]

    def a(self, l: int) -> np.ndarray:
        return self.grads.forward.a[l]

    def delta(self, l: int) -> np.ndarray:
        return self.grads.deltas[l - 1]

    def sigma_prime(self, l: int) -> np.ndarray:
        return self.sigma.prime(self.z(l), self.a(l))

    def weight(self, l: int) -> np.ndarray:
        return self.net.weights[l - 1]

    def entries(self) -> tuple[Entry, ...]:
        """Every blank, in the order the lecture computes them."""
        rows = [*self._forward_rows(), *self._error_rows(), *self._update_rows()]
        return tuple(Entry(*row) for row in rows)

    def _forward_rows(self) -> list[tuple[Any, ...]]:
        L, m = self.L, self.m
        rows: list[tuple[Any, ...]] = []
        for l in range(1, L + 1):
            z_step = f"z^{l} = a^{l - 1} (W^{l})^T + b^{l}"
            a_step = f"a^{l} = σ(z^{l}), {self.sigma.formula}"
            rows.append((f"z{l}", f"z^{l}", f"z^{{({l})}}", self.z(l), z_step, "forward"))
            rows.append((f"a{l}", f"a^{l}", f"a^{{({l})}}", self.a(l), a_step, "forward"))
        j_step = f"J = 1/(2m) Σ_i ||y_i - a_i^{L}||², m = {m}"
        rows.append(("J", "J", "J", self.grads.cost, j_step, "forward"))
        return rows

    def _error_rows(self) -> list[tuple[Any, ...]]:
        L, g = self.L, self.grads
        sigma = f"{self.sigma.formula}, {self.sigma.derivative_formula}"
        step = f"δ^{L} = (a^{L} - y)/m ⊙ σ'(z^{L}), {sigma}"
        rows: list[tuple[Any, ...]] = [
            (f"delta{L}", f"δ^{L}", f"\\delta^{{({L})}}", self.delta(L), step, "output")
        ]
        for l in range(L - 1, 0, -1):
            by_rows = _("by rows")
            step = (
                f"δ^{l} = ((W^{l + 1})^T δ^{l + 1}) ⊙ σ'(z^{l}); "
                f"{by_rows}: (δ^{l + 1} W^{l + 1}) ⊙ σ'(z^{l}), {sigma}"
            )
            rows.append(
                (f"delta{l}", f"δ^{l}", f"\\delta^{{({l})}}", self.delta(l), step, "hidden")
            )
        for l in range(L, 0, -1):
            w_step = f"∂J/∂w_jk^{l} = Σ_i a_ik^{l - 1} δ_ij^{l} = ((δ^{l})^T a^{l - 1})_jk"
            b_step = f"∂J/∂b_j^{l} = Σ_i δ_ij^{l}"
            for name, value, step in (("W", g.grad_weights, w_step), ("b", g.grad_biases, b_step)):
                tex = f"\\frac{{\\partial J}}{{\\partial {name}^{{({l})}}}}"
                rows.append(
                    (f"d{name}{l}", f"∂J/∂{name}^{l}", tex, value[l - 1], step, "gradients")
                )
        return rows

    def _update_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for l in range(1, self.L + 1):
            for name, value in (("W", self.after.weights), ("b", self.after.biases)):
                step = f"{name}^{l} - α ∂J/∂{name}^{l}, α = {self.alpha:g}"
                symbol = f"{name}^{l} ← {name}^{l} - α ∂J/∂{name}^{l}"
                tex = f"{name}^{{({l})}}_{{\\text{{new}}}}"
                rows.append((f"{name}{l}_next", symbol, tex, value[l - 1], step, "update"))
        return rows

    # ---- mistakes ------------------------------------------------------------------------
    def mistakes(self, key: str, answers: Mapping[str, Any]) -> list[Mistake]:
        """The wrong values known mistakes give for ``key`` (see the module docstring)."""
        own = _Own(answers)
        for prefix, method in (
            ("delta", self._delta_mistakes),
            ("dW", self._weight_gradient_mistakes),
            ("db", self._bias_gradient_mistakes),
            ("z", self._z_mistakes),
            ("a", self._a_mistakes),
        ):
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                return method(int(key[len(prefix) :]), own)
        if key == "J":
            return [
                Mistake("cost_factor", self.grads.cost * s, detail, {"m": self.m})
                for s, detail in self._cost_scales()
            ]
        if key.endswith("_next"):
            return self._update_mistakes(key[0], int(key[1:-5]), own)
        return []

    def _cost_scales(self) -> list[tuple[float, str]]:
        """The factors a dropped 1/2 or 1/m leaves, with what was dropped."""
        if self.m == 1:
            return [(2.0, N_("the 1/2 of J = 1/2 ||y - a^L||² dropped"))]
        if self.m == 2:
            return [
                (2.0, N_("the 1/2 of J = 1/(2m) Σ ||y - a^L||² or its 1/m (m = {m}) dropped")),
                (4.0, N_("both the 1/2 and the 1/m (m = {m}) of J dropped")),
            ]
        return [
            (2.0, N_("the 1/2 of J = 1/(2m) Σ ||y - a^L||² dropped")),
            (float(self.m), N_("the 1/m of J = 1/(2m) Σ ||y - a^L||² dropped (m = {m})")),
            (2.0 * self.m, N_("both the 1/2 and the 1/m (m = {m}) of J dropped")),
        ]

    def _delta_variants(self, l: int, own: _Own) -> list[Mistake]:
        """δ^l as each mistake makes it, from the library's values before it."""
        if l == self.L:
            z, a, y = self.z(l), self.a(l), self.y
            no_prime = QuadraticCost(get_activation("identity")).value_and_delta(z, a, y)[1]
            found = [
                Mistake(
                    "sigma_prime",
                    no_prime,
                    N_("δ^L = ∇_a J ⊙ σ'(z^L): the factor σ'(z^L) is missing"),
                )
            ]
            found += [
                Mistake(
                    "cost_factor", self.cost.value_and_delta(z, a, y, scale=s)[1], d, {"m": self.m}
                )
                for s, d in self._cost_scales()
            ]
            found.append(
                Mistake("gradient_sign", -self.delta(l), N_("∇_a J = (a^L - y)/m, not (y - a^L)/m"))
            )
            return found
        upper, W, prime = self.delta(l + 1), self.weight(l + 1), self.sigma_prime(l)
        found = [
            Mistake(
                "sigma_prime",
                upper @ W,
                N_("δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l): the factor σ'(z^l) is missing"),
            )
        ]
        if W.shape[0] == W.shape[1]:
            found.append(
                Mistake(
                    "transpose",
                    (upper @ W.T) * prime,
                    N_(
                        "δ^l takes (W^(l+1))^T δ^(l+1), the transpose of W^(l+1), not W^(l+1) "
                        "δ^(l+1)"
                    ),
                )
            )
        if W.shape[0] > 1:
            terms = [(upper[:, k : k + 1] * W[k]) * prime for k in range(W.shape[0])]
            found.append(
                Mistake(
                    "sum_over_parents",
                    np.stack(terms),
                    N_(
                        "δ_j^l = Σ_k δ_k^(l+1) w_kj^(l+1) σ'(z_j^l) sums over every neuron k of "
                        "layer l+1 that neuron j feeds; only one term was kept"
                    ),
                    alternatives=True,
                )
            )
        return found

    def _delta_mistakes(self, l: int, own: _Own) -> list[Mistake]:
        found = []
        if l == self.L and own.differs(f"a{l}", self.a(l)):
            mine = self.cost.value_and_delta(self.z(l), own[f"a{l}"], self.y)[1]
            found.append(_carried(mine, f"a^{l}"))
        if l < self.L and own.differs(f"delta{l + 1}", self.delta(l + 1)):
            mine = (own[f"delta{l + 1}"] @ self.weight(l + 1)) * self.sigma_prime(l)
            found.append(_carried(mine, f"δ^{l + 1}"))
        return found + self._delta_variants(l, own)

    def _weight_gradient_mistakes(self, l: int, own: _Own) -> list[Mistake]:
        previous = self.a(l - 1)
        found = []
        if own.differs(f"delta{l}", self.delta(l)):
            found.append(_carried(own[f"delta{l}"].T @ previous, f"δ^{l}"))
        found.append(
            Mistake(
                "transpose",
                self.grads.grad_weights[l - 1].T,
                N_(
                    "∂J/∂W^l = (δ^l)^T a^(l-1) has the shape of W^l, N^l × N^(l-1): this is its "
                    "transpose"
                ),
            )
        )
        found += [_through(v, lambda d: d.T @ previous) for v in self._delta_variants(l, own)]
        return found

    def _bias_gradient_mistakes(self, l: int, own: _Own) -> list[Mistake]:
        found = []
        if own.differs(f"delta{l}", self.delta(l)):
            found.append(_carried(own[f"delta{l}"].sum(axis=0), f"δ^{l}"))
        if self.m > 1:
            found.append(
                Mistake(
                    "shape",
                    self.delta(l),
                    N_("∂J/∂b^l sums δ^l over the m samples: one number per neuron"),
                )
            )
        found += [_through(v, lambda d: d.sum(axis=-2)) for v in self._delta_variants(l, own)]
        return found

    def _z_mistakes(self, l: int, own: _Own) -> list[Mistake]:
        W, b = self.weight(l), self.net.biases[l - 1]
        found = []
        if l > 1 and own.differs(f"a{l - 1}", self.a(l - 1)):
            found.append(_carried(own[f"a{l - 1}"] @ W.T + b, f"a^{l - 1}"))
        if W.shape[0] == W.shape[1]:
            detail = N_("z^l = W^l a^(l-1) + b^l; with one sample per row, a^(l-1) (W^l)^T + b^l")
            found.append(Mistake("transpose", self.a(l - 1) @ W + b, detail))
        return found

    def _a_mistakes(self, l: int, own: _Own) -> list[Mistake]:
        if own.differs(f"z{l}", self.z(l)):
            return [_carried(self.sigma.fn(own[f"z{l}"]), f"z^{l}")]
        return []

    def _update_mistakes(self, which: str, l: int, own: _Own) -> list[Mistake]:
        if which == "W":
            before, grad = self.weight(l), self.grads.grad_weights[l - 1]
        else:
            before, grad = self.net.biases[l - 1], self.grads.grad_biases[l - 1]
        found = []
        key = f"d{which}{l}"
        if own.differs(key, grad):
            found.append(_carried(before - self.alpha * own[key], f"∂J/∂{which}^{l}"))
        found.append(
            Mistake(
                "update_sign",
                before + self.alpha * grad,
                N_("gradient descent subtracts: W ← W - α ∂J/∂W, not W + α ∂J/∂W"),
            )
        )
        if self.alpha != 1:
            found.append(
                Mistake(
                    "learning_rate",
                    before - grad,
                    N_("the step is α ∂J/∂W, α = {alpha}"),
                    {"alpha": f"{self.alpha:g}"},
                )
            )
        return found


class _Own:
    """The learner's answers as float arrays (None where missing or not numbers)."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers

    def __getitem__(self, key: str) -> np.ndarray:
        return np.asarray(self.answers[key], dtype=np.float64)

    def differs(self, key: str, right: np.ndarray) -> bool:
        """Whether the learner answered ``key`` with numbers of the right shape, but not these."""
        try:
            mine = self[key]
        except (KeyError, TypeError, ValueError):
            return False
        if mine.shape != np.shape(right) or not np.isfinite(mine).all():
            return False
        return not np.allclose(mine, right, rtol=1e-3, atol=1e-6)


def _carried(value: Any, name: str) -> Mistake:
    return Mistake("carried", value, N_("the step is right, from your {names}"), {"names": name})


def _through(mistake: Mistake, step: Any) -> Mistake:
    """A mistake in δ^l, carried through the next step (∂J/∂W^l or ∂J/∂b^l)."""
    if mistake.alternatives:
        value = np.stack([step(v) for v in mistake.value])
    else:
        value = step(mistake.value)
    return Mistake(
        mistake.misconception, value, mistake.detail, mistake.fields, mistake.alternatives
    )
