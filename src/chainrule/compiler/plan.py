"""A plan: one traced training step turned into a flat list of kernels over fixed buffers.

``build_plan`` reads the graph an eager step recorded (the loss tensor, after ``backward``)
and gives each node its compiled forward and backward kernel (see ``kernels``) and each
parameter its optimizer update (see ``update``). Anything outside the compiled set raises
:class:`NotCompilable` with the reason; the caller then runs the step eagerly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.compiler import kernels
from chainrule.compiler.kernels import Buffers, Kernel, NotCompilable
from chainrule.compiler.update import Update, folded_sgd, parameter_updates
from chainrule.engine.tensor import Tensor
from chainrule.i18n import _
from chainrule.optim import Optimizer


class Plan:
    """The kernels of one batch shape, and what they were built against (for the guards).

    ``run(x, y)`` replays the step and returns J of the batch (before the update).
    """

    def __init__(
        self,
        loss: Kernel,
        forward: list[Kernel],
        backward: list[Kernel],
        updates: list[Update],
        grads: list[tuple[Tensor, Tensor]],
        uses_sigmoid: bool,
    ) -> None:
        self.loss = loss
        self.forward = forward
        self.backward = backward
        self.updates = updates
        self.grads = grads  # (parameter, the tensor its .grad becomes)
        self.no_grads: list[Tensor] = []
        self.uses_sigmoid = uses_sigmoid

    def run(self, x: Any, y: Any) -> Any:
        for kernel in self.forward:
            kernel(x, y)
        loss = self.loss(x, y)
        for kernel in self.backward:
            kernel(x, y)
        for p, grad in self.grads:
            p.grad = grad
        for p in self.no_grads:  # zero_grad()'s None, for the parameters the loss skips
            p.grad = None
        for update in self.updates:
            update()
        return loss

    #: ``run`` with overflow ignored (a sigmoid's e^-x): the decorator builds its errstate
    #: once, cheaper per call than a ``with np.errstate(...)`` block
    run_ignoring_overflow = np.errstate(over="ignore")(run)


def build_plan(
    loss: Tensor, step_input: Tensor, optimizer: Optimizer, *, keep_grads: bool = True
) -> Plan:
    """The plan of the step whose eager run recorded ``loss`` (``step_input`` is its batch).

    Without ``keep_grads`` a float32 step under plain SGD folds α into the loss gradient
    (``update.FoldedSGD``): equal to the eager step to rounding, ``.grad`` None after it.
    """
    nodes = _chain(loss, step_input, optimizer)
    bufs = Buffers(step_input)
    flats = _flat_gradients(nodes, optimizer, bufs)
    forward = []
    for node in nodes:
        make = kernels.FORWARD.get(type(node.grad_fn))
        if make is None:
            raise NotCompilable(
                _("the op {op} has no compiled kernel").format(op=node.grad_fn.name)
            )
        forward.append(make(node.grad_fn, node, bufs))
    if not isinstance(loss.grad_fn, kernels.LOSSES):
        raise NotCompilable(_("the loss {op} has no compiled kernel").format(op=loss.grad_fn.name))
    backward = []
    for node in reversed(nodes):
        kernel = kernels.BACKWARD[type(node.grad_fn)](node.grad_fn, node, bufs)
        if kernel is not None:
            backward.append(kernel)
    updates, grad_tensors = _updates(optimizer, bufs, flats, backward, keep_grads)
    plan = Plan(
        loss=forward.pop(),
        forward=forward,
        backward=backward,
        updates=updates,
        grads=grad_tensors,
        uses_sigmoid=bufs.uses_sigmoid,
    )
    everyone = {id(p): p for group in optimizer.param_groups for p in group["params"]}
    plan.no_grads = [p for key, p in everyone.items() if key not in bufs.param_grads]
    return plan


def _updates(
    optimizer: Optimizer,
    bufs: Buffers,
    flats: dict[int, Any],
    backward: list[Kernel],
    keep_grads: bool,
) -> tuple[list[Update], list[tuple[Tensor, Tensor]]]:
    """The plan's updates, and each parameter with the tensor its ``.grad`` becomes; a
    folded SGD (which sets ``.grad`` itself) also puts its seed's kernel first in
    ``backward``, before the loss gradient's."""
    grads = {key: array for key, (_p, array) in bufs.param_grads.items()}
    grad_tensors = [(p, Tensor._from_op(array, None)) for p, array in bufs.param_grads.values()]

    def plain() -> Update:  # SGD's one update, for a folded plan's unfolded steps
        return parameter_updates(optimizer, grads, flats)[0]

    folded = None
    if not keep_grads:
        folded = folded_sgd(optimizer, grad_tensors, bufs.seed, bufs.rows, plain)
    if folded is None:
        return parameter_updates(optimizer, grads, flats), grad_tensors
    backward.insert(0, folded.prepare)
    return [folded], []


