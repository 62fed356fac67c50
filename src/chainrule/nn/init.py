"""Weight initializers, each drawing from an explicit ``numpy.random.Generator``.

Every function takes a tensor or a shape first and a generator (or an int seed) second:

* given a tensor, it overwrites the tensor's data (keeping its dtype and device) and returns
  the tensor, like PyTorch's ``nn.init.*_`` functions;
* given a shape, it returns a new NumPy array (the default float dtype unless ``dtype=``).

So each one is also an ``init(shape, rng)`` callable, the protocol ``Linear(init=...)`` and the
classic network accept. Values are drawn in float64 and then cast, so one seed gives the same
numbers in float32 and float64. ``rng=None`` draws from fresh OS entropy (not reproducible).

fan_in and fan_out follow PyTorch: for a weight of shape (out, in, *k), fan_in = in * prod(k)
and fan_out = out * prod(k); the lecture's W^l has shape (N^l, N^(l-1)), so fan_in = N^(l-1).

====================  ====================================================
``normal``            N(mean, std²), N(0, 1) by default: the lecture's choice
``normal_scaled``     N(0, 1/fan_in)
``uniform``           U(a, b)
``xavier_uniform``    U(-r, r), r = gain · sqrt(6 / (fan_in + fan_out))
``xavier_normal``     N(0, σ²), σ = gain · sqrt(2 / (fan_in + fan_out))
``kaiming_uniform``   U(-r, r), r = gain · sqrt(3 / fan)       (fan = fan_in by default)
``kaiming_normal``    N(0, σ²), σ = gain / sqrt(fan)
``zeros``, ``ones``, ``constant``
====================  ====================================================

Each also has PyTorch's in-place form with PyTorch's signature (``xavier_uniform_(w, gain)``,
``normal_(w, mean, std)``, ``constant_(w, val)``...), drawing from the library's default
generator, which ``chainrule.manual_seed`` seeds.

>>> from chainrule.nn import init
>>> w = init.xavier_uniform((3, 4), rng=0)
>>> w.shape, w.dtype, bool(abs(w).max() <= (6 / 7) ** 0.5)
((3, 4), dtype('float32'), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from chainrule import backend
from chainrule.engine.state import no_grad
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.seeding import as_generator, default_generator

Target: TypeAlias = Tensor | tuple[int, ...] | int
Seed: TypeAlias = np.random.Generator | int | None

__all__ = [
    "as_generator",
    "calculate_gain",
    "compute_fans",
    "constant",
    "constant_",
    "get_initializer",
    "kaiming_normal",
    "kaiming_normal_",
    "kaiming_uniform",
    "kaiming_uniform_",
    "normal",
    "normal_",
    "normal_scaled",
    "ones",
    "ones_",
    "uniform",
    "uniform_",
    "xavier_normal",
    "xavier_normal_",
    "xavier_uniform",
    "xavier_uniform_",
    "zeros",
    "zeros_",
]


def _shape_of(target: Target) -> tuple[int, ...]:
    if isinstance(target, Tensor):
        return tuple(target.shape)
    return (int(target),) if isinstance(target, int | np.integer) else tuple(target)


def _fill(target: Target, values: np.ndarray, dtype: Any) -> Any:
    if isinstance(target, Tensor):
        dtype = target.dtype
        values = backend.to_device(np.asarray(values).astype(dtype), target.device)
        target.array = values
        return target
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    return np.asarray(values).astype(dtype)


def compute_fans(target: Target) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel), as PyTorch computes them.

    >>> compute_fans((3, 4))
    (4, 3)
    """
    shape = _shape_of(target)
    if len(shape) < 2:
        raise ConfigError(
            f"fan_in and fan_out need a weight with at least 2 dimensions, got shape {shape}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


_GAINS = {
    "linear": 1.0,
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4.0,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for a nonlinearity: 1 for linear and sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + a²)) for leaky_relu with slope ``param`` (0.01 default).

    >>> round(calculate_gain("tanh"), 4)
    1.6667
    """
    if not isinstance(nonlinearity, str):
        raise ConfigError(
            f"calculate_gain needs a nonlinearity name such as 'relu', "
            f"got {type(nonlinearity).__name__} {nonlinearity!r}"
        )
    name = nonlinearity.lower()
    if name == "leaky_relu":
        if param is not None and (
            isinstance(param, bool) or not isinstance(param, int | float | np.integer | np.floating)
        ):
            raise ConfigError(f"leaky_relu gain: param must be a number (the slope), got {param!r}")
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope * slope))
    if name in _GAINS:
        return _GAINS[name]
    known = ", ".join(sorted([*_GAINS, "leaky_relu"]))
    raise ConfigError(f"unknown nonlinearity {nonlinearity!r} for a gain: use one of {known}")


def _nonzero(fan: int, target: Target, what: str, initializer: str) -> int:
    """``fan``, or a ConfigError where a zero-sized dimension would make the scale 1/0."""
    if fan == 0:
        raise ConfigError(
            f"{initializer}: a weight of shape {_shape_of(target)} has {what} = 0 "
            f"(a zero-sized dimension), so the scale is undefined"
        )
    return fan


def _fan(target: Target, mode: str, initializer: str) -> int:
    fan_in, fan_out = compute_fans(target)
    if mode == "fan_in":
        return _nonzero(fan_in, target, "fan_in", initializer)
    if mode == "fan_out":
        return _nonzero(fan_out, target, "fan_out", initializer)
    raise ConfigError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")


def normal(
    target: Target, rng: Seed = None, mean: float = 0.0, std: float = 1.0, *, dtype: Any = None
) -> Any:
    """N(mean, std²); the default N(0, 1) is the lecture's (and Nielsen's) initialization.

    >>> bool((normal((2, 3), rng=0) == normal((2, 3), rng=0)).all())
    True
    """
    values = as_generator(rng).normal(mean, std, size=_shape_of(target))
    return _fill(target, values, dtype)


def normal_scaled(target: Target, rng: Seed = None, *, dtype: Any = None) -> Any:
    """N(0, 1/fan_in): each z starts with about the variance of one input.

    >>> round(float(normal_scaled((1000, 100), rng=0).std()), 2)
    0.1
    """
    std = 1.0 / math.sqrt(_fan(target, "fan_in", "normal_scaled"))
    return normal(target, rng, 0.0, std, dtype=dtype)


def uniform(
    target: Target, rng: Seed = None, a: float = 0.0, b: float = 1.0, *, dtype: Any = None
) -> Any:
    """U(a, b).

    >>> w = uniform((100,), rng=0, a=2.0, b=3.0)
    >>> bool(2.0 <= w.min() and w.max() <= 3.0)
    True
    """
    values = as_generator(rng).uniform(a, b, size=_shape_of(target))
    return _fill(target, values, dtype)


def xavier_uniform(
    target: Target, rng: Seed = None, gain: float = 1.0, *, dtype: Any = None
) -> Any:
    """Glorot: U(-r, r) with r = gain · sqrt(6 / (fan_in + fan_out)).

    >>> w = Tensor(np.zeros((3, 4))); xavier_uniform(w, rng=0) is w
    True
    """
    fan_in, fan_out = compute_fans(target)
    _nonzero(fan_in + fan_out, target, "fan_in + fan_out", "xavier_uniform")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(target, rng, -bound, bound, dtype=dtype)


def xavier_normal(target: Target, rng: Seed = None, gain: float = 1.0, *, dtype: Any = None) -> Any:
    """Glorot: N(0, σ²) with σ = gain · sqrt(2 / (fan_in + fan_out)).

    >>> round(float(xavier_normal((400, 400), rng=0).std()), 2)
    0.05
    """
    fan_in, fan_out = compute_fans(target)
    _nonzero(fan_in + fan_out, target, "fan_in + fan_out", "xavier_normal")
    return normal(target, rng, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), dtype=dtype)


def kaiming_uniform(
    target: Target,
    rng: Seed = None,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    dtype: Any = None,
) -> Any:
    """He: U(-r, r) with r = gain · sqrt(3 / fan), gain = ``calculate_gain(nonlinearity, a)``.

    With ``a=sqrt(5)`` this is PyTorch's default ``Linear`` weight, U(-1/sqrt(fan_in), ...).

    >>> w = kaiming_uniform((10, 25), rng=0, a=5**0.5)
    >>> bool(abs(w).max() <= 1 / 25**0.5)
    True
    """
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(target, mode, "kaiming_uniform"))
    return uniform(target, rng, -bound, bound, dtype=dtype)


def kaiming_normal(
    target: Target,
    rng: Seed = None,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    dtype: Any = None,
) -> Any:
    """He: N(0, σ²) with σ = gain / sqrt(fan); N(0, 2/fan_in) for ReLU layers.

    >>> round(float(kaiming_normal((500, 200), rng=0, nonlinearity="relu").std()), 2)
    0.1
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(target, mode, "kaiming_normal"))
    return normal(target, rng, 0.0, std, dtype=dtype)


