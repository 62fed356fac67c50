"""``chainrule.utils.data``: ``Dataset``, ``TensorDataset`` and a ``DataLoader`` that yields
tensors, with PyTorch's names and signatures (``from torch.utils.data import DataLoader``).

The batching order (shuffle, ``drop_last``) is ``chainrule.data.DataLoader``'s, run over the
example indices; shuffling draws from ``generator`` or else from the library's default
generator, which ``chainrule.manual_seed`` seeds, so a seed reproduces the order.

>>> import chainrule as cr
>>> from chainrule.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(cr.arange(5), cr.arange(5) * 10)
>>> [yb.tolist() for _, yb in DataLoader(ds, batch_size=2)]
[[0, 10], [20, 30], [40]]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from chainrule import ops
from chainrule.data.loader import DataLoader as _IndexBatches
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, DataError
from chainrule.seeding import default_generator

__all__ = ["DataLoader", "Dataset", "TensorDataset"]


class Dataset:
    """A map-style data set: subclass it and define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Tensors that share their first dimension; item ``i`` is the tuple of their rows ``i``
    (an index array or a slice gives a tuple of batches).

    >>> import chainrule as cr
    >>> TensorDataset(cr.tensor([[1.0], [2.0]]), cr.tensor([0, 1]))[1]
    (tensor([2.]), tensor(1))
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise DataError("TensorDataset needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in tensors) or len({len(t) for t in tensors}) != 1:
            raise DataError(
                f"TensorDataset: tensors must share their first dimension, got shapes "
                f"{[t.shape for t in tensors]}"
            )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


def default_collate(items: Sequence[Any]) -> Any:
    """Stack a list of examples into one batch: tensors, arrays and numbers are stacked along
    a new first axis; tuples and lists of them become lists of batches; dicts stay dicts.

    >>> default_collate([(Tensor([1.0]), 0), (Tensor([2.0]), 1)])
    [tensor([[1.],
            [2.]]), tensor([0, 1])]
    """
    first = items[0]
    if isinstance(first, Tensor):
        return ops.stack(items)
    if isinstance(first, dict):
        return {key: default_collate([item[key] for item in items]) for key in first}
    if isinstance(first, tuple | list):
        return [default_collate(column) for column in zip(*items, strict=True)]
    if isinstance(first, float):  # Python floats take the default dtype, as in PyTorch
        return Tensor(list(items))
    return Tensor(np.asarray(items))


class DataLoader:
    """Batches of a data set, as tensors: ``for xb, yb in DataLoader(ds, batch_size=64)``.

    With ``shuffle=True`` every pass draws a new order from ``generator`` (a
    ``numpy.random.Generator``) or the library's default generator. ``drop_last`` skips a
    last batch smaller than ``batch_size``. ``len(loader)`` is the number of batches per pass.
    A ``TensorDataset`` is indexed a batch at a time; any other data set an example at a time,
    the examples then joined by ``collate_fn`` (``default_collate`` unless given).

    >>> import chainrule as cr
    >>> ds = TensorDataset(cr.arange(6.0))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=np.random.default_rng(0))
    >>> len(loader), sorted(v for (xb,) in loader for v in xb.tolist())
    (2, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: np.random.Generator | None = None,
        collate_fn: Any = None,
    ) -> None:
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise ConfigError(
                f"DataLoader: generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self._index_batches(np.random.default_rng(0))  # checks batch_size now, not at the loop

    def _index_batches(self, rng: np.random.Generator) -> _IndexBatches:
        indices = np.arange(len(self.dataset))
        return _IndexBatches(
            indices, None, self.batch_size, shuffle=self.shuffle, rng=rng, drop_last=self.drop_last
        )

    def __len__(self) -> int:
        return len(self._index_batches(np.random.default_rng(0)))

    def __iter__(self) -> Iterator[Any]:
        rng = default_generator() if self.generator is None else self.generator
        for index, _ in self._index_batches(rng):
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
                yield list(self.dataset[index])
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in index])
