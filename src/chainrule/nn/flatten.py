"""``Flatten``: merge the axes of each sample into one, e.g. images into pixel rows."""

from __future__ import annotations

import math

from chainrule import ops
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError
from chainrule.nn.module import Module


class Flatten(Module):
    """Merge the axes ``start_dim`` .. ``end_dim`` (both included) into one.

    The defaults keep the batch axis: (m, 28, 28) images become (m, 784) rows.

    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> nn.Flatten()(cr.tensor(np.zeros((5, 2, 3)))).shape
    (5, 6)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = int(start_dim)
        self.end_dim = int(end_dim)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 0:
            return ops.reshape(x, (1,))
        start, end = (self._axis(x, d) for d in (self.start_dim, self.end_dim))
        if start > end:
            raise ShapeError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                f"for an input of shape {x.shape}"
            )
        if start == end:
            return x
        shape = x.shape
        merged = math.prod(shape[start : end + 1])
        return ops.reshape(x, (*shape[:start], merged, *shape[end + 1 :]))

    @staticmethod
    def _axis(x: Tensor, dim: int) -> int:
        if not -x.ndim <= dim < x.ndim:
            raise ShapeError(f"Flatten: dim {dim} is out of range for an input of shape {x.shape}")
        return dim % x.ndim

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
