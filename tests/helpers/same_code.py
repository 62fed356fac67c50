"""The same code run on chainrule and on PyTorch (the oracle): same numbers, or the same error.

A case is a function of the library module (``chainrule`` or ``torch``), written once in
PyTorch's spelling, that returns tensors or numbers (or a tuple of them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from helpers.oracles import import_torch


def outcome(case: Callable[[Any], Any], lib: Any) -> tuple[str, Any]:
    """What ``case(lib)`` gives: its values as arrays, or the message of its error."""
    try:
        values = case(lib)
    except (RuntimeError, TypeError, ValueError) as error:
        return "error", str(error)
    values = values if isinstance(values, tuple) else (values,)
    return "values", [
        np.asarray(v.detach().numpy()) if hasattr(v, "detach") else np.asarray(v) for v in values
    ]


def same_as_torch(case: Callable[[Any], Any], error: str | None = None) -> None:
    """``case`` gives torch's numbers on chainrule; or, with ``error``, both raise it."""
    torch = import_torch()
    expected, got = outcome(case, torch), outcome(case, cr)
    if error is not None:
        assert expected[0] == "error" and error in expected[1], expected
        assert got[0] == "error" and error in got[1], got
        return
    assert expected[0] == "values", expected
    assert got[0] == "values", got
    assert len(got[1]) == len(expected[1])
    for ours, theirs in zip(got[1], expected[1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
