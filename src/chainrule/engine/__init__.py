"""The autodiff engine: ``Tensor``, the ``Function`` base of every op, and the traversal."""

from chainrule.engine.anomaly import detect_anomaly
from chainrule.engine.function import Function
from chainrule.engine.state import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.engine.tensor import Tensor

__all__ = [
    "Function",
    "Tensor",
    "detect_anomaly",
    "enable_grad",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
