"""The two costs J of the classic network, each with the output-layer error δ^L it implies.

A cost here owns the output layer: it turns z^L into the output a^L, measures J against the
targets y (a batch of m rows, one-hot or real), and writes δ^L = ∂J/∂z^L. The 1/m of the mean
over the batch lives in δ^L (through ∇_a J), so the gradient of a bias is the batch *sum* of
its δ.

``"quadratic"``, the lecture's cost, with any elementwise output activation σ::

    J = 1/(2m) Σ_i ||y_i - a_i^L||²,   ∇_a J = (a^L - y)/m,   δ^L = ∇_a J ⊙ σ'(z^L)

``"cross-entropy"``, with a softmax output a_j = e^(z_j) / Σ_k e^(z_k)::

    J = -1/m Σ_i Σ_j y_ij log a_ij,    δ^L = (a^L - y)/m

Why no σ' factor: softmax is not elementwise, so δ_j = Σ_k ∂J/∂a_k ∂a_k/∂z_j with
∂a_k/∂z_j = a_k ([k = j] - a_j). For one sample, ∂J/∂a_k = -y_k/(m a_k), and the sum is
(-y_j + a_j Σ_k y_k)/m = (a_j - y_j)/m because each target row sums to 1. The 1/a_k of the
logarithm cancels the a_k of the softmax derivative: a saturated output still learns fast,
which is the point of pairing the two. Targets for this cost must be probability rows (one-hot
or soft labels); the network checks that.

>>> import numpy as np
>>> cost = make_cost("cross-entropy")
>>> z = np.array([[2.0, 0.0]]); a = cost.output(z); y = np.array([[1.0, 0.0]])
>>> J, delta = cost.value_and_delta(z, a, y)
>>> round(J, 4), delta.round(4)
(0.1269, array([[-0.1192,  0.1192]]))
"""

from __future__ import annotations

import numpy as np

from chainrule.classic.activations import Activation, get_activation
from chainrule.errors import ConfigError

Array = np.ndarray


class QuadraticCost:
    """J = 1/(2m) Σ ||y - a^L||², the lecture's cost, with an elementwise output activation.

    >>> import numpy as np
    >>> cost = QuadraticCost(get_activation("sigmoid"))
    >>> z = np.zeros((1, 2)); a = cost.output(z)
    >>> cost.value(z, a, np.array([[1.0, 0.0]]))
    0.25
    """

    name = "quadratic"
    formula = "J = 1/(2m) Σ_i ||y_i - a_i^L||²"
    delta_formula = "δ^L = (a^L - y)/m ⊙ σ'(z^L)"

    def __init__(self, output_activation: Activation) -> None:
        self.output_activation = output_activation

    def output(self, z: Array, out: Array | None = None, log_out: Array | None = None) -> Array:
        """a^L = σ(z^L) (``log_out`` is for the softmax output and is ignored here)."""
        return self.output_activation.fn(z, out)

    def value(self, z: Array, a: Array, y: Array, log_a: Array | None = None) -> float:
        """J for a batch: half the mean over samples of the squared error."""
        diff = a - y
        return float(np.vdot(diff, diff)) / (2 * len(a))

    def value_and_delta(
        self,
        z: Array,
        a: Array,
        y: Array,
        out: Array | None = None,
        scratch: Array | None = None,
        log_a: Array | None = None,
        scale: float = 1.0,
    ) -> tuple[float, Array]:
        """J and δ^L = ∇_a J ⊙ σ'(z^L), written into ``out`` when given.

        ``scratch`` (an array like z, boolean for ReLU) holds σ'(z^L); ``scale`` multiplies
        δ^L (training passes the learning rate: everything after δ^L is linear in it).
        """
        m = len(a)
        delta = np.subtract(a, y, out)  # m ∇_a J = a^L - y
        cost = float(np.vdot(delta, delta)) / (2 * m)
        act = self.output_activation
        if not act.constant_prime:
            np.multiply(delta, act.prime(z, a, scratch), delta)
        np.multiply(delta, scale / m, delta)  # a Python float: δ keeps its dtype
        return cost, delta

    def __repr__(self) -> str:
        return f"QuadraticCost(output_activation={self.output_activation.name!r})"


