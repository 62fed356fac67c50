"""Automatic diagnosis: read a monitor's records, name what is wrong and in which layer.

The rules follow part 3 of the lecture. The error of layer l is a product over the layers after
it, δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l), so

* **vanishing**: the first hidden layer learns much more slowly than the last one (speed ratio
  ‖δ^1‖ / ‖δ^(L-1)‖ below ``vanishing_ratio``, 0.1 by default): the factors are below one;
* **exploding**: the speeds grow toward the input (ratio above ``exploding_ratio``), or the
  gradient norms grow across the recorded steps by more than ``growth_factor``, or a gradient
  overflowed to Inf: the factors are above one;
* **saturation**: most logistic/tanh activations of a hidden layer sit in a flat part of σ,
  where σ' ≈ 0 (fraction above ``saturated_fraction``);
* **dead_units**: most ReLU units of a hidden layer are 0 for the whole batch, where ReLU' = 0
  (fraction above ``dead_fraction``);
* a **stalled** network: no gradient at all reaches some hidden layers (‖∂J/∂b‖ and ‖∂J/∂W‖
  exactly 0 at the last record and at half the records or more). Every δ^l of such a layer is
  0, so its units pass nothing back: reported as ``dead_units`` (``saturation`` when every
  stalled layer is logistic/tanh, whose σ' underflowed to 0), also where no activations were
  recorded;
* **non_finite**: NaN or Inf in the loss, the activations or the gradients;
* **not_learning**: the network does no better than guessing: its accuracy, which the caller
  gives (the records hold the loss only), is within ``chance_margin`` of ``chance``. The loss
  alone cannot tell: a logistic network under the quadratic cost halves its loss by pulling
  every output toward 0.1 and still predicts at chance, and a short window of a network that
  learns can look flat. This finding names the symptom; the findings above it, if any, are
  the likely cause;
* **input_scale**: the training inputs, when the caller gives them, are far from unit scale
  (root mean square above 3 or below 0.03, as digits left at 0..16): see :func:`input_scale`;
* **healthy**: none of the above. Its message names what was checked: saturation and dead
  units only where activations were recorded, vanishing only where there was a speed ratio.

Ratios and fractions are medians over the recorded steps (finite ones), so one odd batch does
not raise a finding. A record where the first and the last hidden layer both have speed 0 has
no ratio (0/0); when such records are as many as those with one, there is no ratio at all,
rather than the median of the few that are left (a dead network's last living record would
otherwise decide it). Each finding carries the lecture's remedies in plain words.

With batch normalization the layer ratio compares the relative weight gradients
‖∂J/∂W^l‖/‖W^l‖ instead of the speeds: the β speed of a layer below a BatchNorm is the batch
sum of an error whose batch mean the normalization removed, small even when the layer learns
well.

>>> import numpy as np
>>> from chainrule.diagnostics.records import GradientRecords
>>> rec = GradientRecords.empty(["layer 1", "layer 2", "layer 3"], ["sigmoid"] * 3)
>>> rec.steps = np.array([0]); rec.loss = np.array([0.5])
>>> for name in GradientRecords.FIELDS:
...     setattr(rec, name, np.full((1, 3), np.nan))
>>> rec.nonfinite = np.zeros((1, 3), int)
>>> rec.speeds = np.array([[0.001, 0.05, 0.2]])
>>> diagnose(rec).kinds
['vanishing']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.diagnostics.factors import explain_finding
from chainrule.diagnostics.records import GradientRecords, layer_words
from chainrule.diagnostics.remedies import CAUSES, REMEDIES, TITLES
from chainrule.i18n import N_, _, localized

KINDS = (
    "vanishing",
    "exploding",
    "saturation",
    "dead_units",
    "non_finite",
    "not_learning",
    "input_scale",
    "healthy",
)

#: Inputs whose root mean square lies outside this range get the ``input_scale`` finding.
UNIT_SCALE = (0.03, 3.0)


@dataclass(frozen=True)
class Finding:
    """One problem (or the all-clear): its kind, the layers, the numbers and the remedy.

    >>> f = Finding("healthy", (), "speeds within range", {}, REMEDIES["healthy"])
    >>> str(f)
    'healthy: speeds within range'
    """

    kind: str
    layers: tuple[str, ...]
    message: str
    numbers: dict[str, Any]
    remedy: str
    details: tuple[str, ...] = ()  # lines under the message: the factor split, layer by layer

    @property
    def title(self) -> str:
        """The kind in words, as text for people shows it: ``dead_units`` -> "dead units"."""
        words = self.kind.replace("_", " ")
        return _(words) if self.kind in TITLES else words

    @property
    def remedy_text(self) -> str:
        """The remedy in the current language (the data keeps the English)."""
        return _(self.remedy) if self.remedy else self.remedy

    def __str__(self) -> str:
        return _("{title}: {message}").format(title=self.title, message=self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "layers": list(self.layers),
            "message": self.message,
            "numbers": dict(self.numbers),
            "remedy": self.remedy,
            **({"details": list(self.details)} if self.details else {}),
        }


@dataclass
class Diagnosis:
    """The findings for one set of records; ``healthy`` when nothing was flagged.

    >>> d = Diagnosis([Finding("healthy", (), "ok", {}, "")])
    >>> d.healthy, d.kinds, "vanishing" in d
    (True, ['healthy'], False)
    """

    findings: list[Finding] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [f.kind for f in self.findings]

    @property
    def healthy(self) -> bool:
        return self.kinds == ["healthy"]

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def of_kind(self, kind: str) -> list[Finding]:
        """The findings of one kind."""
        return [f for f in self.findings if f.kind == kind]

    @localized
    def report(self) -> str:
        """Plain text: one paragraph per finding, with its remedy (``lang="zh"``: in Chinese;
        the messages stay in the language :func:`diagnose` ran in)."""
        remedy = _("Remedy: {remedy}")
        return "\n".join(
            f"- {f}\n{_indented(f.details)}  " + remedy.format(remedy=f.remedy_text)
            for f in self.findings
        )

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        return f"Diagnosis({', '.join(self.kinds)})"

    def _repr_markdown_(self) -> str:
        """Jupyter shows the report: each finding in bold with its remedy."""
        remedy = _("Remedy:")
        return "\n".join(
            f"- **{f.title}**: {_markdown(f.message)}  \n  *{remedy}* {_markdown(f.remedy_text)}"
            for f in self.findings
        )

    def to_dict(self) -> dict[str, Any]:
        return {"findings": [f.to_dict() for f in self.findings]}


def _indented(lines: tuple[str, ...]) -> str:
    return "".join(f"  {line}\n" for line in lines)


def _markdown(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else math.nan


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _join(words: list[str]) -> str:
    """``"a, b or c"``."""
    if len(words) == 1:
        return words[0]
    return _("{some} or {last}").format(some=_(", ").join(words[:-1]), last=words[-1])


def diagnose(
    records: GradientRecords,
    *,
    vanishing_ratio: float = 0.1,
    exploding_ratio: float = 10.0,
    growth_factor: float = 100.0,
    saturated_fraction: float = 0.5,
    dead_fraction: float = 0.5,
    accuracy: float | None = None,
    chance: float | None = None,
    chance_margin: float = 0.05,
    inputs: Any = None,
) -> Diagnosis:
    """Flag vanishing/exploding gradients, saturation, dead units, NaN/Inf and a network that
    is not learning, by layer.

    Args:
        records: what a :class:`~chainrule.diagnostics.monitor.GradientMonitor` recorded
            (``monitor.records``).
        vanishing_ratio: flag vanishing when the median of speed(first hidden layer) /
            speed(last hidden layer) is below this.
        exploding_ratio: flag exploding when that ratio is above this (speeds growing toward
            the input).
        growth_factor: flag exploding when the largest layer gradient norm of the last finite
            record is this many times that of the first record.
        saturated_fraction: flag a hidden logistic/tanh layer whose median saturated fraction
            is above this.
        dead_fraction: flag a hidden ReLU layer whose median fraction of dead units is above
            this.
        accuracy: the accuracy the trained network reached (e.g. on the training set), and
        chance: the accuracy of guessing (1/classes for balanced classes): with both, flag
            ``not_learning`` when accuracy <= chance + ``chance_margin``.
        inputs: the training inputs (m, n): flag ``input_scale`` when they are far from unit
            scale (see :func:`input_scale`).

    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> from chainrule.diagnostics import GradientMonitor
    >>> net = Network([8, 16, 16, 4], activation="relu", init="he", cost="cross-entropy")
    >>> mon = GradientMonitor(net, every=1)
    >>> x = np.random.default_rng(0).standard_normal((32, 8)); y = np.arange(32) % 4
    >>> _ = mon.train_step(x, y, lr=0.05)
    >>> diagnose(mon.records).kinds
    ['healthy']
    """
    limits = (vanishing_ratio, exploding_ratio, growth_factor, saturated_fraction, dead_fraction)
    return Diagnosis(_findings(records, limits, (accuracy, chance, chance_margin), inputs))


def _findings(
    records: GradientRecords,
    limits: tuple[float, float, float, float, float],
    outcome: tuple[float | None, float | None, float],
    inputs: Any,
) -> list[Finding]:
    """:func:`diagnose`'s findings; ``limits`` and ``outcome`` are its thresholds, in order."""
    vanishing_ratio, exploding_ratio, growth_factor, saturated_fraction, dead_fraction = limits
    accuracy, chance, chance_margin = outcome
    if records.n_records == 0:
        return [Finding("healthy", (), _("nothing recorded yet"), {}, REMEDIES["healthy"])]
    hidden = np.flatnonzero(records.hidden)
    findings: list[Finding] = []
    bad_rows = _bad_rows(records)
    if bad_rows.size:
        findings.append(_non_finite(records, bad_rows))
    finite_rows = np.setdiff1d(np.arange(records.n_records), bad_rows)
    ratio, finding = _layer_ratio(records, hidden, finite_rows, vanishing_ratio, exploding_ratio)
    if finding is not None:
        findings.append(explain_finding(records, finding, finite_rows))
    if "exploding" not in [f.kind for f in findings]:
        finding = _growth(records, finite_rows, growth_factor)
        if finding is not None:
            findings.append(finding)
    rows = finite_rows if finite_rows.size else np.arange(records.n_records)
    stalled = _stalled(records, hidden, finite_rows)
    findings += _activation_findings(
        records, hidden, rows, stalled, saturated_fraction, dead_fraction
    )
    if not bad_rows.size:  # NaN/Inf is its own, louder finding
        finding = _not_learning(records, accuracy, chance, chance_margin, findings)
        if finding is not None:
            findings.append(finding)
    scale = input_scale(inputs) if inputs is not None else None
    if scale is not None:
        findings.append(scale)
    if not findings:
        findings.append(_healthy(records, hidden, rows, ratio, finite_rows.size))
    return findings


