"""The one base class every differentiable op derives from.

An op is one small class: ``forward`` computes on raw arrays, ``backward`` sits beside it and
returns the vector-Jacobian product for each input. ``backward`` is written once and serves two
purposes, depending on the namespace ``xp`` the engine passes in:

* plain ``backward()``: ``xp`` is NumPy and every value is a raw array, so first-order gradients
  cost no more than hand-written NumPy;
* ``backward(create_graph=True)``: ``xp`` is chainrule's own op namespace and every value is a
  ``Tensor``, so the derivative is itself recorded and can be differentiated again.

The engine alone orders the graph, reduces broadcast gradients and accumulates; an op never does.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from chainrule.engine import anomaly, state
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError


class Function:
    """Base class of an op node in the graph.

    Subclasses define ``forward(self, *arrays)`` and ``backward(self, xp, grad, out, *inputs)``,
    plus, for the explain tables, ``symbol`` (how the node reads, e.g. ``"{0} * {1}"``) and
    ``partials`` (its local partial with respect to each input, e.g. ``("{1}", "{0}")``;
    ``{out}`` names the node itself).

    ``backward`` returns one gradient for a one-input op and a tuple for several; ``None``
    stands for an input that needs no gradient (see ``needs_input_grad``).

    >>> from chainrule import tensor
    >>> y = tensor(2.0, requires_grad=True) * 3.0
    >>> type(y.grad_fn).__name__, y.grad_fn.partials
    ('Mul', ('{1}', '{0}'))
    """

    __slots__ = ("inputs", "needs_input_grad", "site")

    symbol: ClassVar[str] = ""
    partials: ClassVar[tuple[str, ...]] = ()

    inputs: tuple[Tensor, ...]
    needs_input_grad: list[bool]
    site: str  # where the op was called from; recorded only under detect_anomaly()

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        """Run the op on tensors and record it when any input needs a gradient."""
        fn = cls(**params) if params else cls()
        try:
            out = fn.forward(*[t.array for t in inputs])
        except ValueError:
            _check_broadcastable(fn, inputs)  # a ShapeError naming the op, if shapes are at fault
            raise
        if state.detect_anomaly:
            anomaly.check_forward(fn, out, inputs)
        if state.grad_enabled:
            needs = [t.requires_grad for t in inputs]
            if True in needs:
                fn.inputs = inputs
                fn.needs_input_grad = needs
                return Tensor._from_op(out, fn)
        return Tensor._from_op(out, None)

    def forward(self, *arrays: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, xp: Any, grad: Any, out: Any, *inputs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    @property
    def name(self) -> str:
        """The op's name as the explain tables print it (``Mul``, ``Sigmoid``...)."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _check_broadcastable(fn: Function, inputs: tuple[Tensor, ...]) -> None:
    """Raise a ShapeError naming the op and the shapes when the inputs cannot broadcast.

    Called only after a forward failed, so the hot path pays nothing for it.
    """
    if len(inputs) < 2:
        return
    shapes = [tuple(t.shape) for t in inputs]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(s) for s in shapes)
        raise ShapeError(f"{fn.name}: shapes {listed} cannot be broadcast together") from None
