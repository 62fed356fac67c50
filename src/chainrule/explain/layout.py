"""Where each box and edge of a drawing goes: the layered layout the lecture draws.

The inputs are at the bottom, the output at the top, each op node in the layer of its depth
from the inputs (an input sits just below the lowest node it feeds, so a bias used near the top
is drawn near the top). Within a layer the order comes from a few barycenter sweeps (fewer
crossings); an edge that skips layers goes straight up through a reserved slot in each layer it
crosses, so it never runs through a box. Positions within a layer keep a minimum gap, so boxes
never overlap. Each box shows the node's name and formula, its op, its value and its gradient;
each edge carries its local partial. The layout needs the graph alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chainrule.explain.graph import Edge, Graph, Node, format_number
from chainrule.i18n import _
from chainrule.wording import display_width

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

FONT_SIZE = 11.0  # layout units are points (1/72 in) in the PNG, pixels in the SVG
LABEL_SIZE = 9.5
CHAR_WIDTH = 0.62  # of the font size: a little more than common monospace fonts need
LINE_HEIGHT = 14.0
PADDING = 7.0
H_GAP = 22.0
V_GAP = 64.0
GAP_PER_EDGE = 5.0
MARGIN = 16.0
MAX_TEXT = 30
FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, monospace"

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class Box:
    """A node's rectangle (top-left corner, size) and its lines of text."""

    name: str
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]
    kind: str  # "input", "op" or "output"

    def overlaps(self, other: Box) -> bool:
        return _rects_overlap(
            (self.x, self.y, self.width, self.height),
            (other.x, other.y, other.width, other.height),
        )


@dataclass(frozen=True)
class Route:
    """An edge drawn as a polyline from its source box (bottom) up to its target box."""

    edge: Edge
    points: tuple[tuple[float, float], ...]
    label: str
    label_box: tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    routes: tuple[Route, ...]
    width: float
    height: float


@dataclass
class _Grid:
    """The layers (node names and the slots of edges that skip layers) and their geometry."""

    depth: dict[str, int]
    layers: list[list[str]]
    below: dict[str, list[str]]  # neighbours one layer down
    above: dict[str, list[str]]
    chains: dict[int, list[str]]  # the slots of each edge, bottom up
    width: dict[str, float]
    x: dict[str, float] = field(default_factory=dict)
    y_top: dict[int, float] = field(default_factory=dict)
    layer_height: float = 0.0

    @property
    def level_of(self) -> dict[str, int]:
        return {name: level for level, names in enumerate(self.layers) for name in names}

    def slot_points(self, slot: str) -> list[Point]:
        """An edge crosses a layer straight up through its slot, so no box is in its way."""
        top_y = self.y_top[self.level_of[slot]]
        return [(self.x[slot], top_y + self.layer_height), (self.x[slot], top_y)]


def graph_of(what: Graph | Explanation) -> Graph:
    """The graph to draw: ``what`` itself, or an explanation's graph."""
    return what if isinstance(what, Graph) else what.graph


def layout(graph: Graph | Explanation) -> Layout:
    """Boxes and edge routes for the graph (or an explanation's); no two boxes overlap."""
    g = graph_of(graph)
    sizes = {n.name: _box_size(box_lines(n, g.scalar)) for n in g.nodes}
    labels = {id(e): edge_label(e) for e in g.edges}
    grid = _layers(g, sizes, labels)
    _order_layers(grid.layers, grid.below, grid.above)
    grid.x = _place(grid.layers, grid.width, grid.below, grid.above)
    _rows(g, grid, max(s[1] for s in sizes.values()))
    boxes = _boxes(g, grid, sizes)
    routes = _routes(g, grid, boxes, labels)
    width_total = max([b.x + b.width for b in boxes.values()] + list(grid.x.values())) + MARGIN
    height_total = grid.y_top[0] + grid.layer_height + MARGIN
    return Layout(boxes, tuple(routes), width_total, height_total)


def _layers(g: Graph, sizes: dict[str, tuple[float, float]], labels: dict[int, str]) -> _Grid:
    """Nodes by layer, with a chain of placeholders for every edge that skips layers."""
    depth = _levels(g.nodes, g.edges)
    top = max(depth.values())
    grid = _Grid(
        depth=depth,
        layers=[[] for _ in range(top + 1)],
        below={n: [] for n in depth},
        above={n: [] for n in depth},
        chains={},
        width={n: s[0] for n, s in sizes.items()},
    )
    for n in g.nodes:
        grid.layers[depth[n.name]].append(n.name)
    for k, e in enumerate(g.edges):
        previous = e.source
        chain = []
        middle = (depth[e.source] + depth[e.target]) // 2
        for level in range(depth[e.source] + 1, depth[e.target]):
            slot = f"\0{k}:{level}"
            chain.append(slot)
            grid.layers[level].append(slot)
            label_width = _label_size(labels[id(e)])[0] if level == middle else 0.0
            grid.width[slot] = max(12.0, label_width)
            grid.below[slot], grid.above[slot] = [previous], []
            grid.above[previous].append(slot)
            previous = slot
        grid.above[previous].append(e.target)
        grid.below[e.target].append(previous)
        grid.chains[id(e)] = chain
    return grid


