"""PyTorch's tensor factories: ``zeros``, ``ones``, ``full``, ``eye``, ``arange``, ``rand``...

Shapes are given as PyTorch takes them, ``zeros(2, 3)`` or ``zeros((2, 3))``. Float results take
the default dtype (float32 unless changed); the random ones draw from the library's default
generator, which ``manual_seed`` seeds.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from chainrule import backend, seeding
from chainrule.engine.tensor import Tensor, as_array
from chainrule.errors import ConfigError, ShapeError


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    """``(2, 3)`` from ``(2, 3)`` or ``((2, 3),)`` or ``([2, 3],)``."""
    if len(size) == 1 and not isinstance(size[0], int | np.integer):
        size = tuple(size[0])
    try:
        shape = tuple(operator.index(n) for n in size)
    except TypeError:
        raise ShapeError(f"a size must be ints, got {size!r}") from None
    if any(n < 0 for n in shape):
        raise ShapeError(f"a size cannot be negative, got {shape}")
    return shape


def _float_dtype(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else backend.get_default_dtype()


def _made(array: Any, requires_grad: bool, device: Any = None) -> Tensor:
    """A tensor of ``array``, on ``device`` ("cpu", "cuda", "cuda:0", or an object whose str is
    one of those; as PyTorch's ``device=``)."""
    if device is not None:
        kind = str(device).split(":")[0]
        if kind not in ("cpu", "cuda"):
            raise ConfigError(f"device must be 'cpu' or 'cuda', got {device!r}")
        array = backend.to_device(array, kind)
    return Tensor(array, requires_grad=requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of zeros.

    >>> zeros(2, 3).shape, zeros((2,)).dtype
    ((2, 3), dtype('float32'))
    """
    return _made(np.zeros(_shape(size), _float_dtype(dtype)), requires_grad, device)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ones.

    >>> ones(2)
    tensor([1., 1.])
    """
    return _made(np.ones(_shape(size), _float_dtype(dtype)), requires_grad, device)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor to be filled (zeros here: never uninitialised memory)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of ``fill_value``; a float takes the default dtype, an int int64 (PyTorch's).

    >>> full((2,), 7), full((2,), 0.5)
    (tensor([7, 7]), tensor([0.5, 0.5]))
    """
    value = as_array(fill_value, dtype)
    return _made(np.full(_shape((size,)), value, dtype=value.dtype), requires_grad, device)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """The identity matrix, ``n`` by ``m`` (square by default).

    >>> eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    return _made(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def arange(
    start: float, end: float | None = None, step: float = 1, *, dtype: Any = None,
    requires_grad: bool = False, device: Any = None,
) -> Tensor:  # fmt: skip
    """Values from ``start`` up to ``end`` (excluded); ints give int64, floats the default.

    >>> arange(3), arange(0, 1, 0.25)
    (tensor([0, 1, 2]), tensor([0.  , 0.25, 0.5 , 0.75]))
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ConfigError("arange: step must not be zero")
    integers = all(isinstance(v, int | np.integer) for v in (start, end, step))
    kind = np.dtype(dtype) if dtype is not None else (np.int64 if integers else None)
    return _made(
        np.arange(start, end, step, dtype=kind or _float_dtype(None)), requires_grad, device
    )


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    >>> linspace(0, 1, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    return _made(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad, device)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Uniform draws in [0, 1) from the default generator (``manual_seed`` seeds it)."""
    values = seeding.default_generator().random(_shape(size))
    return _made(values.astype(_float_dtype(dtype)), requires_grad, device)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Standard normal draws from the default generator (``manual_seed`` seeds it)."""
    values = seeding.default_generator().standard_normal(_shape(size))
    return _made(values.astype(_float_dtype(dtype)), requires_grad, device)


def randint(
    low: int, high: int | None = None, size: Any = (), *, dtype: Any = None, device: Any = None
) -> Tensor:
    """Integers in [low, high) from the default generator; ``randint(high, size)`` too.

    >>> randint(0, 3, (4,)).dtype
    dtype('int64')
    """
    if high is None:
        low, high = 0, low
    if isinstance(high, tuple | list):  # randint(high, size), as PyTorch allows
        low, high, size = 0, low, high
    if high <= low:
        raise ConfigError(f"randint: high ({high}) must be above low ({low})")
    values = seeding.default_generator().integers(low, high, _shape((size,)))
    return _made(values.astype(dtype or np.int64), False, device)


def randperm(n: int, *, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 from the default generator, as ``torch.randperm``.

    >>> sorted(randperm(4).tolist())
    [0, 1, 2, 3]
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ConfigError(f"randperm: n must be a whole number ≥ 0, got {n!r}")
    values = seeding.default_generator().permutation(int(n))
    return _made(values.astype(dtype or np.int64), False, device)


def _like(t: Tensor, dtype: Any, device: Any) -> dict[str, Any]:
    return {"dtype": dtype if dtype is not None else t.dtype, "device": device or t.device}


def zeros_like(
    t: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Zeros of ``t``'s shape and dtype."""
    return zeros(t.shape, **_like(t, dtype, device), requires_grad=requires_grad)


def ones_like(
    t: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Ones of ``t``'s shape and dtype."""
    return ones(t.shape, **_like(t, dtype, device), requires_grad=requires_grad)


def empty_like(
    t: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor of ``t``'s shape and dtype, to be filled (zeros here)."""
    return zeros(t.shape, **_like(t, dtype, device), requires_grad=requires_grad)


def full_like(
    t: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``fill_value`` in ``t``'s shape and dtype."""
    return full(t.shape, fill_value, **_like(t, dtype, device), requires_grad=requires_grad)


def rand_like(
    t: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Uniform draws in [0, 1) in ``t``'s shape and dtype."""
    return rand(t.shape, **_like(t, dtype, device), requires_grad=requires_grad)


def randn_like(
    t: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Standard normal draws in ``t``'s shape and dtype."""
    return randn(t.shape, **_like(t, dtype, device), requires_grad=requires_grad)


FACTORIES = [
    "arange", "empty", "empty_like", "eye", "full", "full_like", "linspace", "ones",
    "ones_like", "rand", "rand_like", "randint", "randn", "randn_like", "randperm", "zeros",
    "zeros_like",
]  # fmt: skip
