"""Numbers made ready for the browser: finite JSON lists, the diagnosis as rows, the remedies
it suggests, the latest records of a monitor.

JSON has no NaN or Infinity (a browser's ``JSON.parse`` refuses them), so a diverged run's
numbers go out as ``null``.

>>> finite(np.array([1.23456, np.inf]), 3)
[1.23, None]
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from chainrule.diagnostics import Diagnosis, GradientRecords

#: Remedies worth one click for each finding, first the one to try first. Each keeps the
#: network and its initial weights, so the runs side by side differ in that one setting.
SUGGESTED = {
    "vanishing": ("batch_norm", "relu"),
    "exploding": ("clip", "lower_lr"),
    "non_finite": ("clip", "lower_lr"),
    "saturation": ("batch_norm", "lower_lr"),
    "dead_units": ("lower_lr", "batch_norm"),
    "not_learning": ("higher_lr", "batch_norm"),
}


def finite(values: Any, digits: int = 4) -> Any:
    """``values`` as nested lists of floats to ``digits`` significant digits (a vanishing
    gradient of 1e-7 stays 1e-7); NaN and ±Inf become None.

    >>> finite(np.array([3.14159, 1.23456e-7, 0.0])), finite(float("nan"))
    ([3.142, 1.235e-07, 0.0], None)
    """
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(array)
    safe = np.where(ok & (array != 0), np.abs(array), 1.0)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(safe)))
    rounded = np.where(ok, np.round(array * scale) / scale, 0.0)
    if array.ndim == 0:
        return float(rounded) if ok else None
    if ok.all():
        return rounded.tolist()
    shown = rounded.astype(object)
    shown[~ok] = None
    return shown.tolist()


def recent(records: GradientRecords, n: int) -> GradientRecords:
    """The last ``n`` rows of ``records`` (the diagnosis of a run as it is now)."""
    if records.n_records <= n:
        return records
    rows = {name: getattr(records, name)[-n:] for name in GradientRecords.FIELDS}
    return dataclasses.replace(records, steps=records.steps[-n:], loss=records.loss[-n:], **rows)


def rolling(window: GradientRecords | None, new: GradientRecords, n: int) -> GradientRecords:
    """The last ``n`` rows of ``window`` followed by ``new``: a diagnosis window that costs the
    same at step 10 and at step 100,000 (the monitor is emptied after each read)."""
    if window is None or window.n_records == 0:
        return recent(new, n)
    if new.n_records == 0:
        return window
    rows = {
        name: np.concatenate([getattr(window, name), getattr(new, name)])
        for name in ("steps", "loss", *GradientRecords.FIELDS)
    }
    return recent(dataclasses.replace(window, **rows), n)


def diagnosis_rows(found: Diagnosis) -> list[dict[str, Any]]:
    """Each finding as the view shows it: kind, title, message, layers and remedy."""
    return [
        {
            "kind": f.kind,
            "title": f.title,
            "message": f.message,
            "layers": list(f.layers),
            "remedy": f.remedy,
        }
        for f in found.findings
    ]


def remedies_for(found: Diagnosis) -> list[str]:
    """The one-click remedies the findings suggest, without repeats, most urgent first."""
    names: list[str] = []
    for kind in found.kinds:
        names += [name for name in SUGGESTED.get(kind, ()) if name not in names]
    return names