def softmax(z: Array, out: Array | None = None, log_out: Array | None = None) -> Array:
    """Row-wise softmax a_j = e^(z_j - max z) / Σ_k e^(z_k - max z), which never overflows.

    With ``log_out``, log a (the log-softmax z_j - max z - log Σ_k e^(z_k - max z)) is
    written there too: exact even where a_j underflows to 0.

    >>> import numpy as np
    >>> softmax(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]])
    """
    scratch = np.maximum.reduce(z, 1, None, None, True)  # max_k z_k, shape (m, 1)
    shifted = np.subtract(z, scratch, log_out)
    a = np.exp(shifted, out if out is not None or log_out is not None else shifted)
    total = np.add.reduce(a, 1, None, scratch, True)  # Σ_k e^(z_k - max z) ≥ 1
    np.divide(a, total, a)
    if log_out is not None:
        np.subtract(shifted, np.log(total, total), shifted)
    return a


def log_softmax(z: Array) -> Array:
    """log softmax(z), row-wise and stable.

    >>> import numpy as np
    >>> log_softmax(np.array([[0.0, 0.0]])).round(4)
    array([[-0.6931, -0.6931]])
    """
    log_a = np.empty_like(z)
    softmax(z, None, log_a)
    return log_a


def _softmax_prime(z: Array, a: Array, out: Array | None = None) -> Array:
    raise ConfigError(
        "softmax has no elementwise derivative: its Jacobian a_k([k = j] - a_j) is folded into "
        "the cross-entropy's δ^L = (a^L - y)/m"
    )


#: The output "activation" of the cross-entropy cost, for descriptions and ``fn``; its σ'
#: factor cancels in δ^L, so ``constant_prime`` tells the network to apply none.
SOFTMAX = Activation(
    "softmax",
    "a_j = e^(z_j) / Σ_k e^(z_k)",
    "∂a_k/∂z_j = a_k([k = j] - a_j)",
    softmax,
    _softmax_prime,
    constant_prime=True,
)


class CrossEntropyCost:
    """Softmax output with the categorical cross-entropy J = -1/m Σ y log a^L.

    >>> import numpy as np
    >>> cost = CrossEntropyCost()
    >>> z = np.zeros((1, 4)); a = cost.output(z)
    >>> round(cost.value(z, a, np.array([[0.0, 1.0, 0.0, 0.0]])), 4)  # log 4
    1.3863
    """

    name = "cross-entropy"
    formula = "J = -1/m Σ_i Σ_j y_ij log a_ij"
    delta_formula = "δ^L = (a^L - y)/m"
    output_activation = SOFTMAX

    def output(self, z: Array, out: Array | None = None, log_out: Array | None = None) -> Array:
        """a^L = softmax(z^L), row by row; log a^L goes to ``log_out`` when given."""
        return softmax(z, out, log_out)

    def value(self, z: Array, a: Array, y: Array, log_a: Array | None = None) -> float:
        """J for a batch whose target rows sum to 1, from log a^L (recomputed if not given)."""
        if log_a is None:
            log_a = log_softmax(z)
        return -float(np.vdot(y, log_a)) / len(a)

    def value_and_delta(
        self,
        z: Array,
        a: Array,
        y: Array,
        out: Array | None = None,
        scratch: Array | None = None,
        log_a: Array | None = None,
        scale: float = 1.0,
    ) -> tuple[float, Array]:
        """J and δ^L = (a^L - y)/m (times ``scale``), written into ``out`` when given."""
        cost = self.value(z, a, y, log_a)
        delta = np.subtract(a, y, out)
        np.multiply(delta, scale / len(a), delta)
        return cost, delta

    def __repr__(self) -> str:
        return "CrossEntropyCost()"


Cost = QuadraticCost | CrossEntropyCost

#: The cost names :func:`make_cost` knows.
COSTS = ("quadratic", "cross-entropy")


def make_cost(name: str, output_activation: str | Activation | None = None) -> Cost:
    """Build a cost by name; ``output_activation`` is the quadratic cost's σ of layer L.

    >>> make_cost("quadratic", "sigmoid")
    QuadraticCost(output_activation='sigmoid')
    """
    key = name.replace("_", "-").lower() if isinstance(name, str) else name
    if key == "quadratic":
        if output_activation is None:
            raise ConfigError("the quadratic cost needs an output activation")
        if output_activation == "softmax":
            raise ConfigError("output_activation 'softmax' needs cost='cross-entropy'")
        return QuadraticCost(get_activation(output_activation, "output_activation"))
    if key == "cross-entropy":
        if output_activation not in (None, "softmax"):
            shown = getattr(output_activation, "name", output_activation)
            raise ConfigError(
                f"cost 'cross-entropy' has a softmax output layer; output_activation "
                f"{shown!r} does not fit (leave it None)"
            )
        return CrossEntropyCost()
    known = ", ".join(repr(k) for k in COSTS)
    raise ConfigError(f"unknown cost {name!r}: use one of {known}")
