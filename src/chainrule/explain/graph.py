"""The computational graph of a chainrule tensor, as plain data.

:func:`build_graph` walks the graph the engine recorded behind an output tensor and returns
its nodes in topological order (inputs first), the edges between them, and for each edge the
local partial: its formula (from the op's ``partials`` template, or the display table below)
and, when every node is a scalar, its number, obtained by calling the op's own ``backward``
with an upstream gradient of 1.

A *node* is a tensor that depends on an input (``requires_grad``); an *input* is such a tensor
that no op made. Everything else an op reads is a *constant* and is shown inline ("x2 + 1").
An *edge* is one operand slot of an op filled by a node, so ``a * a`` has two edges from ``a``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from chainrule.backend import to_numpy
from chainrule.engine.autograd import topological_order
from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.errors import GraphError
from chainrule.i18n import _
from chainrule.ops import arrays

# Letters kept from intermediate nodes: d and e read badly (dy/dd, e next to exponentials), and
# x and y suggest an input and the output.
_SKIPPED_LETTERS = frozenset("dexy")


@dataclass(frozen=True)
class Node:
    """One node: its name, op (``"input"`` for inputs), formula and forward value.

    ``value`` and ``grad`` are numbers for a scalar node and ``None`` otherwise; ``norm`` and
    ``grad_norm`` (2-norms) are set for every node (``grad_norm`` once gradients are known).
    ``inputs`` names the operands in order, constants written as numbers.
    """

    name: str
    op: str
    formula: str
    inputs: tuple[str, ...]
    shape: tuple[int, ...]
    value: float | None
    norm: float
    depth: int
    grad: float | None = None
    grad_norm: float | None = None

    @property
    def is_input(self) -> bool:
        return self.op == "input"

    @property
    def op_label(self) -> str:
        """The op as a table or a drawing shows it: "input" in the current language, else
        the op's own name (``Add``, ``Mul``: code, the same in every language)."""
        return _("input") if self.is_input else self.op


@dataclass(frozen=True)
class Edge:
    """``source`` is operand number ``index`` of ``target``; ``formula`` and ``value`` are the
    local partial d(target)/d(source) (``value`` is ``None`` unless the graph is scalar)."""

    source: str
    target: str
    index: int
    formula: str
    value: float | None


@dataclass(frozen=True)
class Graph:
    """Nodes in topological order (inputs first, the output last) and the edges between them.

    ``scalar`` is true when every node holds one number: then every local partial is a number
    and the per-path and forward-mode tables can be computed.
    """

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    output: str
    scalar: bool

    def node(self, name: str) -> Node:
        """The node called ``name``."""
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Node]:
        return {n.name: n for n in self.nodes}

    @property
    def inputs(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.is_input)

    def edges_into(self, name: str) -> tuple[Edge, ...]:
        """The edges into node ``name``, in operand order."""
        return self._adjacency[1].get(name, ())

    def edges_from(self, name: str) -> tuple[Edge, ...]:
        """The edges out of node ``name``, in the order of the nodes they feed."""
        return self._adjacency[0].get(name, ())

    @cached_property
    def _adjacency(self) -> tuple[dict[str, tuple[Edge, ...]], dict[str, tuple[Edge, ...]]]:
        out: dict[str, list[Edge]] = {}
        into: dict[str, list[Edge]] = {}
        for e in self.edges:
            out.setdefault(e.source, []).append(e)
            into.setdefault(e.target, []).append(e)
        return (
            {k: tuple(v) for k, v in out.items()},
            {k: tuple(v) for k, v in into.items()},
        )


def build_graph(
    output: Tensor,
    names: Mapping[str, Tensor] | None = None,
    output_name: str | None = None,
) -> tuple[Graph, dict[str, Tensor]]:
    """The graph behind ``output`` and the tensor of each node, by name.

    Names come from ``names`` (name -> tensor), then ``tensor.name``, then an nn parameter's
    name in its model (``0.weight``); unnamed inputs become x1, x2, ..., unnamed
    intermediates a, b, c, ... (skipping names in use), an unnamed output ``y``, or ``J`` when
    it is a scalar reduced from arrays (a cost). A constant array is written by its shape
    (``[4x3]``).

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True, name="x")
    >>> graph, _ = build_graph(x * x + 1)
    >>> [(n.name, n.formula, n.value) for n in graph.nodes]
    [('x', '', 3.0), ('a', 'x * x', 9.0), ('y', 'a + 1', 10.0)]
    """
    if not isinstance(output, Tensor):
        raise GraphError(f"trace needs a chainrule Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise GraphError(
            "nothing to explain: the output does not depend on any tensor with requires_grad=True"
        )
    ordered = topological_order(output)[::-1]  # creation order: inputs before what uses them
    ordered = [t for t in ordered if t.grad_fn is None] + [t for t in ordered if t.grad_fn]
    labels = _name_tensors(ordered, output, names or {}, output_name)
    constant_labels = {id(t): n for n, t in (names or {}).items() if isinstance(t, Tensor)}
    scalar = all(t.array.size == 1 for t in ordered)

    nodes: list[Node] = []
    edges: list[Edge] = []
    depth: dict[int, int] = {}
    for t in ordered:
        name = labels[id(t)]
        data = _host(t.array)
        fn = t.grad_fn
        if fn is None:
            depth[id(t)] = 0
            nodes.append(_node(name, "input", "", (), data, 0))
            continue
        operands = tuple(
            labels.get(id(x)) or constant_labels.get(id(x)) or _constant_text(x) for x in fn.inputs
        )
        is_node = [id(x) in labels for x in fn.inputs]
        depth[id(t)] = 1 + max(depth[id(x)] for x, ok in zip(fn.inputs, is_node) if ok)
        formula = fill(fn.symbol, operands, name)
        nodes.append(_node(name, fn.name, formula, operands, data, depth[id(t)]))
        values = _local_partials(fn, t) if scalar else None
        for i, (x, ok) in enumerate(zip(fn.inputs, is_node)):
            if ok:
                local = fill(partial_template(fn, i), operands, name)
                value = None if values is None else values[i]
                edges.append(Edge(labels[id(x)], name, i, local, value))
    by_name = {labels[id(t)]: t for t in ordered}
    return Graph(tuple(nodes), tuple(edges), labels[id(output)], scalar), by_name


