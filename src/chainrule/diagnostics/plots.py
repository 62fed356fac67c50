"""Figures for part 3 of the lecture, drawn with matplotlib's Agg canvas into files.

Every function returns the matplotlib ``Figure`` and, when ``path`` is given, writes it there
(PNG, SVG or PDF by the suffix). Nothing is shown on screen and pyplot's global state is never
touched, so the functions are safe in scripts, tests and servers; matplotlib is imported only
when a function is called. The same figure saves to the same bytes (no dates inside).
:func:`new_figure`, :func:`positive`, :func:`figure_bytes` and :func:`save_figure` are the
helpers every figure of the package (the lab report's, the command line's) is drawn and saved
with. A function that makes a figure is decorated with ``@figure_language()``
(:func:`chainrule.fonts.figure_language`), so that its words are Chinese drawn with a CJK font
under ``--lang zh`` (English, with one warning, where no CJK font is installed);
:func:`figure_bytes` saves under the same font.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "activations.png"
>>> fig = plot_activation_functions(out)
>>> out.read_bytes()[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.diagnostics.records import GradientRecords, layer_words
from chainrule.errors import ConfigError
from chainrule.fonts import figure_language
from chainrule.i18n import _
from chainrule.serialization import atomic_write_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from chainrule.diagnostics.results import ComparisonResult, SpeedResult

PathLike = str | os.PathLike[str]


#: savefig metadata that leaves out what changes between runs (dates, matplotlib's version).
_REPRODUCIBLE = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "svgz": {"Date": None},
    "pdf": {"CreationDate": None},
}


def new_figure(width: float = 7.0, height: float = 4.5) -> Figure:
    """A figure on the Agg canvas with constrained layout (pyplot is never involved), which a
    notebook displays as a PNG without ``%matplotlib inline``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _notebook_figure()(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


@functools.cache
def _notebook_figure() -> type:
    from matplotlib.figure import Figure

    class NotebookFigure(Figure):
        # Jupyter shows matplotlib figures only once pyplot's inline backend is on, which
        # figures made without pyplot never turn on: a PNG of its own instead.
        def _repr_png_(self) -> bytes:
            return figure_bytes(self, "png")

    return NotebookFigure


def whole_number_ticks(axis: Any) -> None:
    """Ticks at whole numbers only on ``axis`` (epochs and steps are counted, never halved)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def positive(values: Any) -> np.ndarray:
    """Values for a log axis: zero, negative and non-finite values become gaps (NaN).

    >>> positive([2.0, 0.0, -1.0, float("inf")]).tolist()
    [2.0, nan, nan, nan]
    """
    out = np.array(values, float)
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


def figure_bytes(fig: Figure, fmt: str = "png", dpi: float = 110.0) -> bytes:
    """``fig`` as ``png``, ``svg``, ``pdf`` (or another matplotlib format) bytes.

    PNG, SVG and PDF come out reproducibly: the same figure gives the same bytes, with no
    date or version inside.

    >>> fig = new_figure(); _ = fig.add_subplot().plot([1, 2])
    >>> figure_bytes(fig, "svg") == figure_bytes(fig, "svg")
    True
    """
    import matplotlib

    buffer = io.BytesIO()
    # SVG element ids are hashes salted at random unless the salt is fixed; the words are drawn
    # with the reader's font (CJK for Chinese), wherever the figure was made
    with figure_language(), matplotlib.rc_context({"svg.hashsalt": "chainrule"}):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_REPRODUCIBLE.get(fmt))
    return buffer.getvalue()


def save_figure(fig: Figure, path: PathLike | None) -> Figure:
    """Write ``fig`` to ``path`` (format by suffix, PNG without one) atomically: a failed save
    keeps the old file. Returns ``fig``; ``path=None`` writes nothing."""
    if path is not None:
        atomic_write_bytes(path, figure_bytes(fig, Path(path).suffix.lower().lstrip(".") or "png"))
    return fig


@figure_language()
def plot_learning_speeds(
    result: SpeedResult | GradientRecords,
    path: PathLike | None = None,
    *,
    title: str | None = None,
    hidden_only: bool = True,
) -> Figure:
    """Learning speed of each hidden layer over training, on a log scale.

    One line per hidden layer, first hidden layer first, like the published four-hidden-
    layer figure: a vanishing gradient shows as lines stacked apart by a roughly constant
    factor. Takes a :class:`~chainrule.diagnostics.results.SpeedResult` (x axis: epochs
    or steps) or a monitor's :class:`~chainrule.diagnostics.records.GradientRecords` (x
    axis: steps; ``hidden_only=False`` adds the output layer).

    >>> from chainrule.training import learning_speed_experiment
    >>> r = learning_speed_experiment("digits", [64, 8, 8, 10], epochs=2, train_size=50)
    >>> len(plot_learning_speeds(r).axes[0].lines)
    2
    """
    if isinstance(result, GradientRecords):
        rec = result
        cols = rec.hidden if hidden_only else np.ones(rec.n_layers, bool)
        speeds = rec.speeds[:, cols]
        labels = [name for name, keep in zip(rec.layers, cols) if keep]
        x, xlabel = rec.steps, _("training step")
        default_title = _("Speed of learning by layer")
    else:
        res: Any = result
        speeds, labels = res.speeds, res.layers
        x = res.x
        xlabel = _("epochs of training") if res.record == "epoch" else _("training step")
        default_title = _("Speed of learning: {n} hidden layers ({activation}, {init}{bn})").format(
            n=speeds.shape[1],
            activation=res.activation,
            init=res.init,
            bn=", BN" if res.batch_norm else "",
        )
    fig = new_figure()
    ax = fig.add_subplot()
    for j, label in enumerate(labels):
        ax.plot(x, positive(speeds[:, j]), label=layer_words(label), linewidth=1.6)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    whole_number_ticks(ax.xaxis)
    ax.set_ylabel(_("learning speed ‖∂J/∂b‖"))
    ax.set_title(title or default_title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return save_figure(fig, path)


@figure_language()
def plot_layer_norms(
    records: GradientRecords,
    path: PathLike | None = None,
    *,
    index: int = -1,
    quantity: str = "speeds",
) -> Figure:
    """A bar per layer of one recorded step (``index``, default the last), on a log scale.

    ``quantity`` is a per-layer field of the records: ``"speeds"`` (‖∂J/∂b^l‖),
    ``"grad_norms"`` (‖∂J/∂W^l‖) or ``"update_ratios"`` (‖ΔW‖/‖W‖).

    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> from chainrule.diagnostics import GradientMonitor
    >>> mon = GradientMonitor(Network([4, 5, 5, 2], seed=0), every=1)
    >>> _ = mon.train_step(np.ones((3, 4)), np.ones((3, 2)), lr=0.1)
    >>> len(plot_layer_norms(mon.records, quantity="grad_norms").axes[0].patches)
    3
    """
    labels = {
        "speeds": _("learning speed ‖∂J/∂b^l‖"),
        "grad_norms": _("gradient norm ‖∂J/∂W^l‖"),
        "update_ratios": _("update ratio ‖ΔW^l‖/‖W^l‖"),
    }
    if quantity not in labels:
        raise ConfigError(f"quantity must be one of {sorted(labels)}, got {quantity!r}")
    values = positive(getattr(records, quantity)[index])
    names = [layer_words(name.split(" (")[0]) for name in records.layers]
    fig = new_figure(max(5.0, 1.1 * len(names) + 2), 4.0)
    ax = fig.add_subplot()
    colors = ["#4C72B0" if h else "#DD8452" for h in records.hidden]
    ax.bar(range(len(names)), np.nan_to_num(values, nan=0.0), color=colors)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    if np.isfinite(values).any():
        ax.set_yscale("log")
    ax.set_ylabel(labels[quantity])
    ax.set_title(
        _("{quantity} by layer, step {step}").format(
            quantity=labels[quantity], step=int(records.steps[index])
        )
    )
    ax.grid(True, axis="y", which="both", alpha=0.3)
    return save_figure(fig, path)


@figure_language()
def plot_activation_histograms(
    activations: Mapping[str, np.ndarray],
    path: PathLike | None = None,
    *,
    bins: int = 50,
) -> Figure:
    """One histogram per layer of its activations a^l (e.g. from ``collect_activations``).

    Piles at 0 and 1 (logistic) or ±1 (tanh) are saturated units; a spike at exactly 0 for
    ReLU is units that are off.

    >>> import numpy as np
    >>> fig = plot_activation_histograms({"layer 1": np.random.default_rng(0).random((9, 4))})
    >>> len(fig.axes)
    1
    """
    names = list(activations)
    n = max(len(names), 1)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = new_figure(3.2 * cols + 0.5, 2.6 * rows + 0.4)
    for k, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, k + 1)
        values = np.asarray(activations[name], float).ravel()
        values = values[np.isfinite(values)]
        ax.hist(values, bins=bins, color="#4C72B0")
        ax.set_title(layer_words(name), fontsize="small")
        ax.set_yscale("log")
        ax.tick_params(labelsize="small")
    fig.suptitle(_("Activations by layer"))
    return save_figure(fig, path)


@figure_language()
def plot_activation_functions(path: PathLike | None = None) -> Figure:
    """The logistic function, tanh and ReLU beside their derivatives, annotated.

    The logistic σ' peaks at 0.25 (so each logistic layer shrinks δ by 4x at best), tanh'
    at 1, and ReLU' is 0 or 1: the lecture's reason why better activations help.

    >>> fig = plot_activation_functions()
    >>> [ax.get_title() for ax in fig.axes]
    ['logistic σ(z)', 'tanh(z)', 'ReLU(z)']
    """
    z = np.linspace(-6, 6, 601)
    sig = 1 / (1 + np.exp(-z))
    tanh = np.tanh(z)
    curves = [
        ("logistic σ(z)", sig, "σ(z) = 1/(1+e^(-z))", sig * (1 - sig), "σ'(z) = σ(1-σ) ≤ 0.25"),
        ("tanh(z)", tanh, "tanh z", 1 - tanh**2, "tanh'(z) = 1 - tanh² ≤ 1"),
        ("ReLU(z)", np.maximum(z, 0), "max(z, 0)", (z > 0).astype(float), "ReLU'(z) ∈ {0, 1}"),
    ]
    arrow = {"arrowstyle": "->"}
    fig = new_figure(11.0, 3.8)
    for k, (name, f, label, df, dlabel) in enumerate(curves):
        ax = fig.add_subplot(1, 3, k + 1)
        ax.plot(z, f, label=label, linewidth=2)
        ax.plot(z, df, label=dlabel, linewidth=2, linestyle="--")
        if k == 0:
            ax.annotate(_("max 0.25"), xy=(0.0, 0.25), xytext=(1.5, 0.55), arrowprops=arrow)
        elif k == 1:
            ax.annotate(_("max 1"), xy=(0.0, 1.0), xytext=(1.8, 0.45), arrowprops=arrow)
        else:
            ax.annotate(_("0 for z < 0"), xy=(-3, 0), xytext=(-5.5, 1.4), arrowprops=arrow)
            ax.annotate(_("1 for z > 0"), xy=(3, 1), xytext=(0.5, 3.0), arrowprops=arrow)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(name)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
        # tanh fills the upper left (its derivative peaks at z = 0); its lower right is empty
        ax.legend(loc="lower right" if k == 1 else "upper left", fontsize="small")
    return save_figure(fig, path)


@figure_language()
def plot_comparison(result: ComparisonResult, path: PathLike | None = None) -> Figure:
    """Remedies side by side: initial first/last speed ratio (log) and final accuracy.

    A ratio near 1 means the first hidden layer learns as fast as the last one; far below 1
    is a vanishing gradient. Diverged runs are hatched.

    >>> from chainrule.training import compare_remedies
    >>> res = compare_remedies("digits", [64, 8, 8, 10], {"activation": ["sigmoid", "relu"]},
    ...                        epochs=1, train_size=50)
    >>> len(plot_comparison(res).axes)
    2
    """
    labels = [row.label() for row in result.rows]
    ratios = positive(np.array([row.ratio for row in result.rows]))
    accuracy = np.array([row.accuracy for row in result.rows], float)
    hatches = ["//" if row.diverged else "" for row in result.rows]
    fig = new_figure(max(7.0, 0.9 * len(labels) + 4), 4.8)
    ax1 = fig.add_subplot(1, 2, 1)
    ax2 = fig.add_subplot(1, 2, 2)
    pos = np.arange(len(labels))
    for p, r, a, h in zip(pos, ratios, accuracy, hatches):
        ax1.bar(p, 0 if np.isnan(r) else r, color="#4C72B0", hatch=h)
        ax2.bar(p, np.nan_to_num(a), color="#55A868", hatch=h)
    if np.isfinite(ratios).any():
        ax1.set_yscale("log")
    ax1.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    ax1.set_title(_("first / last hidden-layer speed (before training)"))
    ax2.set_title(_("accuracy after training"))
    ax2.set_ylim(0, 1)
    for ax in (ax1, ax2):
        ax.set_xticks(pos, labels, rotation=35, ha="right", fontsize="small")
        ax.grid(True, axis="y", which="both", alpha=0.3)
    return save_figure(fig, path)


def plot_all(records: GradientRecords, directory: PathLike, *, prefix: str = "") -> Sequence[str]:
    """Write the per-layer speed curve and the last step's bar charts into ``directory``.

    Returns the paths written (``speeds.png``, ``grad_norms.png``, ``update_ratios.png``,
    each after ``prefix``).

    >>> import tempfile
    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> from chainrule.diagnostics import GradientMonitor
    >>> mon = GradientMonitor(Network([3, 4, 2], seed=0), every=1)
    >>> _ = mon.train_step(np.ones((2, 3)), np.ones((2, 2)), lr=0.1)
    >>> [p.rsplit("/", 1)[-1] for p in plot_all(mon.records, tempfile.mkdtemp())]
    ['speeds.png', 'grad_norms.png', 'update_ratios.png']
    """
    os.makedirs(directory, exist_ok=True)
    written = []
    for name, draw in (
        ("speeds.png", lambda p: plot_learning_speeds(records, p, hidden_only=False)),
        ("grad_norms.png", lambda p: plot_layer_norms(records, p, quantity="grad_norms")),
        ("update_ratios.png", lambda p: plot_layer_norms(records, p, quantity="update_ratios")),
    ):
        path = os.path.join(directory, prefix + name)
        draw(path)
        written.append(path)
    return written
