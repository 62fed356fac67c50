"""Why a gradient vanishes, factor by factor: the two parts of δ^l = (W^(l+1))^T δ^(l+1) ⊙ σ'(z^l).

The lecture names two causes of unstable gradients, the two factors of the hidden-layer error.
For each hidden layer l the measured ratio ‖δ^l‖ / ‖δ^(l+1)‖ splits exactly into

``weight_factor``
    ‖(W^(l+1))^T δ^(l+1)‖ / ‖δ^(l+1)‖: what multiplying by the transposed weights does;
``sigma_factor``
    ‖δ^l‖ / ‖(W^(l+1))^T δ^(l+1)‖: what the elementwise ⊙ σ'(z^l) does,

whose product is the ratio (the middle norm cancels), beside ``sigma_prime_mean``, the mean of
σ'(z^l) over the batch and the units. Norms are Frobenius norms over the batch (rows are
samples, so (W^(l+1))^T δ^(l+1) is computed as δ^(l+1) @ W^(l+1)); ``delta_norms`` holds
‖δ^l‖ of every layer, the output layer's included, so the ratio is measured on its own.

Both engines give these numbers: the classic network from its own δ^l, the autodiff engine from
∂J/∂z^l caught by hooks on each Linear's output. Where a BatchNorm1d sits between a Linear and
its σ, δ passes through a third factor (the normalization's backward pass), so the split is not
defined there and stays NaN; so does ``sigma_prime_mean`` for an activation without a written
σ' (leaky ReLU, ELU, GELU, softplus), whose split is still measured.

>>> import numpy as np
>>> from chainrule.classic import Network
>>> net = Network([4, 6, 6, 3], activation="sigmoid", seed=0, dtype=np.float64)
>>> g = net.backward(np.ones((2, 4)), [0, 1])
>>> f = measure_factors(g.deltas, net.weights, g.forward.z, g.forward.a, ["sigmoid"] * 3)
>>> ratio = f["delta_norms"][0] / f["delta_norms"][1]
>>> bool(abs(f["weight_factor"][0] * f["sigma_factor"][0] - ratio) < 1e-12 * ratio)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from chainrule.classic.activations import ACTIVATIONS
from chainrule.diagnostics.records import layer_words
from chainrule.diagnostics.stats import norm
from chainrule.i18n import _

Array = np.ndarray

#: The per-layer numbers of the split, as the monitor's records hold them.
FACTOR_FIELDS = ("delta_norms", "weight_factor", "sigma_factor", "sigma_prime_mean")


def _ratio(top: float, bottom: float) -> float:
    if bottom > 0:
        return top / bottom
    return math.nan if top == 0 else math.inf


def sigma_prime_mean(activation: str | None, z: Array, a: Array) -> float:
    """The mean of σ'(z) over a batch, for an activation the classic engine writes out."""
    act = ACTIVATIONS.get(activation or "")
    if act is None or z is None or a is None or z.size == 0:
        return math.nan
    with np.errstate(all="ignore"):
        return float(np.mean(act.prime(z, a), dtype=np.float64))


def measure_factors(
    deltas: Sequence[Array | None],
    weights: Sequence[Array],
    z: Sequence[Array | None],
    a: Sequence[Array | None],
    activations: Sequence[str | None],
    batch_norm: Sequence[bool] | None = None,
) -> dict[str, list[float]]:
    """The split of every layer, one list per field of :data:`FACTOR_FIELDS` (length L).

    ``deltas[l-1]`` = δ^l (m, N^l), ``weights[l-1]`` = W^l (N^l, N^(l-1)), ``z[l-1]`` = z^l,
    ``a[l]`` = a^l (``a[0]`` = x), ``activations[l-1]`` the σ of layer l. The output layer
    has only ``delta_norms``; a layer with ``batch_norm`` or a missing δ gets NaN.
    """
    n = len(weights)
    bn = list(batch_norm) if batch_norm is not None else [False] * n
    out = {name: [math.nan] * n for name in FACTOR_FIELDS}
    for l in range(n):
        if deltas[l] is not None:
            out["delta_norms"][l] = norm(np.asarray(deltas[l]))
    for l in range(n - 1):
        below, above = deltas[l], deltas[l + 1]
        if below is None or above is None or bn[l] or bn[l + 1]:
            continue
        back = np.asarray(above) @ np.asarray(weights[l + 1])  # (W^(l+1))^T δ^(l+1), as rows
        back_norm = norm(back)
        out["weight_factor"][l] = _ratio(back_norm, out["delta_norms"][l + 1])
        out["sigma_factor"][l] = _ratio(out["delta_norms"][l], back_norm)
        out["sigma_prime_mean"][l] = sigma_prime_mean(activations[l], z[l], a[l + 1])
    return out


# --------------------------------------------------------------------------- reading them


