"""Every plot writes a valid PNG and returns its Figure, without pyplot."""

from __future__ import annotations

import sys

import pytest

from chainrule.classic import Network
from chainrule.data import load
from chainrule.diagnostics import (
    GradientMonitor,
    collect_activations,
    plots,
)
from chainrule.training import compare_remedies, learning_speed_experiment

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path) -> None:
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_MAGIC
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


@pytest.fixture(scope="module")
def digits():
    return load("digits", train_size=100)


def test_learning_speed_plots(tmp_path, digits, blobs):
    r = learning_speed_experiment(digits, [64, 8, 8, 8, 10], epochs=2, batch_size=20)
    fig = plots.plot_learning_speeds(r, tmp_path / "speeds.png")
    assert_png(tmp_path / "speeds.png")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 3
    assert next(t.get_text() for t in ax.get_legend().get_texts()) == "hidden layer 1"

    x, y = blobs
    mon = GradientMonitor(Network([10, 6, 6, 4], "relu", "cross-entropy", "he"), every=1)
    for _ in range(3):
        mon.train_step(x, y, lr=0.1)
    plots.plot_learning_speeds(mon.records, tmp_path / "records.png", hidden_only=False)
    assert_png(tmp_path / "records.png")
    for quantity in ("speeds", "grad_norms", "update_ratios"):
        fig = plots.plot_layer_norms(mon.records, tmp_path / f"{quantity}.png", quantity=quantity)
        assert len(fig.axes[0].patches) == 3
        assert_png(tmp_path / f"{quantity}.png")
    written = plots.plot_all(mon.records, tmp_path / "all", prefix="run_")
    assert len(written) == 3


def test_activation_plots(tmp_path, blobs):
    x, _ = blobs
    acts = collect_activations(Network([10, 6, 6, 6, 6, 4], "tanh", init="normal"), x)
    fig = plots.plot_activation_histograms(acts, tmp_path / "hist.png")
    assert len(fig.axes) == 5
    assert_png(tmp_path / "hist.png")
    fig = plots.plot_activation_functions(tmp_path / "functions.png")
    assert_png(tmp_path / "functions.png")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "max 0.25" in texts and "max 1" in texts
    labels = [line.get_label() for ax in fig.axes for line in ax.lines]
    assert any("0.25" in label for label in labels) and any("{0, 1}" in s for s in labels)


def test_comparison_plot(tmp_path, digits):
    res = compare_remedies(
        digits, [64, 8, 8, 10], {"activation": ["sigmoid", "relu"]}, epochs=1, batch_size=20
    )
    fig = plots.plot_comparison(res, tmp_path / "compare.png")
    assert len(fig.axes) == 2
    assert_png(tmp_path / "compare.png")


def test_no_pyplot():
    assert "matplotlib.pyplot" not in sys.modules or not hasattr(plots, "plt")
    with pytest.raises(Exception, match="quantity"):
        plots.plot_layer_norms(None, quantity="nope")  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_saving_the_same_plot_twice_gives_the_same_bytes(tmp_path, digits, suffix):
    r = learning_speed_experiment(digits, [64, 8, 8, 10], epochs=1, batch_size=20)
    fig = plots.plot_learning_speeds(r, tmp_path / f"first{suffix}")
    plots.plot_learning_speeds(r, tmp_path / f"second{suffix}")
    plots.save_figure(fig, tmp_path / f"again{suffix}")
    first = (tmp_path / f"first{suffix}").read_bytes()
    assert first == (tmp_path / f"second{suffix}").read_bytes()
    assert first == (tmp_path / f"again{suffix}").read_bytes()
    assert b"Date" not in first  # a PDF stamped with its CreationDate would differ tomorrow


def test_notebooks_show_the_lab_and_its_results_briefly(digits):
    """A figure made without pyplot carries its own PNG for Jupyter, and the results show a
    summary (or the report) instead of pages of arrays."""
    from chainrule.diagnostics import diagnose

    r = learning_speed_experiment(digits, [64, 8, 8, 10], epochs=2, batch_size=20)
    fig = plots.plot_learning_speeds(r)
    assert fig._repr_png_()[:8] == PNG_MAGIC
    records = r.to_records()
    diagnosis = diagnose(records)
    comparison = compare_remedies(digits, [64, 8, 10], {"activation": ["sigmoid"]}, epochs=1)
    for shown in (r, records, diagnosis, comparison):
        assert len(repr(shown)) < 200 and "array(" not in repr(shown), type(shown).__name__
    assert diagnosis._repr_markdown_().startswith(f"- **{diagnosis.kinds[0]}**")
    assert comparison.table() in comparison._repr_markdown_()


def test_epochs_are_ticked_in_whole_numbers(digits):
    from matplotlib.ticker import MaxNLocator

    r = learning_speed_experiment(digits, [64, 8, 8, 10], epochs=3, batch_size=20)
    ax = plots.plot_learning_speeds(r).axes[0]
    assert isinstance(ax.xaxis.get_major_locator(), MaxNLocator)
    assert all(float(t).is_integer() for t in ax.get_xticks())
