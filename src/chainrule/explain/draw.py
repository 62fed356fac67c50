"""Drawings of the graph: DOT text for Graphviz, SVG written here, PNG through matplotlib.

Each works from the graph alone (an explanation is accepted for its graph); where the boxes
and edges go is :mod:`chainrule.explain.layout`'s job. Names reach each format through its
rule in :mod:`chainrule.explain.escape`.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainrule.errors import ConfigError
from chainrule.explain import escape
from chainrule.explain.graph import Graph
from chainrule.explain.layout import (
    FONT_FAMILY,
    FONT_SIZE,
    LABEL_SIZE,
    LINE_HEIGHT,
    PADDING,
    Layout,
    box_lines,
    edge_label,
    graph_of,
    layout,
    node_kind,
)
from chainrule.fonts import figure_language
from chainrule.serialization import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

    #: What a drawing needs: the graph, with each node's value and gradient (an explanation
    #: is accepted for its graph).
    Drawable = Graph | Explanation

__all__ = ["graph_of", "layout", "to_dot", "to_png", "to_svg", "write_graph"]

_FILL = {"input": "#dbe9f6", "output": "#fde3c8", "op": "#f4f4f4"}


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
        label = "\\n".join(escape.dot(s) for s in box_lines(node, g.scalar))
        fill = _FILL[node_kind(node, g.output)]
        lines.append(f'  "{escape.dot(node.name)}" [label="{label}", fillcolor="{fill}"];')
    for e in g.edges:
        label = escape.dot(edge_label(e))
        lines.append(f'  "{escape.dot(e.source)}" -> "{escape.dot(e.target)}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(expl: Drawable) -> str:
    """The graph as a standalone SVG document (no external program needed).

    >>> from chainrule.explain import derive
    >>> to_svg(derive("y = x1 * x2", at={"x1": 2, "x2": 3})).startswith("<svg")
    True
    """
    lay = layout(graph_of(expl))
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
    """The graph as PNG bytes, drawn with matplotlib's Agg canvas (no window, no pyplot), in
    the current language: a CJK font behind the monospace one for Chinese, English (and one
    warning) where none is installed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with figure_language():
        lay = layout(graph_of(expl))
        dpi = min(dpi, 8000 * 72 / max(lay.width, lay.height))  # at most 8000 pixels a side
        fig = Figure(figsize=(lay.width / 72, lay.height / 72), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, lay.width)
        ax.set_ylim(lay.height, 0)
        ax.axis("off")
        _png_edges(ax, lay)
        _png_boxes(ax, lay)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


# Monospace first; matplotlib takes a glyph it lacks (a Chinese word) from the sans-serif
# families, which figure_language leads with a CJK font.
_PNG_FONT = ["DejaVu Sans Mono", "sans-serif"]


def _png_edges(ax: Any, lay: Layout) -> None:
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    for r in lay.routes:
        arrow = FancyArrowPatch(
            path=MplPath(list(r.points)),
            arrowstyle="-|>",
            mutation_scale=9,
            color="#888",
            linewidth=1.0,
            shrinkA=0,
            shrinkB=0,
        )
        ax.add_patch(arrow)
    for r in lay.routes:
        x, y, bw, bh = r.label_box
        style = "round,pad=0,rounding_size=2"
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                bw,
                bh,
                boxstyle=style,
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
            family=_PNG_FONT,
            color="#a33",
            ha="center",
            va="center",
        )


def _png_boxes(ax: Any, lay: Layout) -> None:
    from matplotlib.patches import FancyBboxPatch

    for b in lay.boxes.values():
        style = "round,pad=0,rounding_size=5"
        ax.add_patch(
            FancyBboxPatch(
                (b.x, b.y),
                b.width,
                b.height,
                boxstyle=style,
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
                family=_PNG_FONT,
                va="center",
                ha="left",
                fontweight="bold" if i == 0 else "normal",
            )


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


def _ceil(value: float) -> int:
    return int(-(-value // 1))
