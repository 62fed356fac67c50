"""Drawings of the graph: DOT text for Graphviz, SVG written here, PNG through matplotlib.

The layout is layered, as the lecture draws it: the inputs at the bottom, the output at the
top, each op node in the layer of its depth from the inputs (an input sits just below the
lowest node it feeds, so a bias used near the top is drawn near the top). Within a layer the
order comes from a few barycenter sweeps (fewer crossings); an edge that skips layers goes
straight up through a reserved slot in each layer it crosses, so it never runs through a box.
Positions within a layer keep a minimum gap, so boxes never overlap. Each box shows the node's
name and formula, its op, its value and its gradient; each edge carries its local partial.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chainrule.errors import ConfigError
from chainrule.explain import escape
from chainrule.explain.graph import Edge, Graph, Node, format_number
from chainrule.serialization import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

    #: What a drawing needs: the graph, with each node's value and gradient (an explanation
    #: is accepted for its graph).
    Drawable = Graph | Explanation

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

_FILL = {"input": "#dbe9f6", "output": "#fde3c8", "op": "#f4f4f4"}


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


# ---- public ---------------------------------------------------------------------------------
def graph_of(what: Drawable) -> Graph:
    """The graph to draw: ``what`` itself, or an explanation's graph."""
    return what if isinstance(what, Graph) else what.graph


