"""Small array helpers around a data set: labels to one-hot, standardising, splitting, checking.

Everything here works on plain NumPy arrays and raises :class:`~chainrule.errors.DataError`
when the data is at fault, :class:`~chainrule.errors.ConfigError` when an option is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike

from chainrule.errors import ConfigError, DataError
from chainrule.seeding import as_generator

__all__ = [
    "FeatureStats",
    "check_features",
    "check_standardizable",
    "fit_stats",
    "one_hot",
    "standardize",
    "train_test_split",
]


def _as_labels(y: np.ndarray, where: str) -> np.ndarray:
    """``y`` as a 1-D integer array; float labels are accepted only when they are whole."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{where}: labels must be 1-D class indices, got shape {y.shape}")
    if y.dtype.kind in "iu":
        return y
    if y.dtype.kind == "b":
        return y.astype(np.int64)
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return y.astype(np.int64)
    raise DataError(f"{where}: labels must be integer class indices, got dtype {y.dtype}")


def _check_label_range(y: np.ndarray, n_classes: int, where: str) -> None:
    bad = np.flatnonzero((y < 0) | (y >= n_classes))
    if bad.size:
        first = int(bad[0])
        raise DataError(
            f"{where}: {bad.size} label(s) outside 0..{n_classes - 1}; "
            f"the first is {y[first]} at index {first}"
        )


def one_hot(y: np.ndarray, n_classes: int, dtype: DTypeLike = np.float32) -> np.ndarray:
    """Turn class indices into one-hot rows.

    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) or n_classes < 1:
        raise ConfigError(f"n_classes must be a positive integer, got {n_classes!r}")
    labels = _as_labels(y, "one_hot")
    _check_label_range(labels, int(n_classes), "one_hot")
    out = np.zeros((labels.shape[0], int(n_classes)), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


@dataclass(frozen=True, eq=False)
class FeatureStats:
    """Per-feature mean and scale fitted on training data; ``apply`` reuses them on new data."""

    mean: np.ndarray
    std: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``(x - mean) / std`` in ``x``'s float dtype (float32 for integer input)."""
        x = np.asarray(x)
        if x.shape[-1:] != self.mean.shape:
            raise DataError(
                f"data has {x.shape[-1] if x.ndim else 0} features but the statistics were "
                f"fitted on {self.mean.shape[0]}"
            )
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        if np.result_type(x, self.mean, self.std) == dtype:  # e.g. float32 data and stats
            out = np.subtract(x, self.mean)  # one new array, divided in place
            return np.divide(out, self.std, out=out)
        if x.ndim < 2:
            return ((x - self.mean) / self.std).astype(dtype, copy=False)
        # float32 data, float64 stats: the same arithmetic a block of rows at a time, so the
        # float64 intermediates never hold more than CHUNK values (issue 15, lean memory)
        out = np.empty(x.shape, dtype)
        for rows in _row_blocks(x):
            out[rows] = (x[rows] - self.mean) / self.std
        return out


#: Values per block when a whole data set is processed in float64 a block of rows at a time.
CHUNK = 1 << 20


