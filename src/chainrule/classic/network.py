"""The lecture's fully connected network, trained by backpropagation written out by hand.

No autodiff: the forward pass keeps every z^l and a^l, and the backward pass applies the four
formulas of the lecture, one layer at a time, from the output back to the first hidden layer::

    δ^L = ∇_a J ⊙ σ'(z^L)                       output-layer error
    δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l)       hidden-layer error, l = L-1 .. 1
    ∂J/∂W^l = δ^l (a^(l-1))^T                    weight gradient
    ∂J/∂b^l = δ^l                                bias gradient

and the update W ← W - α ∂J/∂W, b ← b - α ∂J/∂b.

Layers and indices. ``sizes = [N^0, N^1, ..., N^L]``; layer 0 is the input, layers 1..L have
weights. Python lists start at 0, the lecture's superscripts at 1, so::

    weights[l-1] = W^l   shape (N^l, N^(l-1)); weights[l-1][j, k] = w_jk^l links neuron j of
                         layer l with neuron k of layer l-1 (the layout of torch's Linear.weight)
    biases[l-1]  = b^l   shape (N^l,)
    ForwardPass.z[l-1] = z^l,  ForwardPass.a[l] = a^l  (a[0] = a^0 = x)
    Gradients.deltas[l-1] = δ^l,  .grad_weights[l-1] = ∂J/∂W^l,  .grad_biases[l-1] = ∂J/∂b^l

Rows are samples. The lecture writes one sample as a column, z = W a + b. A batch of m samples
here is a matrix with one sample per row, so the same equations are transposed:
z^l = a^(l-1) @ W^l.T + b^l (shape (m, N^l)), δ^l = (δ^(l+1) @ W^(l+1)) ⊙ σ'(z^l), and
∂J/∂W^l = δ^l.T @ a^(l-1), which is the lecture's δ^l (a^(l-1))^T summed over the m samples.

>>> import numpy as np
>>> net = Network([2, 3, 1], seed=0)
>>> x = np.array([[0.0, 1.0], [1.0, 0.0]]); y = np.array([[1.0], [0.0]])
>>> g = net.backward(x, y)
>>> [w.shape for w in g.grad_weights], [d.shape for d in g.deltas]
([(3, 2), (1, 3)], [(2, 3), (2, 1)])
>>> j = net.train_step(x, y, lr=0.5)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from chainrule.classic.activations import Activation, get_activation
from chainrule.classic.costs import CrossEntropyCost, make_cost
from chainrule.classic.initializers import Initializer, get_initializer
from chainrule.errors import (
    ConfigError,
    DataError,
    ModelFileError,
    NonFiniteError,
    ShapeError,
)
from chainrule.seeding import as_generator

Array = np.ndarray

#: Rows per chunk when output/cost/accuracy run over a large data set.
EVAL_CHUNK = 4096

STATE_FORMAT = "chainrule.classic.Network/1"

#: ``fit``'s learning rate by cost for ``lr="auto"``: Nielsen's η for each (chapters 1 and 3).
DEFAULT_LR = {"quadratic": 3.0, "cross-entropy": 0.5}


@dataclass(slots=True)
class ForwardPass:
    """Every weighted input z^l and activation a^l of one forward pass over a batch.

    ``z[l-1]`` is z^l and ``a[l]`` is a^l for l = 1..L, each of shape (m, N^l); ``a[0]`` is
    the input x itself. With the softmax output of the cross-entropy cost, ``log_output`` keeps
    log a^L (the log-softmax, exact even where a^L underflows), a saved value of the cost.

    >>> import numpy as np
    >>> fp = Network([2, 3, 1], seed=0).forward(np.zeros((4, 2)))
    >>> len(fp.z), len(fp.a), fp.output.shape
    (2, 3, (4, 1))
    """

    z: list[Array]
    a: list[Array]
    log_output: Array | None = None

    @property
    def output(self) -> Array:
        """a^L, the network's output."""
        return self.a[-1]

    def __repr__(self) -> str:  # shapes, not the arrays: a notebook shows this
        return f"ForwardPass(a: {' -> '.join(str(a.shape) for a in self.a)})"


