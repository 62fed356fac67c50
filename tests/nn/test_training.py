"""End to end: an MLP learns a small separable problem; one seed gives one run."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import nn, optim


def two_blobs(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-1.0, 0.5, (64, 2)), rng.normal(1.0, 0.5, (64, 2))])
    y = np.repeat([0, 1], 64)
    return x.astype(np.float32), y


def train(seed: int, optimizer: str = "sgd", epochs: int = 30):
    x, y = two_blobs()
    rng = np.random.default_rng(seed)
    model = nn.Sequential(
        nn.Linear(2, 16, rng=rng),
        nn.BatchNorm1d(16),
        nn.Tanh(),
        nn.Dropout(0.1, rng=rng),
        nn.Linear(16, 2, rng=rng),
    )
    if optimizer == "sgd":
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        opt = optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    order = np.random.default_rng(seed)
    for _ in range(epochs):
        for batch in np.array_split(order.permutation(len(x)), 4):
            opt.zero_grad()
            loss = loss_fn(model(cr.tensor(x[batch])), y[batch])
            loss.backward()
            optim.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            losses.append(loss.item())
    model.eval()
    with cr.no_grad():
        accuracy = float((model(cr.tensor(x)).numpy().argmax(axis=1) == y).mean())
    return losses, accuracy, model


def test_mlp_reaches_high_accuracy():
    for name in ("sgd", "adam"):
        losses, accuracy, model = train(0, name)
        assert accuracy >= 0.95, name
        assert np.mean(losses[-8:]) < 0.5 * np.mean(losses[:8])
        assert all(p.dtype == np.float32 for p in model.parameters())


def test_same_seed_same_run():
    first, second, other = train(1, epochs=5), train(1, epochs=5), train(2, epochs=5)
    assert first[0] == second[0]
    assert first[0] != other[0]
    for key, value in first[2].state_dict().items():
        np.testing.assert_array_equal(value, second[2].state_dict()[key])
