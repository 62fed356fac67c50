"""Reverse accumulation over the recorded graph: the engine's one traversal.

The rule is the lecture's: the top node's partial is 1, and every node's partial is the sum,
over the nodes it feeds, of their partial times the local partial. Here that means:

1. Every tensor is numbered when it is made, after the tensors it is computed from, so
   visiting nodes from the largest number down visits each one after every node it feeds.
2. ``backward`` keeps a max-heap, on those numbers, of the nodes that have received a
   gradient. It pops the largest, whose gradient is then complete, runs its op's backward, and
   pushes each input the first time it receives a gradient. Only nodes that lead to the output
   are visited, no graph is sorted beforehand, and nothing recurses (deep chains never hit
   Python's recursion limit): O(n log n) for n nodes.
3. A broadcast gradient is reduced back to its input's shape, then added to that input's
   running sum (a side table, so nothing is written to the graph itself).
4. Each op recorded its inputs' versions; an input changed in place since is either one the
   op's backward never reads (the gradient goes to the node it was then) or a GraphError.

``topological_order`` gives the same order as a list, for the explain tables.
"""

from __future__ import annotations

import types
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.backend import get_array_module
from chainrule.engine import anomaly, state
from chainrule.engine.tensor import Tensor, as_array
from chainrule.errors import GraphError

if TYPE_CHECKING:
    from chainrule.engine.function import Function

# The namespaces a derivative is computed in (see Function). Bound by chainrule.ops at import.
_array_namespace: types.ModuleType | None = None
_tensor_namespace: types.ModuleType | None = None


