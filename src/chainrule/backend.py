"""Array backends: NumPy always, CuPy only when a user asks for the GPU.

Nothing here imports CuPy at module load; ``get_array_module`` and ``to_device`` import it on
first use, so a CPU-only install never pays for it.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from chainrule.errors import ConfigError

_default_float = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The float dtype new tensors get from Python scalars and lists (float32 unless changed).

    >>> get_default_dtype()
    dtype('float32')
    """
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Switch the default float dtype, e.g. ``set_default_dtype(np.float64)`` for gradchecks.

    >>> set_default_dtype("float64"); set_default_dtype("float32")
    """
    global _default_float
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ConfigError(f"default dtype must be a float dtype, got {dtype!r}") from None
    if dtype.kind != "f":
        raise ConfigError(f"default dtype must be a float dtype, got {dtype}")
    _default_float = dtype


def cupy_module() -> types.ModuleType:
    """Import CuPy, or explain in one line why it cannot be used.

    >>> cupy_module().__name__  # doctest: +SKIP
    'cupy'
    """
    try:
        import cupy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ConfigError(
            "device 'cuda' needs CuPy: pip install cupy-cuda12x (or the build for your CUDA)"
        ) from exc
    return cupy


def get_array_module(array: Any) -> types.ModuleType:
    """``numpy`` for host arrays, ``cupy`` for device arrays (without importing CuPy needlessly).

    >>> get_array_module(np.zeros(2)).__name__
    'numpy'
    """
    if isinstance(array, np.ndarray | np.generic):
        return np
    if type(array).__module__.startswith("cupy"):
        return cupy_module()
    return np


def device_of(array: Any) -> str:
    """``"cpu"`` or ``"cuda"``.

    >>> device_of(np.zeros(2))
    'cpu'
    """
    return "cuda" if type(array).__module__.startswith("cupy") else "cpu"


def to_device(array: Any, device: str) -> Any:
    """Move an array to ``"cpu"`` or ``"cuda"`` (a no-op when it is there already).

    >>> a = np.zeros(2); to_device(a, "cpu") is a
    True
    """
    device = str(device).split(":")[0]
    if device == "cpu":
        return array.get() if device_of(array) == "cuda" else array
    if device in ("cuda", "gpu"):
        return cupy_module().asarray(array)
    raise ConfigError(f"unknown device {device!r}: use 'cpu' or 'cuda'")


def to_numpy(array: Any, *, copy: bool = False) -> np.ndarray:
    """``array`` as a NumPy array on the host: copied from the GPU, as it is from the CPU.

    A host array comes back itself (``copy=True`` for a copy the caller may change); a device
    array always comes back as a new host copy.

    >>> a = np.zeros(2); to_numpy(a) is a, to_numpy(a, copy=True) is a
    (True, False)
    >>> to_numpy([1.0, 2.0])
    array([1., 2.])
    """
    if device_of(array) == "cuda":
        return array.get()  # a fresh host array already
    return np.array(array, copy=True) if copy else np.asarray(array)


class TypedConstant(dict):
    """One number as a 0-d array of each dtype, made on first use: ``ONE[x.dtype.char]``.

    A typed 0-d operand keeps float32 arithmetic in float32, and in NumPy 2 costs about a
    third of a microsecond less per call than a Python number, which NumPy must convert every
    time: it shows in the hot paths on small batches.

    >>> ONE["f"], ONE["f"] is ONE[np.dtype(np.float32).char], ZERO["d"].dtype
    (array(1., dtype=float32), True, dtype('float64'))
    """

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def __missing__(self, char: str) -> np.ndarray:
        constant = self[char] = np.array(self.value, char)
        return constant


ZERO = TypedConstant(0)
ONE = TypedConstant(1)
