"""The methods of ``Tensor`` that hand it to an op of ``chainrule.ops``, with NumPy's names
and PyTorch's (``axis=``/``keepdims=`` or ``dim=``/``keepdim=``, ``size()``, ``dim()``...).

Kept apart from ``tensor.py``, which holds what a tensor is; ``Tensor`` inherits them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from chainrule.engine import tensor as _tensor
from chainrule.errors import ConfigError

if TYPE_CHECKING:
    from chainrule.engine.tensor import Tensor


class ValuesIndices(NamedTuple):
    """What ``x.max(dim=...)`` and ``x.min(dim=...)`` return, as PyTorch's."""

    values: Any
    indices: Any


class TensorSize(int):
    """A tensor's element count (NumPy's ``x.size``) that is also PyTorch's ``x.size()``.

    >>> from chainrule import tensor
    >>> x = tensor([[1.0, 2.0, 3.0]])
    >>> x.size, x.size(), x.size(1), x.size(-1)
    (3, (1, 3), 3, 3)
    """

    shape: tuple[int, ...]

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]


def axis_of(axis: Any, keepdims: bool, dim: Any, keepdim: Any) -> tuple[Any, bool]:
    """NumPy's (``axis``, ``keepdims``) from either spelling: PyTorch's ``dim``/``keepdim``
    or NumPy's; giving both of one pair is refused."""
    if dim is not None:
        if axis is not None:
            raise ConfigError("give axis= or dim=, not both")
        axis = dim
    return axis, bool(keepdims if keepdim is None else keepdim)


def _operand(other: Any) -> Any:
    return other.array if isinstance(other, _tensor.Tensor) else other


def _constant(array: Any) -> Tensor:
    return _tensor.Tensor._from_op(array, None)


