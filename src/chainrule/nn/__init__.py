"""Neural-network layers on the chainrule engine, with PyTorch's names and conventions.

>>> import numpy as np
>>> import chainrule as cr
>>> from chainrule import nn, optim
>>> rng = np.random.default_rng(0)
>>> model = nn.Sequential(nn.Linear(2, 8, rng=rng), nn.Tanh(), nn.Linear(8, 2, rng=rng))
>>> opt = optim.SGD(model.parameters(), lr=0.5)
>>> x, y = cr.tensor([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])
>>> loss_fn = nn.CrossEntropyLoss()
>>> first = loss_fn(model(x), y).item()
>>> for _ in range(20):
...     opt.zero_grad()
...     loss = loss_fn(model(x), y)
...     loss.backward()
...     opt.step()
>>> loss.item() < first
True
"""

from chainrule.nn import functional, init, utils
from chainrule.nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from chainrule.nn.container import ModuleList, Sequential
from chainrule.nn.dropout import Dropout
from chainrule.nn.flatten import Flatten
from chainrule.nn.linear import Identity, Linear
from chainrule.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss, QuadraticCost
from chainrule.nn.module import IncompatibleKeys, Module, RemovableHandle
from chainrule.nn.normalization import BatchNorm1d
from chainrule.nn.parameter import Parameter

__all__ = [
    "ELU",
    "GELU",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "IncompatibleKeys",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "QuadraticCost",
    "ReLU",
    "RemovableHandle",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "functional",
    "init",
    "utils",
]