def _row_blocks(x: np.ndarray) -> list[slice]:
    rows = max(1, CHUNK // max(1, math.prod(x.shape[1:])))
    return [slice(i, i + rows) for i in range(0, len(x), rows)]


def check_standardizable(x_train: np.ndarray) -> np.ndarray:
    """``x_train`` as an array fit to standardize: non-empty, (m, n), finite; else DataError."""
    x_train = np.asarray(x_train)
    if x_train.ndim != 2 or x_train.shape[0] == 0:
        raise DataError(
            f"standardize: x_train must be a non-empty (m, n) array, got {x_train.shape}"
        )
    if not np.isfinite(x_train).all():
        bad = np.flatnonzero(~np.isfinite(x_train).all(axis=0))
        raise DataError(
            f"standardize: {bad.size} feature(s) of x_train hold NaN or Inf; the first is "
            f"feature {bad[0]}"
        )
    return x_train


def fit_stats(x_train: np.ndarray, eps: float = 1e-8) -> FeatureStats:
    """The per-feature mean and std of ``standardize`` (float64), without scaling anything.

    The std is NumPy's ``x_train.std(axis=0, dtype=np.float64)`` to the bit, summed a block of
    rows at a time instead of over a float64 copy of the whole data set (twice the size of
    float32 data). A std below ``eps`` becomes 1 (the feature is only centred).

    >>> fit_stats(np.array([[0.0, 5.0], [2.0, 5.0]])).std.tolist()
    [1.0, 1.0]
    """
    mean = x_train.mean(axis=0, dtype=np.float64)
    # NumPy sums over axis 0 row after row into one accumulator, so carrying the running sum
    # in the first row of the next block repeats its additions exactly
    blocks = _row_blocks(x_train)
    buffer = np.empty((min(len(x_train), blocks[0].stop) + 1, *mean.shape))
    total: np.ndarray | None = None
    for rows in blocks:
        part = x_train[rows]
        first = 0 if total is None else 1
        block = buffer[: first + len(part)]
        np.subtract(part, mean, out=block[first:], dtype=np.float64)
        np.multiply(block[first:], block[first:], out=block[first:])
        if total is not None:
            block[0] = total
        total = np.add.reduce(block, axis=0)
    assert total is not None  # x_train has at least one row
    std = np.sqrt(np.true_divide(total, len(x_train)))
    return FeatureStats(mean=mean, std=np.where(std < eps, 1.0, std))


def standardize(
    x_train: np.ndarray, x_test: np.ndarray | None = None, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray | None, FeatureStats]:
    """Scale each feature to zero mean and unit variance, fitting on ``x_train`` only.

    Returns ``(x_train_std, x_test_std, stats)``; ``x_test_std`` is ``None`` when no test set
    is given. A feature (nearly) constant on the training set (std < ``eps``, e.g. the border
    pixels of the digits) is only centred, never divided by a tiny number.

    >>> xtr, xte, stats = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]]))
    >>> xtr.ravel().tolist(), xte.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    x_train = check_standardizable(x_train)
    stats = fit_stats(x_train, eps)
    test = stats.apply(x_test) if x_test is not None else None
    return stats.apply(x_train), test, stats


def _class_test_counts(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Share ``n_test`` among classes in proportion to their sizes (largest remainder)."""
    quotas = counts * (n_test / counts.sum())
    take = np.floor(quotas).astype(np.int64)
    short = n_test - int(take.sum())
    if short:
        # stable sort: ties go to the lower class index, so the split is deterministic
        order = np.argsort(-(quotas - take), kind="stable")
        take[order[:short]] += 1
    return take


def train_test_split(
    x: np.ndarray,
    y: np.ndarray,
    test_fraction: float,
    rng: np.random.Generator | int,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into ``(x_train, x_test, y_train, y_test)`` (scikit-learn's order).

    The test set holds ``ceil(test_fraction * m)`` examples. With ``stratify`` each class
    keeps its share in both parts (up to rounding); both parts come out shuffled, so taking
    the first n of either is a fair sample. ``rng`` is a Generator or an integer seed.

    >>> x, y = np.arange(8.0).reshape(8, 1), np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> xtr, xte, ytr, yte = train_test_split(x, y, 0.5, rng=0)
    >>> sorted(yte.tolist())
    [0, 0, 1, 1]
    """
    if not isinstance(test_fraction, int | float | np.number) or not 0 < test_fraction < 1:
        raise ConfigError(
            f"test_fraction must be a number between 0 and 1 (exclusive), got {test_fraction!r}"
        )
    rng = as_generator(rng)
    x = np.asarray(x)
    y = np.asarray(y)
    m = x.shape[0] if x.ndim else 0
    if y.shape[:1] != (m,):
        raise DataError(f"train_test_split: x has {m} examples but y has shape {y.shape}")
    if m < 2:
        raise DataError(f"train_test_split: need at least 2 examples, got {m}")
    n_test = min(max(math.ceil(float(test_fraction) * m), 1), m - 1)
    if stratify:
        classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
        take = _class_test_counts(counts, n_test)
        test_parts, train_parts = [], []
        for c in range(classes.size):
            members = rng.permutation(np.flatnonzero(inverse == c))
            test_parts.append(members[: take[c]])
            train_parts.append(members[take[c] :])
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))
    else:
        perm = rng.permutation(m)
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    return x[train_idx], x[test_idx], y[train_idx], y[test_idx]


def check_features(
    x: np.ndarray,
    y: np.ndarray | None = None,
    n_features: int | None = None,
    n_classes: int | None = None,
    *,
    where: str = "data",
) -> None:
    """Check that data fits a model before training on it; raise DataError naming the problem.

    Checks: ``x`` is 2-D and finite (reports how many NaN/Inf and the first index), has
    ``n_features`` columns, ``y`` has one label per row, and the labels lie in
    ``0..n_classes-1`` (one-hot ``y`` must have ``n_classes`` columns). ``where`` names the
    data in the message (e.g. ``"training data"``). ``None`` skips a check.

    >>> check_features(np.zeros((2, 784)), np.array([0, 1]), n_features=64, n_classes=10)
    Traceback (most recent call last):
    ...
    chainrule.errors.DataError: data has 784 features but the first layer takes 64
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise DataError(f"{where} must be a 2-D (examples, features) array, got shape {x.shape}")
    if n_features is not None and x.shape[1] != n_features:
        raise DataError(f"{where} has {x.shape[1]} features but the first layer takes {n_features}")
    if x.dtype.kind in "fc":
        bad = ~np.isfinite(x)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise DataError(
                f"{where} has {int(bad.sum())} non-finite value(s) (NaN or Inf); "
                f"the first at index {first}"
            )
    elif x.dtype.kind not in "iub":
        raise DataError(f"{where} must be numeric, got dtype {x.dtype}")
    if y is None:
        return
    y = np.asarray(y)
    if y.shape[:1] != x.shape[:1]:
        raise DataError(
            f"{where} has {x.shape[0]} examples but {y.shape[0] if y.ndim else 0} labels"
        )
    if y.ndim == 2:
        if n_classes is not None and y.shape[1] != n_classes:
            raise DataError(
                f"{where} has one-hot labels of width {y.shape[1]} but the model has "
                f"{n_classes} classes"
            )
        return
    labels = _as_labels(y, where)
    if n_classes is not None:
        _check_label_range(labels, n_classes, where)
