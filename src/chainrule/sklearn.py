"""scikit-learn estimators on chainrule's training loop: ``MLPClassifier`` and ``MLPRegressor``.

Each ``fit`` builds the network a :class:`~chainrule.training.TrainConfig` describes, hands it
to :func:`~chainrule.training.build_learner` (``engine="classic"``: the lecture's matrix-form
backpropagation; ``engine="autodiff"``: ``chainrule.nn`` + ``chainrule.optim``) and trains it
with the library's one loop, :class:`~chainrule.training.Run`, on the arrays given, an epoch
at a time, until the training loss stops improving or ``max_iter`` epochs have run. They
follow scikit-learn's conventions (``random_state``, fitted attributes ending in ``_``,
``NotFittedError``, ``ValueError`` on bad input) and pass its ``check_estimator``, so they sit
in a ``Pipeline`` or a ``GridSearchCV``.

The classifier ends in a softmax with the cross-entropy cost; the regressor in the identity
(a linear output layer) with the lecture's quadratic cost J = 1/(2m) Σ ||y - a||². With
``standardize=True`` the network sees its inputs (and the regressor its targets) scaled to
zero mean and unit variance by statistics of the first training data, so a plain SGD step
has one sensible size whatever the units; ``loss_curve_`` is in those scaled units. The
network computes in float64.

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier(hidden_layer_sizes=(16,), lr=0.1, max_iter=300, random_state=0)
>>> clf = clf.fit(X, y)
>>> clf.predict_proba(X[:2]).sum(axis=1).round(6).tolist(), clf.score(X, y) > 0.95
([1.0, 1.0], True)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from chainrule.classic import Network
from chainrule.data import Dataset, standardize
from chainrule.errors import ConfigError, DataError
from chainrule.training import Learner, Run, TrainConfig, build_learner
from chainrule.wording import counted

__all__ = ["MLPClassifier", "MLPRegressor"]


class _MLP(BaseEstimator):
    """What the two estimators share: the settings, the network, the epochs of training."""

    #: the cost and the output layer's activation (None: the softmax of cross-entropy)
    _cost = "cross-entropy"
    _output_activation: str | None = None

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        *,
        engine: str = "classic",
        optimizer: str = "sgd",
        lr: float = 0.01,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        batch_size: int = 32,
        max_iter: int = 200,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
        init: str = "auto",
        standardize: bool = True,
        random_state: Any = None,
    ) -> None:
        # scikit-learn's rule: store the settings as given; fit checks them (TrainConfig)
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.engine = engine
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.init = init
        self.standardize = standardize
        self.random_state = random_state

    def _config(self, n_features: int, n_outputs: int, seed: int, epochs: int) -> TrainConfig:
        """The run's settings; a bad one is a ConfigError (a ValueError) naming it."""
        hidden = self.hidden_layer_sizes
        if not hasattr(hidden, "__iter__"):  # one hidden layer given as its width, as sklearn's
            hidden = (hidden,)
        init = self.init
        if init == "auto":  # He's scale keeps ReLU layers alive, Glorot's suits σ and tanh
            init = "he" if self.activation == "relu" else "xavier"
        return TrainConfig(
            data="arrays",
            layers=(n_features, *hidden, n_outputs),
            activation=self.activation,
            cost=self._cost,
            init=init,
            optimizer=self.optimizer,
            lr=self.lr,
            momentum=self.momentum,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            epochs=epochs,
            seed=seed,
            engine=self.engine,
        )

    def _start(self, x: np.ndarray, n_outputs: int) -> None:
        """A fresh network for ``x``: drawn from ``random_state``, scaled by ``x``'s stats."""
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"{name} must be an integer of 1 or more, got {value!r}")
        # an int random_state is the run's seed itself; None or a RandomState draws one
        rs = self.random_state
        self._seed = int(rs) if isinstance(rs, int | np.integer) else _draw_seed(rs)
        config = self._config(x.shape[1], n_outputs, self._seed, self.max_iter)
        network = Network(
            config.layers,
            config.activation,
            config.cost,
            config.init,
            output_activation=self._output_activation,
            seed=config.seed,
            dtype=np.float64,
        )
        self.learner_: Learner = build_learner(config, network)
        if self.standardize:
            self.learner_.fit_input_stats(x)
        self.n_iter_ = 0
        self.loss_curve_: list[float] = []
        self.best_loss_ = np.inf
        self._no_improvement = 0

    def _train(self, data: Dataset, epochs: int) -> bool:
        """Train ``epochs`` epochs on ``data`` with :class:`Run`; True once the loss has not
        improved by ``tol`` for ``n_iter_no_change`` epochs in a row (then it stops)."""
        # a seed per call: each partial_fit shuffles its batches in a new order
        seed = self._seed + self.n_iter_
        config = self._config(data.n_features, data.n_classes, seed, epochs)
        run = Run(config, data, learner=self.learner_, evaluate=False)
        while not run.done:
            entry = run.run_epoch()
            assert entry is not None  # a Run without stop_on_divergence raises instead
            loss = float(entry["mean_batch_loss"])
            self.n_iter_ += 1
            self.loss_curve_.append(loss)
            # scikit-learn's rule for its MLPs: an epoch that does not beat the best by tol
            self._no_improvement = (
                self._no_improvement + 1 if loss > self.best_loss_ - self.tol else 0
            )
            self.best_loss_ = min(self.best_loss_, loss)
            if self._no_improvement >= self.n_iter_no_change:
                return True
        return False

    def _fit(self, x: np.ndarray, targets: np.ndarray, n_outputs: int) -> None:
        self._start(x, n_outputs)
        if not self._train(_as_dataset(x, targets, n_outputs), self.max_iter):
            warnings.warn(
                f"{type(self).__name__}: the training loss still improved after max_iter="
                f"{counted(self.max_iter, 'epoch')}; raise max_iter to train to convergence",
                ConvergenceWarning,
                stacklevel=3,
            )

    def __sklearn_is_fitted__(self) -> bool:
        # a network, not n_features_in_ alone: fit sets that before it checks the settings
        return hasattr(self, "learner_")

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's outputs for ``X`` (class probabilities, or the regression values)."""
        check_is_fitted(self)
        x = validate_data(self, X, reset=False, dtype=np.float64)
        return self.learner_.predict_proba(x)