def constant(target: Target, value: float, rng: Seed = None, *, dtype: Any = None) -> Any:
    """Every element ``value`` (``rng`` is accepted and ignored).

    >>> constant((2,), 0.5)
    array([0.5, 0.5], dtype=float32)
    """
    return _fill(target, np.full(_shape_of(target), float(value)), dtype)


def zeros(target: Target, rng: Seed = None, *, dtype: Any = None) -> Any:
    """Every element 0 (``rng`` is accepted and ignored, so it fits ``init(shape, rng)``).

    >>> zeros(3)
    array([0., 0., 0.], dtype=float32)
    """
    return constant(target, 0.0, dtype=dtype)


def ones(target: Target, rng: Seed = None, *, dtype: Any = None) -> Any:
    """Every element 1.

    >>> ones(2, dtype="float64")
    array([1., 1.])
    """
    return constant(target, 1.0, dtype=dtype)


Initializer: TypeAlias = Callable[[tuple[int, ...], np.random.Generator], Any]

#: Initializers by name, for ``Linear(init="...")``; "xavier" and "he" are the classic
#: network's names for xavier_uniform and kaiming_normal.
INITIALIZERS: dict[str, Initializer] = {
    "normal": normal,
    "normal_scaled": normal_scaled,
    "uniform": uniform,
    "xavier_uniform": xavier_uniform,
    "xavier": xavier_uniform,
    "xavier_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
    "he": kaiming_normal,
    "zeros": zeros,
    "ones": ones,
}


