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

# Names load their module on first use: importing the package stays cheap (issue 15).
from chainrule._lazy import lazy_exports

_WHERE = {
    "ACTIVATIONS": "chainrule.classic.activations",
    "Activation": "chainrule.classic.activations",
    "get_activation": "chainrule.classic.activations",
    "from_sequential": "chainrule.classic.convert",
    "to_sequential": "chainrule.classic.convert",
    "COSTS": "chainrule.classic.costs",
    "SOFTMAX": "chainrule.classic.costs",
    "CrossEntropyCost": "chainrule.classic.costs",
    "QuadraticCost": "chainrule.classic.costs",
    "log_softmax": "chainrule.classic.costs",
    "make_cost": "chainrule.classic.costs",
    "softmax": "chainrule.classic.costs",
    "INITIALIZERS": "chainrule.classic.initializers",
    "get_initializer": "chainrule.classic.initializers",
    "EpochStats": "chainrule.classic.network",
    "ForwardPass": "chainrule.classic.network",
    "Gradients": "chainrule.classic.network",
    "History": "chainrule.classic.network",
    "Network": "chainrule.classic.network",
    "backprop": "chainrule.classic.reference",
}
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)

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
