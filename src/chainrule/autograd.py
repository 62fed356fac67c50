"""PyTorch's ``torch.autograd`` names over chainrule's engine: ``grad`` and ``backward``.

>>> import chainrule as cr
>>> x = cr.tensor(3.0, requires_grad=True)
>>> cr.autograd.grad(x * x, x)
(tensor(6.),)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule.engine import autograd as _engine
from chainrule.engine.state import enable_grad, is_grad_enabled, no_grad
from chainrule.engine.tensor import Tensor
from chainrule.errors import GraphError

__all__ = ["backward", "enable_grad", "grad", "is_grad_enabled", "no_grad"]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) else [value]


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs), one gradient per input, without touching any ``.grad``.

    Several outputs add their gradients (each weighted by its ``grad_outputs``). An input
    that no output depends on is an error unless ``allow_unused=True`` (then ``None``).
    ``retain_graph`` is accepted for PyTorch's sake: the graph is never freed by a pass.
    """
    roots, wanted = _as_list(outputs), _as_list(inputs)
    seeds = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(roots)
    if len(seeds) != len(roots):
        raise GraphError(f"grad: {len(roots)} outputs but {len(seeds)} grad_outputs")
    total: list[Tensor | None] = [None] * len(wanted)
    for root, seed in zip(roots, seeds):
        found = _engine.grad(root, wanted, seed, create_graph=create_graph)
        total = [t if f is None else (f if t is None else t + f) for t, f in zip(total, found)]
    if not allow_unused and any(g is None for g in total):
        raise GraphError(
            "One of the differentiated Tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return tuple(total)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (``t.backward()``
    for each, with its entry of ``grad_tensors``)."""
    roots = _as_list(tensors)
    seeds = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(roots)
    for root, seed in zip(roots, seeds):
        root.backward(seed)