def get_initializer(init: str | Initializer) -> Initializer:
    """The initializer for a name (``"xavier-uniform"`` and ``"xavier_uniform"`` both work)
    or the callable itself.

    >>> get_initializer("kaiming-normal").__name__
    'kaiming_normal'
    """
    if callable(init):
        return init
    key = init.replace("-", "_").lower() if isinstance(init, str) else init
    if key not in INITIALIZERS:
        known = ", ".join(repr(k) for k in INITIALIZERS)
        raise ConfigError(f"unknown init {init!r}: use one of {known} or a callable(shape, rng)")
    return INITIALIZERS[key]


# ---- PyTorch's in-place forms: nn.init.xavier_uniform_(layer.weight), ... ------------------
# Same signatures as torch.nn.init; each draws from ``generator`` or else from the library's
# default generator (``chainrule.manual_seed``), and writes into the tensor's own array, so
# anything sharing that memory sees the new values, as in PyTorch.


def _write(tensor: Tensor, values: np.ndarray) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise ConfigError(f"the nn.init *_ functions take a tensor, got {type(tensor).__name__}")
    values = backend.to_device(np.asarray(values).astype(tensor.dtype), tensor.device)
    with no_grad():
        if getattr(tensor.array, "flags", None) is not None and not tensor.array.flags.writeable:
            tensor.array = values  # a read-only view (e.g. broadcast): replace it instead
        else:
            tensor.array[...] = values
    return tensor


def _drawn_like(
    initializer: Callable[..., Any],
    tensor: Tensor,
    generator: np.random.Generator | None,
    *args: Any,
) -> np.ndarray:
    """``initializer``'s float64 draws for ``tensor``'s shape, from ``generator`` or else the
    library's default generator."""
    rng = default_generator() if generator is None else generator
    return initializer(tuple(tensor.shape), rng, *args, dtype="f8")


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Fill ``tensor`` with U(a, b) draws, in place.

    >>> w = Tensor(np.zeros(3)); uniform_(w, 2.0, 3.0) is w and bool((w.numpy() >= 2).all())
    True
    """
    return _write(tensor, _drawn_like(uniform, tensor, generator, a, b))


def normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` with N(mean, std²) draws, in place."""
    return _write(tensor, _drawn_like(normal, tensor, generator, mean, std))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``, in place.

    >>> constant_(Tensor(np.zeros(2)), 0.5)
    tensor([0.5, 0.5], dtype=float64)
    """
    return _write(tensor, np.full(tensor.shape, float(val)))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros, in place."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones, in place."""
    return constant_(tensor, 1.0)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot U(-r, r), r = gain · sqrt(6 / (fan_in + fan_out)), in place."""
    return _write(tensor, _drawn_like(xavier_uniform, tensor, generator, gain))


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot N(0, σ²), σ = gain · sqrt(2 / (fan_in + fan_out)), in place."""
    return _write(tensor, _drawn_like(xavier_normal, tensor, generator, gain))


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He U(-r, r), r = gain · sqrt(3 / fan), in place."""
    return _write(tensor, _drawn_like(kaiming_uniform, tensor, generator, a, mode, nonlinearity))


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He N(0, σ²), σ = gain / sqrt(fan), in place."""
    return _write(tensor, _drawn_like(kaiming_normal, tensor, generator, a, mode, nonlinearity))
