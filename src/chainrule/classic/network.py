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
from itertools import pairwise
from typing import Any

import numpy as np

from chainrule.classic._checks import (
    as_dataset,
    as_inputs,
    as_labels,
    as_targets,
    check_count,
    check_dtype,
    check_lr,
    check_sizes,
    diverged,
    is_cross_entropy,
    state_array,
)
from chainrule.classic._step import TrainingStep
from chainrule.classic.activations import Activation, get_activation
from chainrule.classic.costs import CrossEntropyCost, make_cost
from chainrule.classic.initializers import Initializer, get_initializer
from chainrule.classic.records import EpochStats, ForwardPass, Gradients, History
from chainrule.errors import ConfigError, ModelFileError, ShapeError
from chainrule.seeding import as_generator

__all__ = ["DEFAULT_LR", "EpochStats", "ForwardPass", "Gradients", "History", "Network"]

Array = np.ndarray

#: Rows per chunk when output/cost/accuracy run over a large data set.
EVAL_CHUNK = 4096

STATE_FORMAT = "chainrule.classic.Network/1"

#: ``fit``'s learning rate by cost for ``lr="auto"``: Nielsen's η for each (chapters 1 and 3).
DEFAULT_LR = {"quadratic": 3.0, "cross-entropy": 0.5}


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
        self.sizes: tuple[int, ...] = check_sizes(sizes)
        self.activation: Activation = get_activation(activation)
        if output_activation is None and not is_cross_entropy(cost):
            output_activation = self.activation.name
        self.cost_function = make_cost(cost, output_activation)
        if isinstance(self.cost_function, CrossEntropyCost) and self.sizes[-1] < 2:
            raise ConfigError(
                "cost 'cross-entropy' needs at least 2 output neurons (a softmax over one "
                "neuron is always 1)"
            )
        self.dtype: np.dtype = check_dtype(dtype)
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
        self._steps: dict[int, TrainingStep] = {}

    def __getstate__(self) -> dict[str, Any]:
        # the training steps' buffers and closures are rebuilt on use: pickles stay small
        return {**self.__dict__, "_steps": {}}

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
        x = as_inputs(self, x)
        return self._forward_arrays(x)

    def backward(self, x: Any, y: Any) -> Gradients:
        """Forward x, then backpropagate the cost against targets y; weights are not changed.

        ``y`` is either int class labels of shape (m,) or targets of shape (m, N^L).

        >>> import numpy as np
        >>> net = Network([3, 4, 2], cost="cross-entropy", init="xavier")
        >>> g = net.backward(np.ones((5, 3)), np.array([0, 1, 1, 0, 1]))
        >>> g.grad_weights[1].shape == net.weights[1].shape
        True
        """
        x = as_inputs(self, x)
        t = as_targets(self, y, len(x))
        fp = self._forward_arrays(x)
        cost, deltas, gw, gb = self._backward_arrays(fp, t)
        return Gradients(cost, deltas, gw, gb, fp)

    def step(self, grads: Gradients, lr: float) -> None:
        """Gradient descent: W^l ← W^l - α ∂J/∂W^l and b^l ← b^l - α ∂J/∂b^l, in place.

        >>> import numpy as np
        >>> net = Network([2, 1], seed=0); x = np.ones((1, 2)); y = np.zeros((1, 1))
        >>> before = net.cost(x, y); net.step(net.backward(x, y), lr=0.5)
        >>> net.cost(x, y) < before
        True
        """
        lr = check_lr(lr)
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

    def train_step(self, x: Any, y: Any, lr: float, *, check_labels: bool = True) -> float:
        """One step of gradient descent on the batch (x, y); returns J before the update.

        The update of ``step(backward(x, y), lr)`` (equal up to float rounding), computed into
        preallocated arrays, with α folded into δ^L and no result objects: the hot path of
        training. It checks shapes and labels; NaN in x or y is found (and nothing is updated)
        when J comes out non-finite. Soft targets for cross-entropy are trusted to sum to 1
        here (``fit`` and ``backward`` check them). ``check_labels=False``: the labels were
        checked already (the training loop checks its data once).

        >>> import numpy as np
        >>> net = Network([2, 2], cost="cross-entropy", init="he")
        >>> x = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([0, 1])
        >>> first = net.train_step(x, y, lr=1.0)
        >>> net.train_step(x, y, lr=1.0) < first
        True
        """
        lr = check_lr(lr)
        step, targets = self._checked_step(x, y, check_labels)
        if step is None or targets is None:  # not a batch of a known shape: convert and check
            x = as_inputs(self, x, check_finite=False)
            targets = as_targets(self, y, len(x), check_values=False)
            step = self._step_for(len(x))
        if step.overflows:  # σ's e^-z overflows harmlessly to a = 0
            return step.train_ignoring_overflow(x, targets, lr, self.weights, self.biases)
        return step.train(x, targets, lr, self.weights, self.biases)

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
        lr = check_lr(DEFAULT_LR[self.cost_function.name] if lr == "auto" else lr)
        epochs = check_count(epochs, "epochs", minimum=0)
        batch_size = check_count(batch_size, "batch_size", minimum=1)
        train = as_dataset(self, x, y)
        if (x_test is None) != (y_test is None):
            raise ConfigError("give both x_test and y_test, or neither")
        test = as_dataset(self, x_test, y_test, "x_test", "y_test") if x_test is not None else None
        rng = self.rng if seed is None else as_generator(seed, "seed")

        history = History()
        for epoch in range(1, epochs + 1):
            stats = self._fit_epoch(epoch, train, test, rng, batch_size, lr)
            history.stats.append(stats)
            if callback is not None and callback(epoch, self, stats) is False:
                break
        return history

    def _fit_epoch(
        self,
        epoch: int,
        train: tuple[Array, Array, Array],
        test: tuple[Array, Array, Array] | None,
        rng: np.random.Generator,
        batch_size: int,
        lr: float,
    ) -> EpochStats:
        """One epoch of ``fit``: shuffled mini-batch steps, then the cost and accuracy."""
        start = time.perf_counter()
        x, t, labels = train
        n = len(x)
        order = rng.permutation(n)
        xs, ts = x[order], t[order]  # one gather per epoch: every batch is a contiguous slice
        # Overflow and NaN from a diverging run are reported below, once and clearly, as
        # a NonFiniteError, not as RuntimeWarnings from deep inside the arithmetic.
        with np.errstate(all="ignore"):
            for step, lo in enumerate(range(0, n, batch_size)):
                x_batch, t_batch = xs[lo : lo + batch_size], ts[lo : lo + batch_size]
                plan = self._step_for(len(x_batch))
                cost = plan.train(x_batch, t_batch, lr, self.weights, self.biases, False)
                if not math.isfinite(cost):
                    raise diverged(f"epoch {epoch}, batch {step + 1}: the cost", cost, lr)
            train_loss, train_acc = self._evaluate(x, t, labels)
            if not math.isfinite(train_loss):
                where = f"epoch {epoch}: after its last batch ({step + 1}) the training cost"
                raise diverged(where, train_loss, lr)
            test_loss = test_acc = None
            if test is not None:
                test_loss, test_acc = self._evaluate(*test)
        seconds = time.perf_counter() - start
        return EpochStats(epoch, train_loss, train_acc, test_loss, test_acc, seconds)

    # ----------------------------------------------------------------- using the network

    def output(self, x: Any) -> Array:
        """a^L for every row of x, shape (m, N^L) (class probabilities for cross-entropy).

        >>> import numpy as np
        >>> Network([3, 2], cost="cross-entropy").output(np.ones((1, 3))).sum().round(5)
        np.float32(1.0)
        """
        x = as_inputs(self, x)
        chunks = [
            self._forward_arrays(x[i : i + EVAL_CHUNK]).output for i in range(0, len(x), EVAL_CHUNK)
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
        x = as_inputs(self, x)
        as_targets(self, y, len(x))  # the same checks as everywhere else
        labels = as_labels(self, y, len(x))
        return float(np.mean(self.predict(x) == labels))

    def cost(self, x: Any, y: Any) -> float:
        """J over the whole of (x, y), without changing anything.

        >>> import numpy as np
        >>> round(Network([2, 2], cost="cross-entropy", init="xavier").cost(
        ...     np.zeros((3, 2)), [0, 1, 0]), 4)  # log 2
        0.6931
        """
        x = as_inputs(self, x)
        t = as_targets(self, y, len(x))
        return self._evaluate(x, t, None)[0]

    def evaluate(self, x: Any, y: Any) -> tuple[float, float]:
        """``(cost(x, y), accuracy(x, y))`` from one forward pass.

        >>> import numpy as np
        >>> net = Network([3, 4], seed=1); x = np.ones((2, 3))
        >>> j, acc = net.evaluate(x, net.predict(x)); acc
        1.0
        """
        return self._evaluate(*as_dataset(self, x, y))

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
                target[l - 1] = state_array(arrays, name, target[l - 1].shape, net)
        return net

    # ----------------------------------------------------------------- internals

    def _forward_arrays(self, x: Array) -> ForwardPass:
        """z^l = a^(l-1) @ W^l.T + b^l and a^l = σ(z^l) for l = 1..L."""
        n = len(self.weights)
        log_out = None
        if isinstance(self.cost_function, CrossEntropyCost):
            log_out = np.empty((len(x), self.sizes[-1]), x.dtype)
        zs: list[Array] = []
        acts: list[Array] = [x]
        a = x
        hidden = self.activation.fn
        for l in range(n):
            z = np.matmul(a, self.weights[l].T)
            z += self.biases[l]
            a = hidden(z) if l < n - 1 else self.cost_function.output(z, None, log_out)
            zs.append(z)
            acts.append(a)
        return ForwardPass(zs, acts, log_out)

    def _backward_arrays(
        self, fp: ForwardPass, t: Array
    ) -> tuple[float, list[Array], list[Array], list[Array]]:
        """The lecture's four formulas, from δ^L back to δ^1.

        The training hot path (``_step.TrainingStep``) does the same ops into preallocated
        arrays, with α folded into δ^L; change both together.
        """
        n = len(self.weights)
        zs, acts = fp.z, fp.a
        deltas: list[Array] = [None] * n  # type: ignore[list-item]
        grad_w: list[Array] = [None] * n  # type: ignore[list-item]
        grad_b: list[Array] = [None] * n  # type: ignore[list-item]
        # δ^L = ∇_a J ⊙ σ'(z^L)
        cost, delta = self.cost_function.value_and_delta(zs[-1], acts[-1], t, log_a=fp.log_output)
        act = self.activation
        # List index l holds the lecture's layer l+1: weights[l] is W^(l+1), zs[l] is z^(l+1),
        # acts[l] is a^l (acts[0] = x). Samples are rows, so the lecture's column products
        # appear transposed.
        for l in range(n - 1, -1, -1):
            deltas[l] = delta  # δ^(l+1)
            # ∂J/∂W^(l+1) = δ^(l+1) (a^l)^T and ∂J/∂b^(l+1) = δ^(l+1), summed over the rows
            grad_w[l] = np.matmul(delta.T, acts[l])
            grad_b[l] = np.add.reduce(delta, 0)
            if l == 0:
                break  # no δ^0: the input layer has no parameters
            # δ^l = (W^(l+1))^T δ^(l+1) ⊙ σ'(z^l), σ' from the saved activation a^l
            delta = np.matmul(delta, self.weights[l])
            if not act.constant_prime:
                np.multiply(delta, act.prime(zs[l - 1], acts[l]), delta)
        return cost, deltas, grad_w, grad_b

    def _checked_step(
        self, x: Any, y: Any, check_labels: bool
    ) -> tuple[TrainingStep | None, Array | None]:
        """The training step for (x, y) and its targets, if x is an array of its shape and
        dtype already and y its targets or in-range labels (see ``TrainingStep.targets_for``).

        The hot path of ``train_step``: targets are not converted, and their values are only
        checked when J comes out non-finite.
        """
        if type(x) is not np.ndarray or x.ndim != 2:
            return None, None
        step = self._steps.get(len(x))
        return (None, None) if step is None else (step, step.targets_for(x, y, check_labels))

    def _step_for(self, m: int) -> TrainingStep:
        """The preallocated training step for batches of m rows (a few sizes are kept)."""
        step = self._steps.get(m)
        if step is None:
            if len(self._steps) >= 4:  # e.g. fit's last, smaller batch: keep a few sizes only
                self._steps.clear()
            step = self._steps[m] = TrainingStep(self, m)
        return step

    def _evaluate(self, x: Array, t: Array, labels: Array | None) -> tuple[float, float]:
        """J and accuracy over (x, t), chunk by chunk."""
        total = 0.0
        correct = 0
        for i in range(0, len(x), EVAL_CHUNK):
            xc, tc = x[i : i + EVAL_CHUNK], t[i : i + EVAL_CHUNK]
            fp = self._forward_arrays(xc)
            total += self.cost_function.value(fp.z[-1], fp.output, tc, fp.log_output) * len(xc)
            if labels is not None:
                predicted = self._labels_from_output(fp.output)
                correct += int(np.count_nonzero(predicted == labels[i : i + EVAL_CHUNK]))
        return total / len(x), correct / len(x)

    def _labels_from_output(self, out: Array) -> Array:
        if out.shape[1] == 1:
            return (out[:, 0] >= 0.5).astype(np.intp)
        return np.argmax(out, axis=1)


def _zeros(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    return np.zeros(shape)