def _bad_rows(records: GradientRecords) -> np.ndarray:
    """The records with NaN/Inf in the loss, the activations or the gradients."""
    # A NaN loss means "not recorded"; a NaN loss from a real pass also makes NaN gradients,
    # which the counts catch. Inf norms are overflows of finite (huge) values: counted too.
    return np.flatnonzero(
        (records.nonfinite > 0).any(axis=1)
        | np.isinf(records.loss)
        | np.isinf(records.speeds).any(axis=1)
        | np.isinf(records.grad_norms).any(axis=1)
    )


def _non_finite(records: GradientRecords, bad_rows: np.ndarray) -> Finding:
    """NaN/Inf: where it was first recorded."""
    row = int(bad_rows[0])
    bad = (records.nonfinite[row] > 0) | np.isinf(records.speeds[row])
    bad |= np.isinf(records.grad_norms[row])
    layers = tuple(records.layers[i] for i in np.flatnonzero(bad))
    where = _(", ").join(map(layer_words, layers)) if layers else _("the loss")
    return Finding(
        "non_finite",
        layers,
        _("NaN/Inf first recorded at step {step} in {where}").format(
            step=int(records.steps[row]), where=where
        ),
        {
            "step": int(records.steps[row]),
            "counts": records.nonfinite[row].tolist(),
            "records_affected": int(bad_rows.size),
        },
        REMEDIES["non_finite"],
    )


