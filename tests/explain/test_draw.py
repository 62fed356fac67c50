"""DOT, SVG and PNG drawings, and the layout's geometry."""

from __future__ import annotations

import io
import itertools
import re
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule import fonts
from chainrule.errors import ConfigError
from chainrule.explain import derive, to_dot, to_png, to_svg, trace, write_graph
from chainrule.explain.draw import layout
from chainrule.explain.layout import CHAR_WIDTH, FONT_SIZE
from chainrule.i18n import language
from chainrule.wording import display_width

SVG = "{http://www.w3.org/2000/svg}"
LECTURE = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})


def scalar_network():
    """A 2-2-3-1 network of scalar tensors with a squared-error loss: 39 nodes, 42 edges."""
    rng = np.random.default_rng(0)

    def leaf(value: float, name: str) -> cr.Tensor:
        return cr.tensor(np.float64(value), requires_grad=True, name=name)

    x = [leaf(0.5, "x1"), leaf(-1.0, "x2")]
    hidden = []
    for j in range(1, 4):
        w = [leaf(rng.normal(), f"w{j}{k}") for k in (1, 2)]
        hidden.append(cr.sigmoid(w[0] * x[0] + w[1] * x[1] + leaf(0.1, f"b{j}")))
    v = [leaf(rng.normal(), f"v{j}") for j in range(1, 4)]
    out = v[0] * hidden[0] + v[1] * hidden[1] + v[2] * hidden[2] + leaf(0.0, "c")
    return trace((out - 1.0) ** 2 * 0.5)


def vector_network():
    rng = np.random.default_rng(1)
    x = cr.tensor(rng.normal(size=(4, 3)), name="X")
    w1 = cr.tensor(rng.normal(size=(5, 3)), requires_grad=True, name="W1")
    b1 = cr.tensor(np.zeros(5), requires_grad=True, name="b1")
    w2 = cr.tensor(rng.normal(size=(1, 5)), requires_grad=True, name="W2")
    h = cr.tanh(cr.linear(x, w1, b1))
    return trace(cr.mean((cr.linear(h, w2) - 1.0) ** 2))


def test_dot_has_every_node_and_edge() -> None:
    dot = to_dot(LECTURE)
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    for node in LECTURE.graph.nodes:
        assert f'"{node.name}" [label="' in dot
    for edge in LECTURE.graph.edges:
        assert f'"{edge.source}" -> "{edge.target}" [label="' in dot
    assert dot.count(" -> ") == len(LECTURE.graph.edges)
    assert '"a" [label="a = x1 + x2\\nAdd\\nvalue 3\\ngrad  3"' in dot


def test_dot_escapes_names() -> None:
    a = cr.tensor(1.0, requires_grad=True, name='say "hi"\\')
    dot = to_dot(trace(a * 2))
    assert '"say \\"hi\\"\\\\"' in dot


@pytest.mark.parametrize("make", [lambda: LECTURE, scalar_network, vector_network])
def test_svg_is_valid_xml_with_every_node(make) -> None:
    e = make()
    root = ET.fromstring(to_svg(e))
    assert root.tag == f"{SVG}svg"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for node in e.graph.nodes:
        assert any(t and t.startswith(node.name) for t in texts)
    assert len(list(root.iter(f"{SVG}polyline"))) == len(e.graph.edges)


def test_png_is_a_png_matplotlib_can_read() -> None:
    import matplotlib.image

    data = to_png(LECTURE)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def test_write_graph_picks_the_format_by_extension(tmp_path) -> None:
    assert write_graph(LECTURE, tmp_path / "g.svg").read_text().startswith("<svg")
    assert write_graph(LECTURE, tmp_path / "g.DOT").read_text().startswith("digraph")
    assert write_graph(LECTURE, tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ConfigError):
        write_graph(LECTURE, tmp_path / "g.pdf")
    # a missing folder is a one-line ConfigError naming the path, not a raw FileNotFoundError
    with pytest.raises(ConfigError, match="no folder"):
        write_graph(LECTURE, tmp_path / "missing" / "g.svg")


@pytest.mark.parametrize("make", [scalar_network, vector_network])
def test_layout_has_no_overlapping_boxes_or_labels(make) -> None:
    e = make()
    lay = layout(e)
    boxes = list(lay.boxes.values())
    assert len(boxes) == len(e.graph.nodes)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a.name, b.name)
    rects = [(b.x, b.y, b.width, b.height) for b in boxes] + [r.label_box for r in lay.routes]
    for (i, a), (j, b) in itertools.combinations(enumerate(rects), 2):
        assert not _intersect(a, b), (i, j)
    for b in boxes:  # everything inside the drawing
        assert b.x >= 0 and b.y >= 0 and b.x + b.width <= lay.width
        assert b.y + b.height <= lay.height