# Each gradient view starts on a 64-byte boundary of its group's flat buffer.
_ALIGN_BYTES = 64


def _flat_gradients(nodes: list[Tensor], optimizer: Optimizer, bufs: Buffers) -> dict[int, Any]:
    """Make the gradients of each optimizer group views of one zeroed flat buffer (set in
    ``bufs.param_views``), so that an update may scale them all in one call; returns each
    group's buffer by the group's id."""
    needed = {
        id(t)
        for node in nodes
        for t, needs in zip(node.grad_fn.inputs, node.grad_fn.needs_input_grad, strict=True)
        if needs and t.grad_fn is None
    }
    flats: dict[int, Any] = {}
    for group in optimizer.param_groups:
        members = [p for p in group["params"] if id(p) in needed and id(p) not in bufs.param_views]
        if not members or len({p.dtype for p in members}) != 1:
            continue
        step = max(1, _ALIGN_BYTES // members[0].dtype.itemsize)
        offsets, total = [], 0
        for p in members:
            offsets.append(total)
            total += -(-p.size // step) * step
        flat = np.zeros(total, dtype=members[0].dtype)
        for p, offset in zip(members, offsets, strict=True):
            bufs.param_views[id(p)] = flat[offset : offset + p.size].reshape(p.shape)
        flats[id(group)] = flat
    return flats


def _chain(loss: Tensor, step_input: Tensor, optimizer: Optimizer) -> list[Tensor]:
    """The op nodes from the input to ``loss``, in the order they ran; each value must feed
    one op only, and every leaf be the input or a parameter of ``optimizer``."""
    params = {id(p) for group in optimizer.param_groups for p in group["params"]}
    uses: dict[int, int] = {}
    seen = {id(loss): loss}
    stack = [loss]
    while stack:
        fn = stack.pop().grad_fn
        if fn is None:
            continue
        for parent, version in zip(fn.inputs, fn.input_versions, strict=True):
            if parent._version[0] != version or getattr(parent, "_previous", None) is not None:
                raise NotCompilable(_("the step changes a tensor in place"))
            uses[id(parent)] = uses.get(id(parent), 0) + 1
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    for key, t in seen.items():
        _check_node(t, uses.get(key, 0), t is loss, t is step_input, key in params)
    return sorted((t for t in seen.values() if t.grad_fn is not None), key=lambda t: t._seq)


def _check_node(t: Tensor, uses: int, is_loss: bool, is_input: bool, is_param: bool) -> None:
    if t._hooks or t._retains_grad:
        raise NotCompilable(_("a tensor of the step has a gradient hook or retains its grad"))
    if uses > 1:
        raise NotCompilable(_("a value feeds several ops (only chains are compiled)"))
    if t.grad_fn is not None or is_input:
        return
    if not t.requires_grad:
        raise NotCompilable(_("a constant tensor other than the batch enters the step"))
    if not is_param:
        raise NotCompilable(_("a tensor that requires grad is not in the optimizer"))
