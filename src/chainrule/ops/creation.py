"""Tensor factories under PyTorch's names and signatures: ``zeros(2, 3)``, ``randn((2, 3))``,
``arange(5)``, ``full_like(x, 7.0)``, ``from_numpy(array)``...

Sizes are given as PyTorch takes them, as separate ints or one tuple; ``device="cuda"`` makes
the tensor on the GPU. Floats take the default
float dtype (float32 unless changed), integer ranges int64, as in PyTorch. Random factories draw
from ``generator`` (a ``numpy.random.Generator``) or else from the library's default generator,
which ``chainrule.manual_seed`` reseeds; values are drawn in float64 and then cast, so one seed
gives the same numbers in float32 and float64.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from chainrule import backend
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, DTypeError
from chainrule.ops._util import int_tuple
from chainrule.seeding import default_generator


def _size(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """``(2, 3)`` from ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros([2, 3])``."""
    if len(size) == 1 and not isinstance(size[0], int | np.integer):
        size = size[0]
    shape = int_tuple(size, op)
    if any(n < 0 for n in shape):
        raise ConfigError(f"{op}: sizes must be 0 or more, got {shape}")
    return shape


def place(data: Any, device: Any) -> Any:
    """``data`` moved to ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:0"``, or a device object
    whose ``str`` is one of those); ``None`` leaves it where it is."""
    if device is None:
        return data
    device = str(device).split(":")[0]
    if device not in ("cpu", "cuda"):
        raise ConfigError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if isinstance(data, Tensor):
        data = data.array
    elif not isinstance(data, np.ndarray) and backend.device_of(data) == "cpu":
        data = np.asarray(data)
    return backend.to_device(data, device)


def _made(array: np.ndarray, dtype: Any, requires_grad: bool, device: Any = None) -> Tensor:
    float_dtype = backend.get_default_dtype() if array.dtype.kind == "f" else array.dtype
    dtype = float_dtype if dtype is None else dtype
    return Tensor(place(array, device), requires_grad=requires_grad, dtype=dtype)


def _draws(generator: np.random.Generator | None) -> np.random.Generator:
    return default_generator() if generator is None else generator


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of zeros.

    >>> zeros(2, 3).shape, zeros((2,)).dtype
    ((2, 3), dtype('float32'))
    """
    return _made(np.zeros(_size(size, "zeros")), dtype, requires_grad, device)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ones.

    >>> ones(2)
    tensor([1., 1.])
    """
    return _made(np.ones(_size(size, "ones")), dtype, requires_grad, device)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor to be filled (zeros here: never uninitialized memory, so never a surprise)."""
    return _made(np.zeros(_size(size, "empty")), dtype, requires_grad, device)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of ``fill_value``; an int fill gives int64 and a bool fill bool, as in PyTorch.

    >>> full((2,), 7).dtype, full((2,), 0.5)
    (dtype('int64'), tensor([0.5, 0.5]))
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _made(np.full(_size((size,), "full"), fill_value), dtype, requires_grad, device)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """The n x m identity (n x n by default).

    >>> eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    rows = operator.index(n)
    columns = rows if m is None else operator.index(m)
    return _made(np.eye(rows, columns), dtype, requires_grad, device)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Values from ``start`` up to (not including) ``end``; int64 when all bounds are ints.

    >>> arange(3), arange(0, 1, 0.5)
    (tensor([0, 1, 2]), tensor([0. , 0.5]))
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ConfigError("arange: step must not be 0")
    return _made(np.arange(start, end, step), dtype, requires_grad, device)


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

    >>> linspace(0, 1, 3)
    tensor([0. , 0.5, 1. ])
    """
    values = np.linspace(float(start), float(end), operator.index(steps))
    return _made(values, dtype, requires_grad, device)


def rand(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Uniform draws from [0, 1).

    >>> import numpy as np
    >>> bool((rand(2, 2, generator=np.random.default_rng(0)).numpy() < 1).all())
    True
    """
    values = _draws(generator).random(_size(size, "rand"))
    return _made(values, dtype, requires_grad, device)


def randn(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Standard normal draws.

    >>> randn(3, generator=np.random.default_rng(0)).shape
    (3,)
    """
    values = _draws(generator).standard_normal(_size(size, "randn"))
    return _made(values, dtype, requires_grad, device)


def randint(
    *bounds_and_size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Integers from ``low`` (0 by default) up to (not including) ``high``, int64:
    ``randint(high, size)`` or ``randint(low, high, size)``, as in PyTorch.

    >>> t = randint(3, 10, (4,), generator=np.random.default_rng(0))
    >>> t.dtype, bool(((t.numpy() >= 3) & (t.numpy() < 10)).all())
    (dtype('int64'), True)
    """
    if len(bounds_and_size) == 2:
        (high, size), low = bounds_and_size, 0
    elif len(bounds_and_size) == 3:
        low, high, size = bounds_and_size
    else:
        raise ConfigError("randint takes (high, size) or (low, high, size)")
    values = _draws(generator).integers(low, high, _size((size,), "randint"), dtype=np.int64)
    return _made(values, dtype, False, device)


# The *_like factories: x's shape, and its dtype and device unless given.
def zeros_like(
    x: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Zeros of ``x``'s shape and dtype."""
    dtype, device = dtype or x.dtype, device or x.device
    return zeros(x.shape, dtype=dtype, requires_grad=requires_grad, device=device)


def ones_like(
    x: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Ones of ``x``'s shape and dtype.

    >>> ones_like(arange(2))
    tensor([1, 1])
    """
    dtype, device = dtype or x.dtype, device or x.device
    return ones(x.shape, dtype=dtype, requires_grad=requires_grad, device=device)


def empty_like(
    x: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor of ``x``'s shape and dtype to be filled (zeros here)."""
    dtype, device = dtype or x.dtype, device or x.device
    return empty(x.shape, dtype=dtype, requires_grad=requires_grad, device=device)


def full_like(
    x: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``fill_value`` in ``x``'s shape and dtype."""
    dtype, device = dtype or x.dtype, device or x.device
    return full(x.shape, fill_value, dtype=dtype, requires_grad=requires_grad, device=device)


def rand_like(
    x: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Uniform draws from [0, 1) in ``x``'s shape and float dtype."""
    dtype, device = dtype or _float_dtype(x, "rand_like"), device or x.device
    return rand(x.shape, dtype=dtype, requires_grad=requires_grad, device=device)


def randn_like(
    x: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Standard normal draws in ``x``'s shape and float dtype."""
    dtype, device = dtype or _float_dtype(x, "randn_like"), device or x.device
    return randn(x.shape, dtype=dtype, requires_grad=requires_grad, device=device)


def _float_dtype(x: Tensor, op: str) -> np.dtype:
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: {x.dtype} has no continuous draws; pass dtype=chainrule.float32")
    return x.dtype


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares memory with a NumPy array (writes to one show in the other), as
    ``torch.from_numpy``; ``tensor(array)`` is the copying one.

    >>> a = np.zeros(2); t = from_numpy(a); a[0] = 5.0; t
    tensor([5., 0.], dtype=float64)
    """
    if not isinstance(array, np.ndarray):
        raise DTypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._from_op(array, None)
