"""The lab's outputs: figures, one self-contained HTML report, a text summary, the files.

:func:`lab_figures` draws every figure as PNG bytes; :func:`render_lab_html` builds the report
around them (images inline as base64 PNG, the graph as inline SVG, so the one file is the whole
report); :func:`render_summary` is the few lines ``chainrule lab`` prints; :func:`write_lab`
writes ``report.html``, the PNG files and ``lab.json`` (the numbers) into a folder, each file
atomically.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainrule import __version__
from chainrule.diagnostics.plots import (
    figure_bytes,
    plot_activation_functions,
    plot_comparison,
    plot_learning_speeds,
)
from chainrule.errors import ConfigError
from chainrule.explain import to_png
from chainrule.explain.graph import format_number
from chainrule.explain.render_html import render_html, title
from chainrule.report import figures as figs
from chainrule.report.html import (
    Markup,
    escape,
    figure,
    img_png,
    join,
    notation,
    p,
    page,
    table,
    tag,
)
from chainrule.report.lab import (
    COMPOSITE,
    EXPLODE_SCALE,
    LabResult,
    LargeLearningRate,
    RemedyRun,
    WorkedExample,
)
from chainrule.serialization import atomic_write_bytes, atomic_write_text, try_writing_in


def _para(*content: Any, cls: str | None = None) -> Markup:
    """A paragraph whose plain text may use the lecture's notation (``δ^(l)``, ``w_jk^(l)``)."""
    return p(*(notation(c) for c in content), cls=cls)


REPORT_NAME = "report.html"
NUMBERS_NAME = "lab.json"


@dataclass(frozen=True)
class FigureFile:
    """One figure of the report: its file name, PNG bytes and caption."""

    name: str
    title: str
    png: bytes
    caption: str


def lab_figures(result: LabResult) -> dict[str, FigureFile]:
    """Every figure of the report as PNG bytes, keyed by a short name."""
    van = result.vanishing.result
    out = {
        "graph": FigureFile(
            "composite_graph.png",
            "the lecture's composite function as a graph",
            to_png(result.composite),
            f"The graph of {COMPOSITE} with its forward values and gradients.",
        ),
        "learning_curve": FigureFile(
            "learning_curve.png",
            "learning curve of the classic backpropagation (part 2)",
            figure_bytes(figs.learning_curve(result.training)),
            "The cost J falls and the accuracy rises, epoch after epoch (epoch 0: the "
            "initial weights). Solid: training set; dashed: test set.",
        ),
        "activations": FigureFile(
            "activation_functions.png",
            "logistic σ, tanh, ReLU and their derivatives",
            figure_bytes(plot_activation_functions()),
            "The logistic σ, tanh and ReLU (solid) and their derivatives (dashed). σ′ is at "
            "most 0.25 and nearly 0 over most of its range; tanh′ reaches 1; ReLU′ is 1 "
            "wherever the unit is active.",
        ),
        "vanishing": FigureFile(
            "vanishing_speeds.png",
            "per-layer learning speeds of the deep logistic network",
            figure_bytes(
                plot_learning_speeds(
                    van,
                    title=f"Speed of learning, [{', '.join(map(str, van.sizes))}] "
                    f"{van.activation}, N(0, 1/n_in)",
                )
            ),
            "The learning speed ‖∂J/∂b^l‖ of each hidden layer over training, log scale: the "
            "layers closer to the input learn slower, by a roughly constant factor per layer.",
        ),
        "remedies_speeds": FigureFile(
            "remedies_speeds.png",
            "per-layer learning speeds under each remedy",
            figure_bytes(figs.remedies_speeds(result.remedies)),
            "The same deep network under each remedy, same data and seed: per-layer speeds "
            "over training on one shared log scale. Lines close together mean every layer "
            "learns.",
        ),
        "comparison": FigureFile(
            "remedies_comparison.png",
            "speed ratio and accuracy of each remedy",
            figure_bytes(plot_comparison(result.comparison)),
            "Left: first/last hidden-layer speed before training (1 = balanced, far below 1 = "
            "vanishing). Right: test accuracy after training.",
        ),
        "exploding": FigureFile(
            "exploding.png",
            "exploding gradients, without and with clipping",
            figure_bytes(figs.exploding(result.exploding)),
            f"ReLU with weights {EXPLODE_SCALE:g}× He's scale: the speeds grow toward the "
            "input (left); without clipping the gradients grow step after step until they "
            "overflow (middle, red ✕); clipped, the run stays finite and learns (blue).",
        ),
    }
    return out


# ------------------------------------------------------------------------------ HTML pieces


