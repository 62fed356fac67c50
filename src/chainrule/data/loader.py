"""Mini-batches of NumPy arrays, optionally shuffled by a seeded generator."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from chainrule.errors import ConfigError, DataError
from chainrule.seeding import as_generator

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over ``(x_batch, y_batch)`` pairs, one pass over the data per ``for`` loop.

    With ``shuffle=True`` each pass draws a fresh permutation from the loader's own
    ``numpy.random.Generator`` (``rng``, or one made from ``seed``), so two loaders built with
    the same seed give the same order, epoch after epoch. ``drop_last`` skips a final batch
    smaller than ``batch_size``; ``min_batch`` skips one smaller than that (``min_batch=2``
    for batch normalization, which cannot normalize a single example). ``len(loader)`` is the
    number of batches per pass. ``y`` may be ``None`` (batches are then ``(x_batch, None)``).

    >>> loader = DataLoader(np.arange(10.0).reshape(5, 2), np.arange(5), batch_size=2)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray | None,
        batch_size: int,
        *,
        shuffle: bool = False,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        drop_last: bool = False,
        min_batch: int = 1,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size}")
        if isinstance(min_batch, bool) or not isinstance(min_batch, int | np.integer):
            raise ConfigError(f"min_batch must be a positive integer, got {min_batch!r}")
        if min_batch < 1:
            raise ConfigError(f"min_batch must be a positive integer, got {min_batch}")
        if seed is not None and rng is not None:
            raise ConfigError("DataLoader: pass seed= or rng=, not both")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        if rng is None:
            rng = as_generator(seed, "seed")
        x = np.asarray(x)
        if x.ndim == 0:
            raise DataError("DataLoader: x must have a leading example axis, got a scalar")
        if y is not None:
            y = np.asarray(y)
            if y.shape[:1] != x.shape[:1]:
                raise DataError(
                    f"DataLoader: x has {x.shape[0]} examples but y has shape {y.shape}"
                )
        self.x = x
        self.y = y
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.min_batch = int(min_batch)
        self.rng = rng

    @property
    def n_examples(self) -> int:
        """Number of examples in one full pass (before ``drop_last`` and ``min_batch``)."""
        return int(self.x.shape[0])

    @property
    def n_used(self) -> int:
        """Number of examples a pass yields: a short last batch may be skipped."""
        n = self.n_examples
        rest = n % self.batch_size
        return n - rest if rest and (self.drop_last or rest < self.min_batch) else n

    def __len__(self) -> int:
        return -(-self.n_used // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        n, stop = self.n_examples, self.n_used
        if self.shuffle:
            order = self.rng.permutation(n)
            for start in range(0, stop, self.batch_size):
                idx = order[start : start + self.batch_size]
                yield self.x[idx], (self.y[idx] if self.y is not None else None)
        else:
            for start in range(0, stop, self.batch_size):
                sl = slice(start, start + self.batch_size)
                yield self.x[sl], (self.y[sl] if self.y is not None else None)

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.n_examples} examples, batch_size={self.batch_size}, "
            f"{len(self)} batches, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
