"""What a :class:`~chainrule.classic.Network` computes and keeps: one forward pass, one backward
pass and the per-epoch numbers of ``fit`` (the buffers of its training hot path are in
``_step.py``).

Split out of ``network.py`` (issue 10) so that the network module holds the algorithm itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


@dataclass(slots=True)
class ForwardPass:
    """Every weighted input z^l and activation a^l of one forward pass over a batch.

    ``z[l-1]`` is z^l and ``a[l]`` is a^l for l = 1..L, each of shape (m, N^l); ``a[0]`` is
    the input x itself. With the softmax output of the cross-entropy cost, ``log_output`` keeps
    log a^L (the log-softmax, exact even where a^L underflows), a saved value of the cost.

    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> fp = Network([2, 3, 1], seed=0).forward(np.zeros((4, 2)))
    >>> len(fp.z), len(fp.a), fp.output.shape
    (2, 3, (4, 1))
    """

    z: list[Array]
    a: list[Array]
    log_output: Array | None = None

    @property
    def output(self) -> Array:
        """a^L, the network's output."""
        return self.a[-1]

    def __repr__(self) -> str:  # shapes, not the arrays: a notebook shows this
        return f"ForwardPass(a: {' -> '.join(str(a.shape) for a in self.a)})"


@dataclass
class Gradients:
    """What one backward pass computes: J, every δ^l and the gradients of W^l and b^l.

    Lists run from the first hidden layer to the output layer (index l-1 for layer l).
    ``deltas[l-1]`` has shape (m, N^l), one row per sample; ``grad_biases[l-1]`` is its sum
    over the rows, because the 1/m of J already sits inside δ^L.

    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> g = Network([2, 3, 1], seed=0).backward(np.zeros((4, 2)), np.ones((4, 1)))
    >>> bool(np.allclose(g.grad_biases[0], g.deltas[0].sum(axis=0)))
    True
    """

    cost: float
    deltas: list[Array]
    grad_weights: list[Array]
    grad_biases: list[Array]
    forward: ForwardPass

    def __repr__(self) -> str:  # shapes, not the arrays: a notebook shows this
        shapes = ", ".join(str(d.shape) for d in self.deltas)
        return f"Gradients(cost={self.cost:.6g}, δ^1..δ^L of shapes {shapes})"


@dataclass(frozen=True)
class EpochStats:
    """The numbers ``fit`` measures after each epoch (epochs count from 1).

    ``train_loss`` and ``train_accuracy`` are measured on the whole training set with the
    weights at the end of the epoch; the test fields are None without a test set.
    """

    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float | None
    test_accuracy: float | None
    seconds: float


@dataclass
class History:
    """Per-epoch curves from ``fit``: ``history.train_loss[e]`` is the value after epoch e+1.

    >>> import numpy as np
    >>> from chainrule.classic import Network
    >>> x = np.eye(4); y = np.arange(4)
    >>> h = Network([4, 4], cost="cross-entropy", init="xavier").fit(
    ...     x, y, epochs=3, batch_size=2, lr=1.0, seed=0)
    >>> len(h), h.train_loss[-1] < h.train_loss[0]
    (3, True)
    """

    stats: list[EpochStats] = field(default_factory=list)

    @property
    def train_loss(self) -> list[float]:
        return [s.train_loss for s in self.stats]

    @property
    def train_accuracy(self) -> list[float]:
        return [s.train_accuracy for s in self.stats]

    @property
    def test_loss(self) -> list[float | None]:
        return [s.test_loss for s in self.stats]

    @property
    def test_accuracy(self) -> list[float | None]:
        return [s.test_accuracy for s in self.stats]

    def __len__(self) -> int:
        return len(self.stats)
