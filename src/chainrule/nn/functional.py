"""``chainrule.nn.functional``: PyTorch's ``torch.nn.functional`` names (``import ... as F``).

Each function is a thin call of an existing op or loss module, so there is one implementation
of every computation and the graph holds the same nodes either way.

>>> import chainrule as cr
>>> import chainrule.nn.functional as F
>>> F.relu(cr.tensor([-1.0, 2.0]))
tensor([0., 2.])
>>> round(F.cross_entropy(cr.tensor([[0.0, 0.0]]), cr.tensor([1])).item(), 4)
0.6931
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule import ops
from chainrule.engine.inplace import update as in_place
from chainrule.engine.tensor import Tensor
from chainrule.nn.dropout import Dropout
from chainrule.nn.loss import BCEWithLogitsLoss, MSELoss, NLLLoss
from chainrule.seeding import default_generator

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]

# The activations take the same arguments as the ops; ``inplace=True`` writes the result into
# the input, as PyTorch does (recorded like any in-place op, refused on a leaf needing grad).
sigmoid = ops.sigmoid
tanh = ops.tanh
softplus = ops.softplus
gelu = ops.gelu
linear = ops.linear


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0).

    >>> relu(Tensor([-1.0, 3.0]))
    tensor([0., 3.])
    """
    return _written(input, ops.relu, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return _written(input, lambda t: ops.leaky_relu(t, negative_slope), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha (e^x - 1)."""
    return _written(input, lambda t: ops.elu(t, alpha), inplace)


def _written(input: Tensor, compute: Callable[[Tensor], Tensor], inplace: bool) -> Tensor:
    """``compute(input)``; with ``inplace``, written into ``input`` (the nn modules' path too)."""
    return in_place(input, compute) if inplace else compute(input)


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``.

    >>> softmax(Tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5, 0.5]])
    """
    return ops.softmax(input, dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) along ``dim``, without forming the softmax."""
    return ops.log_softmax(input, dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout drawn from the library's default generator (``chainrule.manual_seed``);
    the input itself when not ``training``; written into the input with ``inplace=True``.

    >>> x = Tensor([1.0, 2.0]); dropout(x, training=False) is x
    True
    """
    return Dropout(p, inplace, rng=default_generator()).train(training)(input)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or elementwise) squared error, as ``nn.MSELoss``.

    >>> mse_loss(Tensor([1.0, 3.0]), Tensor([0.0, 1.0]))
    tensor(2.5)
    """
    return MSELoss(reduction)(input, target)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits against int labels or probabilities (``F.cross_entropy``)."""
    return ops.cross_entropy(
        input,
        target,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities against int labels, as ``nn.NLLLoss``.

    >>> nll_loss(Tensor([[-0.5, -1.0]]), Tensor([1]))
    tensor(1.)
    """
    return NLLLoss(weight, ignore_index, reduction)(input, target)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(input) against targets in [0, 1], stable.

    >>> round(binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([1.0])).item(), 4)
    0.6931
    """
    return BCEWithLogitsLoss(reduction)(input, target)
