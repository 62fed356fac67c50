"""The lecture's four formulas written out for one network, every shape given, checked first.

:func:`formulas` specialises the backpropagation formulas of the lecture to a fully connected
network (its sizes, hidden σ, output σ and cost), for one sample written as a column::

    δ^L = ∇_a J ⊙ σ'(z^L)            (a^L − y for a softmax output with cross-entropy)
    δ^l = (W^(l+1))^T δ^(l+1) ⊙ σ'(z^l)
    ∂J/∂W^l = δ^l (a^(l−1))^T,   ∂J/∂b^l = δ^l

with σ' written out for the activation (σ(z)(1 − σ(z)), 1 − tanh²(z), ReLU's 1[z > 0]) and
the shape of every symbol. Before anything is returned, every formula is evaluated with NumPy
on a random sample, in float64, straight from the formula as written here, and compared with
what both engines compute for that sample: the classic network's δ^l and gradients
(:meth:`~chainrule.classic.Network.backward`) and the autodiff engine's parameter gradients
(the same weights as an ``nn.Sequential``). A formula that disagrees raises
:class:`FormulaCheckError`: nothing unchecked is ever shown as true.

>>> f = formulas([4, 3, 2], activation="sigmoid", cost="cross-entropy")
>>> print(f.formulas[0].text)
δ^2 = a^2 − y
>>> f.max_error < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chainrule import nn
from chainrule.classic import formulas_render
from chainrule.classic.convert import to_sequential
from chainrule.classic.costs import CrossEntropyCost
from chainrule.classic.network import Network
from chainrule.engine.tensor import Tensor
from chainrule.errors import ChainruleError
from chainrule.i18n import _

Array = np.ndarray

#: Relative tolerance of the numerical check (float64 on both sides).
TOLERANCE = 1e-9


class FormulaCheckError(ChainruleError, ArithmeticError):
    """A written formula disagrees with the engines on the check's sample."""


@dataclass(frozen=True)
class Notation:
    """How symbols are spelled: Unicode for text, LaTeX for Markdown and LaTeX."""

    delta: Callable[[int], str]
    weight: Callable[[int], str]
    act: Callable[[int], str]
    pre: Callable[[int], str]
    hadamard: str
    minus: str
    transpose: str
    grad_w: Callable[[int], str]
    grad_b: Callable[[int], str]
    times: str


TEXT = Notation(
    delta=lambda l: f"δ^{l}",
    weight=lambda l: f"W^{l}",
    act=lambda l: f"a^{l}",
    pre=lambda l: f"z^{l}",
    hadamard=" ⊙ ",
    minus=" − ",
    transpose="^T",
    grad_w=lambda l: f"∂J/∂W^{l}",
    grad_b=lambda l: f"∂J/∂b^{l}",
    times="×",
)

LATEX = Notation(
    delta=lambda l: rf"\delta^{{({l})}}",
    weight=lambda l: rf"W^{{({l})}}",
    act=lambda l: rf"a^{{({l})}}",
    pre=lambda l: rf"z^{{({l})}}",
    hadamard=r" \odot ",
    minus=" - ",
    transpose="^T",
    grad_w=lambda l: rf"\frac{{\partial J}}{{\partial W^{{({l})}}}}",
    grad_b=lambda l: rf"\frac{{\partial J}}{{\partial b^{{({l})}}}}",
    times=r"\times",
)


def derivative(activation: str, z: str, notation: Notation) -> str:
    """σ'(z) written out for ``activation``, in ``notation`` (the empty string for identity).

    >>> derivative("tanh", "z^2", TEXT)
    '1 − tanh²(z^2)'
    """
    n = notation
    latex = n is LATEX
    if activation == "sigmoid":
        s = rf"\sigma({z})" if latex else f"σ({z})"
        return f"{s}{n.hadamard}(1{n.minus}{s})"
    if activation == "tanh":
        return rf"1 - \tanh^2({z})" if latex else f"1 − tanh²({z})"
    if activation == "relu":
        return rf"\mathbb{{1}}[{z} > 0]" if latex else f"1[{z} > 0]"
    return ""


@dataclass(frozen=True)
class Formula:
    """One specialised formula: what it gives (``quantity``: ``"delta"``, ``"grad_w"`` or
    ``"grad_b"``) for layer ``layer``, in text and LaTeX, the σ' it uses written out
    (``where_text``/``where_latex``, empty when there is none), the shape of every symbol it
    names (``shapes``: (text symbol, LaTeX symbol, (rows, columns))), and how far it was from
    the engines on the check's sample (``error``, relative)."""

    layer: int
    quantity: str
    text: str
    latex: str
    where_text: str
    where_latex: str
    shapes: tuple[tuple[str, str, tuple[int, int]], ...]
    error: float

    def shapes_text(self) -> str:
        """``"δ^2: 30×1, W^3: 10×30, δ^3: 10×1, z^2: 30×1"``."""
        return ", ".join(f"{sym}: {r}×{c}" for sym, _latex, (r, c) in self.shapes)

    def shapes_latex(self) -> str:
        return ", ".join(rf"{sym}: {r} \times {c}" for _text, sym, (r, c) in self.shapes)


