"""The scikit-learn estimators: sklearn's own checks, known answers, both engines, search."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule.data import Dataset
from chainrule.errors import ConfigError, DataError
from chainrule.sklearn import MLPClassifier, MLPRegressor

# small networks and few epochs: sklearn's checks fit each estimator about 60 times. No check is
# expected to fail (sklearn 1.9 lists those in expected_failed_checks=): the list is empty.
SMALL = {"hidden_layer_sizes": (16,), "max_iter": 50, "random_state": 0}
ADAM = {"engine": "autodiff", "optimizer": "adam", "lr": 0.01}
ENGINES = [{}, {"engine": "autodiff"}]


@parametrize_with_checks(
    [
        MLPClassifier(**SMALL),
        MLPClassifier(**SMALL, **ADAM),
        MLPRegressor(**SMALL),
        MLPRegressor(**SMALL, **ADAM),
    ]
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sklearn_checks(estimator, check) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    return load_iris(return_X_y=True)


def quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("engine", ENGINES)
def test_classifier_probabilities_and_attributes(iris, engine) -> None:
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = quiet_fit(MLPClassifier(**{**SMALL, **engine, "lr": 0.1}), X, names)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (proba >= 0).all()
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.n_features_in_ == 4
    assert len(clf.loss_curve_) == clf.n_iter_ == 50
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 2
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.score(X, names) > 0.9


def test_both_engines_train_the_same_network(iris) -> None:
    """The same seed gives both engines the same weights and batches: the same run in float64."""
    X, y = iris
    settings = {"hidden_layer_sizes": (8,), "lr": 0.05, "max_iter": 5, "random_state": 3}
    for cls, target in ((MLPClassifier, y), (MLPRegressor, 2 * X[:, 0] - X[:, 1])):
        classic = quiet_fit(cls(**settings), X, target)
        autodiff = quiet_fit(cls(**settings, engine="autodiff"), X, target)
        np.testing.assert_allclose(classic.loss_curve_, autodiff.loss_curve_, rtol=1e-12)
        np.testing.assert_allclose(classic.predict(X), autodiff.predict(X), rtol=1e-10)


@pytest.mark.parametrize("engine", ENGINES)
def test_regressor_fits_a_linear_function(engine) -> None:
    """No hidden layer: linear regression by SGD, which must find the known w and b."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * [1.0, 10.0, 0.1] + 5
    w, b = np.array([2.0, -0.5, 30.0]), 7.0
    reg = MLPRegressor((), **engine, lr=0.05, max_iter=300, tol=1e-12, random_state=0)
    quiet_fit(reg, X, X @ w + b)
    new = rng.normal(size=(20, 3)) * [1.0, 10.0, 0.1] + 5
    np.testing.assert_allclose(reg.predict(new), new @ w + b, atol=1e-3)
    assert reg.predict(new).shape == (20,)


@pytest.mark.parametrize("engine", ENGINES)
def test_regressor_hidden_layers_and_several_targets(engine) -> None:
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, size=(300, 2))
    Y = np.column_stack([X[:, 0] - 2 * X[:, 1], np.sin(X[:, 0])])
    reg = quiet_fit(MLPRegressor((32,), **engine, lr=0.05, max_iter=200, random_state=0), X, Y)
    assert reg.predict(X).shape == (300, 2)
    assert reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.97


def test_random_state_reproduces_a_fit(iris) -> None:
    X, y = iris
    first = quiet_fit(MLPClassifier(**SMALL), X, y)
    again = quiet_fit(MLPClassifier(**SMALL), X, y)
    other = quiet_fit(MLPClassifier(**{**SMALL, "random_state": 1}), X, y)
    assert first.loss_curve_ == again.loss_curve_
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    assert first.loss_curve_ != other.loss_curve_
    drawn = [
        quiet_fit(MLPClassifier(**{**SMALL, "random_state": np.random.RandomState(7)}), X, y)
        for _ in range(2)
    ]
    assert drawn[0].loss_curve_ == drawn[1].loss_curve_


def test_stops_when_the_loss_stops_improving(iris) -> None:
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier(**{**SMALL, "max_iter": 500}, tol=1e-2, n_iter_no_change=3).fit(X, y)
    assert 3 < clf.n_iter_ < 500
    last = clf.loss_curve_[-4:]
    assert all(loss > clf.best_loss_ - 1e-2 for loss in last[1:])
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        MLPClassifier(**{**SMALL, "max_iter": 2}).fit(X, y)


