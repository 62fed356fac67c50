"""The decision boundary and every hidden unit's response over the input plane of a 2-D model.

A network with two inputs can be looked at whole: colour each point of the plane by the class
it predicts and you see its decision boundary; colour it by one hidden unit's activation and you
see the feature that unit has learnt (TensorFlow Playground draws both). :func:`plane_responses`
computes those numbers on a grid for a classic :class:`~chainrule.classic.Network` or an ``nn``
model of Linear (+ BatchNorm1d) + activation modules, in one forward pass in evaluation mode;
:func:`plot_plane` draws them with the data points. :func:`learner_parts` takes the model and
its input scaling out of a training learner of either engine.

>>> import numpy as np
>>> from chainrule.classic import Network
>>> net = Network([2, 4, 2], activation="tanh", cost="cross-entropy", seed=0)
>>> x = np.array([[0.0, 0.0], [1.0, 1.0]])
>>> r = plane_responses(net, x, resolution=5)
>>> r.outputs.shape, [h.shape for h in r.hidden], r.labels.shape
((5, 5, 2), [(5, 5, 4)], (5, 5))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.diagnostics.adapters import ModuleAdapter, host, is_classic, remove_handle
from chainrule.engine.state import no_grad
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.fonts import figure_language
from chainrule.i18n import _

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from chainrule.diagnostics.plots import PathLike

Scale = Callable[[np.ndarray], np.ndarray]

#: Points per side of the grid are bounded: 400² forward passes are already a large plot.
MAX_RESOLUTION = 400


@dataclass(frozen=True)
class PlaneResponses:
    """A model's answers on a ``resolution`` × ``resolution`` grid over the input plane.

    ``xs``, ``ys``: the grid's coordinates (raw inputs, before any scaling); ``outputs``
    (ny, nx, k): a^L at each point, as probabilities (the softmax of an ``nn`` model's
    logits, as ``predict_proba`` gives them); ``labels`` (ny, nx): the predicted class;
    ``hidden``: per hidden layer, (ny, nx, units) of its activations a^l.
    """

    xs: np.ndarray
    ys: np.ndarray
    outputs: np.ndarray
    labels: np.ndarray
    hidden: list[np.ndarray]

    @property
    def points(self) -> np.ndarray:
        """The grid's points, one row each, row-major over (ys, xs)."""
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def to_dict(self, digits: int = 4, hidden_stride: int = 1) -> dict[str, Any]:
        """JSON-able lists, rounded to ``digits`` decimals (a browser needs no more);
        ``hidden`` per layer as (units, ny, nx), every ``hidden_stride``-th point of the grid
        (small panels need fewer points than the boundary)."""

        def rounded(values: np.ndarray) -> list[Any]:
            # in float64: a float32 rounded to 0.123 prints as 0.12300000339746475
            return np.round(values.astype(np.float64), digits).tolist()

        return {
            "xs": rounded(self.xs),
            "ys": rounded(self.ys),
            "labels": self.labels.tolist(),
            "confidence": rounded(self.outputs.max(axis=-1)),
            "hidden": [
                rounded(h[::hidden_stride, ::hidden_stride].transpose(2, 0, 1)) for h in self.hidden
            ],
        }