@dataclass
class Gradients:
    """What one backward pass computes: J, every δ^l and the gradients of W^l and b^l.

    Lists run from the first hidden layer to the output layer (index l-1 for layer l).
    ``deltas[l-1]`` has shape (m, N^l), one row per sample; ``grad_biases[l-1]`` is its sum
    over the rows, because the 1/m of J already sits inside δ^L.

    >>> import numpy as np
    >>> g = Network([2, 3, 1], seed=0).backward(np.zeros((4, 2)), np.ones((4, 1)))
    >>> bool(np.allclose(g.grad_biases[0], g.deltas[0].sum(axis=0)))
    True
    """

    cost: float
    deltas: list[Array]
    grad_weights: list[Array]
    grad_biases: list[Array]
    forward: ForwardPass

    def __repr__(self) -> str:  # shapes, not the arrays: a notebook shows this
        shapes = ", ".join(str(d.shape) for d in self.deltas)
        return f"Gradients(cost={self.cost:.6g}, δ^1..δ^L of shapes {shapes})"


@dataclass(frozen=True)
class EpochStats:
    """The numbers ``fit`` measures after each epoch (epochs count from 1).

    ``train_loss`` and ``train_accuracy`` are measured on the whole training set with the
    weights at the end of the epoch; the test fields are None without a test set.
    """

    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float | None
    test_accuracy: float | None
    seconds: float


@dataclass
class History:
    """Per-epoch curves from ``fit``: ``history.train_loss[e]`` is the value after epoch e+1.

    >>> import numpy as np
    >>> x = np.eye(4); y = np.arange(4)
    >>> h = Network([4, 4], cost="cross-entropy", init="xavier").fit(
    ...     x, y, epochs=3, batch_size=2, lr=1.0, seed=0)
    >>> len(h), h.train_loss[-1] < h.train_loss[0]
    (3, True)
    """

    stats: list[EpochStats] = field(default_factory=list)

    @property
    def train_loss(self) -> list[float]:
        return [s.train_loss for s in self.stats]

    @property
    def train_accuracy(self) -> list[float]:
        return [s.train_accuracy for s in self.stats]

    @property
    def test_loss(self) -> list[float | None]:
        return [s.test_loss for s in self.stats]

    @property
    def test_accuracy(self) -> list[float | None]:
        return [s.test_accuracy for s in self.stats]

    def __len__(self) -> int:
        return len(self.stats)


class _Workspace:
    """Preallocated arrays for training steps on batches of ``m`` samples (the hot path)."""

    __slots__ = ("a", "delta", "grad_b", "grad_w", "log_a", "scratch", "z")

    def __init__(self, net: Network, m: int) -> None:
        dt = net.dtype
        widths = net.sizes[1:]
        self.z = [np.empty((m, n), dt) for n in widths]
        self.a = [np.empty((m, n), dt) for n in widths]
        self.delta = [np.empty((m, n), dt) for n in widths]
        # Scratch for σ'(z^l): a boolean mask where σ' is one (ReLU), else floats.
        kinds = [net.activation] * (len(widths) - 1) + [net.output_activation]
        self.scratch = [
            np.empty((m, n), bool if act.prime_is_mask else dt)
            for n, act in zip(widths, kinds, strict=True)
        ]
        self.grad_w = [np.empty(w.shape, dt) for w in net.weights]
        self.grad_b = [np.empty(b.shape, dt) for b in net.biases]
        self.log_a = np.empty((m, widths[-1]), dt)  # log a^L, for the softmax output


