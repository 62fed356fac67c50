"""The explanation as HTML (the notebook's and the lab report's): every table, the lecture's
numbers."""

from __future__ import annotations

from html.parser import HTMLParser

from chainrule.explain import derive
from chainrule.explain.render_html import render_html as explanation_html
from chainrule.explain.render_html import sym


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


LECTURE = derive("y = (x1 + x2) * (x2 + 1)", {"x1": 1, "x2": 2})


def test_subscripts():
    assert sym("x1") == "x<sub>1</sub>"
    assert sym("y") == "y"


def test_every_section_and_the_lecture_partials():
    html = explanation_html(LECTURE)
    text = text_of(html)
    assert "<svg" in html
    for caption in ("Forward values", "Local partials", "Reverse accumulation", "Per path"):
        assert caption in text
    assert "Forward mode" in text and "What each method costs" in text
    assert "∂y/∂x1 = 3" in text and "∂y/∂x2 = 6" in text
    # reverse accumulation row of x2: two terms, 3·1 + 3·1 = 6
    assert "∂y/∂a · ∂a/∂x2 + ∂y/∂b · ∂b/∂x2" in text
    assert "3·1 + 3·1" in text
    # the naive method recomputes ∂y/∂a on both paths through a
    assert "recomputed on each of the 2 paths" in text
    # products read from the top; a local partial into y is written with y's formula
    assert "∂(a * b)/∂a · ∂a/∂x1 = 3·1" in text
    assert "agree" in text


def test_short_form_leaves_out_paths_and_forward_mode():
    text = text_of(explanation_html(LECTURE, full=False))
    assert "Reverse accumulation" in text
    assert "Per path" not in text and "Forward mode" not in text


def test_powers_are_superscripts():
    html = explanation_html(derive("y = x1**2 + (x1 + x2)**2", {"x1": 1, "x2": 2}))
    assert "x<sub>1</sub><sup>2</sup>" in html
    assert "∂y/∂x1 = 8" in text_of(html)
