"""Classic ``Network`` <-> ``nn.Sequential``: the same weights in either engine.

Layer l of the network (W^l, b^l and its σ) becomes ``Linear`` + activation module; the output
layer keeps its σ for the quadratic cost and stays bare (logits) for cross-entropy, whose
softmax lives in ``nn.CrossEntropyLoss``.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from chainrule import nn
from chainrule.classic.costs import CrossEntropyCost
from chainrule.classic.network import Network
from chainrule.errors import ConfigError

_MODULES = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "identity": nn.Identity}


def to_sequential(
    network: Network, *, batch_norm: bool = False, dropout: float = 0.0, seed: int = 0
) -> nn.Sequential:
    """An ``nn.Sequential`` computing what ``network`` computes, with copies of its weights.

    ``batch_norm`` puts a ``BatchNorm1d`` between each hidden ``Linear`` and its activation;
    ``dropout`` adds ``Dropout`` after each hidden activation (its masks seeded by ``seed``).

    >>> net = Network([4, 3, 2], activation="tanh", seed=0)
    >>> to_sequential(net)
    Sequential(
      (0): Linear(in_features=4, out_features=3, bias=True)
      (1): Tanh()
      (2): Linear(in_features=3, out_features=2, bias=True)
      (3): Tanh()
    )
    """
    layers: list[nn.Module] = []
    last = network.num_layers - 1
    rng = np.random.default_rng([seed, 2])
    for l, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        linear = nn.Linear(w.shape[1], w.shape[0], init="zeros", dtype=w.dtype)
        linear.weight.array[...] = w
        linear.bias.array[...] = b
        layers.append(linear)
        if l < last:
            if batch_norm:
                layers.append(nn.BatchNorm1d(w.shape[0], dtype=w.dtype))
            layers.append(_MODULES[network.activation.name]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout, rng=rng))
        elif not isinstance(network.cost_function, CrossEntropyCost):
            layers.append(_MODULES[network.output_activation.name]())
    return nn.Sequential(*layers)


def from_sequential(model: nn.Sequential, cost: str = "quadratic") -> Network:
    """A classic ``Network`` with ``model``'s weights; ``model`` must be Linear/activation pairs
    (for ``cost="cross-entropy"`` the last Linear stands alone: the softmax is in the cost).

    >>> from chainrule import nn
    >>> model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.Sigmoid(), nn.Linear(3, 2, rng=1),
    ...                       nn.Sigmoid())
    >>> from_sequential(model).sizes
    (4, 3, 2)
    """
    linears = [m for m in model if isinstance(m, nn.Linear)]
    names = {cls: name for name, cls in _MODULES.items()}
    activations = [names.get(type(m)) for m in model if not isinstance(m, nn.Linear)]
    for m in model:
        if not isinstance(m, nn.Linear) and type(m) not in names:
            raise ConfigError(f"from_sequential: the classic network has no {type(m).__name__}")
    if not linears or not isinstance(model[0], nn.Linear):
        raise ConfigError("from_sequential: the model must start with a Linear layer")
    hidden = activations[: len(linears) - 1]
    if len(set(hidden)) > 1:
        raise ConfigError(f"from_sequential: hidden activations differ: {hidden}")
    expected = len(linears) - (1 if cost == "cross-entropy" else 0)
    if len(activations) != expected:
        raise ConfigError(
            f"from_sequential: expected {expected} activation modules for cost {cost!r}, "
            f"got {len(activations)}"
        )
    # Linear, σ, Linear, σ, ...: a layer out of order would convert silently into another net
    pattern = [True, False] * len(linears)
    if cost == "cross-entropy":
        pattern.pop()
    if [isinstance(m, nn.Linear) for m in model] != pattern:
        order = ", ".join(type(m).__name__ for m in model)
        raise ConfigError(
            f"from_sequential: the model must alternate Linear and activation modules, got {order}"
        )
    for prev, nxt in pairwise(linears):
        if prev.out_features != nxt.in_features:
            raise ConfigError(
                f"from_sequential: a Linear with {prev.out_features} outputs feeds one with "
                f"{nxt.in_features} inputs"
            )
    sizes = [linears[0].in_features] + [m.out_features for m in linears]
    output = None if cost == "cross-entropy" else activations[-1]
    network = Network(
        sizes,
        hidden[0] if hidden else (output or "sigmoid"),
        cost,
        output_activation=output,
        dtype=linears[0].weight.dtype,
    )
    for l, m in enumerate(linears):
        network.weights[l] = np.array(m.weight.numpy(), dtype=network.dtype, order="C")
        network.biases[l] = (
            np.array(m.bias.numpy(), dtype=network.dtype)
            if m.bias is not None
            else np.zeros(m.out_features, network.dtype)
        )
    return network