class Network:
    """A fully connected network trained with the lecture's matrix-form backpropagation.

    Args:
        sizes: neurons per layer, input first, e.g. ``[784, 30, 10]``.
        activation: hidden-layer σ: ``"sigmoid"`` (logistic), ``"tanh"``, ``"relu"`` (or
            ``"identity"``).
        cost: ``"quadratic"`` (the lecture's) or ``"cross-entropy"`` (softmax output).
        init: ``"normal"``, ``"normal-scaled"``, ``"xavier"``, ``"he"`` or a callable
            ``(shape, rng) -> array``; see :mod:`chainrule.classic.initializers`.
        output_activation: σ of layer L for the quadratic cost (default: ``activation``, as
            in the lecture); must stay None (softmax) for cross-entropy.
        seed: seeds a fresh ``numpy.random.Generator`` when ``rng`` is not given.
        rng: the Generator for the initial weights and, by default, ``fit``'s shuffling.
        dtype: float dtype of every array (float32 for speed, float64 for gradient checks).

    >>> net = Network([784, 30, 10])
    >>> net
    Network(sizes=[784, 30, 10], activation='sigmoid', cost='quadratic', output_activation='sigmoid', init='normal', dtype=float32)
    >>> net.weights[0].shape, net.biases[0].shape
    ((30, 784), (30,))
    """  # noqa: E501

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        cost: str = "quadratic",
        init: str | Initializer = "normal",
        *,
        output_activation: str | None = None,
        seed: int | None = 0,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> None:
        self.sizes: tuple[int, ...] = _check_sizes(sizes)
        self.activation: Activation = get_activation(activation)
        if output_activation is None and not _is_cross_entropy(cost):
            output_activation = self.activation.name
        self.cost_function = make_cost(cost, output_activation)
        if isinstance(self.cost_function, CrossEntropyCost) and self.sizes[-1] < 2:
            raise ConfigError(
                "cost 'cross-entropy' needs at least 2 output neurons (a softmax over one "
                "neuron is always 1)"
            )
        self.dtype: np.dtype = _check_dtype(dtype)
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self.rng: np.random.Generator = rng if rng is not None else as_generator(seed, "seed")
        self.init_name, init_fn = get_initializer(init)
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        for l, (n_in, n_out) in enumerate(pairwise(self.sizes), start=1):
            w = np.asarray(init_fn((n_out, n_in), self.rng))
            if w.shape != (n_out, n_in):
                raise ShapeError(
                    f"init {self.init_name!r} gave W^{l} the shape {w.shape}, "
                    f"expected {(n_out, n_in)}"
                )
            # Nielsen's N(0, 1) biases for "normal"; zeros for every other scheme.
            b = self.rng.standard_normal(n_out) if self.init_name == "normal" else np.zeros(n_out)
            self.weights.append(np.ascontiguousarray(w, dtype=self.dtype))
            self.biases.append(np.ascontiguousarray(b, dtype=self.dtype))
        self._workspaces: dict[int, _Workspace] = {}

    # ----------------------------------------------------------------- description

    @property
    def num_layers(self) -> int:
        """L, the number of layers with weights (hidden layers plus the output layer)."""
        return len(self.sizes) - 1

    @property
    def output_activation(self) -> Activation:
        """σ of the output layer (``costs.SOFTMAX`` for the cross-entropy cost)."""
        return self.cost_function.output_activation

    def __repr__(self) -> str:
        return (
            f"Network(sizes={list(self.sizes)}, activation={self.activation.name!r}, "
            f"cost={self.cost_function.name!r}, "
            f"output_activation={self.output_activation.name!r}, "
            f"init={self.init_name!r}, dtype={self.dtype})"
        )

    # ----------------------------------------------------------------- the passes

    def forward(self, x: Any) -> ForwardPass:
        """Run x (shape (m, N^0)) through the network, keeping every z^l and a^l.

        >>> import numpy as np
        >>> fp = Network([3, 2], seed=0).forward(np.ones((5, 3)))
        >>> fp.z[0].shape, fp.a[1].shape
        ((5, 2), (5, 2))
        """
        x = self._inputs(x)
        return self._forward_arrays(x, None)

    def backward(self, x: Any, y: Any) -> Gradients:
        """Forward x, then backpropagate the cost against targets y; weights are not changed.

        ``y`` is either int class labels of shape (m,) or targets of shape (m, N^L).

        >>> import numpy as np
        >>> net = Network([3, 4, 2], cost="cross-entropy", init="xavier")
        >>> g = net.backward(np.ones((5, 3)), np.array([0, 1, 1, 0, 1]))
        >>> g.grad_weights[1].shape == net.weights[1].shape
        True
        """
        x = self._inputs(x)
        t = self._targets(y, len(x))
        fp = self._forward_arrays(x, None)
        cost, deltas, gw, gb = self._backward_arrays(fp, t, None)
        return Gradients(cost, deltas, gw, gb, fp)

    def step(self, grads: Gradients, lr: float) -> None:
        """Gradient descent: W^l ← W^l - α ∂J/∂W^l and b^l ← b^l - α ∂J/∂b^l, in place.

        >>> import numpy as np
        >>> net = Network([2, 1], seed=0); x = np.ones((1, 2)); y = np.zeros((1, 1))
        >>> before = net.cost(x, y); net.step(net.backward(x, y), lr=0.5)
        >>> net.cost(x, y) < before
        True
        """
        lr = _check_lr(lr)
        if len(grads.grad_weights) != self.num_layers or len(grads.grad_biases) != self.num_layers:
            raise ShapeError(
                f"gradients for {len(grads.grad_weights)} layers, but the network has "
                f"{self.num_layers}"
            )
        for l, (w, b, gw, gb) in enumerate(
            zip(self.weights, self.biases, grads.grad_weights, grads.grad_biases, strict=True),
            start=1,
        ):
            if gw.shape != w.shape or gb.shape != b.shape:
                raise ShapeError(
                    f"gradients of layer {l} have shapes {gw.shape}, {gb.shape} but W^{l}, "
                    f"b^{l} have {w.shape}, {b.shape}"
                )
            w -= lr * gw.astype(w.dtype, copy=False)
            b -= lr * gb.astype(b.dtype, copy=False)

    def train_step(self, x: Any, y: Any, lr: float) -> float:
        """One step of gradient descent on the batch (x, y); returns J before the update.

        The update of ``step(backward(x, y), lr)`` (equal up to float rounding), computed into
        preallocated arrays, with α folded into δ^L and no result objects: the hot path of
        training. It checks shapes and labels; NaN in x or y is found (and nothing is updated)
        when J comes out non-finite. Soft targets for cross-entropy are trusted to sum to 1
        here (``fit`` and ``backward`` check them).

        >>> import numpy as np
        >>> net = Network([2, 2], cost="cross-entropy", init="he")
        >>> x = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([0, 1])
        >>> first = net.train_step(x, y, lr=1.0)
        >>> net.train_step(x, y, lr=1.0) < first
        True
        """
        lr = _check_lr(lr)
        x = self._inputs(x, check_finite=False)
        t = self._targets(y, len(x), check_values=False)
        return self._train_batch(x, t, lr)

    # ----------------------------------------------------------------- training loop

    def fit(
        self,
        x: Any,
        y: Any,
        *,
        epochs: int = 30,
        batch_size: int = 10,
        lr: float | str = "auto",
        seed: int | np.random.Generator | None = None,
        x_test: Any = None,
        y_test: Any = None,
        callback: Callable[[int, Network, EpochStats], Any] | None = None,
    ) -> History:
        """Mini-batch stochastic gradient descent for ``epochs`` passes over (x, y).

        The defaults are the lecture's (Nielsen's) settings: 30 epochs of batches of 10, at
        rate ``lr="auto"``: 3.0 for the quadratic cost, 0.5 for cross-entropy, whose
        gradient lacks the σ' factor that keeps the quadratic cost's steps small
        (``DEFAULT_LR``).

        Each epoch shuffles the samples with a Generator seeded by ``seed`` (the network's own
        ``rng`` when None), takes ``train_step``s on batches of ``batch_size`` (the last one may
        be smaller), then measures cost and accuracy on the training set and on (x_test,
        y_test) when given. ``callback(epoch, network, stats)`` runs after every epoch, e.g. a
        gradient monitor; if it returns False, training stops. Nothing is printed.

        A diverging run stops with :class:`~chainrule.errors.NonFiniteError` naming the epoch
        and the batch whose cost became NaN or Inf (that batch's update is not applied), or
        the epoch whose last update made the training cost non-finite.

        >>> import numpy as np
        >>> x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1, 1])
        >>> net = Network([2, 2], cost="cross-entropy", init="xavier")
        >>> h = net.fit(x, y, epochs=200, batch_size=4, lr=2.0, seed=0)
        >>> h.train_accuracy[-1]
        1.0
        """  # noqa: E501
        lr = _check_lr(DEFAULT_LR[self.cost_function.name] if lr == "auto" else lr)
        epochs = _check_count(epochs, "epochs", minimum=0)
        batch_size = _check_count(batch_size, "batch_size", minimum=1)
        x = self._inputs(x)
        t = self._targets(y, len(x))
        labels = self._labels(y, len(x))
        if (x_test is None) != (y_test is None):
            raise ConfigError("give both x_test and y_test, or neither")
        if x_test is not None:
            x_test = self._inputs(x_test, name="x_test")
            t_test = self._targets(y_test, len(x_test), name="y_test")
            labels_test = self._labels(y_test, len(x_test))
        rng = self.rng if seed is None else as_generator(seed, "seed")

        history = History()
        n = len(x)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            order = rng.permutation(n)
            xs, ts = x[order], t[order]  # one gather per epoch: every batch is a contiguous slice
            # Overflow and NaN from a diverging run are reported below, once and clearly, as
            # a NonFiniteError, not as RuntimeWarnings from deep inside the arithmetic.
            with np.errstate(all="ignore"):
                for step, lo in enumerate(range(0, n, batch_size)):
                    batch = xs[lo : lo + batch_size], ts[lo : lo + batch_size]
                    cost = self._train_batch(*batch, lr, update_if_nonfinite=False)
                    if not math.isfinite(cost):
                        raise _diverged(f"epoch {epoch}, batch {step + 1}: the cost", cost, lr)
                train_loss, train_acc = self._evaluate(x, t, labels)
                if not math.isfinite(train_loss):
                    where = f"epoch {epoch}: after its last batch ({step + 1}) the training cost"
                    raise _diverged(where, train_loss, lr)
                test_loss = test_acc = None
                if x_test is not None:
                    test_loss, test_acc = self._evaluate(x_test, t_test, labels_test)
            stats = EpochStats(
                epoch, train_loss, train_acc, test_loss, test_acc, time.perf_counter() - start
            )
            history.stats.append(stats)
            if callback is not None and callback(epoch, self, stats) is False:
                break
        return history

    # ----------------------------------------------------------------- using the network

    def output(self, x: Any) -> Array:
        """a^L for every row of x, shape (m, N^L) (class probabilities for cross-entropy).

        >>> import numpy as np
        >>> Network([3, 2], cost="cross-entropy").output(np.ones((1, 3))).sum().round(5)
        np.float32(1.0)
        """
        x = self._inputs(x)
        chunks = [
            self._forward_arrays(x[i : i + EVAL_CHUNK], None).output
            for i in range(0, len(x), EVAL_CHUNK)
        ]
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)

    predict_proba = output

    def predict(self, x: Any) -> Array:
        """Class labels: the index of the largest output (a^L ≥ 0.5 when N^L = 1).

        >>> import numpy as np
        >>> Network([3, 4], seed=1).predict(np.ones((2, 3))).shape
        (2,)
        """
        return self._labels_from_output(self.output(x))

    def accuracy(self, x: Any, y: Any) -> float:
        """The fraction of rows whose predicted label is the label in y (labels or one-hot).

        >>> import numpy as np
        >>> net = Network([3, 4], seed=1); x = np.ones((2, 3))
        >>> net.accuracy(x, net.predict(x))
        1.0
        """
        x = self._inputs(x)
        self._targets(y, len(x))  # the same checks as everywhere else
        labels = self._labels(y, len(x))
        return float(np.mean(self.predict(x) == labels))

    def cost(self, x: Any, y: Any) -> float:
        """J over the whole of (x, y), without changing anything.

        >>> import numpy as np
        >>> round(Network([2, 2], cost="cross-entropy", init="xavier").cost(
        ...     np.zeros((3, 2)), [0, 1, 0]), 4)  # log 2
        0.6931
        """
        x = self._inputs(x)
        t = self._targets(y, len(x))
        return self._evaluate(x, t, None)[0]

    def evaluate(self, x: Any, y: Any) -> tuple[float, float]:
        """``(cost(x, y), accuracy(x, y))`` from one forward pass.

        >>> import numpy as np
        >>> net = Network([3, 4], seed=1); x = np.ones((2, 3))
        >>> j, acc = net.evaluate(x, net.predict(x)); acc
        1.0
        """
        x = self._inputs(x)
        t = self._targets(y, len(x))
        return self._evaluate(x, t, self._labels(y, len(x)))

    def learning_speeds(self, grads: Gradients) -> Array:
        """Nielsen's learning speed of each layer: ‖∂J/∂b^l‖, the Euclidean norm of its bias
        gradient, for l = 1..L (hidden layers first, the output layer last).

        ∂J/∂b^l is δ^l summed over the batch, so this is the size of the layer's error signal:
        the lecture's vanishing gradient shows up as speeds falling from the output layer back
        to the first hidden layer.

        >>> import numpy as np
        >>> net = Network([4, 8, 8, 2], seed=0)
        >>> speeds = net.learning_speeds(net.backward(np.ones((3, 4)), [0, 1, 0]))
        >>> speeds.shape
        (3,)
        """
        return np.array([float(np.linalg.norm(gb)) for gb in grads.grad_biases])

    # ----------------------------------------------------------------- saving

    def state(self) -> dict[str, Any]:
        """A copy of the network as ``{"config": JSON-able dict, "arrays": {name: ndarray}}``.

        Arrays are named after the lecture's superscripts: ``"W1"``, ``"b1"``, ... ``"WL"``,
        ``"bL"``. With safetensors: ``save_file(s["arrays"], path, metadata={"config":
        json.dumps(s["config"])})``. A custom init is recorded as ``"custom"``.

        >>> s = Network([3, 2]).state()
        >>> sorted(s["arrays"]), s["config"]["sizes"]
        (['W1', 'b1'], [3, 2])
        """
        config = {
            "format": STATE_FORMAT,
            "sizes": list(self.sizes),
            "activation": self.activation.name,
            "cost": self.cost_function.name,
            "output_activation": self.output_activation.name,
            "init": self.init_name,
            "dtype": self.dtype.name,
        }
        arrays: dict[str, Array] = {}
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True), start=1):
            arrays[f"W{l}"] = w.copy()
            arrays[f"b{l}"] = b.copy()
        return {"config": config, "arrays": arrays}

    @classmethod
    def from_state(
        cls, state: dict[str, Any], *, rng: np.random.Generator | None = None
    ) -> Network:
        """Rebuild a network from :meth:`state`; ``rng`` (default: seed 0) drives later fits.

        >>> import numpy as np
        >>> net = Network([3, 2], seed=5)
        >>> again = Network.from_state(net.state())
        >>> bool(np.array_equal(again.weights[0], net.weights[0]))
        True
        """
        try:
            config = state["config"]
            arrays = state["arrays"]
            sizes = config["sizes"]
            cost = config["cost"]
            output = config.get("output_activation")
            net = cls(
                sizes,
                config["activation"],
                cost,
                init=_zeros,
                output_activation=None if output == "softmax" else output,
                rng=rng,
                dtype=config.get("dtype", "float32"),
            )
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"network state is missing or mangles {exc}") from None
        net.init_name = config.get("init", "custom")
        for l in range(1, net.num_layers + 1):
            for name, target in ((f"W{l}", net.weights), (f"b{l}", net.biases)):
                if name not in arrays:
                    raise ModelFileError(f"network state has no array {name!r}")
                value = np.asarray(arrays[name])
                if value.shape != target[l - 1].shape:
                    raise ModelFileError(
                        f"network state array {name!r} has shape {value.shape}, "
                        f"expected {target[l - 1].shape} for sizes {list(net.sizes)}"
                    )
                if value.dtype.kind != "f":
                    raise ModelFileError(
                        f"network state array {name!r} holds {value.dtype}, not floats"
                    )
                with np.errstate(over="ignore", invalid="ignore"):
                    converted = np.ascontiguousarray(value, dtype=net.dtype)
                if not np.isfinite(converted).all():
                    raise ModelFileError(
                        f"network state array {name!r} holds values that are NaN or Inf as "
                        f"{net.dtype}"
                    )
                target[l - 1] = converted
        return net

    # ----------------------------------------------------------------- internals

    def _forward_arrays(self, x: Array, ws: _Workspace | None) -> ForwardPass:
        """z^l = a^(l-1) @ W^l.T + b^l and a^l = σ(z^l) for l = 1..L (into ws when given)."""
        n = len(self.weights)
        z_out = ws.z if ws is not None else [None] * n
        a_out = ws.a if ws is not None else [None] * n
        log_out = None
        if isinstance(self.cost_function, CrossEntropyCost):
            log_out = ws.log_a if ws is not None else np.empty((len(x), self.sizes[-1]), x.dtype)
        zs: list[Array] = []
        acts: list[Array] = [x]
        a = x
        hidden = self.activation.fn
        for l in range(n):
            z = np.matmul(a, self.weights[l].T, z_out[l])
            z += self.biases[l]
            if l < n - 1:
                a = hidden(z, a_out[l])
            else:
                a = self.cost_function.output(z, a_out[l], log_out)
            zs.append(z)
            acts.append(a)
        return ForwardPass(zs, acts, log_out)

    def _backward_arrays(
        self, fp: ForwardPass, t: Array, ws: _Workspace | None, scale: float = 1.0
    ) -> tuple[float, list[Array], list[Array], list[Array]]:
        """The lecture's four formulas, from δ^L back to δ^1 (into ws when given).

        Every δ^l and gradient is ``scale`` times the true one (training passes α here).
        """
        n = len(self.weights)
        zs, acts = fp.z, fp.a
        if ws is not None:
            d_out, s_out, gw_out, gb_out = ws.delta, ws.scratch, ws.grad_w, ws.grad_b
        else:
            d_out = s_out = gw_out = gb_out = [None] * n
        deltas: list[Array] = [None] * n  # type: ignore[list-item]
        grad_w: list[Array] = [None] * n  # type: ignore[list-item]
        grad_b: list[Array] = [None] * n  # type: ignore[list-item]
        # δ^L = ∇_a J ⊙ σ'(z^L)
        cost, delta = self.cost_function.value_and_delta(
            zs[-1], acts[-1], t, d_out[-1], s_out[-1], fp.log_output, scale
        )
        act = self.activation
        # List index l holds the lecture's layer l+1: weights[l] is W^(l+1), zs[l] is z^(l+1),
        # acts[l] is a^l (acts[0] = x). Samples are rows, so the lecture's column products
        # appear transposed.
        for l in range(n - 1, -1, -1):
            deltas[l] = delta  # δ^(l+1)
            # ∂J/∂W^(l+1) = δ^(l+1) (a^l)^T and ∂J/∂b^(l+1) = δ^(l+1), summed over the rows
            grad_w[l] = np.matmul(delta.T, acts[l], gw_out[l])
            grad_b[l] = np.add.reduce(delta, 0, None, gb_out[l])
            if l == 0:
                break  # no δ^0: the input layer has no parameters
            # δ^l = (W^(l+1))^T δ^(l+1) ⊙ σ'(z^l), σ' from the saved activation a^l
            delta = np.matmul(delta, self.weights[l], d_out[l - 1])
            if not act.constant_prime:
                np.multiply(delta, act.prime(zs[l - 1], acts[l], s_out[l - 1]), delta)
        return cost, deltas, grad_w, grad_b

    def _train_batch(
        self, x: Array, t: Array, lr: float, *, update_if_nonfinite: bool = True
    ) -> float:
        """Forward, backward and update on checked arrays: the training hot path.

        Backpropagation is linear in δ^L, so scaling δ^L by α gives α ∂J/∂W^l and α ∂J/∂b^l
        directly; the update is then one subtraction per array, W^l -= α ∂J/∂W^l. With
        ``update_if_nonfinite=False`` (``fit``), a non-finite J leaves the weights as they were.
        """
        ws = self._workspaces.get(len(x))
        if ws is None:
            ws = self._workspace(len(x))
        fp = self._forward_arrays(x, ws)
        cost, _, step_w, step_b = self._backward_arrays(fp, t, ws, lr)
        if not math.isfinite(cost):
            _check_finite(x, "x")
            _check_finite(t, "y")
            if not update_if_nonfinite:
                return cost
        for w, b, sw, sb in zip(self.weights, self.biases, step_w, step_b, strict=True):
            w -= sw
            b -= sb
        return cost

    def _workspace(self, m: int) -> _Workspace:
        if len(self._workspaces) >= 4:  # e.g. fit's last, smaller batch: keep a few sizes only
            self._workspaces.clear()
        ws = self._workspaces[m] = _Workspace(self, m)
        return ws

    def _evaluate(self, x: Array, t: Array, labels: Array | None) -> tuple[float, float]:
        """J and accuracy over (x, t), chunk by chunk."""
        total = 0.0
        correct = 0
        for i in range(0, len(x), EVAL_CHUNK):
            xc, tc = x[i : i + EVAL_CHUNK], t[i : i + EVAL_CHUNK]
            fp = self._forward_arrays(xc, None)
            total += self.cost_function.value(fp.z[-1], fp.output, tc, fp.log_output) * len(xc)
            if labels is not None:
                predicted = self._labels_from_output(fp.output)
                correct += int(np.count_nonzero(predicted == labels[i : i + EVAL_CHUNK]))
        return total / len(x), correct / len(x)

    def _labels_from_output(self, out: Array) -> Array:
        if out.shape[1] == 1:
            return (out[:, 0] >= 0.5).astype(np.intp)
        return np.argmax(out, axis=1)

    def _inputs(self, x: Any, *, name: str = "x", check_finite: bool = True) -> Array:
        """x as a (m, N^0) array of the network's dtype, or a typed error naming the fault."""
        if type(x) is not np.ndarray or x.dtype != self.dtype:
            try:
                x = np.asarray(x, dtype=self.dtype)
            except (TypeError, ValueError) as exc:
                raise DataError(f"{name} cannot be read as a {self.dtype} array: {exc}") from None
        if x.ndim != 2:
            raise ShapeError(
                f"{name} must be 2-D (samples, features), got shape {x.shape}"
                + ("; use x.reshape(1, -1) for one sample" if x.ndim == 1 else "")
            )
        if x.shape[1] != self.sizes[0]:
            raise ShapeError(
                f"data has {x.shape[1]} features but layer 1 takes {self.sizes[0]} ({name})"
            )
        if x.shape[0] == 0:
            raise ShapeError(f"{name} has no samples (shape {x.shape})")
        if check_finite:
            _check_finite(x, name)
        return x

    def _targets(self, y: Any, m: int, *, name: str = "y", check_values: bool = True) -> Array:
        """y as targets of shape (m, N^L): int labels become one-hot rows."""
        n = self.sizes[-1]
        if type(y) is not np.ndarray:
            y = np.asarray(y)
        if y.ndim == 2:
            if y.shape[0] != m:
                raise ShapeError(f"{name} has {y.shape[0]} rows but x has {m} samples")
            if y.shape[1] != n:
                raise ShapeError(
                    f"{name} has {y.shape[1]} columns but the output layer has {n} neurons"
                )
            t = y if y.dtype == self.dtype else _as_float(y, self.dtype, name)
        elif y.ndim == 1:
            if y.shape[0] != m:
                raise ShapeError(f"{name} has {y.shape[0]} labels but x has {m} samples")
            if n == 1:  # one output neuron: y is the target column itself
                t = _as_float(y, self.dtype, name).reshape(m, 1)
            else:
                _check_labels(y, n, name)
                if y.dtype.kind == "b":  # a boolean array would index as a mask
                    y = y.astype(np.intp)
                t = np.zeros((m, n), self.dtype)
                t[np.arange(m), y] = 1
                return t
        else:
            raise ShapeError(
                f"{name} must be class labels (m,) or targets (m, {n}), got shape {y.shape}"
            )
        if check_values:
            _check_finite(t, name)
            if isinstance(self.cost_function, CrossEntropyCost):
                _check_distributions(t, name)
        return t

    def _labels(self, y: Any, m: int) -> Array:
        """The class label of each row of y (for accuracy)."""
        y = np.asarray(y)
        if y.ndim == 2:
            if y.shape[1] == 1:
                return (y[:, 0] >= 0.5).astype(np.intp)
            return np.argmax(y, axis=1)
        if self.sizes[-1] == 1:
            return (y >= 0.5).astype(np.intp)
        return y


