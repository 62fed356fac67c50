"""Function transforms in the style of JAX: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``.

They take a Python function of tensors and return a new function, and they compose:
``grad(grad(f))`` is the second derivative, because an inner transform records its own
derivative (``create_graph=True``) whenever an outer one is differentiating through it. They
never write to any tensor's ``.grad``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chainrule.backend import get_array_module
from chainrule.engine import autograd, state
from chainrule.engine.tensor import Tensor
from chainrule.errors import GraphError


def _leaves(args: Sequence[Any], argnums: Sequence[int]) -> tuple[list[Any], bool]:
    """The arguments with each differentiated one a tensor that requires grad, and whether an
    outer transform is recording through them (then the result must stay graph-connected)."""
    args = list(args)
    outer = False
    for i in argnums:
        a = args[i]
        if isinstance(a, Tensor) and a.requires_grad and state.switches.grad_enabled:
            outer = True
        else:
            args[i] = Tensor(a.array if isinstance(a, Tensor) else a, requires_grad=True)
    return args, outer


def _zeros(data: Any) -> Any:
    """Zeros like ``data`` (``data * 0`` would turn an Inf or NaN in it into NaN)."""
    return get_array_module(data).zeros_like(data)


def _zeros_for(t: Tensor) -> Tensor:
    return Tensor(_zeros(t.array))


def value_and_grad(
    f: Callable[..., Tensor], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Tensor, Any]]:
    """``f`` and its gradient with respect to the arguments ``argnums``, in one pass.

    >>> import chainrule as cr
    >>> value, slope = cr.value_and_grad(lambda x: x ** 3)(2.0)
    >>> float(value), float(slope)
    (8.0, 12.0)
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Any) -> tuple[Tensor, Any]:
        inputs, outer = _leaves(args, nums)
        with state.enable_grad():
            out = f(*inputs)
        if not isinstance(out, Tensor) or out.array.size != 1:
            shape = getattr(out, "shape", type(out).__name__)
            raise GraphError(f"grad needs f to return a one-element tensor, got {shape}")
        wrt = [inputs[i] for i in nums]
        if out.requires_grad:
            grads = autograd.grad(out, wrt, create_graph=outer)
        else:
            grads = [None] * len(wrt)
        grads = [g if g is not None else _zeros_for(t) for g, t in zip(grads, wrt, strict=True)]
        value = out if outer else out.detach()
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)

    return wrapped


def grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The gradient of a scalar function, as a function; compose for higher orders.

    >>> import chainrule as cr
    >>> d2 = cr.grad(cr.grad(cr.tanh))
    >>> round(float(d2(0.5)), 6)  # -2 tanh(x) (1 - tanh(x)^2)
    -0.726862
    """
    value_and_grad_f = value_and_grad(f, argnums)

    def wrapped(*args: Any) -> Any:
        return value_and_grad_f(*args)[1]

    return wrapped


def vjp(f: Callable[..., Tensor], *primals: Any) -> tuple[Tensor, Callable[[Any], Any]]:
    """``f(*primals)`` and a function mapping an output cotangent to input cotangents.

    >>> import chainrule as cr
    >>> out, back = cr.vjp(lambda x: x * x, cr.tensor([1.0, 2.0]))
    >>> back(cr.tensor([1.0, 1.0]))[0]
    tensor([2., 4.])
    """
    inputs, outer = _leaves(primals, range(len(primals)))
    with state.enable_grad():
        out = f(*inputs)

    def pullback(cotangent: Any) -> tuple[Tensor, ...]:
        seed = cotangent if isinstance(cotangent, Tensor) else Tensor(cotangent, dtype=out.dtype)
        if not out.requires_grad:
            return tuple(_zeros_for(t) for t in inputs)
        create = outer or seed.requires_grad
        grads = autograd.grad(out, inputs, seed, create_graph=create)
        return tuple(g if g is not None else _zeros_for(t) for g, t in zip(grads, inputs))

    return (out if outer else out.detach()), pullback


def jvp(
    f: Callable[..., Tensor], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Tensor, Tensor]:
    """``f(*primals)`` and the directional derivative J·tangents (forward mode).

    Computed by transposing a vector-Jacobian product: u -> J^T u is linear in u, and its own
    vector-Jacobian product with the tangents is J·tangents. Every op with a derivative works.

    >>> import chainrule as cr
    >>> out, tangent = cr.jvp(lambda x: x ** 2, (cr.tensor(3.0),), (cr.tensor(1.0),))
    >>> float(tangent)
    6.0
    """
    if len(primals) != len(tangents):
        raise GraphError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    inputs, _ = _leaves(primals, range(len(primals)))
    with state.enable_grad():
        out = f(*inputs)
        if not out.requires_grad:
            return out.detach(), _zeros_for(out)
        u = Tensor(_zeros(out.array), requires_grad=True)
        cotangents = autograd.grad(out, inputs, u, create_graph=True)
        total = None
        for c, t in zip(cotangents, tangents, strict=True):
            if c is None:
                continue
            term = (c * Tensor(t.array if isinstance(t, Tensor) else t, dtype=c.dtype)).sum()
            total = term if total is None else total + term
        if total is None or not total.requires_grad:
            return out.detach(), _zeros_for(out)
        (tangent_out,) = autograd.grad(total, [u])
    return out.detach(), tangent_out if tangent_out is not None else _zeros_for(out)
