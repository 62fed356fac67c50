"""``Tensor``: an array, the gradient it collects, and the op that made it.

The operators and methods here are thin sugar: each one hands its operands to an op class of
``chainrule.ops``, which binds itself to this module when it is imported (the engine never
imports the layer above it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule import backend, seeding
from chainrule.engine.methods import TensorMethods
from chainrule.errors import DTypeError, GraphError

if TYPE_CHECKING:
    from chainrule.engine.function import Function

# The op namespace (chainrule.ops), bound by chainrule.ops at import time.
_ops: Any = None

# Every tensor is numbered when it is made. A tensor is always made after the tensors it is
# computed from, so a larger number never feeds a smaller one: the numbers are a topological
# order of any graph, for free.
_creation_order = itertools.count()


def bind_ops(namespace: Any) -> None:
    """Called once by ``chainrule.ops``: the namespace the operators dispatch to."""
    global _ops
    _ops = namespace


def as_array(data: Any, dtype: Any = None) -> Any:
    """Turn user data into an array of the right dtype without surprising upcasts.

    Python scalars and lists of floats take the default float dtype (float32 unless changed);
    arrays keep their own dtype unless ``dtype`` is given.
    """
    if isinstance(data, Tensor):
        data = data.array
    if dtype is not None and not isinstance(dtype, np.dtype):
        try:
            dtype = np.dtype(dtype)
        except (TypeError, ValueError):
            raise DTypeError(
                f"unknown dtype {dtype!r}: use a NumPy dtype such as 'float32'"
            ) from None
    if isinstance(data, np.ndarray | np.generic) or backend.device_of(data) == "cuda":
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    array = np.asarray(data)
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype.kind == "f" or (array.dtype.kind in "iu" and isinstance(data, float)):
        return array.astype(backend.get_default_dtype(), copy=False)
    if array.dtype.kind == "O":
        raise DTypeError(f"cannot make a tensor from {type(data).__name__}: {data!r:.60}")
    return array


def promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's rule where NumPy's differs: an integer or boolean operand meeting a float one
    takes the float's dtype (int64 * float32 is float32 here, float64 in NumPy).

    >>> promote(Tensor([1, 2]), Tensor([0.5]))[0].dtype
    dtype('float32')
    """
    kind_a, kind_b = a.array.dtype.kind, b.array.dtype.kind
    if kind_a == "f" and kind_b in "iub":
        return a, b.as_float(a.array.dtype)
    if kind_b == "f" and kind_a in "iub":
        return a.as_float(b.array.dtype), b
    return a, b


def _binary(op: Any, a: Tensor, b: Tensor) -> Tensor:
    # The operators' hot path: one identity test when the dtypes agree, as they nearly always do.
    if a.array.dtype is not b.array.dtype:
        a, b = promote(a, b)
    return op.apply(a, b)


