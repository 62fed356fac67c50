"""Small networks and data for the diagnostics tests, built to vanish, explode or be healthy."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.classic import Network


def big_weights(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """N(0, (2.5)²/n_in): each linear layer multiplies δ by about 2.5 on its way back."""
    return rng.standard_normal(shape) * 2.5 / np.sqrt(shape[1])


def nn_copy(net: Network, *, batch_norm: bool = False) -> nn.Sequential:
    """An nn model with the classic network's weights, layers and activations."""
    acts = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
    modules: list[nn.Module] = []
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=net.dtype, rng=0)
        linear.weight.data = w.copy()
        linear.bias.data = b.copy()
        modules.append(linear)
        if l < net.num_layers:
            if batch_norm:
                modules.append(nn.BatchNorm1d(w.shape[0], dtype=net.dtype))
            modules.append(acts[net.activation.name]())
        elif net.output_activation.name in acts:
            modules.append(acts[net.output_activation.name]())
    return nn.Sequential(*modules)


@pytest.fixture(name="nn_copy")
def nn_copy_fixture():
    """:func:`nn_copy`, for the test modules (conftest modules cannot be imported by name)."""
    return nn_copy


@pytest.fixture(name="big_weights")
def big_weights_fixture():
    return big_weights


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """64 points in 10 dimensions, 4 classes, float32."""
    rng = np.random.default_rng(0)
    y = np.arange(64) % 4
    x = rng.standard_normal((64, 10)) + 1.5 * np.eye(10)[y]
    return x.astype(np.float32), y


@pytest.fixture
def nn_batch(blobs):
    x, y = blobs
    return cr.tensor(x), y
