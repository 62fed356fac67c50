"""``chainrule.autograd``: PyTorch's ``torch.autograd`` names on chainrule's engine.

>>> import chainrule as cr
>>> x = cr.tensor([1.0, 2.0], requires_grad=True)
>>> (g,) = cr.autograd.grad((x * x).sum(), x)
>>> g
tensor([2., 4.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule.engine import autograd as engine
from chainrule.engine.anomaly import detect_anomaly
from chainrule.engine.state import enable_grad, no_grad
from chainrule.engine.tensor import Tensor
from chainrule.errors import GraphError

__all__ = ["backward", "detect_anomaly", "enable_grad", "grad", "no_grad"]


def _as_sequence(value: Any) -> list[Any]:
    return [value] if isinstance(value, Tensor) or value is None else list(value)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(input) for each input, as a tuple, without touching any ``.grad``
    (``torch.autograd.grad``). Several outputs add up their gradients; ``grad_outputs`` gives
    each output's upstream gradient (needed for a non-scalar output). An input that no output
    depends on is an error unless ``allow_unused=True`` (then its gradient is ``None``).
    ``retain_graph`` is accepted for PyTorch's sake: the graph is never freed by a pass.

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> (dy,) = cr.autograd.grad(x**3, x, create_graph=True)
    >>> cr.autograd.grad(dy, x)[0]
    tensor(18.)
    """
    outs, ins = _as_sequence(outputs), _as_sequence(inputs)
    seeds = _as_sequence(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    if len(seeds) != len(outs):
        raise GraphError(f"grad: {len(outs)} outputs but {len(seeds)} grad_outputs")
    total: list[Any] = [None] * len(ins)
    for out, seed in zip(outs, seeds, strict=True):
        for i, g in enumerate(engine.grad(out, ins, seed, create_graph=create_graph)):
            if g is not None:
                total[i] = g if total[i] is None else total[i] + g
    unused = [i for i, g in enumerate(total) if g is None]
    if unused and not allow_unused:
        raise GraphError(
            f"grad: input {unused[0]} was not used to compute the outputs "
            "(pass allow_unused=True to get None for it)"
        )
    return tuple(total)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """``tensors[i].backward(grad_tensors[i])`` for each output (``torch.autograd.backward``)."""
    outs = _as_sequence(tensors)
    seeds = _as_sequence(grad_tensors) if grad_tensors is not None else [None] * len(outs)
    for out, seed in zip(outs, seeds, strict=True):
        out.backward(seed, create_graph=create_graph)
