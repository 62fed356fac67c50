"""The lab report in Chinese: the page, the summary and the figures, with every glyph drawn."""

from __future__ import annotations

import warnings

import pytest

from chainrule import fonts
from chainrule.diagnostics.plots import figure_bytes, new_figure
from chainrule.i18n import language
from chainrule.report import render_summary
from chainrule.report.lab_figures import lab_figures
from chainrule.report.lab_html import render_lab_html

MISSING_GLYPH = ("missing from font", "Glyph")


def glyph_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    texts = [str(w.message) for w in caught]
    return [t for t in texts if any(words in t for words in MISSING_GLYPH)]


def test_the_page_is_chinese_and_says_so(quick_lab):
    page = render_lab_html(quick_lab, lang="zh")
    assert '<html lang="zh">' in page
    for words in (
        "复合函数求导",
        "反向传播算法",
        "梯度消失与梯度爆炸",
        "批标准化",
        "学习率",
        "残差",
    ):
        assert words in page, words
    assert "<title>chainrule 实验：看得见的反向传播</title>" in page
    assert "Composite functions" not in page and "Remedy." not in page


def test_the_summary_is_chinese_with_the_same_numbers(quick_lab):
    zh, en = render_summary(quick_lab, lang="zh"), render_summary(quick_lab, lang="en")
    assert zh.startswith("chainrule 实验（快速运行，随机种子 0）")
    assert len(zh.splitlines()) == len(en.splitlines())
    assert "dy/dx1 = 3, dy/dx2 = 6" in zh and "dy/dx1 = 3, dy/dx2 = 6" in en


def test_a_chinese_figure_draws_every_glyph(quick_lab):
    if fonts.cjk_family() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
    with warnings.catch_warnings(record=True) as caught, language("zh"):
        warnings.simplefilter("always")
        files = lab_figures(quick_lab)
    assert glyph_warnings(caught) == []
    assert all(f.png.startswith(b"\x89PNG") for f in files.values())
    assert files["vanishing"].title == "深层 logistic 网络各层的学习速度"


def test_without_the_cjk_font_matplotlib_would_warn():
    """The check above can fail: the same words in the default font lack their glyphs."""
    fig = new_figure(3, 2)
    fig.add_subplot().set_title("梯度消失")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure_bytes(fig)
    assert glyph_warnings(caught)


def test_no_cjk_font_means_english_figures_and_one_warning(monkeypatch):
    monkeypatch.setattr(fonts, "cjk_family", lambda: None)
    fonts._warn_no_cjk_font.cache_clear()
    with pytest.warns(RuntimeWarning, match="no CJK font found") as caught, language("zh"):
        with fonts.figure_language() as lang:
            assert lang == "en"
        with fonts.figure_language():
            pass
    assert len(caught) == 1 and str(caught[0].message).count("\n") == 0
    fonts._warn_no_cjk_font.cache_clear()


def test_the_chinese_page_names_the_layers_in_chinese(quick_lab):
    page = render_lab_html(quick_lab, lang="zh")
    assert "<td>第 1 个隐藏层</td>" in page and "<td>hidden layer 1</td>" not in page
    assert "<td>hidden layer 1</td>" in render_lab_html(quick_lab, lang="en")
