"""Reverse accumulation over the recorded graph: the engine's one traversal.

The rule is the lecture's: the top node's partial is 1, and every node's partial is the sum,
over the nodes it feeds, of their partial times the local partial. Here that means:

1. order the graph once, iteratively (deep chains never hit Python's recursion limit);
2. walk it from the output down; each node's gradient is complete when it is reached, because
   every node it feeds comes earlier in the order;
3. reduce a broadcast gradient back to its input's shape, then add it to that input's running
   sum (a side table, so nothing is written to the graph itself).
"""

from __future__ import annotations

import types
from heapq import heappop, heappush
from typing import Any

import numpy as np

from chainrule.backend import get_array_module
from chainrule.engine import anomaly, state
from chainrule.engine.tensor import Tensor, as_array
from chainrule.errors import GraphError

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
            for parent in fn.inputs:
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
        if seed.shape != root.shape:
            raise GraphError(f"backward(grad=...) got shape {seed.shape}, output is {root.shape}")
    if create_graph:
        if isinstance(grad, Tensor):
            return grad if grad.dtype == root.dtype else grad.astype(root.dtype)
        return Tensor(seed)
    return seed


def _accumulate(
    root: Tensor, seed: Any, xp: Any, create_graph: bool, targets: dict[int, Any] | None
) -> None:
    # A max-heap on creation number: a node is popped only after every node it feeds, so its
    # gradient is complete by then. A node enters the heap with its first gradient, once.
    grads: dict[Tensor, Any] = {root: seed}
    heap: list[tuple[int, Tensor]] = [(-root._seq, root)]
    raw = not create_graph
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
                _store_leaf_grad(node, g, raw)
            continue
        if node._retains_grad:
            _store_leaf_grad(node, g, raw)
        inputs = fn.inputs
        if raw:
            input_grads = fn.backward(xp, g, node.array, *[t.array for t in inputs])
        else:
            input_grads = fn.backward(xp, g, node, *inputs)
        if len(inputs) == 1:
            input_grads = (input_grads,)
        for parent, needs, pg in zip(inputs, fn.needs_input_grad, input_grads):
            if not needs or pg is None:
                continue
            data = parent.array
            if pg.shape != data.shape:
                pg = unbroadcast(pg, data.shape)
            dtype = pg.dtype
            if dtype is not data.dtype and dtype != data.dtype:  # float32 W, float64 input
                pg = pg.astype(data.dtype)
            if state.detect_anomaly:
                anomaly.check_backward(fn, pg, parent)
            previous = grads.get(parent)
            if previous is None:
                grads[parent] = pg
                heappush(heap, (-parent._seq, parent))
            else:
                grads[parent] = previous + pg


def _run_hooks(node: Tensor, g: Any, raw: bool) -> Any:
    for hook in list(node._hooks or ()):
        result = hook(Tensor._from_op(g, None) if raw else g)
        if result is not None:
            g = result.array if raw and isinstance(result, Tensor) else result
    return g


def _store_leaf_grad(node: Tensor, g: Any, raw: bool) -> None:
    if raw:
        if node.grad is None:
            node.grad = Tensor._from_op(g, None)
        else:
            node.grad = Tensor._from_op(node.grad.array + g, None)
    else:
        node.grad = g if node.grad is None else node.grad + g