class MLPClassifier(ClassifierMixin, _MLP):
    """A multilayer perceptron classifier: hidden layers, a softmax output, cross-entropy.

    Parameters are those of :class:`~chainrule.training.TrainConfig` (``engine``,
    ``optimizer``, ``lr``, ``momentum``, ``weight_decay``, ``batch_size``, ``init``; the
    classic engine takes plain SGD only) plus scikit-learn's stopping rule: at most
    ``max_iter`` epochs, fewer once the mean batch loss has not improved by ``tol`` for
    ``n_iter_no_change`` epochs. ``init="auto"``: He for ReLU, Glorot (xavier) otherwise.

    Attributes: ``classes_``, ``n_features_in_``, ``loss_curve_`` (the mean batch loss of each
    epoch), ``best_loss_``, ``n_iter_`` (epochs trained), ``learner_`` (the trained
    :class:`~chainrule.training.Learner`).

    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
    >>> y = np.array(["no", "yes", "yes", "no"] * 10)  # XOR
    >>> clf = MLPClassifier((8,), "tanh", lr=0.5, max_iter=300, random_state=0).fit(X, y)
    >>> clf.predict([[0, 1], [1, 1]]).tolist()
    ['yes', 'no']
    """

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train a fresh network on (X, y); y holds any labels (at least two classes)."""
        x, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        _need_two_classes(self.classes_)
        self._fit(x, labels.astype(np.int64), len(self.classes_))
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y), continuing from the network as it is. The first call
        (before any fit) needs ``classes``, every label the estimator will ever see."""
        first = not hasattr(self, "learner_")
        if first:
            if classes is None:
                raise DataError("classes must be passed on the first call to partial_fit")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise DataError(
                f"classes={list(classes)!r} differ from {self.classes_.tolist()!r}, the "
                "classes of the first call to partial_fit or of fit"
            )
        x, y = validate_data(self, X, y, reset=first, dtype=np.float64)
        check_classification_targets(y)
        if first:
            classes = np.unique(classes)
            _need_two_classes(classes)
            self._start(x, len(classes))
            self.classes_ = classes  # last: a refused first call leaves the next one first
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise DataError(
                f"y holds the label {y[np.argmax(unknown)]!r}, which is not among classes "
                f"{self.classes_.tolist()!r}"
            )
        labels = np.searchsorted(self.classes_, y)
        self._train(_as_dataset(x, labels.astype(np.int64), len(self.classes_)), epochs=1)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The probability of each class, one row per example (each row sums to 1)."""
        return self._outputs(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row of X."""
        best = np.argmax(self._outputs(X), axis=1)  # first: NotFittedError before classes_
        return self.classes_[best]


