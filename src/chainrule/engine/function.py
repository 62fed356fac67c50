"""The one base class every differentiable op derives from.

An op is one small class: ``forward`` computes on raw arrays, ``backward`` sits beside it and
returns the vector-Jacobian product for each input. ``backward`` is written once and serves two
purposes, depending on the op namespace ``ops`` the engine passes in (not NumPy or CuPy: both
namespaces offer the same names, e.g. ``ops.where``, ``ops.transpose``):

* plain ``backward()``: ``ops`` is ``chainrule.ops.arrays`` and every value is a raw array
  (NumPy's, or CuPy's on a GPU), so first-order gradients cost no more than hand-written NumPy;
* ``backward(create_graph=True)``: ``ops`` is ``chainrule.ops``, the tensor functions, and every
  value is a ``Tensor``, so the derivative is itself recorded and can be differentiated again.

The engine alone orders the graph, reduces broadcast gradients and accumulates; an op never does.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from chainrule.backend import get_array_module
from chainrule.engine import anomaly
from chainrule.engine.state import switches  # one thread-local object: bound once, read per op
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError


class Function:
    """Base class of an op node in the graph.

    Subclasses define ``forward(self, *arrays)`` and ``backward(self, ops, grad, out, *inputs)``,
    plus, for the explain tables, ``symbol`` (how the node reads, e.g. ``"{0} * {1}"``) and
    ``partials`` (its local partial with respect to each input, e.g. ``("{1}", "{0}")``;
    ``{out}`` names the node itself).

    ``backward`` returns one gradient for a one-input op and a tuple for several; ``None``
    stands for an input that needs no gradient (see ``needs_input_grad``). ``saved`` names the
    values it reads, so that an in-place change of anything else is allowed.

    >>> from chainrule import tensor
    >>> y = tensor(2.0, requires_grad=True) * 3.0
    >>> type(y.grad_fn).__name__, y.grad_fn.partials
    ('Mul', ('{1}', '{0}'))
    """

    __slots__ = ("input_versions", "inputs", "needs_input_grad", "out_version", "site")

    symbol: ClassVar[str] = ""
    partials: ClassVar[tuple[str, ...]] = ()
    # What backward reads besides shapes: input indices and "out" (PyTorch's saved tensors).
    # None, the default, means everything: a needless refusal is safe, a stale value is not.
    saved: ClassVar[tuple[int | str, ...] | None] = None

    inputs: tuple[Tensor, ...]
    needs_input_grad: list[bool]
    # Each input's version when the op ran: backward() compares them with the inputs' versions
    # then, to refuse values an in-place op has since overwritten (see ``reads_input``).
    input_versions: list[int]
    out_version: int  # set only when an in-place op made the output at a version above 0
    site: str  # where the op was called from; recorded only under detect_anomaly()

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        """Run the op on tensors and record it when any input needs a gradient."""
        fn = cls(**params) if params else cls()
        # One and two inputs spelled out: a list comprehension is a function call in Python
        # 3.11, and these few lines are every op's overhead.
        binary = len(inputs) == 2
        try:
            if binary:
                a, b = inputs
                out = fn.forward(a.array, b.array)
            elif len(inputs) == 1:
                out = fn.forward(inputs[0].array)
            else:
                out = fn.forward(*[t.array for t in inputs])
        except ValueError:
            _check_broadcastable(fn, inputs)  # a ShapeError naming the op, if shapes are at fault
            raise
        if switches.detect_anomaly:
            anomaly.check_forward(fn, out, inputs)
        if switches.grad_enabled:
            if binary:
                if a.requires_grad or b.requires_grad:
                    fn.needs_input_grad = [a.requires_grad, b.requires_grad]
                    fn.input_versions = [a._version[0], b._version[0]]
                    fn.inputs = inputs
                    return Tensor._from_op(out, fn)
            elif _record(fn, inputs):
                return Tensor._from_op(out, fn)
        return Tensor._from_op(out, None)

    def reads_input(self, index: int) -> bool:
        """Whether ``backward`` reads the value of input ``index`` (not just its shape).

        backward() refuses to run when such an input was modified in place after the op ran.
        """
        return self.saved is None or index in self.saved

    def reads_output(self) -> bool:
        """Whether ``backward`` reads the op's own output (as ``Exp`` and ``Sigmoid`` do)."""
        return self.saved is None or "out" in self.saved

    def forward(self, *arrays: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, ops: Any, grad: Any, out: Any, *inputs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    @property
    def name(self) -> str:
        """The op's name as the explain tables print it (``Mul``, ``Sigmoid``...)."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _record(fn: Function, inputs: tuple[Tensor, ...]) -> bool:
    """Keep ``inputs``, which of them need a gradient and their versions, if any does."""
    needs = [t.requires_grad for t in inputs]
    if True not in needs:
        return False
    fn.inputs = inputs
    fn.needs_input_grad = needs
    fn.input_versions = [t._version[0] for t in inputs]
    return True


class ViewFunction(Function):
    """An op whose output may share its first input's memory (reshape, transpose, indexing).

    The output then shares the input's version counter, as a PyTorch view does: modifying one
    in place bumps both. Its backward needs only shapes.
    """

    __slots__ = ()
    saved = ()

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        out = super().apply(*inputs, **params)
        base = inputs[0]
        if get_array_module(out.array).may_share_memory(out.array, base.array):
            out._version = base._version
        return out


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