def test_thirty_node_graph_is_layered_outputs_on_top() -> None:
    e = scalar_network()
    assert len(e.graph.nodes) >= 30
    lay = layout(e)
    for route in lay.routes:  # every edge goes up, from the top of its source box
        y0, y1 = route.points[0][1], route.points[-1][1]
        assert y1 < y0
        assert y0 == lay.boxes[route.edge.source].y
        target = lay.boxes[route.edge.target]
        assert y1 == target.y + target.height
    top = lay.boxes[e.output]
    assert all(top.y <= b.y for b in lay.boxes.values())


def _intersect(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return min(ax + aw, bx + bw) > max(ax, bx) and min(ay + ah, by + bh) > max(ay, by)


@pytest.mark.parametrize("make", [scalar_network, vector_network, lambda: LECTURE])
def test_edges_do_not_run_through_other_boxes(make) -> None:
    from chainrule.explain.layout import _segment_hits_rect

    lay = layout(make())
    for route in lay.routes:
        ends = {route.edge.source, route.edge.target}
        for p, q in itertools.pairwise(route.points):
            for box in lay.boxes.values():
                if box.name in ends:
                    continue
                rect = (box.x, box.y, box.width, box.height)
                assert not _segment_hits_rect(p, q, rect), (route.edge, box.name)


def test_two_drawings_in_one_page_have_distinct_ids_and_each_is_reproducible() -> None:
    first = to_svg(derive("y = x1 * x2", at={"x1": 2, "x2": 3}))
    second = to_svg(derive("y = x1 + x2", at={"x1": 2, "x2": 3}))
    ids = [re.findall(r'id="([^"]+)"', svg) for svg in (first, second)]
    assert ids[0] and ids[1] and not set(ids[0]) & set(ids[1])
    assert first == to_svg(derive("y = x1 * x2", at={"x1": 2, "x2": 3}))


def test_long_names_keep_both_ends_in_their_boxes() -> None:
    a = cr.tensor(1.0, requires_grad=True, name="activation_of_the_first_hidden_layer_1")
    b = cr.tensor(2.0, requires_grad=True, name="activation_of_the_first_hidden_layer_2")
    svg = to_svg(trace(a * b))
    texts = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    titles = [t for t in texts if t and t.startswith("activation_of")]
    assert len(titles) == 2 and len(set(titles)) == 2 and all("~" in t for t in titles)


def test_drawing_needs_the_graph_alone() -> None:
    """Every drawing works from the graph (an explanation is accepted for its graph)."""
    g = LECTURE.graph
    assert to_dot(g) == to_dot(LECTURE)
    assert to_svg(g) == to_svg(LECTURE)
    assert layout(g) == layout(LECTURE)
    assert to_png(g)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("text", "limit", "whole"),
    [
        ("(.) @ layer2.weight", 18, "layer2.weight"),
        ("(.)^T @ inst(5, 3) + layer2.bias", 18, "layer2.bias"),
        ("h1 = sigmoid(z1) + classifier.weight", 30, "classifier.weight"),
    ],
)
def test_clipped_labels_keep_names_whole(text, limit, whole) -> None:
    """Issue 17: an edge label or box title is cut between tokens, never inside a name."""
    from chainrule.explain.layout import _clip

    clipped = _clip(text, limit)
    assert len(clipped) <= limit and "~" in clipped
    assert whole in clipped
    for piece in clipped.split("~"):
        assert piece.strip() in text
        for name in re.findall(r"[A-Za-z_][\w.]*", piece):
            assert re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text), (name, clipped)


def test_box_words_follow_the_language_and_boxes_fit_them() -> None:
    with language("zh"):
        zh = layout(LECTURE)
    en = layout(LECTURE)
    assert zh.boxes["x1"].lines[1:] == ("输入", "值 1", "梯度 3")
    assert en.boxes["x1"].lines[1:] == ("input", "value 1", "grad  3")
    for box in zh.boxes.values():  # a Chinese character takes two columns' width
        widest = max(display_width(line) for line in box.lines)
        assert box.width >= widest * FONT_SIZE * CHAR_WIDTH


def test_a_chinese_png_draws_every_glyph() -> None:
    if fonts.cjk_family() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
    with warnings.catch_warnings(record=True) as caught, language("zh"):
        warnings.simplefilter("always")
        data = to_png(LECTURE)
    assert data[:4] == b"\x89PNG"
    assert [w for w in caught if "Glyph" in str(w.message)] == []


def test_a_chinese_png_without_a_cjk_font_warns_once_in_one_line(monkeypatch) -> None:
    monkeypatch.setattr(fonts, "cjk_family", lambda: None)
    fonts._warn_no_cjk_font.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught, language("zh"):
            warnings.simplefilter("always")
            to_png(LECTURE)
    finally:
        fonts._warn_no_cjk_font.cache_clear()
    assert [str(w.message) for w in caught] == [fonts.NO_CJK_FONT]
