"""The engine on CuPy arrays: every family of ops gives the CPU's values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
pytestmark = pytest.mark.gpu
try:
    cupy.cuda.runtime.getDeviceCount()
except Exception:  # pragma: no cover - no usable device
    pytest.skip("no CUDA device", allow_module_level=True)

FUNCTIONS = {
    "arithmetic": lambda a, b: ((a + b) * (a - 2.0) / (b * b + 1.0)) ** 2,
    "elementwise": lambda a, b: cr.exp(a).sin() + cr.log(b * b + 1).sqrt() + cr.abs(a).cos(),
    "activations": lambda a, b: (
        cr.sigmoid(a)
        + cr.tanh(b)
        + cr.relu(a)
        + cr.gelu(b)
        + cr.softplus(a)
        + cr.elu(b)
        + cr.leaky_relu(a)
    ),
    "reductions": lambda a, b: (
        a.sum(axis=0) + b.max(axis=0) + a.logsumexp(axis=0) + b.var(axis=0) + a.mean()
    ),
    "shape": lambda a, b: cr.concatenate([a, b], axis=1)[:, ::2].T.reshape(-1) * 2.0,
    "linalg": lambda a, b: cr.linear(a, b[:3], b[3]) @ a[:3],
    "losses": lambda a, b: (
        cr.cross_entropy(a, [0, 1, 2, 1])
        + cr.softmax(b, axis=1)[:, 0]
        + cr.quadratic_cost(cr.sigmoid(a), np.ones((4, 3), np.float32))
    ),
    "indexing": lambda a, b: a[[0, 0, 2]] * b[1:4],
    "clip_where": lambda a, b: (
        cr.clip(a, -0.5, 0.5) + cr.where(a.numpy() > 0, a, b) + cr.maximum(a, b) + cr.minimum(a, b)
    ),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_ops_on_the_gpu_match_the_cpu(name: str) -> None:
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((4, 3))
    b_np = rng.standard_normal((4, 3))
    results = {}
    for device in ("cpu", "cuda"):
        a = cr.tensor(a_np, requires_grad=True).to(device)
        b = cr.tensor(b_np, requires_grad=True).to(device)
        a.retain_grad(), b.retain_grad()
        out = FUNCTIONS[name](a, b)
        out.sum().backward()
        assert out.device == device
        results[device] = (out.numpy(), a.grad.numpy(), b.grad.numpy())
    for cpu, gpu in zip(results["cpu"], results["cuda"], strict=True):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10, atol=1e-12)


def test_second_order_on_the_gpu() -> None:
    x = cr.tensor(np.linspace(-2, 2, 5), requires_grad=True).to("cuda")
    d2 = cr.grad(lambda t: cr.grad(lambda s: cr.tanh(s).sum())(t).sum())(x)
    t = np.tanh(np.linspace(-2, 2, 5))
    np.testing.assert_allclose(d2.numpy(), -2 * t * (1 - t * t), rtol=1e-10)


def test_anomaly_detection_on_the_gpu_names_the_op() -> None:
    x = cr.tensor([-1.0, 2.0], requires_grad=True).to("cuda")
    with pytest.raises(cr.errors.NonFiniteError, match="Log"), cr.detect_anomaly():
        cr.log(x)
    with cr.detect_anomaly():
        y = cr.sqrt(cr.tensor([4.0, 9.0], requires_grad=True).to("cuda")).sum()
        y.backward()
