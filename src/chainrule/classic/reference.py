"""The lecture's backpropagation for one batch, written as its four formulas read.

This is the version to read beside part 2 of the lecture (and to check the fast one against).
:class:`chainrule.classic.Network` computes the same numbers with preallocated buffers and the
learning rate folded into δ^L, which is right for speed and hard to read; here every z^l, a^l
and δ^l is a fresh array and every line says which formula it is::

    BP1  δ^L = ∇_a J ⊙ σ'(z^L)                   output-layer error (输出层残差)
    BP2  δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l)   hidden-layer error (隐藏层残差)
    BP3  ∂J/∂w_jk^l = a_k^(l-1) δ_j^l            weight gradient (连接权重的梯度)
    BP4  ∂J/∂b_j^l = δ_j^l                       bias gradient (偏置梯度)

for the lecture's cost J = 1/(2m) Σ_i ||y_i - a_i^L||², with the same σ on every layer, the
output layer included (as the lecture does, and as ``Network`` does with the quadratic cost).

The lecture writes one sample as a column, z = W a + b. Here a batch of m samples is a matrix
with one sample per row, so each formula appears transposed: z^l = a^(l-1) (W^l)^T + b^l,
BP2 is δ^(l+1) W^(l+1), and BP3 sums a_k^(l-1) δ_j^l over the rows, δ^T a. The update rule
W ← W - α ∂J/∂W is one line of the caller's and is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.classic.activations import get_activation
from chainrule.errors import DataError, DTypeError, ShapeError

Array = np.ndarray


def backprop(
    weights: Sequence[Any],
    biases: Sequence[Any],
    x: Any,
    y: Any,
    activation: str = "sigmoid",
) -> tuple[list[Array], list[Array], list[Array]]:
    """∂J/∂W^l, ∂J/∂b^l and δ^l of every layer l = 1..L for one batch, in float64.

    ``weights[l-1]`` is W^l of shape (N^l, N^(l-1)) and ``biases[l-1]`` is b^l of shape (N^l,);
    ``x`` has shape (m, N^0) and ``y`` shape (m, N^L). Returns three lists indexed like
    ``weights``: the gradients (shaped like W^l and b^l) and δ^l = ∂J/∂z^l of shape (m, N^l),
    one row per sample. ``activation`` is ``"sigmoid"``, ``"tanh"`` or ``"relu"``.

    The lecture's 2-2-1 example (see tests/classic/test_classic_handworked.py):

    >>> W = [np.array([[0.1, -0.2], [0.4, 0.3]]), np.array([[0.5, -0.6]])]
    >>> b = [np.array([0.0, -0.5]), np.array([0.1])]
    >>> grad_w, grad_b, deltas = backprop(W, b, [[1.0, 2.0]], [[1.0]])
    >>> deltas[1].round(7)  # δ^2 = (a^2 - y) σ'(z^2)
    array([[-0.1286738]])
    >>> grad_w[1].round(7)  # ∂J/∂W^2 = δ^2 (a^1)^T
    array([[-0.0547581, -0.0800942]])
    """
    sigma = get_activation(activation)
    L = len(weights)  # the output layer's index; layer 0 is the input
    W = [None, *(_float64(w, f"weights[{i}]") for i, w in enumerate(weights))]  # W[l] is W^l
    b = [None, *(_float64(v, f"biases[{i}]") for i, v in enumerate(biases))]  # b[l] is b^l
    a = [_float64(x, "x")]  # a[0] = a^0 = x
    y = _float64(y, "y")
    _check_shapes(W, b, a[0], y)
    m = len(a[0])

    z: list[Any] = [None]  # z[l] = z^l; no z^0
    for l in range(1, L + 1):
        z.append(a[l - 1] @ W[l].T + b[l])  # z_j^l = Σ_k w_jk^l a_k^(l-1) + b_j^l
        a.append(sigma.fn(z[l]))  # a_j^l = σ(z_j^l)

    delta: list[Any] = [None] * (L + 1)  # delta[l] = δ^l = ∂J/∂z^l
    grad_a = (a[L] - y) / m  # ∇_a J for J = 1/(2m) Σ ||y - a^L||²
    delta[L] = grad_a * sigma.prime(z[L], a[L])  # BP1: δ^L = ∇_a J ⊙ σ'(z^L)
    for l in range(L - 1, 0, -1):
        back = delta[l + 1] @ W[l + 1]  # (W^(l+1))^T δ^(l+1), one row per sample
        delta[l] = back * sigma.prime(z[l], a[l])  # BP2: δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l)

    layers = range(1, L + 1)
    grad_w = [delta[l].T @ a[l - 1] for l in layers]  # BP3: ∂J/∂w_jk^l = a_k^(l-1) δ_j^l
    grad_b = [delta[l].sum(axis=0) for l in layers]  # BP4: ∂J/∂b_j^l = δ_j^l
    return grad_w, grad_b, delta[1:]


def _float64(value: Any, name: str) -> Array:
    """``value`` as a float64 array, or a one-line error naming it (non-numeric, NaN or Inf)."""
    try:
        array = np.asarray(value, np.float64)
    except (TypeError, ValueError):
        raise DTypeError(f"{name} must be an array of numbers") from None
    if not np.isfinite(array).all():
        raise DataError(f"{name} holds NaN or Inf")
    return array


def _check_shapes(W: list[Any], b: list[Any], x: Array, y: Array) -> None:
    """Raise a ShapeError naming the first array whose shape does not fit the layer sizes."""
    if len(W) < 2 or len(W) != len(b):
        raise ShapeError(f"need one bias per weight matrix, got {len(W) - 1} and {len(b) - 1}")
    if x.ndim != 2:
        raise ShapeError(f"x must have shape (m, N^0), got {x.shape}")
    width = x.shape[1]  # N^(l-1)
    for l in range(1, len(W)):
        if W[l].ndim != 2 or W[l].shape[1] != width:
            raise ShapeError(f"weights[{l - 1}] must have shape (N^{l}, {width}), got {W[l].shape}")
        width = W[l].shape[0]
        if b[l].shape != (width,):
            raise ShapeError(f"biases[{l - 1}] must have shape ({width},), got {b[l].shape}")
    if y.shape != (len(x), width):
        raise ShapeError(f"y must have shape {(len(x), width)}, got {y.shape}")