class MLPRegressor(RegressorMixin, _MLP):
    """A multilayer perceptron regressor: hidden layers, a linear output, the quadratic cost.

    Parameters and attributes as :class:`MLPClassifier` (without ``classes_``; with
    ``n_outputs_``). y may be one target (shape (m,)) or several (shape (m, k)); ``predict``
    gives the same shape.

    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> reg = MLPRegressor((), lr=0.1, tol=1e-9, random_state=0).fit(X, 3 * X[:, 0] - 1)
    >>> reg.predict([[0.0], [1.0]]).round(3).tolist()
    [-1.0, 2.0]
    """

    _cost = "quadratic"
    _output_activation = "identity"

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train a fresh network on (X, y)."""
        x, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        self._fit(x, self._targets(y, first=True), self.n_outputs_)
        return self

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over (X, y), continuing from the network as it is."""
        first = not hasattr(self, "learner_")
        x, y = validate_data(
            self, X, y, reset=first, dtype=np.float64, multi_output=True, y_numeric=True
        )
        targets = self._targets(y, first)
        if first:
            self._start(x, self.n_outputs_)
        self._train(_as_dataset(x, targets, self.n_outputs_), epochs=1)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted target(s) of each row of X."""
        out = self._outputs(X)
        if self._target_stats is not None:
            out = out * self._target_stats.std + self._target_stats.mean
        return out[:, 0] if self._one_target else out

    def _targets(self, y: np.ndarray, first: bool) -> np.ndarray:
        """y as one column per output, standardized with the statistics of the first y."""
        columns = np.ascontiguousarray(y.reshape(len(y), -1), dtype=np.float64)
        if first:
            self.n_outputs_ = columns.shape[1]
            self._one_target = y.ndim == 1
            # an SGD step grows with the targets' scale: learn them standardized, as the inputs
            self._target_stats = standardize(columns)[2] if self.standardize else None
        elif columns.shape[1] != self.n_outputs_:
            raise DataError(
                f"y has {columns.shape[1]} targets per example but the network was started "
                f"with {self.n_outputs_}"
            )
        return columns if self._target_stats is None else self._target_stats.apply(columns)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _as_dataset(x: np.ndarray, targets: np.ndarray, n_outputs: int) -> Dataset:
    """In-memory arrays as the Dataset a Run trains on; the test part is empty (a Run without
    evaluation never looks at it)."""
    return Dataset(
        name="arrays",
        x_train=x,
        y_train=targets,
        x_test=x[:0],
        y_test=targets[:0],
        n_features=x.shape[1],
        n_classes=n_outputs,
        class_names=tuple(str(k) for k in range(n_outputs)),
    )


def _need_two_classes(classes: np.ndarray) -> None:
    if len(classes) < 2:
        raise DataError(
            f"MLPClassifier needs at least 2 classes in y, got one class: {classes[0]!r}"
        )


def _draw_seed(random_state: Any) -> int:
    """A run seed drawn from a RandomState (or NumPy's global one for None), sklearn's way."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