class TensorMethods:
    """Mixed into ``Tensor``: see the module docstring."""

    __slots__ = ()
    array: Any

    @property
    def size(self) -> TensorSize:
        size = TensorSize(self.array.size)
        size.shape = tuple(self.array.shape)
        return size

    def numel(self) -> int:
        return int(self.array.size)

    def dim(self) -> int:
        return self.array.ndim

    def all(self, axis: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """Whether every element is true (along ``axis``/``dim``), a boolean tensor."""
        axis, keepdims = axis_of(axis, False, dim, keepdim)
        return _constant(self.array.astype(bool).all(axis=axis, keepdims=keepdims))

    def any(self, axis: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """Whether any element is true (along ``axis``/``dim``), a boolean tensor."""
        axis, keepdims = axis_of(axis, False, dim, keepdim)
        return _constant(self.array.astype(bool).any(axis=axis, keepdims=keepdims))

    # Tests and roundings, constants as PyTorch's are in effect (their gradient is 0 or none)
    def isnan(self) -> Tensor:
        return _constant(np.isnan(self.array))

    def isinf(self) -> Tensor:
        return _constant(np.isinf(self.array))

    def isfinite(self) -> Tensor:
        return _constant(np.isfinite(self.array))

    def round(self, decimals: int = 0) -> Tensor:
        return _constant(np.round(self.array, decimals))

    def floor(self) -> Tensor:
        return _constant(np.floor(self.array))

    def ceil(self) -> Tensor:
        return _constant(np.ceil(self.array))

    def sign(self) -> Tensor:
        return _constant(np.sign(self.array))

    def __floordiv__(self, other: Any) -> Tensor:
        """``a // b``: floor(a / b), a constant (PyTorch's has no gradient either)."""
        return _constant(np.floor_divide(self.array, _operand(other)))

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _constant(np.floor_divide(_operand(other), self.array))

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is true, this tensor elsewhere (in the graph)."""
        return _tensor._ops.where(_operand(mask), self._lift(value), self)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        return _tensor._ops.norm(self, p, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _tensor._ops.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _tensor._ops.amin(self, dim, keepdim)

    # Out-of-place arithmetic by name, as PyTorch's x.add(y), x.mul(y)...
    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        return self * other

    def div(self, other: Any) -> Tensor:
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def matmul(self, other: Any) -> Tensor:
        return self @ other

    def neg(self) -> Tensor:
        return -self

    # Dtype conversions by name (float() and double() live in tensor.py); integers and
    # booleans carry no gradient, as in PyTorch.
    def long(self) -> Tensor:
        return _constant(self.array.astype("int64"))

    def int(self) -> Tensor:
        return _constant(self.array.astype("int32"))

    def bool(self) -> Tensor:
        return _constant(self.array.astype("bool"))

    def half(self) -> Tensor:
        return self.astype("float16")

    def clone(self) -> Tensor:
        """A copy with its own memory, still in the graph (the gradient flows back)."""
        return _tensor._ops.clone(self)

    @property
    def T(self) -> Tensor:
        return _tensor._ops.transpose(self)

    @property
    def mT(self) -> Tensor:
        return _tensor._ops.swapaxes(self, -1, -2)

    def reshape(self, *shape: Any) -> Tensor:
        return _tensor._ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def view(self, *shape: Any) -> Tensor:
        return self.reshape(*shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Two dims swap them, as PyTorch's ``transpose(0, 1)``; a permutation (a tuple, or
        three or more dims) reorders them, as NumPy's; none reverses them.

        >>> from chainrule import zeros
        >>> zeros(2, 3).transpose(0, 1).shape, zeros(2, 3, 4).transpose(2, 0, 1).shape
        ((3, 2), (4, 2, 3))
        """
        if len(axes) == 2:
            return _tensor._ops.swapaxes(self, *axes)
        return _tensor._ops.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def permute(self, *dims: Any) -> Tensor:
        """The dims in a new order, as PyTorch's ``permute``."""
        return _tensor._ops.transpose(self, dims[0] if len(dims) == 1 else dims)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return _tensor._ops.swapaxes(self, axis1, axis2)

    def flatten(self, start_dim: int = 0) -> Tensor:
        return _tensor._ops.flatten(self, start_dim)

    def squeeze(self, axis: int | tuple[int, ...] | None = None, *, dim: Any = None) -> Tensor:
        return _tensor._ops.squeeze(self, axis if dim is None else dim)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return _tensor._ops.expand_dims(self, axis if dim is None else dim)

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return _tensor._ops.broadcast_to(self, shape)

    def sum(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Tensor:
        return _tensor._ops.sum(self, *axis_of(axis, keepdims, dim, keepdim))

    def mean(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Tensor:
        return _tensor._ops.mean(self, *axis_of(axis, keepdims, dim, keepdim))

    def max(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Any:
        """The maximum over ``axis``; with PyTorch's ``dim=``, ``(values, indices)``."""
        values = _tensor._ops.max(self, *axis_of(axis, keepdims, dim, keepdim))
        if dim is None:
            return values
        indices = self.argmax(dim=dim, keepdim=bool(keepdim))
        return ValuesIndices(values, indices)

    def min(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Any:
        """The minimum over ``axis``; with PyTorch's ``dim=``, ``(values, indices)``."""
        values = _tensor._ops.min(self, *axis_of(axis, keepdims, dim, keepdim))
        if dim is None:
            return values
        indices = self.argmin(dim=dim, keepdim=bool(keepdim))
        return ValuesIndices(values, indices)

    def var(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: Any = None,
        *,
        correction: float | None = None,
        axis: Any = None,
        keepdims: bool = False,
    ) -> Tensor:
        """The variance over ``dim``, as PyTorch's: Bessel's correction unless ``correction=0``."""
        return _tensor._ops.var(
            self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
        )

    def logsumexp(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Tensor:
        return _tensor._ops.logsumexp(self, *axis_of(axis, keepdims, dim, keepdim))

    def argmax(self, axis: int | None = None, *, dim: Any = None, keepdim: bool = False) -> Tensor:
        axis, keepdims = axis_of(axis, False, dim, keepdim)
        return _constant(self.array.argmax(axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, *, dim: Any = None, keepdim: bool = False) -> Tensor:
        axis, keepdims = axis_of(axis, False, dim, keepdim)
        return _constant(self.array.argmin(axis=axis, keepdims=keepdims))

    def exp(self) -> Tensor:
        return _tensor._ops.exp(self)

    def log(self) -> Tensor:
        return _tensor._ops.log(self)

    def sqrt(self) -> Tensor:
        return _tensor._ops.sqrt(self)

    def abs(self) -> Tensor:
        return _tensor._ops.Abs.apply(self)

    def erf(self) -> Tensor:
        return _tensor._ops.erf(self)

    def sin(self) -> Tensor:
        return _tensor._ops.sin(self)

    def cos(self) -> Tensor:
        return _tensor._ops.cos(self)

    def tanh(self) -> Tensor:
        return _tensor._ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _tensor._ops.sigmoid(self)

    def relu(self) -> Tensor:
        return _tensor._ops.ReLU.apply(self)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return _tensor._ops.softmax(self, axis if dim is None else dim)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return _tensor._ops.log_softmax(self, axis if dim is None else dim)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return _tensor._ops.clip(self, min, max)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return _tensor._ops.clip(self, min, max)

    def std(self, *args: Any, **kwargs: Any) -> Tensor:
        """The standard deviation: the square root of ``var`` with the same arguments."""
        return _tensor._ops.std(self, *args, **kwargs)

    def t(self) -> Tensor:
        """The transpose of a tensor of at most 2 dimensions, as ``torch.Tensor.t``."""
        if self.array.ndim > 2:
            raise ConfigError(f"t() needs at most 2 dimensions, got shape {self.array.shape}")
        return _tensor._ops.transpose(self)

    def type(self, dtype: Any) -> Tensor:
        return _tensor._ops.astype(self, dtype)

    # Logical operators on boolean tensors (masks): outside the graph, like the comparisons.
    def __and__(self, other: Any) -> Tensor:
        return _constant(self.array & getattr(other, "array", other))

    def __or__(self, other: Any) -> Tensor:
        return _constant(self.array | getattr(other, "array", other))

    def __invert__(self) -> Tensor:
        return _constant(~self.array)