def _layer_formulas(
    l: int, sizes: tuple[int, ...], hidden: str, output: str, cross_entropy: bool, n: Notation
) -> list[tuple[str, str, str, list[tuple[str, tuple[int, int]]]]]:
    """(quantity, formula, σ' written out, [(symbol, shape)]) of layer ``l`` in ``n``."""
    last = len(sizes) - 1
    col = (sizes[l], 1)
    d, z = n.delta(l), n.pre(l)
    act_name = output if l == last else hidden
    sp = derivative(act_name, z, n)
    factor = f"{n.hadamard}σ'({z})" if n is TEXT else rf"{n.hadamard}\sigma'({z})"
    if not sp:
        factor = ""  # identity: σ' = 1, nothing to multiply by
    where = (f"σ'({z}) = " if n is TEXT else rf"\sigma'({z}) = ") + sp if sp else ""
    if l == last:
        y = "y"
        if cross_entropy:
            delta = f"{n.act(l)}{n.minus}{y}"
            factor, where = "", ""
        else:
            delta = f"({n.act(l)}{n.minus}{y}){factor}" if factor else f"{n.act(l)}{n.minus}{y}"
        symbols = [(d, col), (n.act(l), col), (y, col)] + ([(z, col)] if factor else [])
    else:
        wt = f"({n.weight(l + 1)}){n.transpose}"
        delta = f"{wt} {n.delta(l + 1)}{factor}"
        symbols = [(d, col), (n.weight(l + 1), (sizes[l + 1], sizes[l]))]
        symbols += [(n.delta(l + 1), (sizes[l + 1], 1))] + ([(z, col)] if factor else [])
    prev = (sizes[l - 1], 1)
    a_prev = f"({n.act(l - 1)}){n.transpose}"
    return [
        ("delta", f"{d} = {delta}", where, symbols),
        (
            "grad_w",
            f"{n.grad_w(l)} = {d} {a_prev}",
            "",
            [(n.grad_w(l), (sizes[l], sizes[l - 1])), (d, col), (n.act(l - 1), prev)],
        ),
        ("grad_b", f"{n.grad_b(l)} = {d}", "", [(n.grad_b(l), col), (d, col)]),
    ]


@dataclass(frozen=True)
class Formulas:
    """Every formula of a network, output layer first, checked against both engines.

    ``max_error`` is the largest relative difference found by the check (float64).
    Render with :meth:`to_text`, :meth:`to_markdown` or :meth:`to_latex`.
    """

    sizes: tuple[int, ...]
    activation: str
    output_activation: str
    cost: str
    formulas: tuple[Formula, ...]
    max_error: float
    seed: int

    def of(self, layer: int, quantity: str) -> Formula:
        """The formula for ``quantity`` (``"delta"``, ``"grad_w"``, ``"grad_b"``) of a layer."""
        return next(f for f in self.formulas if f.layer == layer and f.quantity == quantity)

    def to_text(self) -> str:
        """Plain text, Unicode symbols (see :mod:`chainrule.classic.formulas_render`)."""
        return formulas_render.render_text(self)

    def to_markdown(self) -> str:
        """Markdown tables with the formulas in ``$`` math."""
        return formulas_render.render_markdown(self)

    def to_latex(self) -> str:
        """LaTeX: an ``align*`` block per layer."""
        return formulas_render.render_latex(self)


def formulas(
    sizes: tuple[int, ...] | list[int],
    activation: str = "sigmoid",
    cost: str = "quadratic",
    *,
    output_activation: str | None = None,
    seed: int = 0,
) -> Formulas:
    """The lecture's formulas for this network, each checked numerically before it is returned.

    ``output_activation`` is the quadratic cost's σ of layer L (default: ``activation``, as in
    the lecture); cross-entropy has a softmax output. Raises ConfigError for a network the
    classic engine cannot build and :class:`FormulaCheckError` if a formula disagrees with
    the engines on the check's random sample (drawn from ``seed``).

    >>> f = formulas([784, 30, 30, 10], "relu", "quadratic", output_activation="sigmoid")
    >>> f.of(2, "delta").text, f.of(2, "delta").where_text
    ("δ^2 = (W^3)^T δ^3 ⊙ σ'(z^2)", "σ'(z^2) = 1[z^2 > 0]")
    >>> f.of(3, "grad_w").shapes_text()
    '∂J/∂W^3: 10×30, δ^3: 10×1, a^2: 30×1'
    """
    net = Network(
        sizes, activation, cost, "xavier", output_activation=output_activation, seed=seed,
        dtype=np.float64,
    )  # fmt: skip
    cross_entropy = isinstance(net.cost_function, CrossEntropyCost)
    names = (net.activation.name, net.output_activation.name)
    errors = check(net, np.random.default_rng([seed, 1]))
    built: list[Formula] = []
    for l in range(net.num_layers, 0, -1):
        texts = _layer_formulas(l, net.sizes, *names, cross_entropy, TEXT)
        latexes = _layer_formulas(l, net.sizes, *names, cross_entropy, LATEX)
        for (quantity, text, where, symbols), (_q, latex, where_l, symbols_l) in zip(
            texts, latexes, strict=True
        ):
            shapes = tuple(
                (s, sl, shape) for (s, shape), (sl, _s) in zip(symbols, symbols_l, strict=True)
            )
            error = errors[(l, quantity)]
            built.append(Formula(l, quantity, text, latex, where, where_l, shapes, error))
    return Formulas(
        net.sizes, names[0], names[1], net.cost_function.name, tuple(built), max(errors.values()),
        seed,
    )  # fmt: skip


