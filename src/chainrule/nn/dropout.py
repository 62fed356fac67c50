"""``Dropout``: inverted dropout with an explicit random generator."""

from __future__ import annotations

import numpy as np

from chainrule import backend
from chainrule.engine.inplace import update as in_place
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.nn.init import Seed, as_generator
from chainrule.nn.module import Module


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by 1/(1-p)
    (inverted dropout, as PyTorch), so the expected output equals the input; in evaluation
    mode, return the input itself.

    The masks come from ``rng`` (a Generator or a seed): one seed, one sequence of masks. They
    are drawn on the host (in float32) and moved to the input's device. The generator's state
    is not part of ``state_dict()``, as in PyTorch.

    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> drop = nn.Dropout(0.5, rng=0)
    >>> sorted(set(drop(cr.tensor(np.ones(8))).tolist()))
    [0.0, 2.0]
    >>> x = cr.tensor([1.0, 2.0]); drop.eval()(x) is x
    True

    ``inplace=True`` writes the result into the input, as PyTorch's does.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *, rng: Seed = None) -> None:
        super().__init__()
        if not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
            raise ConfigError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.inplace = bool(inplace)
        self.rng = as_generator(rng)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        dtype = x.dtype if x.dtype.kind == "f" else backend.get_default_dtype()
        if self.p == 1.0:
            mask = np.zeros(x.shape, dtype=dtype)
        else:
            mask = (self.rng.random(x.shape, dtype=np.float32) >= self.p).astype(dtype)
            mask *= 1.0 / (1.0 - self.p)
        if x.device != "cpu":
            mask = backend.to_device(mask, x.device)
        kept = Tensor._from_op(mask, None)
        return in_place(x, lambda t: t * kept) if self.inplace else x * kept

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