# --------------------------------------------------------------------- checks


def _zeros(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    return np.zeros(shape)


def _is_cross_entropy(cost: Any) -> bool:
    return isinstance(cost, str) and cost.replace("_", "-").lower() == "cross-entropy"


def _check_sizes(sizes: Any) -> tuple[int, ...]:
    try:
        values = list(sizes)
    except TypeError:
        raise ConfigError(f"sizes must be a list of layer widths, got {sizes!r}") from None
    if len(values) < 2:
        raise ConfigError(f"sizes needs at least 2 entries (input and output widths), got {values}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v <= 0:
            raise ConfigError(f"sizes must be positive integers, got {values}")
    return tuple(int(v) for v in values)


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ConfigError(f"dtype must be a float dtype, got {dtype!r}") from None
    if dt.kind != "f":
        raise ConfigError(f"dtype must be a float dtype such as float32, got {dt}")
    return dt


def _check_lr(lr: Any) -> float:
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ConfigError(f"learning rate lr must be a positive number, got {lr!r}") from None
    if not 0.0 < value < math.inf:
        raise ConfigError(f"learning rate lr must be a positive number, got {lr!r}")
    return value


def _check_count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _diverged(where: str, cost: float, lr: float) -> NonFiniteError:
    return NonFiniteError(
        f"training diverged in {where} became {cost}; lower the learning rate (lr={lr:g})"
    )


def _check_finite(array: Array, name: str) -> None:
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))
        count = len(bad)
        where = ", ".join(str(int(i)) for i in bad[0])
        kind = "NaN" if np.isnan(array).any() else "infinite"
        raise DataError(f"{name} has {count} {kind} value(s), the first at index ({where})")


