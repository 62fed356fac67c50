"""Every figure of the diagnostics in Chinese: drawn with the CJK font, no glyph missing."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

from chainrule import fonts
from chainrule.classic import Network
from chainrule.data import load
from chainrule.diagnostics import GradientMonitor, collect_activations, plots
from chainrule.diagnostics.boundary import plane_responses, plot_plane
from chainrule.i18n import language
from chainrule.training import compare_remedies, learning_speed_experiment

needs_cjk_font = pytest.mark.skipif(
    fonts.cjk_family() is None, reason="no CJK font installed (fonts-noto-cjk)"
)


def glyph_warnings(make) -> list[str]:
    """The "Glyph ... missing from font" warnings of making and saving a figure in Chinese."""
    with warnings.catch_warnings(record=True) as caught, language("zh"):
        warnings.simplefilter("always")
        plots.figure_bytes(make())
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.fixture(scope="module")
def digits():
    return load("digits", train_size=60)


@pytest.fixture(scope="module")
def records():
    x = np.random.default_rng(0).standard_normal((12, 6))
    y = np.eye(3)[np.arange(12) % 3]
    mon = GradientMonitor(Network([6, 5, 5, 3], seed=0), every=1)
    for _ in range(3):
        mon.train_step(x, y, lr=0.1)
    return mon.records


@needs_cjk_font
def test_learning_speeds_in_chinese(digits):
    with language("zh"):
        result = learning_speed_experiment(digits, [64, 8, 8, 10], epochs=1, batch_size=20)
    assert glyph_warnings(lambda: plots.plot_learning_speeds(result)) == []


@needs_cjk_font
def test_monitor_figures_in_chinese(records):
    assert glyph_warnings(lambda: plots.plot_learning_speeds(records, hidden_only=False)) == []
    for quantity in ("speeds", "grad_norms", "update_ratios"):
        figure = functools.partial(plots.plot_layer_norms, records, quantity=quantity)
        assert glyph_warnings(figure) == []


@needs_cjk_font
def test_activation_figures_in_chinese():
    acts = collect_activations(Network([6, 5, 5, 3], "tanh", seed=0), np.ones((4, 6)))
    assert glyph_warnings(lambda: plots.plot_activation_histograms(acts)) == []
    assert glyph_warnings(plots.plot_activation_functions) == []


@needs_cjk_font
def test_comparison_in_chinese(digits):
    result = compare_remedies(
        digits, [64, 8, 8, 10], {"activation": ["sigmoid", "relu"]}, epochs=1, batch_size=20
    )
    assert glyph_warnings(lambda: plots.plot_comparison(result)) == []


@needs_cjk_font
def test_decision_boundary_in_chinese():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 2)), np.arange(20) % 2
    net = Network([2, 3, 2], seed=0)
    assert glyph_warnings(lambda: plot_plane(plane_responses(net, x, resolution=6), x, y)) == []


def test_without_a_cjk_font_the_figure_is_english_with_one_warning(monkeypatch, records):
    monkeypatch.setattr(fonts, "cjk_family", lambda: None)
    fonts._warn_no_cjk_font.cache_clear()
    with pytest.warns(RuntimeWarning, match="no CJK font found") as caught, language("zh"):
        fig = plots.plot_learning_speeds(records)
        plots.figure_bytes(fig)
    assert fig.axes[0].get_title() == "Speed of learning by layer"
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert len([w for w in caught if "no CJK font" in str(w.message)]) == 1
    fonts._warn_no_cjk_font.cache_clear()
