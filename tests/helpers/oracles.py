"""The oracles every op test is checked against, and the helpers that drive them.

Two independent references for a derivative:

* central finite differences, through ``chainrule.gradcheck`` in float64 (always available);
* PyTorch's autograd on the same float64 inputs (when torch is installed), which also checks
  the forward values and the exact output shape.

``check_gradient`` and ``check_against_torch`` take the same arguments, so one op test line
runs against both (the ``check`` fixture in ``tests/conftest.py`` parametrizes over them)::

    check(lambda a, b: a * b, (3, 1), (1, 4))
    check(cr.exp, (2, 3), torch_fn=lambda x: x.exp())

Each positional argument after the function is either a shape (a random input is drawn from
``domain``) or an explicit array (used as given, for ties and other special points).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import chainrule as cr

TORCH_SKIP_REASON = "PyTorch is not installed: the torch oracle is skipped (pip install torch)"

# Where random inputs are drawn from. "nonzero" keeps clear of the kink at 0 of abs/relu/...,
# so that central differences never straddle it.
DOMAINS: dict[str, Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]] = {
    "real": lambda rng, shape: rng.uniform(-2.0, 2.0, shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "nonzero": lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
}

# Broadcasting pairs every binary elementwise op is checked on (the list and more).
BROADCAST_PAIRS: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((), (3,)),
    ((3,), ()),
    ((2, 1, 4), (3, 1)),
]

# Shapes unary elementwise ops are checked on.
UNARY_SHAPES: list[tuple[int, ...]] = [(), (5,), (2, 3), (2, 1, 3)]


def import_torch() -> Any:
    """``torch``, or skip the calling test with the reason."""
    return pytest.importorskip("torch", reason=TORCH_SKIP_REASON)


def torch_op(name: str, **kwargs: Any) -> Callable[..., Any]:
    """A function calling ``torch.<name>`` (dotted, e.g. ``"nn.functional.elu"``) with
    ``kwargs``; torch is imported only when it is called, so test modules import without it."""

    def call(*args: Any) -> Any:
        target = import_torch()
        for part in name.split("."):
            target = getattr(target, part)
        return target(*args, **kwargs)

    call.__name__ = f"torch.{name}"
    return call


def make_inputs(
    specs: Sequence[Any], domain: str | Sequence[str] = "real", seed: int = 0
) -> list[np.ndarray]:
    """float64 arrays for ``specs``: a shape draws from ``domain``, an array is copied as is.

    ``domain`` is one name for every input or one name per input.
    """
    rng = np.random.default_rng(seed)
    domains = [domain] * len(specs) if isinstance(domain, str) else list(domain)
    assert len(domains) == len(specs), "one domain per input"
    arrays = []
    for spec, name in zip(specs, domains, strict=True):
        if isinstance(spec, np.ndarray):
            arrays.append(np.array(spec, dtype=np.float64))
        else:
            arrays.append(np.asarray(DOMAINS[name](rng, tuple(spec)), dtype=np.float64))
    return arrays


def assert_close(actual: Any, expected: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    """Same shape (no broadcasting allowed, unlike ``assert_allclose``) and close values."""
    actual = np.asarray(actual.numpy() if isinstance(actual, cr.Tensor) else actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def check_gradient(
    fn: Callable[..., cr.Tensor],
    *specs: Any,
    torch_fn: Callable[..., Any] | None = None,
    domain: str | Sequence[str] = "real",
    seed: int = 0,
) -> None:
    """``fn``'s gradients against central differences (``chainrule.gradcheck``, float64).

    A non-scalar output is checked through a random weighting, i.e. its whole vector-Jacobian
    product. Also checks that every gradient has its input's shape and dtype.
    """
    arrays = make_inputs(specs, domain, seed)
    assert cr.gradcheck(fn, *arrays)
    leaves = [cr.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    out.backward(np.ones(out.shape))
    for leaf in leaves:
        if leaf.grad is not None:
            assert leaf.grad.shape == leaf.shape
            assert leaf.grad.dtype == np.float64


def check_against_torch(
    fn: Callable[..., cr.Tensor],
    *specs: Any,
    torch_fn: Callable[..., Any] | None = None,
    domain: str | Sequence[str] = "real",
    seed: int = 0,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> None:
    """``fn`` against ``torch_fn`` (``fn`` itself when omitted: operators and methods shared
    by both libraries): the forward value, its shape, and each input's gradient for a random
    upstream gradient, all in float64."""
    torch = import_torch()
    arrays = make_inputs(specs, domain, seed)
    leaves = [cr.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    torch_leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    expected = (torch_fn or fn)(*torch_leaves)
    assert out.dtype == np.float64, f"float64 inputs gave {out.dtype}"
    assert_close(out, expected.detach().numpy(), rtol=rtol, atol=atol)

    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(expected.shape))
    out.backward(upstream)
    if expected.requires_grad:
        expected_grads = torch.autograd.grad(
            expected, torch_leaves, torch.from_numpy(upstream), allow_unused=True
        )
    else:
        expected_grads = [None] * len(torch_leaves)
    for i, (leaf, want) in enumerate(zip(leaves, expected_grads, strict=True)):
        want = np.zeros(leaf.shape) if want is None else want.numpy()
        got = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad.numpy()
        if leaf.grad is not None:
            assert leaf.grad.dtype == np.float64, f"input {i}: gradient of dtype {leaf.grad.dtype}"
        try:
            assert_close(got, want, rtol=rtol, atol=atol)
        except AssertionError as exc:
            raise AssertionError(f"gradient of input {i} differs from torch: {exc}") from None


def numeric_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, eps: float = 1e-6):
    """d f / d x by central differences, shape ``f(x).shape + x.shape`` (float64 NumPy)."""
    x = np.asarray(x, dtype=np.float64)
    columns = []
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        columns.append((np.asarray(f(plus)) - np.asarray(f(minus))) / (2 * eps))
    out_shape = np.asarray(f(x)).shape
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)