def _rows(g: Graph, grid: _Grid, layer_height: float) -> None:
    """The top of each layer; the gap above a layer grows with the edges crossing it, for
    their labels."""
    top = len(grid.layers) - 1
    crossing = [0] * (top + 1)
    for e in g.edges:
        for level in range(grid.depth[e.source], grid.depth[e.target]):
            crossing[level] += 1
    gap = [V_GAP + min(GAP_PER_EDGE * max(crossing[level] - 4, 0), V_GAP) for level in range(top)]
    grid.layer_height = layer_height
    grid.y_top = {top: MARGIN}
    for level in range(top - 1, -1, -1):
        grid.y_top[level] = grid.y_top[level + 1] + layer_height + gap[level]


def _boxes(g: Graph, grid: _Grid, sizes: dict[str, tuple[float, float]]) -> dict[str, Box]:
    nodes = {n.name: n for n in g.nodes}
    boxes: dict[str, Box] = {}
    for level, names in enumerate(grid.layers):
        for name in (n for n in names if n in nodes):
            w, h = sizes[name]
            y = grid.y_top[level] + (grid.layer_height - h) / 2
            lines = box_lines(nodes[name], g.scalar)
            kind = node_kind(nodes[name], g.output)
            boxes[name] = Box(name, grid.x[name] - w / 2, y, w, h, lines, kind)
    return boxes


def _edge_ends(g: Graph, grid: _Grid, boxes: dict[str, Box]) -> dict[tuple[int, str], float]:
    """Where each edge leaves and enters a box: spread along its top and bottom, in the order
    of where the edges go, so that they do not cross at the box."""
    x, chains = grid.x, grid.chains
    outgoing: dict[str, list[Edge]] = {name: [] for name in boxes}
    incoming: dict[str, list[Edge]] = {name: [] for name in boxes}
    for e in g.edges:
        outgoing[e.source].append(e)
        incoming[e.target].append(e)
    ends: dict[tuple[int, str], float] = {}
    for name, box in boxes.items():
        outgoing[name].sort(key=lambda e: x[(chains[id(e)] or [e.target])[0]])
        incoming[name].sort(key=lambda e: x[(chains[id(e)] or [e.source])[-1]])
        for k, e in enumerate(outgoing[name]):
            ends[(id(e), "out")] = box.x + box.width * (k + 1) / (len(outgoing[name]) + 1)
        for k, e in enumerate(incoming[name]):
            ends[(id(e), "in")] = box.x + box.width * (k + 1) / (len(incoming[name]) + 1)
    return ends


