"""The HTML building blocks: escaping, tables, inline images, the lecture's notation."""

from __future__ import annotations

import base64
import re

import pytest

from chainrule.errors import ConfigError
from chainrule.report.html import Markup, escape, img_png, notation, page, table, tag


def test_text_is_escaped_and_markup_is_not():
    assert escape("<a & b>") == "&lt;a &amp; b&gt;"
    assert escape(Markup("<b>x</b>")) == "<b>x</b>"
    assert tag("p", "1 < 2", Markup("<i>ok</i>"), cls="n") == '<p class="n">1 &lt; 2<i>ok</i></p>'


def test_table_right_aligns_numeric_columns():
    html = table(["name", "value"], [["x", 1.5]], numeric=[1], caption="a <caption>")
    assert '<th class="num">value</th>' in html
    assert '<td class="num">1.5</td>' in html
    assert "<caption>a &lt;caption&gt;</caption>" in html


def test_png_is_embedded_as_a_data_uri():
    data = b"\x89PNG\r\n\x1a\nrest"
    html = img_png(data, 'a "figure"')
    assert html.startswith('<img src="data:image/png;base64,')
    encoded = html.split("base64,")[1].split('"')[0]
    assert base64.b64decode(encoded) == data
    assert 'alt="a &quot;figure&quot;"' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("w_jk^(l)", "w<sub>jk</sub><sup>(l)</sup>"),
        ("(W^(l+1))^T", "(W<sup>(l+1)</sup>)<sup>T</sup>"),
        ("Σ_k a_k^(l−1)", "Σ<sub>k</sub> a<sub>k</sub><sup>(l−1)</sup>"),
        ("N(0, 1/n_in)", "N(0, 1/n<sub>in</sub>)"),
        ("backward() & val_size", "backward() &amp; val_size"),
    ],
)
def test_notation(text, expected):
    assert notation(text) == expected


def test_page_is_a_whole_document_with_inline_style():
    html = page("t <1>", Markup("<p>body</p>"))
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>t &lt;1&gt;</title>" in html
    assert "<style>" in html and "<link" not in html
    assert "<p>body</p>" in html


def test_prepare_out_refuses_a_file(tmp_path):
    from chainrule.report import prepare_out

    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ConfigError, match="not a folder"):
        prepare_out(path)
    assert prepare_out(tmp_path / "new" / "dir").is_dir()


def test_report_templates_count_epochs_with_the_counted_filter():
    """Issue 17: one plural rule for every template: "1 epoch", never "1 epochs"."""
    from importlib import resources

    from chainrule.report.html import environment

    render = environment(text=True).from_string('{{ n | counted("epoch") }}').render
    assert (render(n=1), render(n=30)) == ("1 epoch", "30 epochs")
    folder = resources.files("chainrule.report") / "templates"
    for template in folder.iterdir():
        if template.name.endswith(".j2"):
            text = template.read_text("utf-8")
            assert not re.search(r"\}\}\s*epochs?\b", text), template.name
