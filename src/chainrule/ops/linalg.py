"""Matrix products: ``matmul`` (1-D, 2-D and batched, as NumPy) and the fused ``linear``."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError
from chainrule.ops._util import as_tensor, as_tensor_pair


class MatMul(Function):
    __slots__ = ()
    symbol = "{0} @ {1}"
    partials = ("(.) @ {1}^T", "{0}^T @ (.)")

    def forward(self, a: Any, b: Any) -> Any:
        return a @ b

    def backward(self, ops: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        needs_a, needs_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, without the reshaping below
            return (g @ b.T if needs_a else None), (a.T @ g if needs_b else None)
        a_vector, b_vector = a.ndim == 1, b.ndim == 1
        if a_vector and b_vector:  # the dot product: g is a scalar, with no axis to expand
            return (g * b if needs_a else None), (g * a if needs_b else None)
        if a_vector:
            a, g = ops.expand_dims(a, 0), ops.expand_dims(g, -2)
        if b_vector:
            b, g = ops.expand_dims(b, -1), ops.expand_dims(g, -1)
        ga = g @ ops.swapaxes(b, -1, -2) if needs_a else None
        gb = ops.swapaxes(a, -1, -2) @ g if needs_b else None
        if a_vector and ga is not None:
            ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
        if b_vector and gb is not None:
            gb = gb.reshape(gb.shape[:-1])
        return ga, gb


class Linear(Function):
    """``x @ W.T + b`` as one node: the layer z = W a + b of the lecture, rows as samples.

    ``W`` has shape (out, in), like the lecture's w_jk and PyTorch's ``Linear.weight``.
    """

    __slots__ = ()
    symbol = "{0} @ {1}^T + {2}"
    partials = ("(.) @ {1}", "(.)^T @ {0}", "sum(.)")

    def forward(self, x: Any, weight: Any, bias: Any = None) -> Any:
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(self, ops: Any, g: Any, out: Any, x: Any, weight: Any, bias: Any = None) -> Any:
        needs = self.needs_input_grad
        flat_g = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        flat_x = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        gx = g @ weight if needs[0] else None
        gw = flat_g.T @ flat_x if needs[1] else None
        if bias is None:
            return gx, gw
        gb = flat_g.sum(axis=0) if needs[2] else None
        return gx, gw, gb


# ---- public functions: they check their operands, so the op classes above can trust them ----
def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's rules (1-D, 2-D and batched).

    >>> import chainrule as cr
    >>> cr.matmul(cr.tensor(np.ones((3, 4))), cr.tensor(np.ones((5, 6))))
    Traceback (most recent call last):
    ...
    chainrule.errors.ShapeError: matmul of (3, 4) by (5, 6): inner dimensions 4 and 5 differ
    """
    a, b = as_tensor_pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul of {a.shape} by {b.shape}: scalars have no matrix product")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul of {a.shape} by {b.shape}: inner dimensions {inner_a} and {inner_b} differ"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"matmul of {a.shape} by {b.shape}: batch dimensions {a.shape[:-2]} and "
            f"{b.shape[:-2]} cannot be broadcast together"
        ) from None
    return MatMul.apply(a, b)


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` as one node; ``weight`` is (out, in) as in the lecture's W.

    An ``x`` that is not a tensor (a NumPy batch) takes the weight's dtype, as in ``matmul``.

    >>> linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 1.0]]), Tensor([0.5]))
    tensor([[3.5]])
    """
    x = as_tensor(x, like=weight).as_float(weight.dtype)
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {x.shape} does not fit a weight of shape {weight.shape} "
            f"(which takes {weight.shape[-1] if weight.ndim else '?'} features)"
        )
    if bias is None:
        return Linear.apply(x, weight)
    if bias.shape != (weight.shape[0],):
        raise ShapeError(f"linear: bias of shape {bias.shape} for a weight of {weight.shape}")
    return Linear.apply(x, weight, bias)
