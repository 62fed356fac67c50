"""The top-level API of ``chainrule`` (``cr.tensor``, the ops, the factories, the dtypes).

``chainrule/__init__.py`` loads this module on the first use of one of these names, so that
importing a part of the package that needs none of them (``chainrule --help``, the i18n and
file helpers) does not pay for NumPy and the engine (issue 15: a fast start).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import autograd  # torch.autograd's names: cr.autograd.grad
from chainrule.backend import get_default_dtype, set_default_dtype
from chainrule.engine import (
    Function,
    Tensor,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.engine.autograd import grad as autograd_grad
from chainrule.engine.factories import *  # noqa: F403 - PyTorch's tensor factories
from chainrule.engine.factories import FACTORIES
from chainrule.engine.functional import grad, jvp, value_and_grad, vjp
from chainrule.engine.gradcheck import GradcheckError, gradcheck
from chainrule.errors import ChainruleError, DTypeError
from chainrule.ops import *  # noqa: F403 - the op functions are the top-level API
from chainrule.ops import __all__ as _ops_all
from chainrule.seeding import manual_seed


def tensor(
    data: Any,
    requires_grad: bool = False,
    dtype: Any = None,
    name: str | None = None,
    device: Any = None,
) -> Tensor:
    """Make a tensor from a copy of ``data``. Python floats and lists take the default dtype
    (float32 unless changed); arrays keep theirs. ``from_numpy`` shares an array instead.

    >>> import chainrule as cr
    >>> cr.tensor([1, 2.5]).dtype
    dtype('float32')
    """
    if isinstance(data, Tensor):
        data = data.array
    if hasattr(data, "__array_interface__") or hasattr(data, "__cuda_array_interface__"):
        data = data.copy()  # a NumPy or CuPy array, or a NumPy scalar: never shared
    if device is not None:
        data = Tensor(data, dtype=dtype).to(device).array
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, as ``torch.as_tensor``: a tensor or NumPy array of that dtype (and
    device) is used as it is, sharing memory; anything else is copied as ``tensor`` copies.

    >>> import numpy as np, chainrule as cr
    >>> a = np.zeros(2, np.float32); t = cr.as_tensor(a); a[0] = 1.0; t
    tensor([1., 0.])
    """
    same_dtype = dtype is None or np.dtype(dtype) == getattr(data, "dtype", None)
    if isinstance(data, Tensor) and same_dtype and device in (None, data.device):
        return data
    if isinstance(data, np.ndarray) and same_dtype and device in (None, "cpu"):
        return Tensor(data)
    return tensor(data, dtype=dtype, device=device)


def allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether ``|a - b| ≤ atol + rtol |b|`` everywhere, as ``torch.allclose``.

    >>> import chainrule as cr
    >>> cr.allclose(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.0 + 1e-7]))
    True
    """
    return bool(np.allclose(_host(a), _host(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` have the same shape and the same values, as ``torch.equal``."""
    return bool(np.array_equal(_host(a), _host(b)))


# PyTorch's functions of one tensor that give constants (a test or a rounding), by the method
def isnan(input: Any) -> Tensor:
    return as_tensor(input).isnan()


def isinf(input: Any) -> Tensor:
    return as_tensor(input).isinf()


def isfinite(input: Any) -> Tensor:
    return as_tensor(input).isfinite()


def round(input: Any, decimals: int = 0) -> Tensor:  # PyTorch's name, over the builtin here
    return as_tensor(input).round(decimals)


def floor(input: Any) -> Tensor:
    return as_tensor(input).floor()


def ceil(input: Any) -> Tensor:
    return as_tensor(input).ceil()


def sign(input: Any) -> Tensor:
    return as_tensor(input).sign()


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    return as_tensor(input).masked_fill(mask, value)


def _host(x: Any) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor on the memory of a NumPy array, as ``torch.from_numpy``: changing one in
    place changes the other. The array keeps its dtype.

    >>> import numpy as np, chainrule as cr
    >>> a = np.zeros(2); t = cr.from_numpy(a); a[0] = 5.0; t
    tensor([5., 0.], dtype=float64)
    """
    if not isinstance(array, np.ndarray):
        raise DTypeError(f"from_numpy() expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def from_dlpack(obj: Any) -> Tensor:
    """A tensor on the memory of any DLPack producer (a NumPy array, a ``torch.Tensor``, a
    CuPy array, ...), without a copy: a write on either side shows on the other. Host
    memory becomes a NumPy array, CUDA memory a CuPy one (CuPy needed).

    >>> import numpy as np, chainrule as cr
    >>> a = np.zeros(2); t = cr.from_dlpack(a); a[1] = 3.0; t
    tensor([0., 3.], dtype=float64)
    """
    if not hasattr(obj, "__dlpack__") or not hasattr(obj, "__dlpack_device__"):
        raise DTypeError(
            f"from_dlpack() needs an object with __dlpack__ and __dlpack_device__, "
            f"got {type(obj).__name__}"
        )
    # DLPack's device types: 1 is the host, 2 CUDA, 3 CUDA pinned host memory.
    device_type = int(obj.__dlpack_device__()[0])
    try:
        if device_type == 2:
            from chainrule.backend import cupy_module

            return Tensor(cupy_module().from_dlpack(obj))
        return Tensor(np.from_dlpack(obj))
    except (BufferError, RuntimeError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DTypeError(
            f"from_dlpack() cannot share the memory of {type(obj).__name__}: {reason}"
        ) from None


__all__ = [
    "ChainruleError",
    "Function",
    "allclose",
    "as_tensor",
    "ceil",
    "equal",
    "floor",
    "inference_mode",
    "isfinite",
    "isinf",
    "isnan",
    "masked_fill",
    "round",
    "set_grad_enabled",
    "sign",
    "GradcheckError",
    "Tensor",
    "autograd",
    "autograd_grad",
    "detect_anomaly",
    "enable_grad",
    "from_dlpack",
    "from_numpy",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "jvp",
    "manual_seed",
    "no_grad",
    "set_default_dtype",
    "tensor",
    "value_and_grad",
    "vjp",
    *FACTORIES,
    *_ops_all,
]


# Dtypes as attributes, as PyTorch's (``cr.float32``, ``dtype=cr.long``): NumPy dtypes, so
# ``x.dtype == cr.float32`` holds.
DTYPES = {
    "float16": np.dtype("float16"),
    "half": np.dtype("float16"),
    "float32": np.dtype("float32"),
    "float64": np.dtype("float64"),
    "double": np.dtype("float64"),
    "int8": np.dtype("int8"),
    "uint8": np.dtype("uint8"),
    "int16": np.dtype("int16"),
    "short": np.dtype("int16"),
    "int32": np.dtype("int32"),
    "int64": np.dtype("int64"),
    "long": np.dtype("int64"),
}
globals().update(DTYPES)
__all__ += list(DTYPES)
# cr.float, cr.int and cr.bool too, but only as attributes (PEP 562): as globals they would
# shadow the builtins in this module, and `from chainrule import *` must not bring them.
_BUILTIN_NAMED = {"float": np.dtype("float32"), "int": np.dtype("int32"), "bool": np.dtype("bool")}
