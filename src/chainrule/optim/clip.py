"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Gradients are never changed in place (a ``.grad`` may share memory with other arrays): a
clipped gradient is a new tensor assigned to ``.grad``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from chainrule.backend import get_array_module
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, NonFiniteError


def _with_grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def _norm(array, norm_type: float) -> float:
    xp = get_array_module(array)
    if norm_type == 2.0:
        return math.sqrt(float(xp.vdot(array, array).real))
    magnitude = xp.abs(array)
    if norm_type == math.inf:
        return float(magnitude.max()) if magnitude.size else 0.0
    if norm_type == 0.0:
        return float(xp.count_nonzero(magnitude))
    return float((magnitude.astype(float) ** norm_type).sum()) ** (1.0 / norm_type)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The joint norm is the ``norm_type``-norm of the per-parameter norms, as PyTorch takes it:
    for p > 0 the norm of all gradients concatenated; ``inf`` means the largest |g|; for p = 0
    it counts the parameters with a non-zero gradient. As in PyTorch, gradients are
    multiplied by max_norm / (norm + 1e-6) when that is below 1. Returns the total norm before
    clipping, as a float.

    A non-finite total norm (a NaN or Inf gradient) leaves the gradients as they are and is
    returned, so the caller can skip the step; with ``error_if_nonfinite=True`` it raises
    ``NonFiniteError`` instead. (PyTorch would multiply every gradient by NaN.)

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> w = cr.tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = cr.tensor([3.0, 4.0])
    >>> optim.clip_grad_norm_([w], max_norm=1.0)
    5.0
    >>> [round(g, 4) for g in w.grad.tolist()]
    [0.6, 0.8]
    """
    norm_type = float(norm_type)
    if not norm_type >= 0:
        raise ConfigError(f"clip_grad_norm_: norm_type must be >= 0 or inf, got {norm_type!r}")
    params = _with_grads(parameters)
    if not params:
        return 0.0
    norms = [_norm(p.grad.array, norm_type) for p in params]
    if norm_type == math.inf:
        total = max(norms)
    elif norm_type == 0.0:  # the 0-"norm" of the per-parameter counts, as PyTorch
        total = float(sum(n != 0 for n in norms))
    else:
        total = sum(n**norm_type for n in norms) ** (1.0 / norm_type)
    if not math.isfinite(total):
        if error_if_nonfinite:
            raise NonFiniteError(
                f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {total}"
            )
        return total
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            p.grad = Tensor._from_op(p.grad.array * coef, None)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value].

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> w = cr.tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = cr.tensor([3.0, -0.5])
    >>> optim.clip_grad_value_([w], 1.0); w.grad
    tensor([ 1. , -0.5])
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ConfigError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    for p in _with_grads(parameters):
        g = p.grad.array
        p.grad = Tensor._from_op(get_array_module(g).clip(g, -clip_value, clip_value), None)
