"""Anomaly detection: stop at the first NaN or Inf, naming the op and where it was called.

Off by default (it costs a finiteness check per op). Turn it on with
``chainrule.detect_anomaly()``; higher layers (nn, the gradient monitor) add the layer and the
training step to the message.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from typing import Any

import numpy as np

from chainrule.backend import get_array_module, to_numpy
from chainrule.engine import state
from chainrule.errors import NonFiniteError

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``NonFiniteError`` at the first op whose forward value or gradient is NaN or Inf.

    >>> import chainrule as cr
    >>> x = cr.tensor([-1.0], requires_grad=True)
    >>> with cr.detect_anomaly():
    ...     cr.log(x)
    Traceback (most recent call last):
    ...
    chainrule.errors.NonFiniteError: Log produced 1 NaN in its forward value, shape (1,) ...
    """
    previous, state.switches.detect_anomaly = state.switches.detect_anomaly, True
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        state.switches.detect_anomaly = previous


def _call_site() -> str:
    """The innermost frame outside chainrule's engine and ops: the user's line."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        inside = frame.filename.startswith(_PACKAGE_DIR) and (
            os.sep + "engine" + os.sep in frame.filename
            or os.sep + "ops" + os.sep in frame.filename
        )
        if not inside:
            return f"{frame.filename}:{frame.lineno} ({frame.name})"
    return "<unknown>"


def _describe(data: Any) -> str | None:
    xp = get_array_module(data)
    array = np.asarray(data) if xp is np else data  # a CuPy array is checked where it lives
    if array.dtype.kind not in "fc" or bool(xp.isfinite(array).all()):
        return None
    array = to_numpy(array)  # only a failing array comes to the host
    nan = int(np.isnan(array).sum())
    inf = int(np.isinf(array).sum())
    parts = ([f"{nan} NaN"] if nan else []) + ([f"{inf} Inf"] if inf else [])
    return " and ".join(parts) + f" in its {{what}}, shape {array.shape}"


def check_forward(fn: Any, out: Any, inputs: tuple[Any, ...]) -> None:
    """Under ``detect_anomaly()``: record where ``fn`` was called; raise NonFiniteError if
    its forward value holds a NaN or Inf."""
    fn.site = _call_site()
    problem = _describe(out)
    if problem is not None:
        shapes = ", ".join(str(tuple(t.shape)) for t in inputs)
        raise NonFiniteError(
            f"{fn.name} produced {problem.format(what='forward value')} "
            f"(inputs {shapes}), called at {fn.site}"
        )


def check_backward(fn: Any, grad: Any, parent: Any) -> None:
    """Under ``detect_anomaly()``: raise NonFiniteError naming ``fn`` and where it was called
    if the gradient it passes to ``parent`` holds a NaN or Inf."""
    problem = _describe(grad.array if hasattr(grad, "grad_fn") else grad)
    if problem is not None:
        site = getattr(fn, "site", "<unknown>")
        raise NonFiniteError(
            f"the backward of {fn.name} produced {problem.format(what='input gradient')} "
            f"for an input of shape {tuple(parent.shape)}; the op was called at {site}"
        )
