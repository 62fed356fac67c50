"""Classic backpropagation: the lecture's matrix formulas written out by hand, no autodiff.

``Network`` is a fully connected network whose ``backward`` computes every δ^l and the
gradients of every W^l and b^l exactly as the lecture derives them, and whose ``train_step``
is a float32 NumPy hot path. ``backprop`` (in :mod:`chainrule.classic.reference`) is the
same algorithm for one batch written as the four formulas read, to study beside the lecture
and to check the fast path against. Activations, costs and initializers each live in one
small table.

>>> import numpy as np
>>> from chainrule.classic import Network
>>> net = Network([4, 8, 3], activation="tanh", cost="cross-entropy", init="xavier", seed=0)
>>> x = np.eye(4)[[0, 1, 2, 3, 0, 1]]; y = np.array([0, 1, 2, 0, 0, 1])
>>> history = net.fit(x, y, epochs=50, batch_size=3, lr=0.5, seed=0)
>>> history.train_loss[-1] < history.train_loss[0]
True
"""

from chainrule.classic.activations import ACTIVATIONS, Activation, get_activation
from chainrule.classic.convert import from_sequential, to_sequential
from chainrule.classic.costs import (
    COSTS,
    SOFTMAX,
    CrossEntropyCost,
    QuadraticCost,
    log_softmax,
    make_cost,
    softmax,
)
from chainrule.classic.initializers import INITIALIZERS, get_initializer
from chainrule.classic.network import EpochStats, ForwardPass, Gradients, History, Network
from chainrule.classic.reference import backprop

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "INITIALIZERS",
    "SOFTMAX",
    "Activation",
    "CrossEntropyCost",
    "EpochStats",
    "ForwardPass",
    "Gradients",
    "History",
    "Network",
    "QuadraticCost",
    "backprop",
    "from_sequential",
    "get_activation",
    "get_initializer",
    "log_softmax",
    "make_cost",
    "softmax",
    "to_sequential",
]