def to_dot(expl: Drawable) -> str:
    """The graph as Graphviz DOT text (inputs at the bottom, edges labelled by local partials).

    >>> from chainrule.explain import derive
    >>> dot = to_dot(derive("y = x1 * x2", at={"x1": 2, "x2": 3}))
    >>> '"x1" -> "y" [label="3"];' in dot
    True
    """
    g = graph_of(expl)
    lines = [
        "digraph chainrule {",
        "  rankdir=BT;",
        '  node [shape=box, style="rounded,filled", fontname="monospace", fillcolor="#f4f4f4"];',
        '  edge [fontname="monospace", fontsize=10];',
    ]
    for node in g.nodes:
        label = "\\n".join(escape.dot(s) for s in _box_lines(node, g.scalar))
        fill = _FILL[_kind(node, g.output)]
        lines.append(f'  "{escape.dot(node.name)}" [label="{label}", fillcolor="{fill}"];')
    for e in g.edges:
        label = escape.dot(_edge_label(e))
        lines.append(f'  "{escape.dot(e.source)}" -> "{escape.dot(e.target)}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(expl: Drawable) -> str:
    """The graph as a standalone SVG document (no external program needed).

    >>> from chainrule.explain import derive
    >>> to_svg(derive("y = x1 * x2", at={"x1": 2, "x2": 3})).startswith("<svg")
    True
    """
    lay = layout(expl)
    w, h = _ceil(lay.width), _ceil(lay.height)
    # Ids are global in an HTML page that holds several drawings: one from the drawing's own
    # content keeps them apart and the output reproducible.
    arrow = "chainrule-arrow-" + hashlib.sha1(to_dot(expl).encode()).hexdigest()[:10]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" '
        'xml:space="preserve">',
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#666"/></marker></defs>',
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="white"/>',
    ]
    for r in lay.routes:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in r.points)
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="#888" stroke-width="1.2" '
            f'marker-end="url(#{arrow})"/>'
        )
    for r in lay.routes:
        x, y, bw, bh = r.label_box
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" rx="2" '
            'fill="white" fill-opacity="0.9" stroke="#ccc" stroke-width="0.5"/>'
        )
        out.append(
            f'<text x="{x + bw / 2:.1f}" y="{y + bh / 2:.1f}" font-size="{LABEL_SIZE}" '
            'fill="#a33" text-anchor="middle" dominant-baseline="central">'
            f"{escape.xml(r.label)}</text>"
        )
    for b in lay.boxes.values():
        out.append(f"<g><title>{escape.xml(b.name)}</title>")
        out.append(
            f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.width:.1f}" height="{b.height:.1f}" '
            f'rx="5" fill="{_FILL[b.kind]}" stroke="#555" stroke-width="1"/>'
        )
        for i, line in enumerate(b.lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            y = b.y + PADDING + LINE_HEIGHT * (i + 0.5)
            out.append(
                f'<text x="{b.x + PADDING:.1f}" y="{y:.1f}" dominant-baseline="central"'
                f"{weight}>{escape.xml(line)}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_png(expl: Drawable, dpi: float = 144.0) -> bytes:
    """The graph as PNG bytes, drawn with matplotlib's Agg canvas (no window, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    lay = layout(expl)
    dpi = min(dpi, 8000 * 72 / max(lay.width, lay.height))  # at most 8000 pixels a side
    fig = Figure(figsize=(lay.width / 72, lay.height / 72), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)
    ax.axis("off")
    family = "DejaVu Sans Mono"
    for r in lay.routes:
        ax.add_patch(
            FancyArrowPatch(
                path=MplPath(list(r.points)),
                arrowstyle="-|>",
                mutation_scale=9,
                color="#888",
                linewidth=1.0,
                shrinkA=0,
                shrinkB=0,
            )
        )
    for r in lay.routes:
        x, y, bw, bh = r.label_box
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                bw,
                bh,
                boxstyle="round,pad=0,rounding_size=2",
                facecolor="white",
                edgecolor="#ccc",
                linewidth=0.5,
                alpha=0.9,
            )
        )
        ax.text(
            x + bw / 2,
            y + bh / 2,
            escape.mathtext(r.label),
            fontsize=LABEL_SIZE,
            family=family,
            color="#a33",
            ha="center",
            va="center",
        )
    for b in lay.boxes.values():
        ax.add_patch(
            FancyBboxPatch(
                (b.x, b.y),
                b.width,
                b.height,
                boxstyle="round,pad=0,rounding_size=5",
                facecolor=_FILL[b.kind],
                edgecolor="#555",
                linewidth=1,
            )
        )
        for i, line in enumerate(b.lines):
            ax.text(
                b.x + PADDING,
                b.y + PADDING + LINE_HEIGHT * (i + 0.5),
                escape.mathtext(line),
                fontsize=FONT_SIZE,
                family=family,
                va="center",
                ha="left",
                fontweight="bold" if i == 0 else "normal",
            )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def write_graph(expl: Drawable, path: str | os.PathLike[str]) -> Path:
    """Write the drawing to ``path``; the extension picks the format: .svg, .png or .dot.

    >>> import tempfile, pathlib
    >>> from chainrule.explain import derive
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "graph.dot"
    >>> write_graph(derive("y = x1 * x2", at={"x1": 2, "x2": 3}), out).read_text()[:7]
    'digraph'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".dot", ".png"):
        raise ConfigError(f"cannot draw the graph as {path.name!r}: use a .svg, .png or .dot file")
    if not path.parent.is_dir():
        raise ConfigError(f"cannot write the graph to {path}: no folder {path.parent}")
    try:
        if suffix == ".png":
            return atomic_write_bytes(path, to_png(expl))
        return atomic_write_text(path, to_svg(expl) if suffix == ".svg" else to_dot(expl))
    except OSError as exc:  # e.g. a folder we may not write to
        raise ConfigError(f"cannot write the graph to {path}: {exc.strerror or exc}") from None


# ---- layout ---------------------------------------------------------------------------------
def layout(expl: Drawable) -> Layout:
    """Boxes and edge routes for the graph; no two boxes overlap."""
    g = graph_of(expl)
    nodes = {n.name: n for n in g.nodes}
    sizes = {n.name: _box_size(_box_lines(n, g.scalar)) for n in g.nodes}
    labels = {id(e): _edge_label(e) for e in g.edges}

    # Layers, with a chain of placeholders for every edge that skips layers.
    depth = _levels(g.nodes, g.edges)
    top = max(depth.values())
    layers: list[list[str]] = [[] for _ in range(top + 1)]
    for n in g.nodes:
        layers[depth[n.name]].append(n.name)
    below: dict[str, list[str]] = {n: [] for n in depth}  # neighbours one layer down
    above: dict[str, list[str]] = {n: [] for n in depth}
    chains: dict[int, list[str]] = {}
    width = dict((n, s[0]) for n, s in sizes.items())
    for k, e in enumerate(g.edges):
        previous = e.source
        chain = []
        middle = (depth[e.source] + depth[e.target]) // 2
        for level in range(depth[e.source] + 1, depth[e.target]):
            slot = f"\0{k}:{level}"
            chain.append(slot)
            layers[level].append(slot)
            label_width = _label_size(labels[id(e)])[0] if level == middle else 0.0
            width[slot] = max(12.0, label_width)
            below[slot], above[slot] = [], []
            above[previous].append(slot)
            below[slot].append(previous)
            previous = slot
        above[previous].append(e.target)
        below[e.target].append(previous)
        chains[id(e)] = chain

    _order_layers(layers, below, above)
    x = _place(layers, width, below, above)

    layer_height = max(s[1] for s in sizes.values())
    # The gap above each layer grows with the number of edges crossing it, for their labels.
    crossing = [0] * (top + 1)
    for e in g.edges:
        for level in range(depth[e.source], depth[e.target]):
            crossing[level] += 1
    gap = [V_GAP + min(GAP_PER_EDGE * max(crossing[level] - 4, 0), V_GAP) for level in range(top)]
    y_top = {top: MARGIN}
    for level in range(top - 1, -1, -1):
        y_top[level] = y_top[level + 1] + layer_height + gap[level]
    boxes: dict[str, Box] = {}
    for level, names in enumerate(layers):
        for name in names:
            if name in nodes:
                w, h = sizes[name]
                y = y_top[level] + (layer_height - h) / 2
                boxes[name] = Box(
                    name,
                    x[name] - w / 2,
                    y,
                    w,
                    h,
                    _box_lines(nodes[name], g.scalar),
                    _kind(nodes[name], g.output),
                )
    level_of = {name: level for level, names in enumerate(layers) for name in names}

    def slot_points(slot: str) -> list[Point]:
        """An edge crosses a layer straight up through its slot, so no box is ever in its way."""
        top_y = y_top[level_of[slot]]
        return [(x[slot], top_y + layer_height), (x[slot], top_y)]

    # Spread the ends of the edges along the top and bottom of each box.
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

    # Each segment crosses the gap above one layer; labels look only at their own gap.
    polylines = {}
    segments: dict[int, list[tuple[int, Point, Point]]] = {level: [] for level in range(top + 1)}
    rects: dict[int, list[Rect]] = {level: [] for level in range(top + 1)}
    for e in g.edges:
        source, target = boxes[e.source], boxes[e.target]
        points = [(ends[(id(e), "out")], source.y)]
        for slot in chains[id(e)]:
            points += slot_points(slot)
        points.append((ends[(id(e), "in")], target.y + target.height))
        polylines[id(e)] = points
        for k in range(0, len(points) - 1, 2):  # the slanted segments, one per gap
            segments[depth[e.source] + k // 2].append((id(e), points[k], points[k + 1]))
    for name, box in boxes.items():
        rect = (box.x, box.y, box.width, box.height)
        rects[level_of[name]].append(rect)
        if level_of[name] > 0:
            rects[level_of[name] - 1].append(rect)
    routes = []
    for e in g.edges:
        points = polylines[id(e)]
        gap = depth[e.source]
        others = [(p, q) for k, p, q in segments[gap] if k != id(e)]
        label = labels[id(e)]
        label_box = _place_label(
            points, label, chains[id(e)], level_of, depth, e, rects[gap], others
        )
        if not chains[id(e)]:  # a label on a reserved slot is clear of every gap
            rects[gap].append(label_box)
        routes.append(Route(e, tuple(points), label, label_box))

    width_total = max([b.x + b.width for b in boxes.values()] + [x[s] for s in x]) + MARGIN
    height_total = y_top[0] + layer_height + MARGIN
    return Layout(boxes, tuple(routes), width_total, height_total)


def _order_layers(
    layers: list[list[str]], below: dict[str, list[str]], above: dict[str, list[str]]
) -> None:
    """Barycenter sweeps, up then down, to reduce crossings (in place)."""
    for _ in range(6):
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


# ---- small pieces ---------------------------------------------------------------------------
def _box_lines(node: Node, scalar: bool) -> tuple[str, ...]:
    title = node.name if node.is_input else f"{node.name} = {node.formula}"
    if scalar:
        return (
            _clip(title),
            node.op,
            f"value {format_number(node.value)}",
            f"grad  {format_number(node.grad)}",
        )
    shape = "x".join(map(str, node.shape)) or "scalar"
    return (
        _clip(title),
        f"{node.op} {shape}",
        f"norm {format_number(node.norm)}",
        f"grad norm {format_number(node.grad_norm)}",
    )


def _edge_label(edge: Edge) -> str:
    return format_number(edge.value) if edge.value is not None else _clip(edge.formula, 18)


def _kind(node: Node, output: str) -> str:
    if node.name == output:
        return "output"
    return "input" if node.is_input else "op"


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    # both ends kept: long names often differ only at the end (loss_layer_1, loss_layer_2)
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "~" + text[len(text) - (limit - 1 - head) :]


def _box_size(lines: tuple[str, ...]) -> tuple[float, float]:
    chars = max(len(line) for line in lines)
    return chars * FONT_SIZE * CHAR_WIDTH + 2 * PADDING, len(lines) * LINE_HEIGHT + 2 * PADDING


def _label_size(label: str) -> tuple[float, float]:
    return len(label) * LABEL_SIZE * CHAR_WIDTH + 6.0, LABEL_SIZE + 5.0


def _rects_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return _overlap_area(a, b) > 0


def _overlap_area(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    dx = min(ax + aw, bx + bw) - max(ax, bx)
    dy = min(ay + ah, by + bh) - max(ay, by)
    return dx * dy if dx > 0 and dy > 0 else 0.0


def _ceil(value: float) -> int:
    return int(-(-value // 1))