def bind_namespaces(arrays: types.ModuleType, tensors: types.ModuleType) -> None:
    """Called once by ``chainrule.ops``: the raw-array and the Tensor op namespaces."""
    global _array_namespace, _tensor_namespace
    _array_namespace, _tensor_namespace = arrays, tensors


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor that needs a gradient and leads to ``root``, ``root`` first.

    Each tensor comes before all the tensors it was computed from (creation order, reversed).
    """
    seen = {root}
    stack = [root]
    while stack:
        fn = stack.pop().grad_fn
        if fn is not None:
            for parent, version in zip(fn.inputs, fn.input_versions):
                if parent._version[0] != version:
                    parent = earlier_node(parent, version)
                if parent.requires_grad and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return sorted(seen, key=lambda t: t._seq, reverse=True)


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient over the axes that broadcasting added or stretched, back to ``shape``."""
    extra = grad.ndim - len(shape)
    if extra < 0:  # fewer dims than the input, e.g. a scalar gradient from a constant
        data = grad.array if isinstance(grad, Tensor) else grad
        return grad * get_array_module(data).ones(shape, dtype=grad.dtype)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def backward(root: Tensor, grad: Any = None, *, create_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient."""
    _run(root, grad, create_graph, targets=None)


def grad(
    root: Tensor, inputs: list[Tensor], grad: Any = None, *, create_graph: bool = False
) -> list[Tensor | None]:
    """d(root)/d(input) for each of ``inputs``, without accumulating into leaves' ``.grad``
    (PyTorch's ``autograd.grad``; intermediates marked ``retain_grad()`` still get theirs).

    ``None`` for an input that ``root`` does not depend on.
    """
    targets: dict[int, Any] = {id(t): None for t in inputs}
    _run(root, grad, create_graph, targets)
    out: list[Tensor | None] = []
    for t in inputs:
        g = targets[id(t)]
        out.append(g if g is None or isinstance(g, Tensor) else Tensor._from_op(g, None))
    return out


def _run(root: Tensor, grad: Any, create_graph: bool, targets: dict[int, Any] | None) -> None:
    if not root.requires_grad:
        raise GraphError(
            "backward() on a tensor that does not require grad: make an input with "
            "requires_grad=True (and compute outside no_grad())"
        )
    seed = _seed_gradient(root, grad, create_graph)
    if create_graph:
        with state.enable_grad():
            _accumulate(root, seed, _tensor_namespace, True, targets)
    else:
        _accumulate(root, seed, _array_namespace, False, targets)


def _seed_gradient(root: Tensor, grad: Any, create_graph: bool) -> Any:
    data = root.array
    if grad is None:
        if data.size != 1:
            raise GraphError(
                f"backward() on a non-scalar output of shape {root.shape} needs grad= "
                "(the upstream gradient, same shape); or reduce it first, e.g. y.sum()"
            )
        if type(data) is np.ndarray or isinstance(data, np.generic):
            seed = np.ones_like(data) if data.ndim else data.dtype.type(1)
        else:  # a device array: make the seed where the data lives
            seed = get_array_module(data).ones_like(data)
    else:
        seed = as_array(grad, root.dtype)  # in the output's dtype, as PyTorch casts it
        if seed is (grad.array if isinstance(grad, Tensor) else grad):
            seed = seed.copy()  # it may become a leaf's .grad, which in-place ops change
        if seed.shape != root.shape:
            raise GraphError(f"backward(grad=...) got shape {seed.shape}, output is {root.shape}")
    if create_graph:
        if isinstance(grad, Tensor):
            return grad if grad.dtype == root.dtype else grad.astype(root.dtype)
        return Tensor(seed)
    return seed


def _accumulate(
    root: Tensor, seed: Any, namespace: Any, create_graph: bool, targets: dict[int, Any] | None
) -> None:
    # A max-heap on creation number (heapq keeps a min-heap, so the keys are negated): a node
    # is popped only after every node it feeds, so its gradient is complete by then. A node
    # enters the heap with its first gradient, once.
    grads: dict[Tensor, Any] = {root: seed}
    heap: list[tuple[int, Tensor]] = [(-root._seq, root)]
    raw = not create_graph
    stored: set[int] = set()  # the arrays given to a .grad in this pass, so none is shared
    while heap:
        node = heappop(heap)[1]
        g = grads.pop(node)
        if node._hooks:
            g = _run_hooks(node, g, raw)
        fn = node.grad_fn
        if targets is not None and id(node) in targets:
            targets[id(node)] = g  # a gradient asked for; it is complete when popped
            if fn is None:
                continue
            # an intermediate target: go on, other targets may lie upstream of it
        if fn is None:
            if targets is None:
                _store_grad(node, g, raw, stored)
            continue
        if node._retains_grad:
            _store_grad(node, g, raw, stored)
        input_grads = _local_gradients(fn, node, g, namespace, raw)
        _send_to_inputs(fn, input_grads, grads, heap)


def _local_gradients(fn: Function, node: Tensor, g: Any, namespace: Any, raw: bool) -> Any:
    """The op's backward at ``node``: one gradient per input (a tuple even for one)."""
    if node._version[0]:
        _check_output(fn, node)
    inputs = fn.inputs
    try:
        if not raw:
            return _as_tuple(fn.backward(namespace, g, node, *inputs), len(inputs))
        if len(inputs) == 2:  # spelled out: the common case, without a list comprehension
            a, b = inputs
            return fn.backward(namespace, g, node.array, a.array, b.array)
        if len(inputs) == 1:
            return (fn.backward(namespace, g, node.array, inputs[0].array),)
        return fn.backward(namespace, g, node.array, *[t.array for t in inputs])
    except Exception:
        _check_inputs(fn)  # an in-place change behind the failure gets the clearer error
        raise


def _as_tuple(input_grads: Any, count: int) -> Any:
    return (input_grads,) if count == 1 else input_grads


def _send_to_inputs(fn: Function, input_grads: Any, grads: dict[Tensor, Any], heap: list) -> None:
    """Add each input's gradient (reduced to its shape and dtype) to its running sum."""
    for parent, needs, pg, version in zip(
        fn.inputs, fn.needs_input_grad, input_grads, fn.input_versions
    ):
        if parent._version[0] != version:
            parent = recorded_input(fn, parent, version)
        if not needs or pg is None:
            continue
        data = parent.array
        if pg.shape != data.shape:
            pg = unbroadcast(pg, data.shape)
        dtype = pg.dtype
        if dtype is not data.dtype and dtype != data.dtype:  # float32 W, float64 input
            pg = pg.astype(data.dtype)
        if state.switches.detect_anomaly:
            anomaly.check_backward(fn, pg, parent)
        previous = grads.get(parent)
        if previous is None:
            grads[parent] = pg
            heappush(heap, (-parent._seq, parent))
        else:
            grads[parent] = previous + pg


def recorded_input(fn: Function, parent: Tensor, version: int) -> Tensor:
    """The node that ``parent`` was when ``fn`` ran at its ``version``, or a GraphError when
    ``fn``'s backward reads a value an in-place operation has changed since."""
    index = next(
        i
        for i, (t, v) in enumerate(zip(fn.inputs, fn.input_versions))
        if t is parent and v == version
    )
    earlier = earlier_node(parent, version)
    if fn.reads_input(index):
        made_by = f"the output of {earlier.grad_fn.name}, " if earlier.grad_fn else ""
        role = f"{made_by}input {index} of {fn.name}"
        raise GraphError(_modified(parent, role, version))
    return earlier


def earlier_node(t: Tensor, version: int) -> Tensor:
    """``t`` as the graph knew it at ``version``: a recorded in-place operation moved its
    earlier node to a stand-in (see ``chainrule.engine.inplace``)."""
    previous = getattr(t, "_previous", None)
    while previous is not None and previous[0] > version:
        t = previous[1]
        previous = getattr(t, "_previous", None)
    return t


def _check_output(fn: Function, node: Tensor) -> None:
    expected = getattr(fn, "out_version", 0)
    if node._version[0] != expected and fn.reads_output():
        raise GraphError(_modified(node, f"the output of {fn.name}", expected))


def _check_inputs(fn: Function) -> None:
    for parent, version in zip(fn.inputs, fn.input_versions):
        if parent._version[0] != version:
            recorded_input(fn, parent, version)


def _modified(t: Tensor, role: str, expected: int) -> str:
    name = f" {t.name!r}" if t.name else ""
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: the tensor{name} [{t.dtype} {tuple(t.shape)}], {role}, is at "
        f"version {t._version[0]}; expected version {expected} instead. Hint: change a "
        "clone() of it, or make the change after backward()"
    )


def _run_hooks(node: Tensor, g: Any, raw: bool) -> Any:
    for hook in list(node._hooks or ()):
        result = hook(Tensor._from_op(g, None) if raw else g)
        if result is not None:
            g = result.array if raw and isinstance(result, Tensor) else result
    return g


def _store_grad(node: Tensor, g: Any, raw: bool, stored: set[int]) -> None:
    if raw:
        if node.grad is None:
            if id(g) in stored:  # one op gave the same array to two inputs (Add gives g, g)
                g = g.copy()
            stored.add(id(g))
            node.grad = Tensor._from_op(g, None)
        else:
            node.grad = Tensor._from_op(node.grad.array + g, None)
    else:
        node.grad = g if node.grad is None else node.grad + g
