"""The contract every op class keeps, checked over all of them (a new op is checked too):

* ``partials`` has one entry per input (one for an op of any number of inputs);
* each symbolic partial agrees with the op's numeric ``backward`` at random points;
* both namespaces a backward runs in (``chainrule.ops.arrays`` for ``backward()``,
  ``chainrule.ops`` under ``create_graph=True``) define every ``ops.<name>`` it uses.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import pkgutil
import re
import textwrap
from typing import Any

import numpy as np
import pytest

import chainrule.ops
from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.ops import arrays


def op_classes() -> list[type[Function]]:
    """Every concrete op class defined in a module of ``chainrule.ops``."""
    found = []
    for module_info in pkgutil.iter_modules(chainrule.ops.__path__):
        module = importlib.import_module(f"chainrule.ops.{module_info.name}")
        for cls in vars(module).values():
            if (
                inspect.isclass(cls)
                and issubclass(cls, Function)
                and cls.__module__ == module.__name__
                and "forward" in _defined(cls)
            ):
                found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def _defined(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ if klass is not Function for name in vars(klass)}


OPS = op_classes()

# Each op whose partial is a scalar formula: its parameters and a point maker (inputs away
# from kinks and outside domains' edges). The partial is evaluated there and compared.
SCALAR = {
    "Add": ({}, 2),
    "Sub": ({}, 2),
    "Mul": ({}, 2),
    "Div": ({}, 2),
    "Neg": ({}, 1),
    "Pow": ({"exponent": 3.0}, 1),
    "PowTensor": ({}, 2),
    "Exp": ({}, 1),
    "Log": ({}, 1),
    "Sqrt": ({}, 1),
    "Abs": ({}, 1),
    "Sin": ({}, 1),
    "Cos": ({}, 1),
    "Erf": ({}, 1),
    "Maximum": ({}, 2),
    "Minimum": ({}, 2),
    "Clip": ({"low": 0.8, "high": 1.6}, 1),
    "Sigmoid": ({}, 1),
    "Tanh": ({}, 1),
    "ReLU": ({}, 1),
    "LeakyReLU": ({"slope": 0.1}, 1),
    "ELU": ({"alpha": 1.5}, 1),
    "Softplus": ({}, 1),
    "GELU": ({"approximate": "none"}, 1),
    "Sum": ({"axes": None, "keepdims": False}, 1),
    "Mean": ({"axes": None, "keepdims": False}, 1),
    "Max": ({"axes": None, "keepdims": False}, 1),
    "Min": ({"axes": None, "keepdims": False}, 1),
    "Var": ({"axes": None, "keepdims": False, "correction": 0}, 1),
    "Norm": ({"axes": None, "keepdims": False}, 1),
    "LogSumExp": ({"axes": None, "keepdims": False}, 1),
    "Reshape": ({"shape": ()}, 1),
    "Transpose": ({"axes": None}, 1),
    "BroadcastTo": ({"shape": ()}, 1),
    "AsType": ({"dtype": np.float64}, 1),
    "Clone": ({}, 1),
}
# Ops with a second form whose partial reads differently.
OTHER_FORMS = [("GELU", {"approximate": "tanh"})]
# Ops whose partial is written in matrix or index notation, with the reason; their numeric
# backward is checked against finite differences and torch in their own test modules.
STRUCTURAL = {
    "MatMul": "matrix products, (.) @ W^T",
    "Linear": "matrix products",
    "Softmax": "a Jacobian matrix, diag(s) - s s^T",
    "LogSoftmax": "a Jacobian matrix",
    "SoftmaxCrossEntropy": "a loss over a batch with labels y",
    "BCEWithLogits": "a loss over a batch with targets y",
    "QuadraticCost": "a loss over a batch with targets y",
    "BatchNorm": "a Jacobian over the batch",
    "GetItem": "1 at the indexed places",
    "IndexPut": "1 except at the indexed places",
    "Scatter": "1 at the indexed places",
    "Where": "[c], a mask given as a parameter",
    "Concatenate": "1 on each input's block",
    "Stack": "1 on each input's slice",
    "ToDevice": "moves between devices",
}
# The names a scalar template may use, as NumPy functions and the ops' parameters.
NAMES = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sign": np.sign,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "pi": math.pi,
    "n": 1,  # a scalar input: one element
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(),
    "Phi": lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2))),
    "phi": lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi),
}


def test_every_op_is_classified():
    names = {cls.__name__ for cls in OPS}
    assert names == set(SCALAR) | set(STRUCTURAL), "add the new op to SCALAR or STRUCTURAL"


def input_count(cls: type[Function]) -> int | None:
    """How many inputs ``forward`` takes (None: any number)."""
    parameters = list(inspect.signature(cls.forward).parameters.values())[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    return len(parameters)


def make(cls: type[Function]) -> Function:
    params = SCALAR[cls.__name__][0] if cls.__name__ in SCALAR else {}
    try:
        return cls(**params)
    except TypeError:  # needs parameters only its own tests know how to give
        return cls.__new__(cls)


@pytest.mark.parametrize("cls", OPS, ids=lambda c: c.__name__)
def test_partials_has_one_entry_per_input(cls):
    fn = make(cls)
    count = input_count(cls)
    partials = fn.partials
    assert isinstance(partials, tuple) and all(isinstance(p, str) and p for p in partials)
    assert len(partials) == (1 if count is None else count), partials


def python_expression(template: str) -> str:
    """A scalar partial template as Python: {0} -> x0, [cond] -> 1.0 * (cond), x^y -> x**y,
    and the implicit products of ``2/sqrt(pi) exp(...)`` and ``2({0} - mean)/n``."""
    text = template.replace("{out}", "out")
    text = re.sub(r"\{(\d)\}", r"x\1", text)
    text = re.sub(r"\[([^\]]*)\]", r"(1.0 * (\1))", text)
    text = re.sub(r"(?<![<>=!])=(?!=)", "==", text)
    text = text.replace("^", "**")
    text = re.sub(r"(?<=[\w)])\s+(?=[\w(])", "*", text)  # "2/sqrt(pi) exp(x)": a product
    return re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)(?=[a-z(])", r"\1*", text)  # "3k", "2(": too


def scalar_names(fn: Function, inputs: list[float], out: float) -> dict[str, Any]:
    names = dict(NAMES, out=out, **{f"x{i}": v for i, v in enumerate(inputs)})
    names.update(max=inputs[0], min=inputs[0], mean=inputs[0])
    attributes = ("slope", "alpha", "exponent", "correction")
    names.update({k: getattr(fn, k) for k in attributes if hasattr(fn, k)})
    if hasattr(fn, "low"):
        names.update(lo=fn.low, hi=fn.high)
    if getattr(fn, "approximate", None) == "tanh":  # the tanh form's abbreviations
        c, k, x = math.sqrt(2 / math.pi), 0.044715, inputs[0]
        names.update(c=c, k=k, t=math.tanh(c * (x + k * x**3)))
    return names


def random_points(cls: type[Function], count: int, rng: np.random.Generator) -> list[list[float]]:
    """Points away from kinks (ReLU's 0) and inside every domain (log, sqrt, a^b)."""
    points = []
    while len(points) < 20:
        values = list(rng.uniform(0.3, 2.0, count) * rng.choice([-1.0, 1.0], count))
        if cls.__name__ in {"Log", "Sqrt", "PowTensor"}:
            values = [abs(v) for v in values]
        if count == 2 and abs(abs(values[0]) - abs(values[1])) < 0.05:
            continue  # Maximum and Minimum have no derivative at a tie
        points.append(values)
    return points


SCALAR_CASES = [(c, SCALAR[c.__name__][0]) for c in OPS if c.__name__ in SCALAR] + [
    (c, params) for name, params in OTHER_FORMS for c in OPS if c.__name__ == name
]


@pytest.mark.parametrize(
    ("cls", "params"), SCALAR_CASES, ids=[f"{c.__name__}-{p}" for c, p in SCALAR_CASES]
)
def test_each_symbolic_partial_agrees_with_the_numeric_backward(cls, params):
    count = SCALAR[cls.__name__][1]
    rng = np.random.default_rng(sum(map(ord, cls.__name__)))
    for point in random_points(cls, count, rng):
        leaves = [Tensor(np.float64(v), requires_grad=True) for v in point]
        out = cls.apply(*leaves, **params)
        fn = out.grad_fn
        grads = fn.backward(arrays, np.float64(1.0), out.array, *[t.array for t in leaves])
        grads = grads if count > 1 else (grads,)
        names = scalar_names(fn, point, float(out.array))
        for i, template in enumerate(fn.partials):
            # eval of the op's own template, with no builtins: only NAMES and the point
            symbolic = eval(python_expression(template), {"__builtins__": {}}, names)
            assert float(np.asarray(grads[i]).sum()) == pytest.approx(
                float(symbolic), rel=1e-9, abs=1e-12
            ), f"{cls.__name__} partial {i} {template!r} at {point}"


def namespace_names(cls: type[Function]) -> set[str]:
    """The ``ops.<name>`` a class's backward uses (its own or inherited)."""
    source = textwrap.dedent(inspect.getsource(cls.backward))
    tree = ast.parse(source)
    backward = tree.body[0]
    assert isinstance(backward, ast.FunctionDef)
    namespace = backward.args.args[1].arg
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == namespace
    }


@pytest.mark.parametrize("cls", OPS, ids=lambda c: c.__name__)
def test_both_namespaces_define_what_backward_uses(cls):
    used = namespace_names(cls)
    for namespace in (arrays, chainrule.ops):
        missing = sorted(name for name in used if not hasattr(namespace, name))
        assert not missing, f"{cls.__name__}.backward uses {missing}, not in {namespace.__name__}"


def test_the_namespace_check_sees_what_a_backward_uses():
    assert {"where", "log"} <= namespace_names(chainrule.ops.arithmetic.PowTensor)
