"""Global switches of the engine: gradient recording and anomaly detection.

Kept in one tiny module so the hot path reads a plain module attribute.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

grad_enabled: bool = True
detect_anomaly: bool = False


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Record nothing inside the block: no graph, no saved values.

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> with cr.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    global grad_enabled
    previous, grad_enabled = grad_enabled, False
    try:
        yield
    finally:
        grad_enabled = previous


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph inside the block, even within ``no_grad``."""
    global grad_enabled
    previous, grad_enabled = grad_enabled, True
    try:
        yield
    finally:
        grad_enabled = previous


def is_grad_enabled() -> bool:
    """Whether ops are being recorded right now."""
    return grad_enabled
