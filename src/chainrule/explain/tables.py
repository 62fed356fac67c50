"""Three ways to get every partial from a graph's local partials, and what each one costs.

* **Reverse accumulation** (the lecture's technique, and backpropagation): the top node's
  partial is 1; going down, each node's partial is the sum over the nodes it feeds of (their
  partial x the local partial).
* **Per path** (the naive method): for each input, every path from it to the output, the
  product of the local partials along it, summed. Paths share their upper parts, so the same
  products (dy/da) are recomputed once per path.
* **Forward mode**: one pass per input, carrying tangents upwards; each node's tangent is the
  sum over its operands of (local partial x their tangent).

Operation counts (multiplications and additions of the chain rule itself; computing the local
partials is the same for every method and is not counted). With E edges (see
:mod:`chainrule.explain.graph`), N nodes of which n are inputs, and one output:

* reverse: one multiplication per edge, E (the products with the top node's partial 1
  included, as the other methods include them); additions sum(out-degree - 1) = E - (N - 1);
* per path: a path of k edges is 1 times k local partials, k multiplications; in all the sum
  of the path lengths; additions sum over inputs of (paths - 1). Every edge lies on at least one
  path, so this is never less than E, and more whenever paths share an upper part;
* forward: each of the n passes visits every edge once: n * E multiplications and
  n * (E - number of op nodes) additions. With m outputs reverse mode would take m passes
  (m * E): reverse wins with many inputs and one output, forward with one input and many
  outputs.

Paths can number in the billions on deep graphs, so they are counted by dynamic programming
and only the first :data:`MAX_PATHS` are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.explain.graph import Edge, Graph

MAX_PATHS = 10_000


@dataclass(frozen=True)
class Factor:
    """One product in a sum: the partial (or tangent) of ``node`` times the local partial on
    ``edge``. ``partial`` is ``None`` on graphs that are not scalar."""

    node: str
    edge: Edge
    partial: float | None

    @property
    def product(self) -> float | None:
        if self.partial is None or self.edge.value is None:
            return None
        return self.partial * self.edge.value


@dataclass(frozen=True)
class ReverseStep:
    """The partial of the output with respect to ``node``: the sum of ``terms`` (one per edge
    leaving ``node``); the output's own step has no terms and the value 1."""

    node: str
    terms: tuple[Factor, ...]
    value: float | None


@dataclass(frozen=True)
class Path:
    """One path from an input to the output: its nodes and edges, and the product of the local
    partials along it."""

    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]
    product: float


@dataclass(frozen=True)
class PathSum:
    """Every path from ``input`` to the output (the first ones if there are too many).

    ``count`` is the number of all paths; ``total`` sums the listed ones and is the partial
    when ``complete``.
    """

    input: str
    paths: tuple[Path, ...]
    count: int
    total: float
    complete: bool


@dataclass(frozen=True)
class ForwardStep:
    """The tangent of ``node`` in one forward pass: the sum of ``terms``, one per edge into it."""

    node: str
    terms: tuple[Factor, ...]
    value: float


@dataclass(frozen=True)
class ForwardPass:
    """One forward-mode pass: the tangent of ``input`` is 1, of the other inputs 0; ``value`` is
    the output's tangent, the partial with respect to ``input``."""

    input: str
    steps: tuple[ForwardStep, ...]
    value: float


@dataclass(frozen=True)
class Counts:
    """Sizes of the graph and the multiplications/additions each method needs (see above)."""

    nodes: int
    inputs: int
    edges: int
    paths: int
    path_edges: int
    reverse_mult: int
    reverse_add: int
    path_mult: int
    path_add: int
    forward_mult: int
    forward_add: int


def reverse_table(graph: Graph) -> tuple[ReverseStep, ...]:
    """Reverse accumulation, from the output down (reverse topological order).

    >>> import chainrule as cr
    >>> from chainrule.explain.graph import build_graph
    >>> x = cr.tensor(3.0, requires_grad=True, name="x")
    >>> steps = reverse_table(build_graph(x * x + 1)[0])
    >>> [(s.node, s.value) for s in steps]
    [('y', 1.0), ('a', 1.0), ('x', 6.0)]
    """
    partial: dict[str, float | None] = {graph.output: 1.0}
    steps = [ReverseStep(graph.output, (), 1.0)]
    for node in reversed(graph.nodes):
        if node.name == graph.output:
            continue
        terms = tuple(Factor(e.target, e, partial[e.target]) for e in graph.edges_from(node.name))
        value = _sum(t.product for t in terms) if graph.scalar else None
        partial[node.name] = value
        steps.append(ReverseStep(node.name, terms, value))
    return tuple(steps)