# ---- formulas ---------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{(\d+|out)\}")


def fill(template: str, operands: tuple[str, ...], out: str) -> str:
    """Put operand names into an op's ``symbol`` or ``partials`` template.

    >>> fill("{0} * {1}", ("a", "b"), "y"), fill("{out}*(1 - {out})", ("z",), "s")
    ('a * b', 's*(1 - s)')
    """

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "out":
            return out
        i = int(key)
        text = operands[i] if i < len(operands) else "?"
        return f"({text})" if text.startswith("-") else text

    return _PLACEHOLDER.sub(one, template)


def partial_template(fn: Function, index: int) -> str:
    """The local partial of ``fn`` with respect to operand ``index``, as a template: the op's
    own ``partials`` (each op writes its partial as it reads best)."""
    partials = fn.partials
    return partials[index] if index < len(partials) else "?"


def local_top(graph: Graph, target: str) -> str:
    """What a local partial d(target)/d(operand) is written with on top: the node's name, but
    the output node's formula, where dy/dx would read as the total partial of the output.

    >>> from chainrule.explain import derive
    >>> g = derive("y = x1 * x2 + x2", at={"x1": 1, "x2": 2}).graph
    >>> local_top(g, "y"), local_top(g, "a")
    ('(a + x2)', 'a')
    """
    if target == graph.output:
        return f"({graph.node(target).formula})"
    return target


def format_number(value: float | None) -> str:
    """A number as the tables print it: integers without a point, others to 6 digits.

    >>> format_number(3.0), format_number(0.1 + 0.2), format_number(-0.0), format_number(None)
    ('3', '0.3', '0', '-')
    """
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


# ---- helpers --------------------------------------------------------------------------------
def _host(data: Any) -> np.ndarray:
    return to_numpy(data)


def _node(
    name: str, op: str, formula: str, inputs: tuple[str, ...], data: np.ndarray, depth: int
) -> Node:
    scalar = data.size == 1
    with np.errstate(all="ignore"):
        norm = float(np.linalg.norm(data.astype(np.float64).ravel())) if data.size else 0.0
    value = float(data.reshape(-1)[0]) if scalar else None
    return Node(name, op, formula, inputs, tuple(data.shape), value, norm, depth)


def _constant_text(t: Tensor) -> str:
    if t.name:
        return t.name
    data = _host(t.array)
    if data.size == 1:
        return format_number(float(data.reshape(-1)[0]))
    # the shape alone, as the tables write shapes: short enough for an edge label
    return f"[{'x'.join(map(str, data.shape))}]"


def _local_partials(fn: Function, t: Tensor) -> list[float | None]:
    """d(t)/d(operand) for each operand of a scalar node, from the op's own backward."""
    out = t.array
    seed = np.ones_like(out) if isinstance(out, np.ndarray) else out * 0 + 1
    with np.errstate(all="ignore"):
        grads = fn.backward(arrays, seed, out, *[x.array for x in fn.inputs])
    if len(fn.inputs) == 1:
        grads = (grads,)
    return [None if g is None else float(np.sum(_host(g))) for g in grads]


def _name_tensors(
    ordered: list[Tensor],
    output: Tensor,
    names: Mapping[str, Tensor],
    output_name: str | None,
) -> dict[int, str]:
    given = {id(t): n for n, t in names.items() if isinstance(t, Tensor)}
    if output_name is not None and id(output) not in given:  # an input that is the output
        given[id(output)] = output_name
    labels: dict[int, str] = {}
    used: set[str] = set()

    def claim(t: Tensor, name: str) -> None:
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        labels[id(t)] = name

    for t in ordered:  # chosen names first, so generated ones avoid them
        # an nn parameter's name in its model ("0.weight") when none was given or set
        name = given.get(id(t)) or t.name or getattr(t, "module_name", None)
        if name:
            claim(t, str(name))
    if id(output) not in labels:
        claim(output, next(n for n in _output_names(ordered, output) if n not in used))
    inputs = (f"x{i}" for i in range(1, 10**6))
    letters = _letters()
    for t in ordered:
        if id(t) in labels:
            continue
        pool = inputs if t.grad_fn is None else letters
        name = next(pool)
        while name in used:
            name = next(pool)
        claim(t, name)
    return labels


def _output_names(ordered: list[Tensor], output: Tensor) -> tuple[str, ...]:
    """Names for an unnamed output, best first: a scalar reduced from arrays is a cost, J in
    the lecture (whose y names the targets); anything else is y, as in an expression."""
    cost = output.array.size == 1 and any(t.array.size != 1 for t in ordered)
    return ("J", "loss", "out") if cost else ("y", "out")


def _letters() -> Any:
    """a, b, c, f, ..., w, z, aa, ab, ...: short names for intermediate nodes."""
    alphabet = [c for c in "abcdefghijklmnopqrstuvwxyz" if c not in _SKIPPED_LETTERS]
    yield from alphabet
    for first in alphabet:
        for second in alphabet:
            yield first + second
    k = 3
    while True:
        for c in alphabet:
            yield f"{c}{k}"
        k += 1
