"""The monitor's data: :class:`LayerInfo` names a layer, :class:`GradientRecords` holds the rows,
:class:`LayerPass` holds every per-layer array of one forward and backward pass.

All are plain dataclasses with no knowledge of models or training; what each per-layer array
means is described in :mod:`chainrule.diagnostics.monitor`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.i18n import _

Array = np.ndarray

_HIDDEN_LAYER = re.compile(r"hidden layer (\d+)")
_LAYER = re.compile(r"layer (\d+)(?: \((.+)\))?")


def layer_words(name: str) -> str:
    """A layer's name (``"hidden layer 2"``, ``"layer 3"``, ``"layer 3 (W 30->30)"``) as people
    read it in the current language; the data (records, findings' ``layers``, JSON) keeps the
    English.

    >>> from chainrule.i18n import language
    >>> with language("zh"):
    ...     layer_words("hidden layer 2"), layer_words("layer 3 (W 30->30)")
    ('第 2 个隐藏层', '第 3 层（W 30->30）')
    """
    if match := _HIDDEN_LAYER.fullmatch(name):
        return _("hidden layer {j}").format(j=match[1])
    if (match := _LAYER.fullmatch(name)) and match[2] is None:
        return _("layer {j}").format(j=match[1])
    if match:
        return _("layer {l} ({what})").format(l=match[1], what=match[2])
    return name


@dataclass(frozen=True)
class LayerInfo:
    """One layer with weights, as the monitor names it.

    ``index`` is the lecture's l (1 = first hidden layer); ``kind`` is ``"Linear"`` for an
    ``nn`` model and ``"W"`` for a classic ``Network``; ``activation`` is the σ after it
    (``None`` for a softmax or no activation); ``batch_norm`` says a BatchNorm1d sits between.

    >>> LayerInfo(3, 30, 30, "sigmoid", "Linear").label
    'layer 3 (Linear 30->30)'
    """

    index: int
    n_in: int
    n_out: int
    activation: str | None
    kind: str = "Linear"
    batch_norm: bool = False
    hidden: bool = True
    module_name: str | None = None

    @property
    def label(self) -> str:
        """``"layer l (Linear n_in->n_out)"``: how errors and findings name the layer."""
        return f"layer {self.index} ({self.kind} {self.n_in}->{self.n_out})"


@dataclass
class GradientRecords:
    """Everything a gradient monitor recorded: one row per recorded step.

    Filled by :class:`~chainrule.diagnostics.monitor.GradientMonitor`. Every per-layer array
    has shape (n_records, n_layers), first hidden layer first and the output layer last;
    ``steps`` and ``loss`` have shape (n_records,). See :mod:`chainrule.diagnostics.monitor`
    for what each array holds. ``hidden`` marks the hidden layers.

    >>> rec = GradientRecords.empty(["layer 1 (W 2->3)", "layer 2 (W 3->1)"],
    ...                              ["tanh", "sigmoid"])
    >>> rec.speeds.shape, rec.to_dict()["layers"]
    ((0, 2), ['layer 1 (W 2->3)', 'layer 2 (W 3->1)'])
    """

    layers: list[str]
    activations: list[str | None]
    steps: Array
    loss: Array
    speeds: Array
    grad_norms: Array
    update_ratios: Array
    act_mean: Array
    act_std: Array
    saturated: Array
    dead: Array
    nonfinite: Array
    weight_norms: Array | None = None
    delta_norms: Array | None = None
    weight_factor: Array | None = None
    sigma_factor: Array | None = None
    sigma_prime_mean: Array | None = None
    hidden: Array = field(default_factory=lambda: np.zeros(0, bool))
    batch_norm: Array = field(default_factory=lambda: np.zeros(0, bool))
    every: int = 1

    FIELDS = (
        "speeds",
        "grad_norms",
        "weight_norms",
        "update_ratios",
        "act_mean",
        "act_std",
        "saturated",
        "dead",
        "nonfinite",
        # the factor split of δ^l (chainrule.diagnostics.factors); NaN where not measured
        "delta_norms",
        "weight_factor",
        "sigma_factor",
        "sigma_prime_mean",
    )

    def __repr__(self) -> str:  # a summary, not a dozen arrays: a notebook shows this
        steps = f"steps {int(self.steps[0])}..{int(self.steps[-1])}" if len(self.steps) else "empty"
        return (
            f"GradientRecords({len(self.steps)} records of {len(self.layers)} layers, {steps}, "
            f"every={self.every})"
        )

    def __post_init__(self) -> None:
        optional = ("weight_norms", "delta_norms", "weight_factor", "sigma_factor")
        for name in (*optional, "sigma_prime_mean"):
            if getattr(self, name) is None:  # not measured
                setattr(self, name, np.full(self.speeds.shape, np.nan))
        if self.batch_norm.shape != (len(self.layers),):
            self.batch_norm = np.zeros(len(self.layers), bool)
        if self.hidden.shape != (len(self.layers),):
            hidden = np.ones(len(self.layers), bool)
            if len(hidden):
                hidden[-1] = False
            self.hidden = hidden

    @classmethod
    def empty(cls, layers: Sequence[str], activations: Sequence[str | None]) -> GradientRecords:
        """Records with no rows yet."""
        n = len(layers)
        per_layer = {name: np.zeros((0, n)) for name in cls.FIELDS}
        per_layer["nonfinite"] = np.zeros((0, n), np.int64)
        return cls(
            list(layers),
            list(activations),
            steps=np.zeros(0, np.int64),
            loss=np.zeros(0),
            **per_layer,
        )

    @property
    def n_records(self) -> int:
        return len(self.steps)

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    @property
    def hidden_speeds(self) -> Array:
        """``speeds`` of the hidden layers only, shape (n_records, n_hidden)."""
        return self.speeds[:, self.hidden]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (lists of floats; NaN stays NaN, which ``json`` writes as NaN).

        >>> import json
        >>> json.dumps(GradientRecords.empty(["a"], [None]).to_dict())[:20]
        '{"layers": ["a"], "a'
        """
        out: dict[str, Any] = {
            "layers": list(self.layers),
            "activations": list(self.activations),
            "hidden": self.hidden.tolist(),
            "batch_norm": self.batch_norm.tolist(),
            "every": self.every,
            "steps": self.steps.tolist(),
            "loss": self.loss.tolist(),
        }
        for name in self.FIELDS:
            out[name] = getattr(self, name).tolist()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradientRecords:
        """The inverse of :meth:`to_dict`.

        >>> rec = GradientRecords.empty(["a", "b"], ["relu", None])
        >>> GradientRecords.from_dict(rec.to_dict()).n_layers
        2
        """
        n = len(data["layers"])
        arrays = {
            name: np.asarray(data[name], float).reshape(-1, n)
            for name in cls.FIELDS
            if name != "nonfinite" and name in data
        }
        arrays["nonfinite"] = np.asarray(data["nonfinite"], np.int64).reshape(-1, n)
        return cls(
            list(data["layers"]),
            list(data["activations"]),
            steps=np.asarray(data["steps"], np.int64),
            loss=np.asarray(data["loss"], float),
            hidden=np.asarray(data.get("hidden", []), bool),
            batch_norm=np.asarray(data.get("batch_norm", []), bool),
            every=int(data.get("every", 1)),
            **arrays,
        )


@dataclass
class LayerPass:
    """One forward and backward pass of a network on a batch, layer by layer, no step taken.

    Lists run over the layers with weights, l = 1..L at index l-1, except ``a``, which starts
    with a^0 = x. ``z[l-1]`` is the input of layer l's activation (after the BatchNorm1d when
    one follows the Linear), ``a[l]`` its output (for an ``nn`` model, the output of the last
    module of the layer; with a softmax cost the logits), ``deltas[l-1]`` = δ^l = ∂J/∂z^l,
    ``grad_weights``/``grad_biases`` = ∂J/∂W^l, ∂J/∂b^l (∂J/∂β^l of the BatchNorm, the shift
    that moves z^l, when there is one). ``speeds`` (‖∂J/∂b^l‖, Nielsen's learning speed),
    ``grad_norms`` (‖∂J/∂W^l‖) and ``weight_norms`` (‖W^l‖) are computed by the engine that
    made the pass. ``weights`` (W^l, when the engine gives them) and ``batch_norm`` (one flag
    per layer: a BatchNorm1d before its σ) let :func:`~chainrule.diagnostics.factors.
    measure_factors` split each ratio ‖δ^l‖/‖δ^(l+1)‖. Every array is a NumPy array on the host.

    >>> import numpy as np
    >>> p = LayerPass(0.5, [np.ones((1, 2))], [np.zeros((1, 3)), np.ones((1, 2))],
    ...               [np.ones((1, 2))], [np.ones((2, 3))], [np.ones(2)],
    ...               np.array([1.41]), np.array([2.45]), np.array([1.0]))
    >>> p.n_layers, p.hidden_activations()
    (1, [])
    """

    cost: float
    z: list[Array]
    a: list[Array]
    deltas: list[Array]
    grad_weights: list[Array]
    grad_biases: list[Array]
    speeds: Array
    grad_norms: Array
    weight_norms: Array
    weights: list[Array] | None = None
    batch_norm: list[bool] | None = None

    def __repr__(self) -> str:  # a summary: the arrays stay behind their names
        speeds = ", ".join(f"{v:.3g}" for v in self.speeds)
        return f"LayerPass({self.n_layers} layers, J {self.cost:.4g}, speeds {speeds})"

    @property
    def n_layers(self) -> int:
        return len(self.z)

    def hidden_activations(self) -> list[Array]:
        """a^1 .. a^(L-1): the outputs of the hidden layers."""
        return self.a[1:-1]