def path_table(graph: Graph, max_paths: int = MAX_PATHS) -> tuple[PathSum, ...]:
    """Every path from each input to the output, with products and sums (scalar graphs).

    At most ``max_paths`` paths are listed in all; ``count`` is always exact.
    """
    _require_scalar(graph, "the per-path table")
    counts = path_counts(graph)
    budget = max_paths
    table = []
    for node in graph.inputs:
        paths = _enumerate(graph, node.name, budget)
        budget -= len(paths)
        total = _sum(p.product for p in paths)
        complete = len(paths) == counts[node.name]
        table.append(PathSum(node.name, tuple(paths), counts[node.name], total, complete))
    return tuple(table)


def forward_table(graph: Graph) -> tuple[ForwardPass, ...]:
    """Forward mode: one pass per input, tangents carried from the inputs up (scalar graphs)."""
    _require_scalar(graph, "forward mode")
    passes = []
    ops = [n for n in graph.nodes if not n.is_input]
    for seed in graph.inputs:
        tangent = {n.name: (1.0 if n.name == seed.name else 0.0) for n in graph.inputs}
        steps = []
        for node in ops:
            terms = tuple(
                Factor(e.source, e, tangent[e.source]) for e in graph.edges_into(node.name)
            )
            tangent[node.name] = _sum(t.product for t in terms)
            steps.append(ForwardStep(node.name, terms, tangent[node.name]))
        passes.append(ForwardPass(seed.name, tuple(steps), tangent[graph.output]))
    return tuple(passes)


def path_counts(graph: Graph) -> dict[str, int]:
    """The number of paths from each node to the output (dynamic programming, exact)."""
    count = {graph.output: 1}
    for node in reversed(graph.nodes):
        if node.name != graph.output:
            count[node.name] = sum(count[e.target] for e in graph.edges_from(node.name))
    return count


def count_operations(graph: Graph) -> Counts:
    """The multiplications and additions of each method; see the module docstring."""
    paths = {graph.output: 1}
    length = {graph.output: 0}  # total edges over all paths from the node to the output
    for node in reversed(graph.nodes):
        if node.name == graph.output:
            continue
        out = graph.edges_from(node.name)
        paths[node.name] = sum(paths[e.target] for e in out)
        length[node.name] = sum(length[e.target] + paths[e.target] for e in out)
    inputs = graph.inputs
    n_inputs, n_edges, n_nodes = len(inputs), len(graph.edges), len(graph.nodes)
    n_ops = n_nodes - n_inputs
    all_paths = sum(paths[i.name] for i in inputs)
    path_edges = sum(length[i.name] for i in inputs)
    return Counts(
        nodes=n_nodes,
        inputs=n_inputs,
        edges=n_edges,
        paths=all_paths,
        path_edges=path_edges,
        reverse_mult=n_edges,
        reverse_add=n_edges - (n_nodes - 1),
        path_mult=path_edges,
        path_add=sum(paths[i.name] - 1 for i in inputs),
        forward_mult=n_inputs * n_edges,
        forward_add=n_inputs * (n_edges - n_ops),
    )


def _enumerate(graph: Graph, start: str, limit: int) -> list[Path]:
    """Depth-first, without recursion; stops after ``limit`` paths."""
    out_edges = {n.name: graph.edges_from(n.name) for n in graph.nodes}
    found: list[Path] = []
    stack: list[tuple[str, tuple[Edge, ...]]] = [(start, ())]
    while stack and len(found) < limit:
        name, edges = stack.pop()
        if name == graph.output:
            nodes = (start, *(e.target for e in edges))
            product = 1.0
            for e in edges:
                product *= e.value  # type: ignore[operator] - scalar graphs only
            found.append(Path(nodes, edges, product))
            continue
        for e in reversed(out_edges[name]):
            stack.append((e.target, (*edges, e)))
    return found


def _sum(values: object) -> float:
    total = 0.0
    for v in values:  # type: ignore[attr-defined]
        total += v
    return total


def _require_scalar(graph: Graph, what: str) -> None:
    if not graph.scalar:
        raise ValueError(f"{what} needs a graph of scalar nodes")
