"""Bad input to chainrule.classic gives a typed error whose one-line message names the fault."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.classic import Network
from chainrule.errors import ConfigError, DataError, ModelFileError, ShapeError


@pytest.fixture
def net() -> Network:
    return Network([64, 16, 10], "relu", "cross-entropy", "he", seed=0)


def X(m: int = 4, n: int = 64) -> np.ndarray:
    return np.random.default_rng(0).random((m, n), dtype=np.float32)


def raises(error, *words):
    """pytest.raises that also wants every word in a single-line message."""

    class _Check:
        def __enter__(self):
            self.ctx = pytest.raises(error)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self.ctx.__exit__(*exc)
            message = str(self.info.value)
            assert "\n" not in message, message
            for word in words:
                assert word in message, f"{word!r} not in {message!r}"
            return handled

    return _Check()


ENTRY_POINTS = [
    lambda net, x, y: net.forward(x),
    lambda net, x, y: net.backward(x, y),
    lambda net, x, y: net.train_step(x, y, 0.1),
    lambda net, x, y: net.fit(x, y, epochs=1, batch_size=2, lr=0.1),
    lambda net, x, y: net.cost(x, y),
    lambda net, x, y: net.accuracy(x, y),
    lambda net, x, y: net.predict(x),
]


@pytest.mark.parametrize("call", ENTRY_POINTS)
def test_wrong_feature_count(net, call):
    with raises(ShapeError, "data has 784 features but layer 1 takes 64"):
        call(net, X(n=784), np.zeros(4, int))


@pytest.mark.parametrize("call", ENTRY_POINTS)
def test_one_dimensional_x(net, call):
    with raises(ShapeError, "2-D", "(64,)", "reshape(1, -1)"):
        call(net, X()[0], np.zeros(4, int))


@pytest.mark.parametrize("call", ENTRY_POINTS[1:6])
def test_y_of_the_wrong_length(net, call):
    with raises(ShapeError, "y has 3 labels but x has 4 samples"):
        call(net, X(), np.zeros(3, int))
    with raises(ShapeError, "y has 5 rows but x has 4 samples"):
        call(net, X(), np.zeros((5, 10)))


@pytest.mark.parametrize("call", ENTRY_POINTS[1:6])
def test_targets_of_the_wrong_width(net, call):
    with raises(ShapeError, "y has 3 columns but the output layer has 10 neurons"):
        call(net, X(), np.zeros((4, 3)))


@pytest.mark.parametrize("call", ENTRY_POINTS[1:6])
@pytest.mark.parametrize("bad", [10, -1])
def test_labels_out_of_range(net, call, bad):
    y = np.array([0, 3, bad, 9])
    with raises(DataError, f"label {bad}", "out of range", "0..9"):
        call(net, X(), y)


@pytest.mark.parametrize("call", ENTRY_POINTS[1:6])
def test_float_labels(net, call):
    with raises(DataError, "integer class labels", "float64"):
        call(net, X(), np.array([0.0, 1.0, 2.0, 3.0]))


@pytest.mark.parametrize("call", ENTRY_POINTS)
def test_nan_in_x(net, call):
    x = X()
    x[2, 5] = np.nan
    with raises(DataError, "x has 1 NaN", "(2, 5)"):
        call(net, x, np.zeros(4, int))


@pytest.mark.parametrize(
    ("activation", "cost"),
    [("sigmoid", "quadratic"), ("tanh", "quadratic"), ("relu", "cross-entropy")],
)
def test_nan_in_x_leaves_the_weights_alone(activation, cost):
    net = Network([64, 16, 10], activation, cost, seed=0)
    x = X()
    x[0, 0] = np.nan
    before = [w.copy() for w in net.weights]
    with pytest.raises(DataError):
        net.train_step(x, np.zeros(4, int), lr=0.1)
    for w, b in zip(net.weights, before, strict=True):
        np.testing.assert_array_equal(w, b)


def test_nan_in_targets():
    net = Network([3, 2], seed=0)
    y = np.zeros((2, 2))
    y[1, 0] = np.nan
    with raises(DataError, "y has 1 NaN"):
        net.backward(np.ones((2, 3)), y)
    with raises(DataError, "y has 1 NaN"):
        net.train_step(np.ones((2, 3)), y, lr=0.1)


def test_cross_entropy_targets_must_be_probability_rows(net):
    y = np.zeros((4, 10))
    y[:, 0] = 1
    y[2, 1] = 1
    with raises(DataError, "row 2 of y sums to 2", "cross-entropy"):
        net.backward(X(), y)
    with raises(DataError, "negative", "y_test"):
        net.fit(
            X(),
            np.zeros(4, int),
            epochs=1,
            batch_size=2,
            lr=0.1,
            x_test=X(),
            y_test=-np.eye(10)[:4],
        )


def test_test_set_errors_name_the_test_set(net):
    with raises(ShapeError, "data has 3 features", "x_test"):
        net.fit(
            X(),
            np.zeros(4, int),
            epochs=1,
            batch_size=2,
            lr=0.1,
            x_test=np.zeros((2, 3)),
            y_test=np.zeros(2, int),
        )
    with raises(ConfigError, "x_test and y_test"):
        net.fit(X(), np.zeros(4, int), epochs=1, batch_size=2, lr=0.1, x_test=X())


@pytest.mark.parametrize(
    ("sizes", "words"),
    [
        ([784], ["at least 2 entries", "[784]"]),
        ([], ["at least 2 entries"]),
        ([784, 0, 10], ["positive integers", "[784, 0, 10]"]),
        ([784, -30, 10], ["positive integers"]),
        ([784, 30.5, 10], ["positive integers"]),
        (784, ["list of layer widths", "784"]),
    ],
)
def test_bad_sizes(sizes, words):
    with raises(ConfigError, "sizes", *words):
        Network(sizes)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"activation": "softplus"}, ["activation 'softplus'", "'sigmoid'", "'tanh'", "'relu'"]),
        ({"cost": "hinge"}, ["cost 'hinge'", "'quadratic'", "'cross-entropy'"]),
        ({"init": "orthogonal"}, ["init 'orthogonal'", "'normal'", "'xavier'", "'he'"]),
        ({"output_activation": "gelu"}, ["output_activation 'gelu'", "'identity'"]),
        ({"output_activation": "softmax"}, ["softmax", "cross-entropy"]),
        ({"cost": "cross-entropy", "output_activation": "sigmoid"}, ["'sigmoid'", "softmax"]),
        ({"dtype": np.int32}, ["dtype", "int32"]),
        ({"rng": 3}, ["rng", "Generator"]),
    ],
)
def test_bad_options(kwargs, words):
    with raises(ConfigError, *words):
        Network([4, 3, 2], **kwargs)


def test_cross_entropy_needs_two_outputs():
    with raises(ConfigError, "cross-entropy", "2 output neurons"):
        Network([4, 1], cost="cross-entropy")


def test_custom_init_of_the_wrong_shape():
    with raises(ShapeError, "W^1", "(2, 2)", "(3, 4)"):
        Network([4, 3], init=lambda shape, rng: np.zeros((2, 2)))


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "fast", None])
def test_bad_learning_rate(net, lr):
    with raises(ConfigError, "learning rate lr"):
        net.train_step(X(), np.zeros(4, int), lr)
    with raises(ConfigError, "learning rate lr"):
        net.fit(X(), np.zeros(4, int), epochs=1, batch_size=2, lr=lr)
    g = net.backward(X(), np.zeros(4, int))
    with raises(ConfigError, "learning rate lr"):
        net.step(g, lr)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"epochs": -1}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
    ],
)
def test_bad_fit_counts(net, kwargs, word):
    args = {"epochs": 1, "batch_size": 2, "lr": 0.1, **kwargs}
    with raises(ConfigError, word):
        net.fit(X(), np.zeros(4, int), **args)


def test_empty_batch(net):
    with raises(ShapeError, "no samples"):
        net.train_step(np.zeros((0, 64)), np.zeros(0, int), 0.1)


def test_unreadable_x(net):
    with raises(DataError, "x cannot be read"):
        net.forward([["a"] * 64])


def test_step_with_gradients_of_another_network(net):
    other = Network([64, 8, 10], seed=0)
    g = other.backward(X(), np.zeros(4, int))
    with raises(ShapeError, "layer 1", "(8, 64)", "(16, 64)"):
        net.step(g, 0.1)


def test_broken_states(net):
    state = net.state()
    del state["arrays"]["b2"]
    with raises(ModelFileError, "'b2'"):
        Network.from_state(state)
    state = net.state()
    state["arrays"]["W1"] = np.zeros((3, 3))
    with raises(ModelFileError, "'W1'", "(3, 3)", "(16, 64)"):
        Network.from_state(state)
    with raises(ModelFileError, "config"):
        Network.from_state({"arrays": {}})
    state = net.state()
    state["arrays"]["W1"] = np.full((16, 64), 1e39)  # finite as float64, inf as float32
    with raises(ModelFileError, "'W1'", "NaN or Inf as float32"):
        Network.from_state(state)
    state = net.state()
    state["arrays"]["b1"] = np.zeros(16, np.int32)
    with raises(ModelFileError, "'b1'", "int32, not floats"):
        Network.from_state(state)


def test_step_with_gradients_of_a_deeper_network(net):
    other = Network([64, 8, 8, 10], seed=0)
    with raises(ShapeError, "gradients for 3 layers", "has 2"):
        net.step(other.backward(X(), np.zeros(4, int)), 0.1)
