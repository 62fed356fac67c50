"""The engine's switches: gradient recording and anomaly detection.

Per thread, as in PyTorch: a worker thread's ``no_grad`` (a playground session, a server
request) must not switch recording off for the others, and two threads entering and leaving
``no_grad`` at once must not leave it off for good. One tiny module, so the hot path reads
one attribute of a ``threading.local``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class _Switches(threading.local):
    """Each thread starts with recording on and anomaly detection off (the class defaults)."""

    grad_enabled: bool = True
    detect_anomaly: bool = False


switches = _Switches()


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
    previous, switches.grad_enabled = switches.grad_enabled, False
    try:
        yield
    finally:
        switches.grad_enabled = previous


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph inside the block, even within ``no_grad``."""
    previous, switches.grad_enabled = switches.grad_enabled, True
    try:
        yield
    finally:
        switches.grad_enabled = previous


class set_grad_enabled:  # PyTorch's name, a class as in PyTorch
    """Record ops (``mode=True``) or not, as ``torch.set_grad_enabled``: called alone it
    switches now; as a ``with`` block, only inside it.

    >>> import chainrule as cr
    >>> with cr.set_grad_enabled(False):
    ...     cr.is_grad_enabled()
    False
    >>> cr.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        self.previous, switches.grad_enabled = switches.grad_enabled, bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        switches.grad_enabled = self.previous


@contextlib.contextmanager
def inference_mode(mode: bool = True) -> Iterator[None]:
    """``torch.inference_mode``: here the same as ``no_grad`` (``mode=False`` records)."""
    previous, switches.grad_enabled = switches.grad_enabled, not mode
    try:
        yield
    finally:
        switches.grad_enabled = previous


def is_grad_enabled() -> bool:
    """Whether ops are being recorded right now."""
    return switches.grad_enabled