def test_partial_fit_trains_an_epoch_per_call(iris) -> None:
    X, y = iris
    clf = MLPClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    for _ in range(20):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert clf.n_iter_ == 20 and len(clf.loss_curve_) == 20
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 2
    with pytest.raises(ValueError, match="not among classes"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="differ"):
        clf.partial_fit(X, y, classes=[0, 1])
    # after fit, partial_fit continues the same network
    fitted = quiet_fit(MLPRegressor(**SMALL), X, X[:, 0])
    before = fitted.n_iter_
    fitted.partial_fit(X, X[:, 0])
    assert fitted.n_iter_ == before + 1
    with pytest.raises(ValueError, match="y has 2 targets per example but the network was"):
        fitted.partial_fit(X, X[:, :2])


def test_params_and_errors(iris) -> None:
    X, y = iris
    clf = MLPClassifier(**SMALL)
    assert clf.set_params(lr=0.5) is clf and clf.get_params()["lr"] == 0.5
    assert clone(clf).get_params() == clf.get_params()
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(ConfigError, match=r"engine 'classic'.*autodiff"):
        MLPClassifier(optimizer="adam").fit(X, y)
    refused = MLPClassifier(engine="gpu")
    with pytest.raises(ConfigError, match="unknown engine 'gpu'"):
        refused.fit(X, y)
    with pytest.raises(NotFittedError):  # a refused fit leaves no half-fitted estimator
        refused.predict(X)
    with pytest.raises(ConfigError, match="unknown engine 'gpu'"):
        refused.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ConfigError, match="unknown engine 'gpu'"):
        refused.partial_fit(X, y, classes=[0, 1, 2])  # still the first call
    with pytest.raises(ConfigError, match="n_iter_no_change must be an integer of 1 or more"):
        MLPClassifier(n_iter_no_change=0).fit(X, y)
    assert quiet_fit(MLPClassifier(4, max_iter=2), X, y).learner_.network.sizes == (4, 4, 3)
    with pytest.raises(ValueError, match="one class"):
        MLPClassifier().fit(X, np.zeros(150))
    fitted = quiet_fit(clf, X, y)
    with pytest.raises(ValueError, match="X has 3 features"):
        fitted.predict(X[:, :3])


def test_grid_search_over_two_learning_rates_in_a_pipeline(iris) -> None:
    X, y = iris
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**{**SMALL, "max_iter": 30}))
    search = GridSearchCV(pipe, {"mlpclassifier__lr": [1e-6, 0.1]}, cv=3)
    quiet_fit(search, X, y)
    # a rate of 1e-6 barely moves the weights in 30 epochs
    assert search.best_params_ == {"mlpclassifier__lr": 0.1}
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > 0.9 > scores[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_defaults_learn_without_diverging(iris, engine) -> None:
    """What sklearn's checks fit with unscaled data: the default rate must not blow up (at
    lr=0.1 the quadratic cost of a 100-unit ReLU layer did)."""
    X, y = iris
    reg = quiet_fit(MLPRegressor(**engine, random_state=0), X * 10, y * 100.0)
    assert reg.score(X * 10, y * 100.0) > 0.9
    clf = quiet_fit(MLPClassifier(**engine, random_state=0), X * 10, y)
    assert clf.score(X * 10, y) > 0.9


def test_a_dataset_takes_regression_targets_by_rows() -> None:
    x = np.zeros((5, 2), np.float32)
    data = Dataset("arrays", x, np.zeros((5, 3)), x[:0], np.zeros((0, 3)), 2, 3, ("a", "b", "c"))
    assert data.y_train.shape == (5, 3)
    with pytest.raises(DataError, match=r"y_train has shape \(4, 3\) for 5 examples"):
        Dataset("arrays", x, np.zeros((4, 3)), x[:0], np.zeros((0, 3)), 2, 3, ("a", "b", "c"))
    with pytest.raises(DataError, match="y_train has shape"):
        Dataset("arrays", x, np.zeros((5, 3, 1)), x[:0], np.zeros((0, 3)), 2, 3, ("a", "b", "c"))


def test_importing_chainrule_does_not_import_sklearn() -> None:
    code = "import sys, chainrule, chainrule.training; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