def _g(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; '–' for None, 'NaN'/'Inf' spelled out."""
    if value is None:
        return "–"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "−Inf"
    return f"{value:.{digits}g}"


def _acc(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.3f}"


def _img(files: dict[str, FigureFile], key: str) -> Markup:
    """The figure ``key``, its title as the alt text, its caption below."""
    f = files[key]
    return figure(img_png(f.png, f.title), notation(f.caption))


def _findings(diagnosis: Any) -> Markup:
    blocks = []
    for f in diagnosis.findings:
        cls = "finding healthy" if f.kind == "healthy" else "finding"
        blocks.append(
            tag(
                "div",
                tag("span", f.kind.replace("_", " "), cls="kind"),
                _para(f.message),
                _para(Markup(f"<i>Remedy.</i> {escape(f.remedy)}")),
                cls=cls,
            )
        )
    return join(blocks)


def _sup(base: str, sup: str, sub: str = "") -> Markup:
    sub_html = f"<sub>{escape(sub)}</sub>" if sub else ""
    return Markup(f"{escape(base)}{sub_html}<sup>{escape(sup)}</sup>")


#: The lecture's four equations and the update: name, vector/matrix form, element form.
_EQUATIONS = (
    (
        "output-layer error",
        "δ^(L) = ∇_a J ⊙ σ′(z^(L))",
        "δ_j^(L) = ∂J/∂a_j^(L) σ′(z_j^(L))",
    ),
    (
        "hidden-layer error",
        "δ^(l) = ((W^(l+1))^T δ^(l+1)) ⊙ σ′(z^(l))",
        "δ_j^(l) = Σ_k w_kj^(l+1) δ_k^(l+1) σ′(z_j^(l))",
    ),
    (
        "weight gradient",
        "∂J/∂W^(l) = δ^(l) (a^(l−1))^T",
        "∂J/∂w_jk^(l) = a_k^(l−1) δ_j^(l)",
    ),
    ("bias gradient", "∂J/∂b^(l) = δ^(l)", "∂J/∂b_j^(l) = δ_j^(l)"),
    (
        "update (learning rate α)",
        "W^(l) ← W^(l) − α ∂J/∂W^(l),\u2003b^(l) ← b^(l) − α ∂J/∂b^(l)",
        "w_jk^(l) ← w_jk^(l) − α ∂J/∂w_jk^(l),\u2003b_j^(l) ← b_j^(l) − α ∂J/∂b_j^(l)",
    ),
)


def _formulas() -> Markup:
    """The lecture's four equations and the update rule, each in matrix and element form."""
    body = join(
        (
            Markup(
                f'<span class="name">{escape(name)}</span> {notation(matrix)}'
                f'<span class="elem">element by element:</span>{notation(element)}'
            )
            for name, matrix, element in _EQUATIONS
        ),
        "<br>",
    )
    return tag("div", body, cls="formula")


def _history_rows(history: list[dict[str, Any]]) -> list[list[str]]:
    last = history[-1]["epoch"]
    keep = {0, 1, 2, 3, 5, last} | {e for e in range(10, last + 1, 10)}
    return [
        [
            str(h["epoch"]),
            _g(h.get("train_loss"), 4),
            _acc(h.get("train_accuracy")),
            _g(h.get("test_loss"), 4),
            _acc(h.get("test_accuracy")),
        ]
        for h in history
        if h["epoch"] in keep
    ]


def _speed_rows(run_result: Any) -> list[list[str]]:
    r = run_result
    rows = []
    picks = sorted({0, len(r.x) - 1, *(k for k in (1, 5, 10, 20) if k < len(r.x))})
    for k in picks:
        speeds = r.speeds[k]
        ratio = speeds[0] / speeds[-1] if speeds[-1] > 0 else math.nan
        rows.append([str(int(r.x[k])), *(_g(s) for s in speeds), _g(ratio), _g(r.train_loss[k], 4)])
    return rows


def _remedy_rows(runs: list[RemedyRun]) -> list[list[Any]]:
    rows = []
    for run in runs:
        r = run.result
        kinds = ", ".join(k.replace("_", " ") for k in run.diagnosis.kinds)
        acc = r.test_accuracy if r.test_accuracy is not None else r.train_accuracy
        rows.append(
            [
                notation(run.remedy.title),
                _g(r.speeds[0, 0]),
                _g(r.speeds[0, -1]),
                _g(r.initial_ratio),
                _g(r.final_ratio),
                _g(r.final_loss, 3),
                _acc(acc),
                kinds + (" (diverged)" if r.diverged else ""),
            ]
        )
    return rows


def _key(value: str, label: Any) -> Markup:
    return tag("div", tag("b", value), tag("span", label), cls="key")


# ------------------------------------------------------------------------------ the report


def render_lab_html(result: LabResult, files: dict[str, FigureFile] | None = None) -> str:
    """The whole report as one HTML document (figures inline)."""
    files = files if files is not None else lab_figures(result)
    body = join(
        [
            _header(result),
            _keys(result),
            _TOC,
            *_part1(result),
            *_part2(result, files),
            *_part3_vanishing(result, files),
            *_part3_exploding(result, files),
            *_part3_large_lr(result.large_lr),
            *_files_part(result, files),
            _footer(),
        ]
    )
    return page("chainrule lab: backpropagation, made visible", body)


def _header(result: LabResult) -> Markup:
    """The title and what ran on which data."""
    s = result.settings
    run_kind = "quick run (small data, few epochs: rough numbers)" if s.quick else "full run"
    return tag(
        "header",
        tag("h1", "chainrule lab: backpropagation, made visible"),
        _para(
            f"The lecture's three parts, computed: composite-function derivatives, the "
            f"backpropagation algorithm, and vanishing and exploding gradients. Data: the "
            f"bundled {result.dataset} images ({result.n_train} training, {result.n_test} test), "
            f"seed {s.seed}, {run_kind}. Notation as in the lecture: layer l, last layer L, "
            "error ",
            Markup(f"{_sup('δ', '(l)')} = ∂J/∂{_sup('z', '(l)')}"),
            ", cost J, learning rate α.",
            cls="subtitle",
        ),
        cls="top",
    )


def _keys(result: LabResult) -> Markup:
    """The five numbers at the top: one per part of the lecture."""
    t = result.training
    vr = result.vanishing.result
    ex = result.exploding
    best = max(result.remedies[1:], key=lambda run: run.result.test_accuracy or 0.0)
    grads = result.composite.gradients
    return tag(
        "div",
        _key(
            f"{format_number(grads['x1'])} and {format_number(grads['x2'])}",
            Markup("∂y/∂x<sub>1</sub> and ∂y/∂x<sub>2</sub> of the lecture's example at (1, 2)"),
        ),
        _key(
            _acc(t.final.get("test_accuracy")),
            f"test accuracy, classic backprop, {t.epochs} epochs",
        ),
        _key(_g(vr.initial_ratio), "first/last hidden-layer speed, deep logistic net"),
        _key(
            _acc(best.result.test_accuracy),
            f"test accuracy with the best remedy ({best.remedy.short}) vs {_acc(vr.test_accuracy)}",
        ),
        _key(
            f"step {ex.diverged_at}" if ex.diverged_at is not None else "none",
            "first NaN/Inf without clipping (clipped: finite)",
        ),
        cls="keys",
    )


#: The table of contents: the section ids of the report.
_TOC = tag(
    "nav",
    tag("b", "Contents"),
    Markup(
        "<ol>"
        '<li><a href="#part1">Composite functions</a></li>'
        '<li><a href="#part2">Backpropagation</a>: <a href="#worked">a worked example</a></li>'
        '<li><a href="#part3">Vanishing and exploding gradients</a>: '
        '<a href="#why">why</a>, <a href="#experiment">the experiment</a>, '
        '<a href="#remedies">remedies</a>, <a href="#exploding">exploding and clipping</a>, '
        '<a href="#large-lr">a learning rate too large</a>'
        "</li>"
        '<li><a href="#files">Files and how to reproduce</a></li>'
        "</ol>"
    ),
    cls="toc",
)


def _part1(result: LabResult) -> list[Markup]:
    """Part 1: the technique, the lecture's example derived every way, the exercises."""
    comp = result.composite
    y = comp.output
    part1 = [
        tag("h2", "1. Composite functions (复合函数求导)", id="part1"),
        _para(
            "A neural network is a composite function: each layer applies f to a weighted sum "
            "of the layer before. Its derivatives follow from the chain rule, and the lecture's "
            "technique computes all of them in one sweep:"
        ),
        tag(
            "ol",
            tag("li", "Draw the graph of the computation and keep every intermediate value."),
            tag(
                "li",
                "Starting at the top, take each node's partial with respect to the nodes "
                "directly below it (the top node's own partial is 1).",
            ),
            tag(
                "li",
                "Below the top, each node's partial is the sum, over the nodes directly "
                "above it, of their partial times the local partial.",
            ),
        ),
        tag("h3", Markup(f"The example: {title(comp)}")),
        render_html(comp, show_title=False),
        _para(
            Markup(
                f"Reverse accumulation needs {comp.counts.reverse_mult} multiplications for both "
                f"partials; summing path by path needs {comp.counts.path_mult}, because ∂{y}/∂a "
                f"is computed again for every path through a; forward mode needs one pass per "
                f"input ({comp.counts.forward_mult} multiplications). With one output and many "
                "inputs, the case of a cost J and the weights of a network, reverse accumulation "
                "wins: that is backpropagation."
            )
        ),
        tag("h3", "The lecture's exercises"),
        _para(
            "“Draw the graph of each composite function and use the technique to find the "
            "partials”, here at the same point:"
        ),
    ]
    for expl in result.exercises:
        part1 += [tag("h4", Markup(title(expl))), render_html(expl, full=False, show_title=False)]
    part1.append(
        _para(
            "The graph is also how automatic differentiation works: chainrule's engine records "
            "these nodes while it computes, and backward() runs the reverse sweep above.",
            cls="note",
        )
    )
    return part1


def _part2(result: LabResult, files: dict[str, FigureFile]) -> list[Markup]:
    """Part 2: the four equations, checked against autodiff, and the training run."""
    t = result.training
    check_rows = [
        [
            str(row.layer),
            f"{row.shape[0]}×{row.shape[1]}",
            _g(row.grad_w_norm, 4),
            _g(row.grad_b_norm, 4),
            _g(row.max_diff_w, 2),
            _g(row.max_diff_b, 2),
        ]
        for row in t.check
    ]
    worst = max(max(row.max_diff_w, row.max_diff_b) for row in t.check)
    sizes = ", ".join(map(str, t.sizes))
    return [
        tag("h2", "2. Backpropagation (反向传播算法)", id="part2"),
        _para(
            "Layer l has N^(l) neurons; w_jk^(l) links neuron j of layer l to neuron k of "
            "layer l − 1 and b_j^(l) is its bias; z_j^(l) = Σ_k w_jk^(l) a_k^(l−1) + b_j^(l) "
            "is the neuron's input and a_j^(l) = σ(z_j^(l)) its output. The error of a neuron "
            "is δ_j^(l) = ∂J/∂z_j^(l), and the cost is J = 1/(2m) Σ_i ‖y^(i) − a^(L)(x^(i))‖². "
            "Every layer has the same form, so the chain rule of part 1 gives four equations, "
            "applied from the output layer back to the first hidden layer:"
        ),
        _formulas(),
        _para(
            "⊙ is the elementwise (Hadamard) product. The element form of the hidden-layer "
            "error explains the transpose: the sum runs over the neurons k of layer l + 1 with "
            "the weights w_kj^(l+1) that leave neuron j, which are column j of W^(l+1), that is "
            "row j of (W^(l+1))^T: the error flows back along the connections the signal came "
            "forward on. The weight gradient δ^(l) (a^(l−1))^T is an outer product, an "
            "N^(l) × N^(l−1) matrix of the shape of W^(l) whose entry (j, k) is "
            "δ_j^(l) a_k^(l−1)."
        ),
        *_worked(t.worked),
        tag("h3", "The formulas, checked against automatic differentiation"),
        _para(
            f"One batch of {t.check_batch} images through a [{sizes}] network: the gradients "
            "from the four equations (chainrule.classic, written out by hand) and from the "
            f"autodiff engine's backward() on the same weights, in float64. Largest "
            f"difference: {_g(worst, 2)}."
        ),
        table(
            [
                notation(h)
                for h in (
                    "layer l",
                    "W^(l)",
                    "‖∂J/∂W^(l)‖",
                    "‖∂J/∂b^(l)‖",
                    "max |difference| W",
                    "max |difference| b",
                )
            ],
            check_rows,
            numeric=[2, 3, 4, 5],
        ),
        tag("h3", "Training with the classic backpropagation"),
        _para(
            f"[{sizes}] with the logistic σ and the quadratic cost, N(0, 1) initial weights "
            f"(the lecture's), mini-batches of {t.batch_size}, α = {t.lr:g}, {t.epochs} epochs. "
            f"Test accuracy after training: {_acc(t.final.get('test_accuracy'))}."
        ),
        _img(files, "learning_curve"),
        table(
            ["epoch", "J (training)", "accuracy (training)", "J (test)", "accuracy (test)"],
            _history_rows(t.history),
            numeric=[0, 1, 2, 3, 4],
        ),
    ]


def _vec(values: Any) -> str:
    """A row of numbers to 4 significant digits, as the worked example writes them."""
    return "(" + ", ".join(_g(v, 4) for v in values) + ")"


def _heads(*heads: str) -> list[Markup]:
    return [notation(h) for h in heads]


def _worked(w: WorkedExample) -> list[Markup]:
    """Part 2 by hand: the lecture's 3-3-1 network on one sample, every number of one step."""
    n_layers = len(w.weights)
    forward = [["0", str(j + 1), "–", "–", "–", _g(v, 4), "–"] for j, v in enumerate(w.x)]
    for l in range(1, n_layers + 1):
        forward += [
            [
                str(l),
                str(j + 1),
                _vec(w.weights[l - 1][j]),
                _g(w.biases[l - 1][j], 4),
                _g(w.z[l - 1][j], 4),
                _g(w.a[l][j], 4),
                _g(w.sigma_prime[l - 1][j], 4),
            ]
            for j in range(len(w.z[l - 1]))
        ]
    backward = [
        [
            str(l),
            str(j + 1),
            _g(w.grad_a[l - 1][j], 4),
            _g(w.sigma_prime[l - 1][j], 4),
            _g(w.deltas[l - 1][j], 4),
            _vec(w.grad_weights[l - 1][j]),
        ]
        for l in range(n_layers, 0, -1)
        for j in range(len(w.deltas[l - 1]))
    ]
    update = [
        [str(l), str(j + 1), _vec(w.new_weights[l - 1][j]), _g(w.new_biases[l - 1][j], 4)]
        for l in range(1, n_layers + 1)
        for j in range(len(w.new_biases[l - 1]))
    ]
    sizes = "-".join(map(str, w.sizes))
    worst = max(w.max_diff_gradients, w.max_diff_update)
    return [
        tag("h3", f"A worked example: the lecture's {sizes} network, one sample", id="worked"),
        _para(
            "The lecture's small network, ",
            Markup("h<sub>w,b</sub>(x) = a<sub>1</sub><sup>(3)</sup>"),
            f": {w.sizes[0]} inputs, {w.sizes[1]} logistic hidden neurons, one logistic "
            "output, and the quadratic cost J = 1/(2m) Σ_i ‖y^(i) − a^(L)‖² on one sample, "
            f"m = 1: J = ½‖y − a^(2)‖² with L = {n_layers}, so ∇_a J = a^(2) − y. The "
            "weights, biases and input are drawn from the lab's seed and rounded to one "
            "decimal, so that every product can be redone by hand; the target is "
            f"y = {_g(w.y[0], 4)} and α = {w.lr:g}, the training run's below. The numbers are "
            "shown to 4 significant digits; lab.json keeps them in full.",
        ),
        _para(
            "Two conventions. chainrule numbers the layers 0..L with a^(0) = x, while the "
            "lecture's first slide numbers the input layer 1: its a^(2) is our a^(1) and its "
            "a_1^(3) our a_1^(2) (the weights W^(1), W^(2) keep their numbers). With a batch of "
            "m examples each row of chainrule's δ^(l) carries the 1/m of J's mean, so a "
            "per-sample δ is m times its row of the batch δ (here m = 1 and the two agree).",
            cls="note",
        ),
        table(
            _heads(
                "l",
                "j",
                "w_jk^(l), k = 1, 2, 3",
                "b_j^(l)",
                "z_j^(l)",
                "a_j^(l)",
                "σ′(z_j^(l)) = a_j^(l) (1 − a_j^(l))",
            ),
            forward,
            numeric=[3, 4, 5, 6],
            caption=notation(
                "Forward: the parameters, z^(l) = W^(l) a^(l−1) + b^(l) and a^(l) = σ(z^(l)); "
                "layer 0 is the input, a^(0) = x"
            ),
        ),
        table(
            _heads(
                "l",
                "j",
                "∂J/∂a_j^(l)",
                "σ′(z_j^(l))",
                "δ_j^(l) = ∂J/∂b_j^(l)",
                "∂J/∂w_jk^(l) = δ_j^(l) a_k^(l−1), k = 1, 2, 3",
            ),
            backward,
            numeric=[2, 3, 4],
            caption=notation(
                "Backward, from the output: δ^(2) = (a^(2) − y) ⊙ σ′(z^(2)), then "
                "δ^(1) = ((W^(2))^T δ^(2)) ⊙ σ′(z^(1)); ∂J/∂a^(2) = a^(2) − y and "
                "∂J/∂a^(1) = (W^(2))^T δ^(2); the last column is row j of "
                "∂J/∂W^(l) = δ^(l) (a^(l−1))^T"
            ),
        ),
        table(
            _heads("l", "j", "w_jk^(l) − α ∂J/∂w_jk^(l), k = 1, 2, 3", "b_j^(l) − α ∂J/∂b_j^(l)"),
            update,
            numeric=[3],
            caption=notation(f"One update, W ← W − α ∂J/∂W and b ← b − α ∂J/∂b, α = {w.lr:g}"),
        ),
        _para(
            f"The cost on this sample falls from J = {_g(w.cost, 4)} to {_g(w.cost_after, 4)} "
            "with this one step. The autodiff engine, given the same weights and sample, "
            "agrees: its backward() gives the same ∂J/∂W^(l) and ∂J/∂b^(l) (which is δ^(l) "
            f"here), and its gradient-descent step the same new weights and biases; largest "
            f"difference {_g(worst, 2)}."
        ),
    ]


def _part3_vanishing(result: LabResult, files: dict[str, FigureFile]) -> list[Markup]:
    """Part 3: why the gradient is unstable, the deep logistic network, the remedies."""
    van = result.vanishing
    vr = van.result
    layer_heads = [f"layer {j}" for j in range(1, vr.speeds.shape[1] + 1)]
    return [
        tag("h2", "3. Vanishing and exploding gradients (梯度消失与梯度爆炸)", id="part3"),
        tag("h3", "Why the gradient is unstable", id="why"),
        _para(
            "The error of a hidden layer is the error of the layer above it, multiplied by "
            "weights and by σ′: δ^(l) = ((W^(l+1))^T δ^(l+1)) ⊙ σ′(z^(l)). Unrolled from the "
            "output, the first hidden layer's error is a product with one factor W^T and one "
            "σ′ per layer above it:"
        ),
        tag(
            "div",
            Markup(
                f"{_sup('δ', '(1)')} = ({_sup('W', '(2)')})<sup>T</sup> "
                f"(({_sup('W', '(3)')})<sup>T</sup> ( … ) ⊙ σ′({_sup('z', '(2)')})) "
                f"⊙ σ′({_sup('z', '(1)')})"
            ),
            cls="formula",
        ),
        _para(
            "When the factors are below one the product goes to 0 (0.1⁵ = 0.00001): the early "
            "layers barely learn, a vanishing gradient. When they are above one it grows "
            "without bound (9⁵ = 59049): an exploding gradient. The logistic σ′ is at most "
            "0.25, so every logistic layer shrinks the error at least fourfold unless the "
            "weights make up for it."
        ),
        _img(files, "activations"),
        tag("h3", "The experiment: a deep logistic network", id="experiment"),
        _para(
            f"[{', '.join(map(str, vr.sizes))}]: four hidden layers of 30 logistic neurons, "
            f"N(0, 1/n_in) weights, quadratic cost, α = {vr.lr:g}, batches of {vr.batch_size}, "
            f"{vr.epochs} epochs. The learning speed of hidden layer l is ‖∂J/∂b^(l)‖ = "
            "‖δ^(l)‖ summed over the training set, measured before training and after every "
            "epoch. The shape and the weights are those of the published four-hidden-layer "
            "experiment (Nielsen, Neural Networks and Deep Learning, ch. 5), which ran on "
            "MNIST's 28×28 images; here the inputs are the 8×8 digits."
        ),
        _img(files, "vanishing"),
        table(
            ["epoch", *layer_heads, "first/last", "J"],
            _speed_rows(vr),
            numeric=list(range(len(layer_heads) + 3)),
            caption=notation(
                "Learning speed ‖∂J/∂b^(l)‖ per hidden layer, first hidden layer first"
            ),
        ),
        _para(
            f"Before training the first hidden layer learns {_g(1 / vr.initial_ratio)} times "
            f"slower than the last one; after {vr.epochs} epochs the test accuracy is "
            f"{_acc(vr.test_accuracy)} (chance: 0.1). The diagnosis, from these records (its "
            "ratios are medians over all the epochs):"
        ),
        _findings(van.diagnosis),
        tag("h3", "The remedies side by side", id="remedies"),
        _para(
            "The lecture's remedies: a suitable initialization, a suitable learning rate, a "
            "better activation function, gradient clipping, batch normalization. Each run "
            "below is the same network on the same data with the same seed (the same batch "
            "order; the same initial weights where the initialization is the same), changing "
            "one thing against the first row. Batch normalization runs on the autodiff engine, "
            "the rest on the classic one."
        ),
        tag(
            "div",
            table(
                [
                    "setting",
                    "speed, layer 1",
                    f"speed, layer {vr.speeds.shape[1]}",
                    "ratio before",
                    "ratio after",
                    "final J",
                    "test accuracy",
                    "diagnosis",
                ],
                _remedy_rows(result.remedies),
                numeric=[1, 2, 3, 4, 5, 6],
                caption=notation(
                    "Speeds ‖∂J/∂b^(l)‖ before training; ratio = speed of the first hidden "
                    "layer / speed of the last one, before and after training"
                ),
            ),
            cls="scroll",
        ),
        tag(
            "ul",
            *(
                tag(
                    "li",
                    Markup(f"<b>{notation(run.remedy.title)}</b>: {notation(run.remedy.note)}"),
                )
                for run in result.remedies
            ),
        ),
        _img(files, "remedies_speeds"),
        _img(files, "comparison"),
        _para(
            "With batch normalization the speed is measured on the normalization's shift β, "
            "whose gradient the normalization itself shrinks in the layers below; its "
            "diagnosis compares the relative weight gradients ‖∂J/∂W^(l)‖/‖W^(l)‖ instead.",
            cls="note",
        ),
    ]


def _part3_exploding(result: LabResult, files: dict[str, FigureFile]) -> list[Markup]:
    """Part 3, continued: the exploding case without and with clipping."""
    ex = result.exploding
    layer_heads = [f"layer {j}" for j in range(1, ex.unclipped.speeds.shape[1] + 1)]
    un, cl = ex.unclipped, ex.clipped
    diverged = (
        f"Without clipping the gradients grow step after step and overflow to NaN/Inf at "
        f"training step {ex.diverged_at}; the run stops there."
        if ex.diverged_at is not None
        else "Without clipping the run stayed finite this time."
    )
    return [
        tag("h3", "Exploding gradients and gradient clipping", id="exploding"),
        _para(
            f"The opposite case: ReLU layers whose weights are drawn at {EXPLODE_SCALE:g} "
            "times He's scale, N(0, (3·√(2/n_in))²). Each layer now multiplies the error by "
            "about 3 on its way back, so the speeds grow toward the input. Cross-entropy cost "
            f"with a softmax output, α = {ex.lr:g}, batches of {un.batch_size}; the gradients "
            "are recorded at every training step. " + diverged + " Clipping rescales the "
            f"whole gradient to norm at most {ex.clip:g} before each step: the run stays "
            f"finite and learns, to a test accuracy of {_acc(cl.test_accuracy)} after "
            f"{cl.epochs} epoch{'s' if cl.epochs != 1 else ''}. Clipping bounds the step; the "
            "cause, the large weights, is still there, and the diagnosis still says so."
        ),
        _img(files, "exploding"),
        table(
            ["run", *layer_heads, "first/last", "NaN/Inf", "final J", "test accuracy"],
            [
                [
                    "no clipping",
                    *(_g(v) for v in un.speeds[0]),
                    _g(un.initial_ratio),
                    f"step {ex.diverged_at}" if ex.diverged_at is not None else "none",
                    _g(un.final_loss, 3),
                    _acc(un.test_accuracy),
                ],
                [
                    f"clipped to {ex.clip:g}",
                    *(_g(v) for v in cl.speeds[0]),
                    _g(cl.initial_ratio),
                    "none" if not cl.diverged else "yes",
                    _g(cl.final_loss, 3),
                    _acc(cl.test_accuracy),
                ],
            ],
            numeric=list(range(1, len(layer_heads) + 5)),
            caption=notation("Speeds ‖∂J/∂b^(l)‖ at the first step, first hidden layer first"),
        ),
        _para("The diagnosis of the run without clipping:"),
        _findings(ex.diagnosis),
    ]


def _largest(values: Any) -> float:
    """The largest of a layer's gradient norms; NaN as soon as one of them is NaN."""
    numbers = [float(v) for v in values]
    return math.nan if any(math.isnan(v) for v in numbers) else max(numbers)


def _large_lr_rows(case: LargeLearningRate) -> list[list[str]]:
    """Both runs step by step, up to the large α's first NaN/Inf (or its first 6 steps)."""
    last = case.diverged_at if case.diverged_at is not None else 5
    rows = []
    for r in (case.large, case.normal):
        rows += [
            [
                f"α = {r.lr:g}",
                str(int(step)),
                *(_g(v) for v in r.speeds[k]),
                _g(_largest(r.grad_norms[k])),
                _g(r.train_loss[k], 4),
            ]
            for k, step in enumerate(r.x)
            if step <= last
        ]
    return rows


def _part3_large_lr(case: LargeLearningRate) -> list[Markup]:
    """Part 3, continued: the lecture's note that too large a learning rate explodes too."""
    big, normal = case.large, case.normal
    layer_heads = [f"layer {j}" for j in range(1, big.speeds.shape[1] + 1)]
    overflow = (
        f"at training step {case.diverged_at} the gradients overflow to NaN/Inf and the run stops."
        if case.diverged_at is not None
        else "this time the run stayed finite."
    )
    kinds = ", ".join(k.replace("_", " ") for k in case.diagnosis.kinds)
    return [
        tag("h3", "A learning rate too large", id="large-lr"),
        _para(
            "The lecture adds: “学习率过大也会导致梯度爆炸”, too large a learning rate makes the "
            "gradients explode as well. The same deep network with ReLU and He's weights, "
            "which keep the error's size from layer to layer (as in the ReLU+He remedy above), "
            f"learns at α = {normal.lr:g}. At α = {big.lr:g} (found by a search over α on "
            "these data) the first step is far too long: it makes the weights large, so the "
            "next gradients are larger, since every layer multiplies the error by its weights "
            "on the way back, and the next step longer still; " + overflow + " Both runs "
            "start from the same weights and see the same batches, so only α differs and step "
            f"0 is the same for both. Cross-entropy cost, batches of {big.batch_size}; the "
            "gradients are recorded at every training step."
        ),
        table(
            _heads("run", "step", *layer_heads, "largest ‖∂J/∂W^(l)‖", "J (batch)"),
            _large_lr_rows(case),
            numeric=list(range(1, len(layer_heads) + 4)),
            caption=notation(
                "Speeds ‖∂J/∂b^(l)‖ on each training batch, first hidden layer first, "
                "up to the first NaN/Inf of the large α"
            ),
        ),
        _para(
            f"At α = {normal.lr:g} the run stays finite: final J {_g(normal.final_loss, 3)}, "
            f"test accuracy {_acc(normal.test_accuracy)} after {normal.epochs} "
            f"epoch{'s' if normal.epochs != 1 else ''}. The diagnosis of the α = {big.lr:g} "
            f"run: {kinds}. The remedy is the lecture's second, a suitable learning rate; "
            "clipping would also bound each step. The other half of the lecture's note, too "
            "small an α lets the gradient vanish, is the larger-learning-rate row of the "
            "remedies table."
        ),
    ]


def _files_part(result: LabResult, files: dict[str, FigureFile]) -> list[Markup]:
    """The files written beside the report and the command that reproduces them."""
    s = result.settings
    file_rows = [[f.name, f.title] for f in files.values()]
    file_rows.append([NUMBERS_NAME, "every number of this report, as JSON"])
    cmd = f"chainrule lab --out DIR --seed {s.seed}" + (" --quick" if s.quick else "")
    return [
        tag("h2", "Files and how to reproduce", id="files"),
        _para(
            "The figures are also saved as PNG files beside this report. The same command with "
            "the same seed gives the same numbers:"
        ),
        tag("pre", tag("code", cmd)),
        table(["file", "what"], file_rows),
    ]


def _footer() -> Markup:
    return tag(
        "footer",
        notation(
            f"chainrule {__version__}. The lecture's notation throughout: l, L, N^(l), "
            "w_jk^(l), b_j^(l), z^(l), a^(l), σ, δ^(l) = ∂J/∂z^(l), J, α."
        ),
    )


# ------------------------------------------------------------------------------ text and files


def render_summary(result: LabResult, paths: dict[str, Path] | None = None) -> str:
    """The few lines ``chainrule lab`` prints: what ran, the key numbers, where the report is."""
    s = result.settings
    comp = result.composite
    t = result.training
    vr = result.vanishing.result
    ex = result.exploding
    grads = ", ".join(f"dy/d{k} = {format_number(v)}" for k, v in comp.gradients.items())
    worst = max(max(row.max_diff_w, row.max_diff_b) for row in t.check)
    speeds = ", ".join(_g(v) for v in vr.speeds[0])
    remedies = ", ".join(
        f"{run.remedy.short} {_acc(run.result.test_accuracy)}" for run in result.remedies[1:]
    )
    explode_speeds = ", ".join(_g(v, 2) for v in ex.unclipped.speeds[0])
    unclipped = (
        f"NaN/Inf at step {ex.diverged_at}" if ex.diverged_at is not None else "stayed finite"
    )
    clipped = "finite" if not ex.clipped.diverged else "diverged"
    big = result.large_lr
    big_run = (
        f"NaN/Inf at step {big.diverged_at}" if big.diverged_at is not None else "stayed finite"
    )
    worked = t.worked
    worked_diff = max(worked.max_diff_gradients, worked.max_diff_update)
    kinds = ", ".join(result.vanishing.diagnosis.kinds)
    lines = [
        f"chainrule lab ({'quick' if s.quick else 'full'} run, seed {s.seed}): the lecture's "
        f"three parts on {result.dataset} ({result.n_train} training / {result.n_test} test "
        "images)",
        f"1. composite function: {COMPOSITE} at x1 = 1, x2 = 2: y = {format_number(comp.value)}, "
        f"{grads} (multiplications: reverse {comp.counts.reverse_mult}, per path "
        f"{comp.counts.path_mult}, forward mode {comp.counts.forward_mult})",
        f"2. backpropagation: [{', '.join(map(str, t.sizes))}] {t.activation}, {t.cost} cost, "
        f"lr {t.lr:g}, batch {t.batch_size}, {t.epochs} epochs: test accuracy "
        f"{_acc(t.final.get('test_accuracy'))}; the four formulas match autodiff to "
        f"{_g(worst, 2)}",
        f"   worked example: the lecture's {'-'.join(map(str, worked.sizes))} network on one "
        f"sample: J {_g(worked.cost, 4)} -> {_g(worked.cost_after, 4)} after one step of "
        f"lr {worked.lr:g}; δ, gradients and update match autodiff to {_g(worked_diff, 2)}",
        f"3. vanishing: [{', '.join(map(str, vr.sizes))}] {vr.activation}, N(0, 1/n_in), "
        f"lr {vr.lr:g}: speeds before training {speeds} (first/last {_g(vr.initial_ratio)}): "
        f"{kinds}; test accuracy {_acc(vr.test_accuracy)} after {vr.epochs} epochs",
        f"   remedies, test accuracy: {remedies}",
        f"   exploding: relu, weights {EXPLODE_SCALE:g}x He's scale: speeds {explode_speeds} "
        f"(growing toward the input); unclipped: {unclipped}; clipped to norm {ex.clip:g}: "
        f"{clipped}, test accuracy {_acc(ex.clipped.test_accuracy)}",
        f"   too large a learning rate: relu, He's weights: lr {big.large.lr:g}: {big_run}; "
        f"lr {big.normal.lr:g}: {'finite' if not big.normal.diverged else 'diverged'}, test "
        f"accuracy {_acc(big.normal.test_accuracy)}",
    ]
    if paths:
        report = paths["report"]
        n_png = sum(1 for k in paths if k not in ("report", "numbers"))
        lines.append(
            f"report: {report} ({n_png} figures also as PNG in {report.parent}, numbers in "
            f"{paths['numbers'].name})"
        )
    return "\n".join(lines)


def prepare_out(out: str | os.PathLike[str]) -> Path:
    """The output folder, created if needed; a ConfigError if it cannot be one."""
    where = f"out={str(out)!r} (--out)"
    if not str(out):
        raise ConfigError(f"{where}: name a folder, e.g. out")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{where}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        try_writing_in(path)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot write there ({exc.strerror or exc})") from None
    return path


def write_lab(result: LabResult, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``report.html``, every figure as PNG and ``lab.json`` into ``out``, atomically.

    Returns the paths by key (the figure keys of :func:`lab_figures`, ``"report"`` and
    ``"numbers"``).
    """
    folder = prepare_out(out)
    files = lab_figures(result)
    paths: dict[str, Path] = {}
    for key, f in files.items():
        paths[key] = atomic_write_bytes(folder / f.name, f.png)
    numbers = json.dumps(result.to_dict(), indent=1, allow_nan=False)
    paths["numbers"] = atomic_write_text(folder / NUMBERS_NAME, numbers + "\n")
    paths["report"] = atomic_write_text(folder / REPORT_NAME, render_lab_html(result, files))
    return paths
