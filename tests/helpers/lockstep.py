"""Two copies of one model trained side by side, eagerly and through ``chainrule.compile``
(the compile tests' shared fixtures)."""

from __future__ import annotations

import itertools

import numpy as np

import chainrule as cr
from chainrule import nn, optim

SIZES = (12, 9, 7, 4)
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.3),
    "momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda ps: optim.Adam(ps, lr=0.01),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01),
}


def make(dtype, activation="sigmoid", cost="quadratic", optimizer="sgd", sizes=SIZES):
    """A model, its loss and optimizer; the same weights every time."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b, rng=i, dtype=dtype))
        if i < len(sizes) - 2 or cost == "quadratic":
            layers.append(ACTIVATIONS[activation]())
    model = nn.Sequential(*layers)
    loss = nn.QuadraticCost() if cost == "quadratic" else nn.CrossEntropyLoss()
    return model, loss, OPTIMIZERS[optimizer](model.parameters())


def batch(rng, size, dtype, cost, sizes=SIZES):
    x = rng.standard_normal((size, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], size)
    return x, (np.eye(sizes[-1], dtype=dtype)[labels] if cost == "quadratic" else labels)


def eager_step(model, loss_fn, opt, x, y) -> float:
    model.train()
    loss = loss_fn(model(cr.Tensor(x)), y)
    opt.zero_grad()
    loss.backward()
    value = float(loss.item())
    opt.step()
    return value


def assert_same(a: nn.Module, b: nn.Module) -> None:
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.array, q.array)
        np.testing.assert_array_equal(p.grad.array, q.grad.array)


def lockstep(eager, compiled, step, batches) -> None:
    for x, y in batches:
        assert eager_step(*eager, x, y) == step(x, y)
    assert_same(eager[0], compiled[0])
