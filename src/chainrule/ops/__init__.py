"""chainrule's differentiable ops, as functions on tensors (NumPy names where NumPy has one).

Each function lives beside its op classes in a family module (``arithmetic``, ``elementwise``,
``activations``, ``reductions``, ``shape``, ``linalg``, ``losses``, ``normalization``): it checks
its operands, then applies one op class. This module gathers them into one namespace, which is
also the one a derivative is computed in under ``create_graph=True``, so it offers the same names
as ``chainrule.ops.arrays``.
"""

from __future__ import annotations

import sys

from chainrule.engine import autograd
from chainrule.engine import tensor as _tensor_module
from chainrule.ops import arrays
from chainrule.ops.activations import (
    GELU_FORMS,  # noqa: F401 - chainrule.nn checks gelu's forms against it
    ReLU,  # noqa: F401 - Tensor.relu applies it directly, without relu's checks
    elu,
    gelu,
    leaky_relu,
    relu,
    sigmoid,
    softplus,
    tanh,
)
from chainrule.ops.arithmetic import (  # the classes: Tensor's operators apply them directly
    Add,  # noqa: F401
    Mul,  # noqa: F401
    Neg,  # noqa: F401
    Sub,  # noqa: F401
    add,
    divide,
    multiply,
    negative,
    power,
    subtract,
)
from chainrule.ops.elementwise import (
    Abs,  # noqa: F401 - Tensor's abs() applies it directly
    abs,
    astype,
    clamp,
    clip,
    cos,
    erf,
    exp,
    log,
    maximum,
    minimum,
    sin,
    sqrt,
    to_device,
    where,
)
from chainrule.ops.linalg import linear, matmul
from chainrule.ops.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_options,  # noqa: F401 - nn.CrossEntropyLoss checks its options with it
    log_softmax,
    quadratic_cost,
    softmax,
)
from chainrule.ops.normalization import batch_norm
from chainrule.ops.reductions import (
    amax,
    amin,
    argmax,
    logsumexp,
    max,
    mean,
    min,
    norm,
    std,
    sum,
    var,
)
from chainrule.ops.shape import (
    broadcast_to,
    cat,
    clone,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    index_put,  # noqa: F401 - not public: what x[index] = value records on a graph
    reshape,
    scatter,  # noqa: F401 - not public: the derivative of getitem under create_graph
    squeeze,
    stack,
    swapaxes,
    transpose,
    unsqueeze,
)

__all__ = [
    "abs",
    "add",
    "amax",
    "amin",
    "argmax",
    "astype",
    "batch_norm",
    "binary_cross_entropy_with_logits",
    "broadcast_to",
    "cat",
    "clamp",
    "clip",
    "clone",
    "concatenate",
    "cos",
    "cross_entropy",
    "divide",
    "elu",
    "erf",
    "exp",
    "expand_dims",
    "flatten",
    "gelu",
    "getitem",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "norm",
    "power",
    "quadratic_cost",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "softplus",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "subtract",
    "sum",
    "swapaxes",
    "tanh",
    "to_device",
    "transpose",
    "unsqueeze",
    "var",
    "where",
]

_tensor_module.bind_ops(sys.modules[__name__])
autograd.bind_namespaces(arrays, sys.modules[__name__])