# --------------------------------------------------------------------------- the check

#: σ and σ' as the formulas write them, from z alone (not the engines' code).
_SIGMA: dict[str, Callable[[Array], Array]] = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "identity": lambda z: z,
}
_SIGMA_PRIME: dict[str, Callable[[Array], Array]] = {
    "sigmoid": lambda z: _SIGMA["sigmoid"](z) * (1.0 - _SIGMA["sigmoid"](z)),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "identity": np.ones_like,
}


def evaluate_formulas(net: Network, x: Array, y: Array) -> dict[tuple[int, str], Array]:
    """Every formula evaluated for one sample (columns x, y), as the formulas are written.

    Keys ``(l, "delta" | "grad_w" | "grad_b")``; δ and ∂J/∂b are columns (N^l, 1).
    """
    hidden, output = net.activation.name, net.output_activation.name
    n = net.num_layers
    a, zs = [x], [None]
    for l in range(1, n + 1):
        z = net.weights[l - 1] @ a[-1] + net.biases[l - 1][:, None]
        if l < n:
            out = _SIGMA[hidden](z)
        elif output == "softmax":
            e = np.exp(z - z.max())
            out = e / e.sum()
        else:
            out = _SIGMA[output](z)
        zs.append(z)
        a.append(out)
    values: dict[tuple[int, str], Array] = {}
    delta = a[n] - y
    if output != "softmax":
        delta = delta * _SIGMA_PRIME[output](zs[n])
    for l in range(n, 0, -1):
        if l < n:
            delta = (net.weights[l].T @ delta) * _SIGMA_PRIME[hidden](zs[l])
        values[(l, "delta")] = delta
        values[(l, "grad_w")] = delta @ a[l - 1].T
        values[(l, "grad_b")] = delta
    return values


def _engine_values(net: Network, x: Array, y: Array) -> list[dict[tuple[int, str], Array]]:
    """What the classic network and the autodiff engine compute for the sample (x, y)."""
    g = net.backward(x.T, y.T)
    classic: dict[tuple[int, str], Array] = {}
    for l in range(1, net.num_layers + 1):
        classic[(l, "delta")] = g.deltas[l - 1].T
        classic[(l, "grad_w")] = g.grad_weights[l - 1]
        classic[(l, "grad_b")] = g.grad_biases[l - 1][:, None]
    model = to_sequential(net)
    loss_fn = nn.CrossEntropyLoss() if net.cost_function.name == "cross-entropy" else None
    loss_fn = loss_fn or nn.QuadraticCost()
    loss_fn(model(Tensor(x.T)), y.T).backward()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    autodiff: dict[tuple[int, str], Array] = {}
    for l, linear in enumerate(linears, start=1):
        autodiff[(l, "grad_w")] = linear.weight.grad.numpy()
        # for one sample ∂J/∂b^l is δ^l itself: the autodiff engine's δ
        autodiff[(l, "delta")] = autodiff[(l, "grad_b")] = linear.bias.grad.numpy()[:, None]
    return [classic, autodiff]


def check(net: Network, rng: np.random.Generator) -> dict[tuple[int, str], float]:
    """The relative difference of every formula from both engines on one random sample.

    Raises :class:`FormulaCheckError` naming the first formula above :data:`TOLERANCE`.
    """
    x = rng.standard_normal((net.sizes[0], 1))
    y = np.zeros((net.sizes[-1], 1))
    y[rng.integers(net.sizes[-1]), 0] = 1.0
    written = evaluate_formulas(net, x, y)
    errors: dict[tuple[int, str], float] = {}
    for engine, values in zip(("classic", "autodiff"), _engine_values(net, x, y), strict=True):
        for key, expected in values.items():
            got = written[key]
            scale = float(np.max(np.abs(expected), initial=0.0))
            diff = float(np.max(np.abs(got - expected), initial=0.0))
            error = diff / scale if scale > 0 else diff
            if got.shape != expected.shape or not error <= TOLERANCE:
                l, quantity = key
                raise FormulaCheckError(
                    _("the written formula for {what} of layer {l} disagrees with the {engine} "
                      "engine on a random sample (relative difference {error:.3g})").format(
                        what=quantity, l=l, engine=engine, error=error)
                )  # fmt: skip
            errors[key] = max(errors.get(key, 0.0), error)
    return errors
