"""Names are text in every format: a hostile tensor name never becomes markup (issue 17, 7).

Each format has one escaping rule (``chainrule.explain.escape``); these tests render the
outputs the way a reader's tool would (CommonMark, an XML parser, LaTeX's line structure) and
check that the name stays inside the text it belongs to.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import chainrule as cr
from chainrule.explain import to_png, trace

HOSTILE = [
    "a``<img src=x onerror=alert(1)>``",
    "``` <img src=x onerror=alert(2)>",
    "`<img src=x onerror=alert(3)>`",
    "[link](javascript:alert(4))",
    "w\n<img src=x onerror=alert(5)>",
    "x|y<script>alert(6)</script>",
]


def _scalar(name: str):
    a = cr.tensor(2.0, requires_grad=True, name=name)
    b = cr.tensor(3.0, requires_grad=True, name="b")
    return trace(a * b + a)


def _tensor(name: str):
    w = cr.tensor([1.0, 2.0], requires_grad=True, name=name)
    return trace((w * w).sum())


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("make", [_scalar, _tensor])
def test_markdown_renders_no_live_html_or_links(name, make) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable("table")
    e = make(name)
    for text in (e.to_markdown(), e._repr_markdown_()):
        page = md.render(text)
        assert "<img" not in page and "<script" not in page, page
        assert "<a href" not in page, page


@pytest.mark.parametrize("name", HOSTILE)
def test_markdown_code_spans_close_where_they_should(name) -> None:
    """Every code span holds a whole formula: the name inside it comes out as written."""
    markdown_it = pytest.importorskip("markdown_it")
    e = _scalar(name)
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(e.to_markdown())
    spans = [
        child.content
        for token in tokens
        if token.children
        for child in token.children
        if child.type == "code_inline"
    ]
    flat = name.replace("\n", " ")
    assert any(flat in span for span in spans), spans


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("make", [_scalar, _tensor])
def test_html_escapes_names(name, make) -> None:
    e = make(name)
    page = e._repr_html_()
    assert "<img" not in page and "<script" not in page


@pytest.mark.parametrize("name", [*HOSTILE, "\\input{/etc/passwd}", "a\n\\input{x}", "x}$y%z"])
def test_latex_keeps_names_inside_their_text(name) -> None:
    tex = _scalar(name).to_latex()
    assert not re.search(r"(^|[^\\])\\input", tex), tex
    assert tex.count("{") - tex.count("\\{") == tex.count("}") - tex.count("\\}")
    assert not any(line.startswith("<img") for line in tex.splitlines())


@pytest.mark.parametrize("name", [*HOSTILE, 'q"uote\\', "ctl\x01\x1bchar"])
def test_svg_is_well_formed_and_dot_labels_are_quoted(name) -> None:
    e = _scalar(name)
    root = ET.fromstring(e.to_svg())  # raises on a broken document
    assert not root.findall(".//{http://www.w3.org/2000/svg}img")
    assert "<img" not in e.to_svg()
    for line in e.to_dot().splitlines()[4:-1]:
        # each statement is one line: quoted strings with escaped quotes, ending in ];
        assert line.rstrip().endswith("];"), line
        assert re.fullmatch(r'\s*("([^"\\]|\\.)*"( -> )?)+ \[[^\n]*\];', line), line


def test_png_labels_are_text_not_mathtext() -> None:
    """matplotlib reads ``$...$`` as mathtext: a name holding dollars is drawn as written."""
    e = _scalar(r"a$\frac{$b")
    assert e.graph.nodes[0].name == r"a$\frac{$b"
    assert to_png(e.graph)[:8] == b"\x89PNG\r\n\x1a\n"
