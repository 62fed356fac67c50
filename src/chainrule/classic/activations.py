"""The activation functions σ of the classic network, each beside its derivative σ'.

This is the one place where an activation and its derivative are written. Every entry works on
whole arrays (a batch of z^l at once) and can write into a preallocated ``out`` array, which the
training hot path uses to avoid allocations.

The derivative takes both z and the saved activation a = σ(z), because for the lecture's
logistic function and for tanh σ' is cheapest from a (no second exp or tanh):

====================  ==============================  ==============================
name                  σ(z)                            σ'(z)
====================  ==============================  ==============================
``"sigmoid"``         1 / (1 + e^(-z))                a (1 - a)
``"tanh"``            tanh z                          1 - a²
``"relu"``            max(z, 0)                       1 where z > 0, else 0
``"identity"``        z                               1
====================  ==============================  ==============================

The logistic function is the autodiff engine's, 1 / (1 + e^(-z)): it keeps its relative
precision in both tails, where (1 + tanh(z/2)) / 2 would round σ(-20) in float32 to 0, and
both engines saturate alike.
Softmax is not here: it is not elementwise, and the cross-entropy cost owns it (see
:mod:`chainrule.classic.costs`).

>>> import numpy as np
>>> act = ACTIVATIONS["sigmoid"]
>>> z = np.array([0.0, 2.0])
>>> a = act.fn(z)
>>> a.round(4), act.prime(z, a).round(4)
(array([0.5   , 0.8808]), array([0.25 , 0.105]))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chainrule.backend import ONE, ZERO
from chainrule.errors import ConfigError
from chainrule.ops import arrays

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """An activation σ with its derivative σ', both on arrays.

    ``fn(z, out=None)`` returns σ(z); ``prime(z, a, out=None)`` returns σ'(z) given a = σ(z).
    ``prime_is_mask`` says σ' only takes the values 0 and 1 (ReLU), so the network may keep it as
    a boolean mask; ``constant_prime`` says σ' is 1 everywhere (identity), so δ needs no factor.

    >>> ACTIVATIONS["tanh"].derivative_formula
    "σ'(z) = 1 - a²"
    """

    name: str
    formula: str
    derivative_formula: str
    fn: Callable[..., Array]
    prime: Callable[..., Array]
    prime_is_mask: bool = False
    constant_prime: bool = False

    def __call__(self, z: Array) -> Array:
        return self.fn(z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r}: {self.formula}, {self.derivative_formula})"


def _sigmoid(z: Array, out: Array | None = None) -> Array:
    # the autodiff engine's σ, so both engines saturate alike (in place in `out`)
    return arrays.sigmoid(z, out)


def _sigmoid_prime(z: Array, a: Array, out: Array | None = None) -> Array:
    # σ'(z) = σ(z) (1 - σ(z)) = a (1 - a): from the saved activation, no second exp.
    s = np.subtract(ONE[a.dtype.char], a, out)
    np.multiply(s, a, s)
    return s


def _tanh(z: Array, out: Array | None = None) -> Array:
    return np.tanh(z, out)


def _tanh_prime(z: Array, a: Array, out: Array | None = None) -> Array:
    # tanh'(z) = 1 - tanh²(z) = 1 - a².
    s = np.multiply(a, a, out)
    np.subtract(ONE[a.dtype.char], s, s)
    return s


def _relu(z: Array, out: Array | None = None) -> Array:
    return np.maximum(z, ZERO[z.dtype.char], out=out)


def _relu_prime(z: Array, a: Array, out: Array | None = None) -> Array:
    # relu'(z) = 1 where z > 0, else 0 (we take 0 at the kink z = 0, as PyTorch does).
    # With a boolean `out` this is a mask, which multiplies a float δ like 0.0 and 1.0.
    if out is None:
        return (z > 0).astype(z.dtype)
    return np.greater(z, ZERO[z.dtype.char], out)


def _identity(z: Array, out: Array | None = None) -> Array:
    if out is None:
        return z.copy()
    np.copyto(out, z)
    return out


def _identity_prime(z: Array, a: Array, out: Array | None = None) -> Array:
    if out is None:
        return np.ones_like(z)
    out.fill(1)
    return out


SIGMOID = Activation(
    "sigmoid", "σ(z) = 1/(1 + e^(-z))", "σ'(z) = a(1 - a)", _sigmoid, _sigmoid_prime
)
TANH = Activation("tanh", "σ(z) = tanh z", "σ'(z) = 1 - a²", _tanh, _tanh_prime)
RELU = Activation(
    "relu", "σ(z) = max(z, 0)", "σ'(z) = [z > 0]", _relu, _relu_prime, prime_is_mask=True
)
IDENTITY = Activation(
    "identity", "σ(z) = z", "σ'(z) = 1", _identity, _identity_prime, constant_prime=True
)

#: Every activation by name; "identity" is meant for a linear (regression) output layer.
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (SIGMOID, TANH, RELU, IDENTITY)}


def get_activation(name: str | Activation, what: str = "activation") -> Activation:
    """Look up an activation by name, or raise a ConfigError listing the known ones.

    >>> get_activation("relu").name
    'relu'
    """
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ConfigError(f"unknown {what} {name!r}: use one of {known}") from None
