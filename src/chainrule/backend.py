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
