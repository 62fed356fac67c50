"""Checks for :class:`~chainrule.classic.Network`'s arguments and data: user input becomes a
checked array of the network's dtype, or a typed error whose one line names the fault.

Split out of ``network.py`` (issue 10) so that the network module holds the algorithm itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.classic.costs import CrossEntropyCost
from chainrule.errors import ConfigError, DataError, ModelFileError, NonFiniteError, ShapeError

if TYPE_CHECKING:
    from chainrule.classic.network import Network

Array = np.ndarray


def as_inputs(net: Network, x: Any, *, name: str = "x", check_finite: bool = True) -> Array:
    """x as a (m, N^0) array of the network's dtype, or a typed error naming the fault."""
    if type(x) is not np.ndarray or x.dtype != net.dtype:
        try:
            x = np.asarray(x, dtype=net.dtype)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{name} cannot be read as a {net.dtype} array: {exc}") from None
    if x.ndim != 2:
        raise ShapeError(
            f"{name} must be 2-D (samples, features), got shape {x.shape}"
            + ("; use x.reshape(1, -1) for one sample" if x.ndim == 1 else "")
        )
    if x.shape[1] != net.sizes[0]:
        raise ShapeError(
            f"data has {x.shape[1]} features but layer 1 takes {net.sizes[0]} ({name})"
        )
    if x.shape[0] == 0:
        raise ShapeError(f"{name} has no samples (shape {x.shape})")
    if check_finite:
        require_finite(x, name)
    return x


def as_targets(
    net: Network, y: Any, m: int, *, name: str = "y", check_values: bool = True
) -> Array:
    """y as targets of shape (m, N^L): int labels become one-hot rows."""
    n = net.sizes[-1]
    if type(y) is not np.ndarray:
        y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[0] != m:
            raise ShapeError(f"{name} has {y.shape[0]} rows but x has {m} samples")
        if y.shape[1] != n:
            raise ShapeError(
                f"{name} has {y.shape[1]} columns but the output layer has {n} neurons"
            )
        t = y if y.dtype == net.dtype else as_float(y, net.dtype, name)
    elif y.ndim == 1:
        if y.shape[0] != m:
            raise ShapeError(f"{name} has {y.shape[0]} labels but x has {m} samples")
        if n == 1:  # one output neuron: y is the target column itself
            t = as_float(y, net.dtype, name).reshape(m, 1)
        else:
            check_labels(y, n, name)
            if y.dtype.kind == "b":  # a boolean array would index as a mask
                y = y.astype(np.intp)
            t = np.zeros((m, n), net.dtype)
            t[np.arange(m), y] = 1
            return t
    else:
        raise ShapeError(
            f"{name} must be class labels (m,) or targets (m, {n}), got shape {y.shape}"
        )
    if check_values:
        require_finite(t, name)
        if isinstance(net.cost_function, CrossEntropyCost):
            check_distributions(t, name)
    return t


def as_labels(net: Network, y: Any, m: int) -> Array:
    """The class label of each row of y (for accuracy)."""
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] == 1:
            return (y[:, 0] >= 0.5).astype(np.intp)
        return np.argmax(y, axis=1)
    if net.sizes[-1] == 1:
        return (y >= 0.5).astype(np.intp)
    return y


# --------------------------------------------------------------------- checks


def as_dataset(
    net: Network, x: Any, y: Any, x_name: str = "x", y_name: str = "y"
) -> tuple[Array, Array, Array]:
    """(inputs, targets, labels) of one data set, each checked as above."""
    x = as_inputs(net, x, name=x_name)
    return x, as_targets(net, y, len(x), name=y_name), as_labels(net, y, len(x))


def state_array(arrays: dict[str, Any], name: str, shape: tuple[int, ...], net: Network) -> Array:
    """Array ``name`` of a saved network state, checked and converted to ``net.dtype``."""
    if name not in arrays:
        raise ModelFileError(f"network state has no array {name!r}")
    value = np.asarray(arrays[name])
    if value.shape != shape:
        raise ModelFileError(
            f"network state array {name!r} has shape {value.shape}, "
            f"expected {shape} for sizes {list(net.sizes)}"
        )
    if value.dtype.kind != "f":
        raise ModelFileError(f"network state array {name!r} holds {value.dtype}, not floats")
    with np.errstate(over="ignore", invalid="ignore"):
        converted = np.ascontiguousarray(value, dtype=net.dtype)
    if not np.isfinite(converted).all():
        raise ModelFileError(
            f"network state array {name!r} holds values that are NaN or Inf as {net.dtype}"
        )
    return converted


def is_cross_entropy(cost: Any) -> bool:
    return isinstance(cost, str) and cost.replace("_", "-").lower() == "cross-entropy"


def check_sizes(sizes: Any) -> tuple[int, ...]:
    try:
        values = list(sizes)
    except TypeError:
        raise ConfigError(f"sizes must be a list of layer widths, got {sizes!r}") from None
    if len(values) < 2:
        raise ConfigError(f"sizes needs at least 2 entries (input and output widths), got {values}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v <= 0:
            raise ConfigError(f"sizes must be positive integers, got {values}")
    return tuple(int(v) for v in values)


def check_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ConfigError(f"dtype must be a float dtype, got {dtype!r}") from None
    if dt.kind != "f":
        raise ConfigError(f"dtype must be a float dtype such as float32, got {dt}")
    return dt


def check_lr(lr: Any) -> float:
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ConfigError(f"learning rate lr must be a positive number, got {lr!r}") from None
    if not 0.0 < value < math.inf:
        raise ConfigError(f"learning rate lr must be a positive number, got {lr!r}")
    return value


def check_count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def diverged(where: str, cost: float, lr: float) -> NonFiniteError:
    return NonFiniteError(
        f"training diverged in {where} became {cost}; lower the learning rate (lr={lr:g})"
    )


def require_finite(array: Array, name: str) -> None:
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))
        count = len(bad)
        where = ", ".join(str(int(i)) for i in bad[0])
        kind = "NaN" if np.isnan(array).any() else "infinite"
        raise DataError(f"{name} has {count} {kind} value(s), the first at index ({where})")


def check_labels(y: Array, n: int, name: str) -> None:
    if y.dtype.kind not in "iub":
        raise DataError(
            f"1-D {name} must hold integer class labels, got dtype {y.dtype}; pass "
            f"y.astype(int) or one-hot targets of shape ({len(y)}, {n})"
        )
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= n:
        bad = low if low < 0 else high
        raise DataError(
            f"label {bad} in {name} is out of range: the output layer has {n} neurons, "
            f"so labels are 0..{n - 1}"
        )


def check_distributions(t: Array, name: str) -> None:
    """Cross-entropy targets: non-negative rows that sum to 1 (one-hot or soft labels)."""
    tol = 1e-3 if t.dtype.itemsize < 8 else 1e-6
    if (t < -tol).any():
        raise DataError(f"{name} has negative targets; cross-entropy needs probability rows")
    sums = t.sum(axis=1)
    off = np.abs(sums - 1) > tol
    if off.any():
        row = int(np.argmax(off))
        raise DataError(
            f"row {row} of {name} sums to {float(sums[row]):g}; cross-entropy targets must be "
            "one-hot or probability rows that sum to 1"
        )


def as_float(y: Array, dtype: np.dtype, name: str) -> Array:
    try:
        return np.asarray(y, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} cannot be read as a {dtype} array: {exc}") from None