def _routes(g: Graph, grid: _Grid, boxes: dict[str, Box], labels: dict[int, str]) -> list[Route]:
    """Each edge's polyline and label box. Each slanted segment crosses the gap above one
    layer; a label looks only at the boxes, labels and segments of its own gap."""
    ends = _edge_ends(g, grid, boxes)
    levels = range(len(grid.layers))
    level_of = grid.level_of
    polylines = {}
    segments: dict[int, list[tuple[int, Point, Point]]] = {level: [] for level in levels}
    rects: dict[int, list[Rect]] = {level: [] for level in levels}
    for e in g.edges:
        source, target = boxes[e.source], boxes[e.target]
        points = [(ends[(id(e), "out")], source.y)]
        for slot in grid.chains[id(e)]:
            points += grid.slot_points(slot)
        points.append((ends[(id(e), "in")], target.y + target.height))
        polylines[id(e)] = points
        for k in range(0, len(points) - 1, 2):  # the slanted segments, one per gap
            segments[grid.depth[e.source] + k // 2].append((id(e), points[k], points[k + 1]))
    for name, box in boxes.items():
        rect = (box.x, box.y, box.width, box.height)
        rects[level_of[name]].append(rect)
        if level_of[name] > 0:
            rects[level_of[name] - 1].append(rect)
    routes = []
    for e in g.edges:
        points, chain, gap = polylines[id(e)], grid.chains[id(e)], grid.depth[e.source]
        others = [(p, q) for k, p, q in segments[gap] if k != id(e)]
        label = labels[id(e)]
        label_box = _place_label(points, label, chain, level_of, grid.depth, e, rects[gap], others)
        if not chain:  # a label on a reserved slot is clear of every gap
            rects[gap].append(label_box)
        routes.append(Route(e, tuple(points), label, label_box))
    return routes


def _order_layers(
    layers: list[list[str]], below: dict[str, list[str]], above: dict[str, list[str]]
) -> None:
    """Barycenter sweeps, up then down, to reduce crossings (in place)."""
    for _sweep in range(6):
        for level in range(1, len(layers)):
            _sort_by_barycenter(layers[level], layers[level - 1], below)
        for level in range(len(layers) - 2, -1, -1):
            _sort_by_barycenter(layers[level], layers[level + 1], above)


def _sort_by_barycenter(
    layer: list[str], reference: list[str], neighbours: dict[str, list[str]]
) -> None:
    position = {name: i for i, name in enumerate(reference)}
    keys = {}
    for i, name in enumerate(layer):
        near = [position[n] for n in neighbours[name] if n in position]
        keys[name] = (sum(near) / len(near), i) if near else (float(i), i)
    layer.sort(key=lambda name: keys[name])


def _place(
    layers: list[list[str]],
    width: dict[str, float],
    below: dict[str, list[str]],
    above: dict[str, list[str]],
) -> dict[str, float]:
    """Centre x of every box and slot: near its neighbours, in order, never closer than H_GAP."""
    x: dict[str, float] = {}
    for names in layers:  # start packed, left to right
        cursor = MARGIN
        for name in names:
            x[name] = cursor + width[name] / 2
            cursor += width[name] + H_GAP
    for sweep in range(8):
        order = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        for level in order:
            names = layers[level]
            neighbours = below if sweep % 2 == 0 else above
            wanted = []
            for name in names:
                near = [x[n] for n in neighbours[name]] or [x[n] for n in below[name] + above[name]]
                wanted.append(sum(near) / len(near) if near else x[name])
            for name, value in zip(names, _spread(wanted, [width[n] for n in names])):
                x[name] = value
    shift = MARGIN - min(x[n] - width[n] / 2 for n in x)
    return {n: v + shift for n, v in x.items()}


def _spread(wanted: list[float], widths: list[float]) -> list[float]:
    """The positions closest to ``wanted`` (least squares) that keep order and the gaps.

    With offsets o_i (the least distance from the first centre to centre i) the positions are
    o_i + z_i with z non-decreasing: an isotonic regression of wanted_i - o_i (pool adjacent
    violators).
    """
    offsets = [0.0]
    for i in range(1, len(widths)):
        offsets.append(offsets[-1] + (widths[i - 1] + widths[i]) / 2 + H_GAP)
    targets = [w - o for w, o in zip(wanted, offsets)]
    blocks: list[list[float]] = []  # [mean, count]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    z: list[float] = []
    for mean, count in blocks:
        z += [mean] * int(count)
    return [o + v for o, v in zip(offsets, z)]


def _place_label(
    points: list[tuple[float, float]],
    label: str,
    chain: list[str],
    level_of: dict[str, int],
    depth: dict[str, int],
    edge: Edge,
    placed: list[Rect],
    others: list[tuple[Point, Point]],
) -> Rect:
    """Where an edge's label goes: on its reserved slot if it skips layers, else on its one
    segment, at the spot that overlaps the fewest boxes, labels and other edges (so that a label
    never sits on a crossing when it can be moved off it)."""
    w, h = _label_size(label)
    if chain:
        middle = (depth[edge.source] + depth[edge.target]) // 2
        k = next(i for i, s in enumerate(chain) if level_of[s] == middle)
        (cx, bottom), (_, top) = points[2 * k + 1], points[2 * k + 2]
        return (cx - w / 2, (top + bottom) / 2 - h / 2, w, h)
    (x0, y0), (x1, y1) = points[0], points[-1]
    best, best_cost = None, float("inf")
    for t in (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82):
        cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        rect = (cx - w / 2, cy - h / 2, w, h)
        cost = sum(_overlap_area(rect, other) for other in placed)
        cost += 50.0 * sum(_segment_hits_rect(p, q, rect) for p, q in others)
        if cost == 0:
            return rect
        if cost < best_cost:
            best, best_cost = rect, cost
    assert best is not None
    return best


def _segment_hits_rect(
    p: tuple[float, float], q: tuple[float, float], rect: tuple[float, float, float, float]
) -> bool:
    """Whether the segment p-q passes through the rectangle (Liang-Barsky clipping)."""
    x, y, w, h = rect
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for step, distance in (
        (-dx, p[0] - x),
        (dx, x + w - p[0]),
        (-dy, p[1] - y),
        (dy, y + h - p[1]),
    ):
        if step == 0:
            if distance < 0:
                return False
            continue
        t = distance / step
        if step < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _levels(nodes: tuple[Node, ...], edges: tuple[Edge, ...]) -> dict[str, int]:
    """Each op node's layer is its depth from the inputs; an input sits one layer below the
    lowest node it feeds, so a bias used near the top is drawn there, not at the bottom."""
    level = {n.name: n.depth for n in nodes}
    for n in nodes:
        if n.is_input:
            consumers = [level[e.target] for e in edges if e.source == n.name]
            level[n.name] = max(min(consumers, default=1) - 1, 0)
    return level


def box_lines(node: Node, scalar: bool) -> tuple[str, ...]:
    """The lines of text in a node's box: name and formula, op, value, gradient."""
    title = node.name if node.is_input else f"{node.name} = {node.formula}"
    if scalar:
        return (
            _clip(title),
            node.op_label,
            _("value {value}").format(value=format_number(node.value)),
            _("grad  {grad}").format(grad=format_number(node.grad)),
        )
    shape = "x".join(map(str, node.shape)) or _("scalar")
    return (
        _clip(title),
        f"{node.op_label} {shape}",
        _("norm {norm}").format(norm=format_number(node.norm)),
        _("grad norm {norm}").format(norm=format_number(node.grad_norm)),
    )


def edge_label(edge: Edge) -> str:
    """An edge's label: its local partial's value (its formula for tensors)."""
    return format_number(edge.value) if edge.value is not None else _clip(edge.formula, 18)


def node_kind(node: Node, output: str) -> str:
    """``input``, ``op`` or ``output``: the box's colour."""
    if node.name == output:
        return "output"
    return "input" if node.is_input else "op"


#: Token patterns for ``_clip``, coarse first: whole names (``layer2.weight``, ``inst(5, 3)``),
#: numbers and single symbols; then the parts of one long name between dots and underscores.
_CLIP_TOKENS = (
    re.compile(r"[A-Za-z_][\w.]*(?:\([^()]*\))?|\d[\w.]*|\s+|."),
    re.compile(r"[A-Za-z0-9]+|."),
)


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters with a ``~`` where tokens were left out.

    Both ends are kept (long names often differ only at the end: loss_layer_1, loss_layer_2)
    and no name is cut in the middle, unless one name alone is too long.

    >>> _clip("(.) @ layer2.weight", 18), _clip("(.)^T @ inst(5, 3) + bias_of_layer", 18)
    ('(.)~layer2.weight', '(.)~bias_of_layer')
    """
    if len(text) <= limit:
        return text
    for pattern in _CLIP_TOKENS:
        clipped = _clip_tokens(pattern.findall(text), limit)
        if clipped is not None:
            return clipped
    head = (limit - 1) // 2  # one unbroken run of letters: cut it, keeping both ends
    return text[:head] + "~" + text[len(text) - (limit - 1 - head) :]


def _clip_tokens(tokens: list[str], limit: int) -> str | None:
    """Whole tokens from both ends, alternately, while they fit; None if neither end fits."""
    budget = limit - 1  # one character for the "~"
    head: list[str] = []
    tail: list[str] = []
    lo, hi, used = 0, len(tokens) - 1, 0
    open_ends = {"head", "tail"}
    turn = "head"
    while lo <= hi and open_ends:
        if turn not in open_ends:
            turn = next(iter(open_ends))
        token = tokens[lo] if turn == "head" else tokens[hi]
        if used + len(token) > budget:
            open_ends.discard(turn)
        else:
            used += len(token)
            if turn == "head":
                head.append(token)
                lo += 1
            else:
                tail.append(token)
                hi -= 1
        turn = "tail" if turn == "head" else "head"
    start, end = "".join(head).rstrip(), "".join(reversed(tail)).lstrip()
    if not (start.strip() and end.strip()):
        return None
    return f"{start}~{end}"


def _box_size(lines: tuple[str, ...]) -> tuple[float, float]:
    chars = max(display_width(line) for line in lines)  # a CJK character takes two
    return chars * FONT_SIZE * CHAR_WIDTH + 2 * PADDING, len(lines) * LINE_HEIGHT + 2 * PADDING


def _label_size(label: str) -> tuple[float, float]:
    return display_width(label) * LABEL_SIZE * CHAR_WIDTH + 6.0, LABEL_SIZE + 5.0


def _rects_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return _overlap_area(a, b) > 0


def _overlap_area(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    dx = min(ax + aw, bx + bw) - max(ax, bx)
    dy = min(ay + ah, by + bh) - max(ay, by)
    return dx * dy if dx > 0 and dy > 0 else 0.0