@dataclass(frozen=True)
class LayerFactors:
    """The split of one hidden layer: ``ratio`` = ``weight_factor`` × ``sigma_factor``."""

    layer: str
    ratio: float
    weight_factor: float
    sigma_factor: float
    sigma_prime_mean: float

    def line(self) -> str:
        """``"layer 2: σ' averages 0.19 and shrinks δ 5.2×; the weights grow it 1.3×"``."""
        change = _change(self.sigma_factor, it=False)
        if math.isnan(self.sigma_prime_mean):
            sigma = _("σ' {change}").format(change=change)
        else:
            sigma = _("σ' averages {mean:.2g} and {change}").format(
                mean=self.sigma_prime_mean, change=change
            )
        weights = _("the weights {change}").format(change=_change(self.weight_factor, it=True))
        return _("{layer}: {sigma}; {weights}").format(
            layer=layer_words(self.layer), sigma=sigma, weights=weights
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "ratio": self.ratio,
            "weight_factor": self.weight_factor,
            "sigma_factor": self.sigma_factor,
            "sigma_prime_mean": self.sigma_prime_mean,
        }


def _change(factor: float, *, it: bool) -> str:
    """``"shrinks δ 5.2×"`` for 0.19; ``"grow it 1.3×"`` for 1.3 (``it``: the weights, plural)."""
    if not math.isfinite(factor) or factor <= 0:
        message = _("leave it at {times:.3g}×") if it else _("leaves δ at {times:.3g}×")
        return message.format(times=factor)
    if factor < 1:
        message = _("shrink it {times:.3g}×") if it else _("shrinks δ {times:.3g}×")
        return message.format(times=1 / factor)
    message = _("grow it {times:.3g}×") if it else _("grows δ {times:.3g}×")
    return message.format(times=factor)


@dataclass(frozen=True)
class FactorSplit:
    """The split of the hidden layers (first hidden layer first), from one record or the
    medians of several.

    >>> s = FactorSplit([LayerFactors("layer 1", 0.2, 1.25, 0.16, 0.16)])
    >>> s.culprit("vanishing"), s.rows[0].line()
    ('sigma_prime', "layer 1: σ' averages 0.16 and shrinks δ 6.25×; the weights grow it 1.25×")
    """

    rows: list[LayerFactors]

    @classmethod
    def from_records(cls, records: Any, rows: Array | None = None) -> FactorSplit | None:
        """Medians over ``rows`` (default: all) of the hidden layers' split; None when the
        records hold no split (another engine, a batch-normalized network, none recorded)."""
        weight = getattr(records, "weight_factor", None)
        if weight is None or records.n_records == 0:
            return None
        picked = np.arange(records.n_records) if rows is None else np.asarray(rows)
        if not picked.size:
            return None
        out = []
        for i in np.flatnonzero(records.hidden):
            w = _median(records.weight_factor[picked, i])
            s = _median(records.sigma_factor[picked, i])
            if math.isfinite(w) and math.isfinite(s):
                mean = _median(records.sigma_prime_mean[picked, i])
                out.append(LayerFactors(records.layers[i], w * s, w, s, mean))
        return cls(out) if out else None

    def totals(self, rows: Sequence[LayerFactors] | None = None) -> tuple[float, float]:
        """The products of the weight and σ' factors over ``rows`` (default: all)."""
        rows = self.rows if rows is None else rows
        w = float(np.prod([r.weight_factor for r in rows]))
        s = float(np.prod([r.sigma_factor for r in rows]))
        return w, s

    def culprit(self, kind: str) -> str:
        """``"sigma_prime"`` or ``"weights"``: the factor that shrinks δ most (``kind``
        ``"vanishing"``) or grows it most (``"exploding"``) over the layers."""
        w, s = self.totals()
        if kind == "vanishing":
            return "weights" if w < s else "sigma_prime"
        return "weights" if w > s else "sigma_prime"

    def summary(self, kind: str) -> str:
        """One line naming the factor to blame, with both products over the hidden layers."""
        w, s = self.totals()
        lead = {
            ("vanishing", "sigma_prime"): _("σ' is what shrinks δ"),
            ("vanishing", "weights"): _("the weights are what shrink δ"),
            ("exploding", "sigma_prime"): _("σ' is what grows δ"),
            ("exploding", "weights"): _("the weights are what grow δ"),
        }[(kind, self.culprit(kind))]
        return _(
            "{lead}: on its way back from the output layer to {first}, the weights multiply "
            "‖δ‖ by {w:.3g} and σ' by {s:.3g}"
        ).format(lead=lead, first=layer_words(self.rows[0].layer), w=w, s=s)

    def to_dict(self) -> dict[str, Any]:
        return {"layers": [r.to_dict() for r in self.rows]}


def _median(values: Array) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else math.nan


def explain_finding(records: Any, finding: Any, rows: Array | None = None) -> Any:
    """A vanishing or exploding finding with the factor split added: one line per hidden layer
    and one naming the factor to blame, in ``details``; the numbers in ``numbers["factors"]``
    and ``numbers["shrinking_factor"]`` (vanishing) or ``numbers["growing_factor"]``
    (exploding), each ``"sigma_prime"`` or ``"weights"``. Other findings, and records without
    a split, come back as they were."""
    if finding.kind not in ("vanishing", "exploding"):
        return finding
    split = FactorSplit.from_records(records, rows)
    if split is None:
        return finding
    key = "shrinking_factor" if finding.kind == "vanishing" else "growing_factor"
    numbers = {**finding.numbers, "factors": split.to_dict(), key: split.culprit(finding.kind)}
    details = (*(row.line() for row in split.rows), split.summary(finding.kind))
    return replace(finding, numbers=numbers, details=details)