def _check_labels(y: Array, n: int, name: str) -> None:
    if y.dtype.kind not in "iub":
        raise DataError(
            f"1-D {name} must hold integer class labels, got dtype {y.dtype}; pass "
            f"y.astype(int) or one-hot targets of shape ({len(y)}, {n})"
        )
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= n:
        bad = low if low < 0 else high
        raise DataError(
            f"label {bad} in {name} is out of range: the output layer has {n} neurons, "
            f"so labels are 0..{n - 1}"
        )


def _check_distributions(t: Array, name: str) -> None:
    """Cross-entropy targets: non-negative rows that sum to 1 (one-hot or soft labels)."""
    tol = 1e-3 if t.dtype.itemsize < 8 else 1e-6
    if (t < -tol).any():
        raise DataError(f"{name} has negative targets; cross-entropy needs probability rows")
    sums = t.sum(axis=1)
    off = np.abs(sums - 1) > tol
    if off.any():
        row = int(np.argmax(off))
        raise DataError(
            f"row {row} of {name} sums to {float(sums[row]):g}; cross-entropy targets must be "
            "one-hot or probability rows that sum to 1"
        )


def _as_float(y: Array, dtype: np.dtype, name: str) -> Array:
    try:
        return np.asarray(y, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} cannot be read as a {dtype} array: {exc}") from None