def plane_grid(x: Any, resolution: int = 40, margin: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates covering the points ``x`` (m, 2) with ``margin`` of their range either side.

    >>> xs, ys = plane_grid(np.array([[0.0, 0.0], [1.0, 2.0]]), resolution=3, margin=0.0)
    >>> xs.tolist(), ys.tolist()
    ([0.0, 0.5, 1.0], [0.0, 1.0, 2.0])
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ConfigError(
            _(
                "a decision boundary needs 2-D inputs (points of shape (m, 2)), got shape {shape}"
            ).format(shape=x.shape)
        )
    if isinstance(resolution, bool) or not 2 <= int(resolution) <= MAX_RESOLUTION:
        raise ConfigError(
            _("resolution must be between 2 and {most}, got {value}").format(
                most=MAX_RESOLUTION, value=resolution
            )
        )
    low, high = x.min(axis=0), x.max(axis=0)
    pad = np.maximum(high - low, 1e-3) * margin + (high == low) * 0.5
    axes = [np.linspace(low[i] - pad[i], high[i] + pad[i], int(resolution)) for i in range(2)]
    return axes[0], axes[1]


def plane_responses(
    model: Any, x: Any, *, resolution: int = 40, scale: Scale | None = None, margin: float = 0.15
) -> PlaneResponses:
    """The decision boundary and the hidden units' responses of ``model`` around the points ``x``.

    ``model``: a classic ``Network`` or an ``nn`` model; ``scale`` maps raw inputs to what the
    model takes (a learner's input standardization), so the plane stays in the data's units.
    """
    xs, ys = plane_grid(x, resolution, margin)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    inputs = scale(points.astype(np.float32)) if scale is not None else points
    if is_classic(model):
        inputs = np.asarray(inputs, dtype=model.dtype)
        with np.errstate(all="ignore"):
            activations = model.forward(inputs).a[1:]
    else:
        activations = _module_activations(model, np.asarray(inputs, dtype=np.float32))
    shape = (len(ys), len(xs))
    outputs = activations[-1].reshape(*shape, -1)
    # one output unit answers "class 1" at a^L >= 0.5 (the classic Network's rule)
    labels = (outputs[..., 0] >= 0.5).astype(np.int64) if outputs.shape[-1] == 1 else None
    return PlaneResponses(
        xs=xs,
        ys=ys,
        outputs=outputs,
        labels=outputs.argmax(axis=-1) if labels is None else labels,
        hidden=[a.reshape(*shape, -1) for a in activations[:-1]],
    )


def _module_activations(model: Any, inputs: np.ndarray) -> list[np.ndarray]:
    """a^1 ... a^L of an ``nn`` model in evaluation mode; logits at the output become their
    softmax. The model's train/eval mode is restored."""
    adapter = ModuleAdapter(model)
    caught: list[Any] = [None] * len(adapter.groups)

    def keeper(l: int) -> Callable[..., None]:
        def keep(module: Any, args: Any, output: Any) -> None:
            caught[l] = host(output).copy()

        return keep

    handles = [
        adapter.stats_module(l).register_forward_hook(keeper(l)) for l in range(len(adapter.groups))
    ]
    was_training = model.training
    model.eval()
    try:
        with no_grad(), np.errstate(all="ignore"):
            model(Tensor(inputs))
    finally:
        model.train(was_training)
        for handle in handles:
            remove_handle(handle)
    if adapter.groups[-1]["act"] is None:  # logits (cross-entropy): probabilities, as shown
        shifted = np.exp(caught[-1] - caught[-1].max(axis=-1, keepdims=True))
        caught[-1] = shifted / shifted.sum(axis=-1, keepdims=True)
    return caught


def learner_parts(learner: Any) -> tuple[Any, Scale | None]:
    """The model a training learner trains (a ``Network`` or an ``nn`` model) and its input
    scaling, for :func:`plane_responses`."""
    model = getattr(learner, "network", None)
    if model is None:
        model = getattr(learner, "model", None)
    if model is None:
        raise ConfigError(_("{kind} is not a learner of either engine").format(kind=type(learner)))
    stats = getattr(learner, "input_stats", None)
    return model, (stats.apply if stats is not None else None)


#: One colour per class (the first two as TensorFlow Playground's orange and blue).
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


@figure_language()
def plot_plane(
    responses: PlaneResponses,
    x: Any,
    y: Any,
    path: PathLike | None = None,
    *,
    title: str | None = None,
    max_units: int = 8,
) -> Figure:
    """The decision boundary with the points (left) and a small panel per hidden unit (right,
    one row per hidden layer, at most ``max_units`` units a row), written to ``path`` if given.
    """
    from matplotlib.colors import to_rgb

    from chainrule.diagnostics.plots import new_figure, save_figure

    layers = responses.hidden
    columns = max([min(h.shape[-1], max_units) for h in layers], default=0)
    fig = new_figure(4.6 + 1.15 * columns, max(4.2, 1.15 * len(layers) + 0.8))
    grid = fig.add_gridspec(max(len(layers), 1), 1 + columns, width_ratios=[4] + [1] * columns)
    extent = (responses.xs[0], responses.xs[-1], responses.ys[0], responses.ys[-1])
    colours = np.array([to_rgb(c) for c in CLASS_COLOURS])
    confidence = responses.outputs.max(axis=-1)[..., None]
    shade = colours[responses.labels % len(colours)] * (0.35 + 0.4 * confidence) + (
        0.65 - 0.4 * confidence
    )
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(np.clip(shade, 0, 1), origin="lower", extent=extent, aspect="auto")
    points, classes = np.asarray(x), np.asarray(y).astype(int)
    ax.scatter(
        points[:, 0], points[:, 1], c=colours[classes % len(colours)], s=14, edgecolors="white"
    )
    ax.set_title(title or _("decision boundary"))
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    for l, layer in enumerate(layers):
        for j in range(min(layer.shape[-1], max_units)):
            panel = fig.add_subplot(grid[l, 1 + j])
            values = layer[..., j]
            bound = float(np.nanmax(np.abs(values))) or 1.0
            panel.imshow(
                values, origin="lower", extent=extent, cmap="PuOr", vmin=-bound, vmax=bound
            )
            panel.set_xticks([])
            panel.set_yticks([])
            panel.set_title(_("layer {l}, unit {j}").format(l=l + 1, j=j + 1), fontsize=7)
    return save_figure(fig, path)