def _layer_ratio(
    records: GradientRecords,
    hidden: np.ndarray,
    finite_rows: np.ndarray,
    vanishing_ratio: float,
    exploding_ratio: float,
) -> tuple[float, Finding | None]:
    """The first/last hidden-layer ratio (NaN if there is none) and the finding it gives:
    vanishing or exploding across the layers."""
    if hidden.size < 2 or not finite_rows.size:
        return math.nan, None
    names = records.layers
    # With batch normalization the β speed of a layer below a BatchNorm is the batch sum of
    # an error whose batch mean was removed: small by construction. Compare the relative
    # weight gradients ‖∂J/∂W‖/‖W‖ there instead.
    normalized = bool(records.batch_norm[hidden].any())
    measure = N_("relative weight gradient ‖∂J/∂W‖/‖W‖") if normalized else N_("speed ‖∂J/∂b‖")
    first, last = int(hidden[0]), int(hidden[-1])
    if normalized:
        with np.errstate(divide="ignore", invalid="ignore"):
            speeds = records.grad_norms[finite_rows] / records.weight_norms[finite_rows]
    else:
        speeds = records.speeds[finite_rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = speeds[:, first] / speeds[:, last]
    no_ratio = int(np.count_nonzero((speeds[:, first] == 0) & (speeds[:, last] == 0)))
    ratio = _median(ratios) if np.count_nonzero(np.isfinite(ratios)) > no_ratio else math.nan
    per_layer = [_median(speeds[:, i]) for i in hidden]
    numbers = {
        "measure": measure,
        "ratio": ratio,
        "speeds": per_layer,
        "layers": [names[i] for i in hidden],
        "factor_per_layer": ratio ** (1.0 / (hidden.size - 1)) if ratio > 0 else math.nan,
    }
    words = {"first": layer_words(names[first]), "last": layer_words(names[last])}
    words["measure"] = _(measure)
    words["speeds"] = ", ".join(_fmt(s) for s in per_layer)
    if ratio < vanishing_ratio:
        times = _fmt(1 / ratio) if ratio > 0 else _("infinitely")
        message = _(
            "{first} learns {times}x more slowly than {last} ({measure}: {speeds}, "
            "first hidden layer first)"
        ).format(times=times, **words)
        kind = "vanishing"
    elif ratio > exploding_ratio:
        message = _(
            "the speed grows toward the input: {first} is {times}x {last} ({measure}: {speeds})"
        ).format(times=_fmt(ratio), **words)
        kind = "exploding"
    else:
        return ratio, None
    return ratio, Finding(kind, (names[first], names[last]), message, numbers, REMEDIES[kind])


def _growth(
    records: GradientRecords, finite_rows: np.ndarray, growth_factor: float
) -> Finding | None:
    """Exploding across the steps: a gradient overflowed to Inf, or the largest gradient
    norm grew more than ``growth_factor`` times from the first finite record to the last."""
    names = records.layers
    norms = records.grad_norms
    overflow = np.isinf(norms) | np.isinf(records.speeds)
    if overflow.any():
        row, col = (int(i) for i in np.argwhere(overflow)[0])
        return Finding(
            "exploding",
            (names[col],),
            _("the gradient of {layer} overflowed to Inf at step {step}").format(
                layer=layer_words(names[col]), step=int(records.steps[row])
            ),
            {"step": int(records.steps[row])},
            REMEDIES["exploding"],
        )
    if finite_rows.size < 2:
        return None
    first, last = norms[finite_rows[0]], norms[finite_rows[-1]]
    start = np.nanmax(first) if np.isfinite(first).any() else 0
    end = np.nanmax(last) if np.isfinite(last).any() else 0
    growth = end / start if start > 0 else math.nan
    if not growth > growth_factor:
        return None
    col = int(np.nanargmax(last))
    return Finding(
        "exploding",
        (names[col],),
        _(
            "the largest gradient norm grew {growth}x from step {start} to step {end} "
            "(now {now}, in {layer})"
        ).format(
            growth=_fmt(growth),
            start=int(records.steps[finite_rows[0]]),
            end=int(records.steps[finite_rows[-1]]),
            now=_fmt(end),
            layer=layer_words(names[col]),
        ),
        {"growth": growth, "start": float(start), "end": float(end)},
        REMEDIES["exploding"],
    )


def _stalled(
    records: GradientRecords, hidden: np.ndarray, finite_rows: np.ndarray
) -> tuple[list[int], int, int]:
    """The hidden layers no gradient reaches: ‖∂J/∂b‖ and ‖∂J/∂W‖ exactly 0 (or not
    recorded) at the last finite record and at half of them or more. Returns their indices,
    how many records had the first of them at 0, and how many finite records there are."""
    if not finite_rows.size:
        return [], 0, 0
    zero = records.speeds[finite_rows] == 0
    zero &= (records.grad_norms[finite_rows] == 0) | np.isnan(records.grad_norms[finite_rows])
    stalled = [int(i) for i in hidden if zero[-1, i] and 2 * zero[:, i].sum() >= zero.shape[0]]
    zero_records = int(zero[:, stalled[0]].sum()) if stalled else 0
    return stalled, zero_records, zero.shape[0]


def _activation_findings(
    records: GradientRecords,
    hidden: np.ndarray,
    rows: np.ndarray,
    stalled: tuple[list[int], int, int],
    saturated_fraction: float,
    dead_fraction: float,
) -> list[Finding]:
    """Saturation and dead units of the hidden layers, from the activation statistics of
    ``rows``; the ``stalled`` layers (see :func:`_stalled`) join the saturation finding when
    they are all logistic/tanh (σ' underflowed to 0), else the dead units one."""
    names = records.layers
    layers_stalled, zero_records, n_records = stalled
    stalled_kind = "dead_units"
    if layers_stalled and all(
        records.activations[i] in ("sigmoid", "tanh") for i in layers_stalled
    ):
        stalled_kind = "saturation"

    findings = []
    for kind, fractions, limit, label in (
        ("saturation", records.saturated, saturated_fraction, _("saturated activations (σ' ≈ 0)")),
        ("dead_units", records.dead, dead_fraction, _("dead ReLU units (0 for the whole batch)")),
    ):
        medians = [(names[i], _median(fractions[rows, i])) for i in hidden]
        over = [(n, f) for n, f in medians if f > limit]
        shown = _(", ").join(f"{layer_words(n)} {f:.0%}" for n, f in over)
        parts = [_("{label}: {layers}").format(label=label, layers=shown)] if over else []
        numbers: dict[str, Any] = {"fractions": dict(over)}
        layers = [n for n, _ in over]
        if layers_stalled and kind == stalled_kind:
            parts.append(
                _(
                    "no gradient reaches {layers} (‖∂J/∂b‖ and ‖∂J/∂W‖ exactly 0 in {zero} of "
                    "{records} records, the last one included): the network has stopped "
                    "learning there"
                ).format(
                    layers=_(", ").join(layer_words(names[i]) for i in layers_stalled),
                    zero=zero_records,
                    records=n_records,
                )
            )
            numbers["stalled"] = [names[i] for i in layers_stalled]
            layers = [names[i] for i in hidden if names[i] in layers or i in layers_stalled]
        if parts:
            findings.append(Finding(kind, tuple(layers), "; ".join(parts), numbers, REMEDIES[kind]))
    return findings


def _not_learning(
    records: GradientRecords,
    accuracy: float | None,
    chance: float | None,
    margin: float,
    found: list[Finding],
) -> Finding | None:
    """Accuracy within ``margin`` of ``chance`` (both given by the caller), with what the
    loss did and the findings that are its likely cause."""
    if accuracy is None or chance is None or not accuracy <= chance + margin:
        return None
    numbers: dict[str, Any] = {"accuracy": float(accuracy), "chance": float(chance)}
    message = _("accuracy {accuracy} is at chance level ({chance})").format(
        accuracy=_fmt(accuracy), chance=_fmt(chance)
    )
    loss = records.loss[np.isfinite(records.loss)]
    if loss.size >= 2:
        numbers.update(loss_first=float(loss[0]), loss_last=float(loss[-1]))
        message += _("; the loss went from {start} to {end}").format(
            start=_fmt(loss[0]), end=_fmt(loss[-1])
        )
    if found:
        message += _(" (likely cause: {causes}, above)").format(
            causes=_join([_(CAUSES.get(f.kind, f.kind)) for f in found])
        )
    return Finding("not_learning", (), message, numbers, REMEDIES["not_learning"])


#: Values per float64 block of ``input_scale``.
SCALE_BLOCK = 1 << 20


def input_scale(x: Any, unit_scale: tuple[float, float] = UNIT_SCALE) -> Finding | None:
    """The ``input_scale`` finding when inputs ``x`` (m, n) are far from unit scale, else None.

    The measure is the root mean square of every value, √(mean x²): about 1 for standardized
    features, 0.3 to 0.9 for pixels in [0, 1] and the bundled toy sets, 7.8 for the digits left
    at 0..16, and large whenever one feature is in big units or far from 0.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).integers(0, 17, (100, 64))  # digits-like 0..16
    >>> print(input_scale(x).message)
    inputs far from unit scale: root mean square 9.38 (values 0 to 16); standardize them
    >>> input_scale(x / 16) is None
    True
    """
    # float64 a block at a time: no float64 copy of a whole data set (issue 15, lean memory);
    # one block (up to 2**20 values) sums exactly as np.mean(np.square(x)) did
    flat = np.asarray(x).reshape(-1)
    total, count, lowest, highest = 0.0, 0, math.inf, -math.inf
    for start in range(0, flat.size, SCALE_BLOCK):
        part = np.asarray(flat[start : start + SCALE_BLOCK], dtype=np.float64)
        finite = part[np.isfinite(part)]
        if finite.size:
            total += float(np.add.reduce(np.square(finite)))
            count += finite.size
            lowest, highest = min(lowest, float(finite.min())), max(highest, float(finite.max()))
    if not count:
        return None
    rms = float(np.sqrt(total / count))
    low, high = unit_scale
    if low <= rms <= high:
        return None
    message = _(
        "inputs far from unit scale: root mean square {rms} (values {lowest} to "
        "{highest}); standardize them"
    ).format(rms=_fmt(rms), lowest=_fmt(lowest), highest=_fmt(highest))
    numbers = {"rms": rms, "min": lowest, "max": highest, "unit_scale": list(unit_scale)}
    return Finding("input_scale", (), message, numbers, REMEDIES["input_scale"])


def _healthy(
    records: GradientRecords, hidden: np.ndarray, rows: np.ndarray, ratio: float, n_finite: int
) -> Finding:
    """The all-clear, naming what was checked: only what the records could show."""
    checked: list[str] = []
    unchecked: list[str] = []
    if math.isfinite(ratio):
        checked.append(N_("vanishing"))
    elif hidden.size < 2:
        unchecked.append(N_("vanishing (it needs two hidden layers)"))
    else:
        unchecked.append(N_("vanishing (no first/last hidden-layer speed ratio)"))
    if math.isfinite(ratio) or n_finite >= 2:
        checked.append(N_("exploding"))
    else:
        unchecked.append(N_("exploding (it needs two records or a speed ratio)"))
    for what, fractions, acts in (
        (N_("saturation"), records.saturated, ("sigmoid", "tanh")),
        (N_("dead units"), records.dead, ("relu",)),
    ):
        # Only layers whose σ can saturate (or die) are measured; others are NaN by design.
        layers = [int(i) for i in hidden if records.activations[i] in acts]
        if not layers:
            continue
        if np.isfinite(fractions[np.ix_(rows, layers)]).any():
            checked.append(what)
        else:
            unchecked.append(f"{what} (no activation statistics recorded)")
    checked.append("NaN/Inf")
    message = _("no {problems}").format(problems=_join([_(word) for word in checked]))
    numbers: dict[str, Any] = {"checked": checked, "not_checked": unchecked}
    if math.isfinite(ratio):
        numbers["ratio"] = ratio
        message += _(" (first/last hidden-layer speed ratio {ratio})").format(ratio=_fmt(ratio))
    if unchecked:
        message += _("; not checked: {what}").format(what=", ".join(map(_unchecked, unchecked)))
    return Finding("healthy", (), message, numbers, REMEDIES["healthy"])


def _unchecked(words: str) -> str:
    """One entry of the healthy finding's "not checked" list, in the current language."""
    what, _sep, _why = words.partition(" (no activation statistics recorded)")
    if _sep:
        return _("{what} (no activation statistics recorded)").format(what=_(what))
    return _(words)