class Tensor(TensorMethods):
    """An n-dimensional array that records the ops applied to it, for reverse-mode autodiff.

    ``grad`` accumulates across ``backward()`` calls until you reset it (``t.grad = None`` or
    an optimizer's ``zero_grad()``), as in PyTorch. No two tensors' ``grad`` share memory, so
    ``x.grad.zero_()`` changes ``x``'s alone.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = (
        "_hooks",
        "_previous",
        "_retains_grad",
        "_seq",
        "_version",
        "array",
        "grad",
        "grad_fn",
        "name",
        "requires_grad",
    )

    # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor.__radd__) and refuses
    # np.exp(tensor) instead of silently dropping the graph.
    __array_ufunc__ = None
    __hash__ = object.__hash__

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None
    ) -> None:
        array = as_array(data, dtype)
        if requires_grad and array.dtype.kind != "f":
            if array.dtype.kind in "iub" and dtype is None:
                array = array.astype(backend.get_default_dtype())
            else:
                raise DTypeError(f"only float tensors can require gradients, got {array.dtype}")
        self.array = array
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn: Function | None = None
        self.name = name
        self._retains_grad = False
        self._hooks: list[Callable[[Any], Any]] | None = None
        self._seq = next(_creation_order)
        # Bumped by every in-place change; shared by the tensors that share this memory.
        self._version = [0]

    @classmethod
    def _from_op(cls, data: Any, grad_fn: Function | None) -> Tensor:
        # The hot path of every op: skip __init__'s conversions, the op made a proper array.
        t = object.__new__(cls)
        t.array = data
        t.grad = None
        t.requires_grad = grad_fn is not None
        t.grad_fn = grad_fn
        t.name = None
        t._retains_grad = False
        t._hooks = None
        t._seq = next(_creation_order)
        t._version = [0]
        return t

    def _alias(self) -> Tensor:
        """A detached tensor on the same memory, sharing the version counter."""
        t = Tensor._from_op(inplace.own_array(self), None)
        t._version = self._version
        return t

    # ---- NumPy interop -------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor's values, detached from the graph, sharing its memory (as PyTorch's).

        Assigning a tensor or an array replaces the values (and the memory) of this tensor.
        Unlike PyTorch's, it shares the version counter too: changing ``x.data`` in place
        while a graph still needs ``x`` makes that ``backward()`` fail instead of using the
        new values.

        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, 2.0], requires_grad=True)
        >>> w.data -= 1.0; w
        tensor([0., 1.], requires_grad=True)
        """
        return self._alias()

    @data.setter
    def data(self, value: Any) -> None:
        array = value.array if isinstance(value, Tensor) else as_array(value)
        if array is self.array:  # `x.data -= 1` assigns back the array it changed in place
            return
        if self.requires_grad and array.dtype.kind != "f":
            raise DTypeError(f"only float tensors can require gradients, got {array.dtype}")
        self.array = np.array(array) if isinstance(array, np.generic) else array
        # A new counter one ahead: a graph that read the old values refuses to use these.
        self._version = [self._version[0] + 1]

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self.array)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (copied to the host if it lives on the GPU)."""
        return np.asarray(backend.to_device(self.array, "cpu"))

    def item(self) -> float | int | bool:
        if self.array.size != 1:
            raise GraphError(f"item() needs a one-element tensor, this one has shape {self.shape}")
        return self.array.item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number, as in PyTorch.

        >>> f"{Tensor(2.0):.3f}"
        '2.000'
        """
        if self.array.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    # ---- DLPack: the array exchange protocol of NumPy, PyTorch, CuPy, JAX --------------------
    def __dlpack__(self, **kwargs: Any) -> Any:
        """A DLPack capsule on this tensor's memory (no copy): ``torch.from_dlpack(t)`` and
        ``np.from_dlpack(t)`` see changes made here. The keywords (``stream``,
        ``max_version``, ...) go to the array's own ``__dlpack__``.

        >>> import numpy as np, chainrule as cr
        >>> t = cr.tensor([1.0, 2.0]); a = np.from_dlpack(t); t.array[0] = 5.0; a
        array([5., 2.], dtype=float32)
        """
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(device type, device id) as DLPack numbers them: (1, 0) for the host."""
        return self.array.__dlpack_device__()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        extras = []
        if self.dtype != backend.get_default_dtype() and self.dtype.kind == "f":
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(repr(self))}</pre>"

    # ---- autodiff ------------------------------------------------------------------------
    def backward(
        self,
        grad: Any = None,
        *,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        gradient: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` that requires one.

        A scalar needs no ``grad``; a non-scalar needs the upstream gradient of its shape
        (``gradient=`` is PyTorch's name for it).
        With ``create_graph=True`` the gradients are tensors with a graph of their own, so they
        can be differentiated again. ``retain_graph`` is accepted for PyTorch's sake: the graph
        is never freed by ``backward``, only when nothing refers to it any more.
        """
        if gradient is not None:
            if grad is not None:
                raise GraphError("backward(): give grad or gradient, not both")
            grad = gradient
        autograd.backward(self, grad, create_graph=create_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (changing one in place changes the other)."""
        return self._alias()

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph, in place: it becomes a leaf that needs no grad."""
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self) -> Tensor:
        """Keep this intermediate tensor's gradient in ``.grad`` after ``backward``."""
        if not self.requires_grad:
            raise GraphError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True
        return self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces it. Returns a function that removes the hook.

        >>> import chainrule as cr
        >>> x = cr.tensor(3.0, requires_grad=True)
        >>> remove = x.register_hook(lambda g: g * 2)
        >>> (x * x).backward(); x.grad
        tensor(12.)
        """
        if not self.requires_grad:
            raise GraphError("register_hook() on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return lambda: self._hooks.remove(hook) if hook in self._hooks else None

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.dtype.kind != "f":
            raise DTypeError(f"only float tensors can require gradients, got {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # ---- devices and dtypes -------------------------------------------------------------
    def to(self, device: Any = None, dtype: Any = None) -> Tensor:
        """A copy on ``"cpu"`` or ``"cuda"`` and/or in another dtype (graph-connected);
        ``x.to(cr.float64)`` takes the dtype in the device's place, as PyTorch does."""
        if device is not None and not isinstance(device, str) and dtype is None:
            device, dtype = None, device
        out = self
        if dtype is not None and np.dtype(dtype) != self.dtype:
            out = out.astype(dtype)
        if device is not None and backend.device_of(out.array) != str(device).split(":")[0]:
            out = _ops.to_device(out, device)
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def astype(self, dtype: Any) -> Tensor:
        return _ops.astype(self, dtype)

    def as_float(self, dtype: Any = None) -> Tensor:
        """This tensor if it is float; else its values as ``dtype`` (the default float dtype),
        a constant: integer tensors never carry gradients."""
        if self.array.dtype.kind == "f":
            return self
        return Tensor._from_op(self.array.astype(dtype or backend.get_default_dtype()), None)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    # ---- operators -----------------------------------------------------------------------
    def _lift(self, other: Any) -> Tensor:
        """A constant operand as a tensor of this tensor's dtype (no silent float32 -> 64)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float)) and self.array.dtype.kind == "f":
            return Tensor._from_op(self.array.dtype.type(other), None)
        array = as_array(other)
        if array.dtype.kind in "fiub" and self.array.dtype.kind == "f":
            array = array.astype(self.array.dtype, copy=False)
        if backend.device_of(self.array) != backend.device_of(array):
            array = backend.to_device(array, self.device)
        return Tensor._from_op(array, None)

    def __add__(self, other: Any) -> Tensor:
        return _binary(_ops.Add, self, self._lift(other))

    def __radd__(self, other: Any) -> Tensor:
        return _binary(_ops.Add, self._lift(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(_ops.Sub, self, self._lift(other))

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(_ops.Sub, self._lift(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(_ops.Mul, self, self._lift(other))

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(_ops.Mul, self._lift(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.divide(self._lift(other), self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.power(self._lift(other), self)

    def __neg__(self) -> Tensor:
        return _ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.Abs.apply(self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, self._lift(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self._lift(other), self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        inplace.set_items(self, index, value, _ops)

    # ---- in-place operations (see chainrule.engine.inplace) ------------------------------
    def __iadd__(self, other: Any) -> Tensor:
        return inplace.update(self, lambda t: t + other)

    def __isub__(self, other: Any) -> Tensor:
        return inplace.update(self, lambda t: t - other)

    def __imul__(self, other: Any) -> Tensor:
        return inplace.update(self, lambda t: t * other)

    def __itruediv__(self, other: Any) -> Tensor:
        return inplace.update(self, lambda t: t / other)

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return inplace.update(self, lambda t: t + (other if alpha == 1 else other * alpha))

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return inplace.update(self, lambda t: t - (other if alpha == 1 else other * alpha))

    def mul_(self, other: Any) -> Tensor:
        return inplace.update(self, lambda t: t * other)

    def div_(self, other: Any) -> Tensor:
        return inplace.update(self, lambda t: t / other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        return inplace.update(self, lambda t: _ops.clip(t, min, max))

    def copy_(self, source: Any) -> Tensor:
        """Copy ``source``'s values (broadcast to this shape) into this tensor."""
        if isinstance(source, Tensor) and source.requires_grad:
            return inplace.update(self, lambda t: _ops.where(False, t, source).astype(t.dtype))
        return inplace.assign(self, as_array(source), _ops)

    def fill_(self, value: float) -> Tensor:
        return inplace.assign(self, self._lift(value).array, _ops)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with normal draws from the library's default generator (``manual_seed``)."""
        values = seeding.default_generator().normal(mean, std, self.shape)
        return inplace.assign(self, values, _ops)

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with uniform draws in [a, b) from the library's default generator."""
        values = seeding.default_generator().uniform(a, b, self.shape)
        return inplace.assign(self, values, _ops)

    # Comparisons give boolean tensors outside the graph, as in NumPy and PyTorch.
    def _compare(self, other: Any, compare: Callable[[Any, Any], Any]) -> Tensor:
        other = other.array if isinstance(other, Tensor) else other
        return Tensor._from_op(compare(self.array, other), None)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)


# The traversal and the in-place operations live in their own modules, which need Tensor:
# import them once Tensor exists.
from chainrule.engine import autograd, inplace  # noqa: E402
