"""In-place operations: they write into a tensor's own array and bump its version counter.

Every tensor carries a version counter (``Tensor._version``, a one-item list shared with the
tensors that share its memory: ``detach()``, ``.data`` and views). Each in-place operation adds
one to it. An op records its inputs' versions when it runs (``Function.input_versions``);
``backward()`` compares them with the versions then and refuses, naming the tensor and the op,
to use a value that was overwritten since (see ``autograd.recorded_input``).

An in-place operation is recorded in the graph when gradients are being recorded and either
operand requires one, as PyTorch does: the tensor keeps its identity for the user, and its old
node moves to a stand-in (``_stand_in``) that the ops recorded earlier still reach through the
tensor's ``_previous`` link. A leaf that requires grad is refused outside ``no_grad()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.backend import get_array_module
from chainrule.engine import function, state
from chainrule.engine.tensor import Tensor
from chainrule.errors import DTypeError, GraphError, ShapeError

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."


def update(target: Tensor, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Give ``target`` the values of ``compute(target)``, written into its own memory.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0])
    >>> update(x, lambda t: t * 3); x._version[0]
    tensor([3., 6.])
    1
    """
    recording = state.switches.grad_enabled
    if recording and target.requires_grad:
        if target.grad_fn is None:
            raise GraphError(LEAF_MESSAGE + " Update it inside `with no_grad():`.")
        if isinstance(target.grad_fn, function.ViewFunction):
            raise GraphError(
                f"in-place operation on the output of {target.grad_fn.name}, a view of a tensor "
                "that requires grad, is not supported: modify a clone() instead"
            )
    source = _stand_in(target) if recording else target
    result = compute(source)
    fn = result.grad_fn
    if fn is not None and any(t is source and fn.reads_input(i) for i, t in enumerate(fn.inputs)):
        # The op reads the values about to be overwritten (clamp_'s mask, mul_ by a tensor
        # that requires grad): its input keeps a copy of them, as PyTorch's original self.
        source.array = source.array.copy()
        source._version = [source._version[0]]
    write(target, result.array)
    if fn is not None:
        _take_node(target, source, result)
    return target


def write(target: Tensor, values: Any) -> None:
    """Copy ``values`` into ``target``'s array (broadcast to its shape) and bump its version."""
    array = own_array(target)
    shape = np.shape(values)
    if shape != array.shape and not _fits(shape, array.shape):
        raise ShapeError(
            f"in-place result of shape {shape} does not fit the tensor's shape {array.shape}"
        )
    try:
        get_array_module(array).copyto(array, values, casting="same_kind")
    except TypeError:
        raise DTypeError(
            f"result type {np.result_type(values)} can't be cast to the tensor's dtype "
            f"{array.dtype} in place"
        ) from None
    target._version[0] += 1


def _fits(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def own_array(target: Tensor) -> Any:
    """``target``'s array, writable: a NumPy scalar or a read-only array (a gradient that is
    a broadcast view, say) is first replaced by a writable copy."""
    array = target.array
    if isinstance(array, np.generic) or (
        isinstance(array, np.ndarray) and not array.flags.writeable
    ):
        array = target.array = np.array(array)
    return array


def _stand_in(target: Tensor) -> Tensor:
    """A tensor that takes over ``target``'s place in the graph as it stands now."""
    old = Tensor._from_op(target.array, target.grad_fn)
    old.requires_grad = target.requires_grad
    old.name = target.name
    old._seq = target._seq
    old._version = target._version
    previous = getattr(target, "_previous", None)
    if previous is not None:
        old._previous = previous
    return old


def _take_node(target: Tensor, source: Tensor, result: Tensor) -> None:
    """``target`` becomes the recorded node ``result``; ``source`` keeps its old place."""
    fn = result.grad_fn
    version = target._version[0]
    fn.out_version = version  # the output's values backward may read are this version's
    target._previous = (version, source)
    target.grad_fn = fn
    target.requires_grad = True
    target._seq = result._seq


def assign(target: Tensor, values: Any, ops: Any) -> Tensor:
    """Give ``target`` the constant ``values`` (``fill_``, ``zero_``, ``normal_``...).

    Recorded, with a zero gradient to the old values, when ``target`` is in a graph.
    """
    if state.switches.grad_enabled and target.requires_grad:
        return update(target, lambda t: ops.where(False, t, values))
    return update(target, lambda t: Tensor._from_op(values, None))


def set_items(target: Tensor, index: Any, value: Any, ops: Any) -> None:
    """``target[index] = value``; recorded (as ``ops.index_put``) when gradients flow through."""
    if isinstance(index, Tensor):
        index = index.array
    needs_grad = target.requires_grad or (isinstance(value, Tensor) and value.requires_grad)
    if state.switches.grad_enabled and needs_grad:
        update(target, lambda t: ops.index_put(t, index, value))
        return
    array = own_array(target)
    try:
        array[index] = value.array if isinstance(value, Tensor) else value
    except ValueError as error:
        raise GraphError(f"cannot assign to this tensor: {error}") from None
    target._version[0] += 1
