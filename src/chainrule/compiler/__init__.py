"""A compiled training step, in the spirit of ``torch.compile``: traced once, then replayed.

``chainrule.compile(model, loss_fn, optimizer)`` returns a :class:`CompiledStep`; calling it
with a batch trains on it and returns J, with the eager step's numbers bit for bit (to
rounding when ``keep_grads=False`` folds α in float32), but with every array allocated once
and no graph built per step. See ``step`` for the guards and the fallback, ``plan`` for the
tracing, ``kernels`` for the compiled ops and ``update`` for the optimizers'.
"""

from __future__ import annotations

import os

from chainrule.compiler.step import MAX_RETRACES, MAX_SHAPES, CompiledStep, CompileWarning
from chainrule.nn import Module
from chainrule.optim import Optimizer


def compile(
    model: Module,
    loss_fn: Module,
    optimizer: Optimizer,
    *,
    check_labels: bool = True,
    warn: bool = True,
    keep_grads: bool = True,
) -> CompiledStep:
    """The training step of ``model`` under ``loss_fn`` and ``optimizer``, compiled.

    ``keep_grads=False``: a float32 step under plain SGD may fold α into the loss gradient,
    equal to the eager step to rounding, with ``.grad`` None after it (see ``CompiledStep``).

    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn, optim
    >>> model = nn.Sequential(nn.Linear(2, 2, rng=0), nn.Sigmoid())
    >>> step = cr.compile(model, nn.QuadraticCost(), optim.SGD(model.parameters(), lr=1.0))
    >>> x = np.array([[0.0, 1.0]], np.float32)
    >>> j = [step(x, x) for _ in range(3)]; step.traces
    1
    """
    return CompiledStep(
        model, loss_fn, optimizer, check_labels=check_labels, warn=warn, keep_grads=keep_grads
    )


_enabled: list[bool | None] = [None]  # None: the environment decides


def compiling() -> bool:
    """Whether the training loop compiles its steps: yes, unless ``set_compiling(False)``
    (``--no-compile``) or the environment has ``CHAINRULE_COMPILE=0``.

    >>> set_compiling(False); compiling()
    False
    >>> set_compiling(None)
    """
    if _enabled[0] is not None:
        return _enabled[0]
    return os.environ.get("CHAINRULE_COMPILE", "1").strip().lower() not in ("0", "no", "off")


def set_compiling(enabled: bool | None) -> None:
    """Compile training steps by default (True), never (False), or as the environment says."""
    _enabled[0] = enabled


__all__ = [
    "MAX_RETRACES",
    "MAX_SHAPES",
    "CompileWarning",
    "CompiledStep",
    "compile",
    "compiling",
    "set_compiling",
]
