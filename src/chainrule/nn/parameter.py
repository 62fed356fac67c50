"""``Parameter``: a tensor that a ``Module`` registers as one of its trainable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import backend
from chainrule.engine.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires a gradient and that a ``Module`` registers when assigned.

    It is an ordinary ``Tensor`` in every other way (ops produce plain tensors from it). Its
    array (``.array``) is always writable, so optimizers can update it in place. A ``Tensor`` or an
    array passed in is shared, not copied (as ``torch.nn.Parameter`` does), unless NumPy
    marks it read-only.

    >>> import numpy as np
    >>> from chainrule import nn
    >>> w = nn.Parameter(np.zeros((2, 3), dtype=np.float32))
    >>> w.requires_grad, w.shape
    (True, (2, 3))
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=backend.get_default_dtype())
        elif isinstance(data, Tensor):
            data = data.array
        super().__init__(data, requires_grad=requires_grad)
        array = self.array
        if isinstance(array, np.generic) or (
            isinstance(array, np.ndarray) and not array.flags.writeable
        ):
            self.array = np.array(array)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
