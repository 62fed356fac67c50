"""chainrule.classic.Network: layout, initialization, dtypes, saving, and the small tables."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from chainrule.classic import ACTIVATIONS, INITIALIZERS, Network, make_cost, softmax
from chainrule.classic.costs import log_softmax


def test_layout_follows_the_lecture():
    net = Network([784, 30, 10])
    assert net.num_layers == 2
    assert [w.shape for w in net.weights] == [(30, 784), (10, 30)]  # W^l: (N^l, N^(l-1))
    assert [b.shape for b in net.biases] == [(30,), (10,)]
    fp = net.forward(np.zeros((5, 784), np.float32))
    assert [z.shape for z in fp.z] == [(5, 30), (5, 10)]
    assert [a.shape for a in fp.a] == [(5, 784), (5, 30), (5, 10)]
    assert fp.a[0] is not None and fp.output is fp.a[-1]
    # z^1 = a^0 @ W^1.T + b^1: with x = 0, z^1 is b^1 in every row
    np.testing.assert_array_equal(fp.z[0], np.broadcast_to(net.biases[0], (5, 30)))


def test_repr_names_sizes_activation_and_cost():
    text = repr(Network([4, 3, 2], "tanh", "cross-entropy", "xavier"))
    for word in ("[4, 3, 2]", "'tanh'", "'cross-entropy'", "'softmax'", "'xavier'"):
        assert word in text


def test_output_activation_defaults_to_the_hidden_one():
    assert Network([3, 2], "tanh").output_activation.name == "tanh"
    assert Network([3, 2], "tanh", output_activation="identity").output_activation.name == (
        "identity"
    )
    assert Network([3, 2], "relu", "cross-entropy").output_activation.name == "softmax"


def test_same_seed_same_network_in_both_dtypes():
    a = Network([5, 4, 3], seed=42)
    b = Network([5, 4, 3], seed=42)
    c = Network([5, 4, 3], seed=43)
    d = Network([5, 4, 3], seed=42, dtype=np.float64)
    e = Network([5, 4, 3], rng=np.random.default_rng(42))
    for l in range(2):
        np.testing.assert_array_equal(a.weights[l], b.weights[l])
        np.testing.assert_array_equal(a.weights[l], e.weights[l])
        np.testing.assert_array_equal(a.weights[l], d.weights[l].astype(np.float32))
        assert not np.array_equal(a.weights[l], c.weights[l])


@pytest.mark.parametrize(
    ("init", "std", "bias_std"),
    [
        ("normal", 1.0, 1.0),
        ("normal-scaled", 1 / np.sqrt(400), 0.0),
        ("xavier", np.sqrt(2 / (400 + 300)), 0.0),
        ("he", np.sqrt(2 / 400), 0.0),
    ],
)
def test_initializer_statistics(init, std, bias_std):
    net = Network([400, 300], "relu", init=init, seed=0, dtype=np.float64)
    w, b = net.weights[0], net.biases[0]
    assert abs(w.mean()) < 0.02 * std * 10
    assert w.std() == pytest.approx(std, rel=0.03)
    assert b.std() == pytest.approx(bias_std, abs=0.15)
    if init == "xavier":
        assert np.abs(w).max() <= np.sqrt(6 / 700)


def test_callable_init_gets_shape_and_generator():
    calls = []

    def init(shape, rng):
        calls.append((shape, type(rng).__name__))
        return np.full(shape, 0.25)

    net = Network([3, 4, 2], init=init)
    assert calls == [((4, 3), "Generator"), ((2, 4), "Generator")]
    assert net.init_name == "custom"
    assert np.all(net.weights[1] == 0.25) and np.all(net.biases[0] == 0)
    assert set(INITIALIZERS) == {"normal", "normal-scaled", "xavier", "he"}


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_float32_end_to_end(activation, cost):
    net = Network([6, 5, 4], activation, cost, "xavier", seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((7, 6))  # float64 data is converted once, up front
    y = rng.integers(0, 4, size=7)
    for _ in range(3):
        j = net.train_step(x, y, lr=np.float64(0.1))  # an np.float64 lr must not upcast
    assert isinstance(j, float)
    assert all(p.dtype == np.float32 for p in net.weights + net.biases)
    assert all(p.flags.c_contiguous for p in net.weights + net.biases)
    g = net.backward(x, y)
    arrays = g.deltas + g.grad_weights + g.grad_biases + g.forward.z + g.forward.a
    assert all(a.dtype == np.float32 for a in arrays)


def test_workspace_reuse_does_not_leak_into_results():
    net = Network([4, 3, 2], "tanh", "cross-entropy", "xavier", seed=0)
    x = np.random.default_rng(0).random((5, 4), dtype=np.float32)
    fp = net.forward(x)
    first = fp.output.copy()
    net.train_step(x, [0, 1, 0, 1, 1], lr=0.1)  # must not write into earlier results
    np.testing.assert_array_equal(fp.output, first)


def test_state_round_trip_is_json_and_numpy():
    net = Network([5, 4, 3], "relu", "cross-entropy", "he", seed=3)
    state = net.state()
    config = json.loads(json.dumps(state["config"]))
    assert config["sizes"] == [5, 4, 3] and config["cost"] == "cross-entropy"
    assert sorted(state["arrays"]) == ["W1", "W2", "b1", "b2"]
    assert all(isinstance(a, np.ndarray) for a in state["arrays"].values())
    again = Network.from_state({"config": config, "arrays": state["arrays"]})
    assert repr(again) == repr(net)
    x = np.random.default_rng(0).random((3, 5), dtype=np.float32)
    np.testing.assert_array_equal(again.output(x), net.output(x))
    state["arrays"]["W1"][0, 0] = 99.0  # the state is a copy
    assert net.weights[0][0, 0] != 99.0


def test_state_of_a_quadratic_network_keeps_its_output_activation():
    net = Network([3, 2], "tanh", output_activation="identity", dtype=np.float64)
    again = Network.from_state(net.state())
    assert again.output_activation.name == "identity" and again.dtype == np.float64


def test_predict_accuracy_and_cost_agree():
    net = Network([3, 4, 3], "tanh", "cross-entropy", "xavier", seed=0)
    x = np.random.default_rng(1).random((50, 3))
    proba = net.predict_proba(x)
    labels = net.predict(x)
    np.testing.assert_array_equal(labels, proba.argmax(axis=1))
    assert net.accuracy(x, labels) == 1.0
    assert net.accuracy(x, np.eye(3)[labels]) == 1.0
    j = -np.mean(np.log(proba[np.arange(50), labels]))
    assert net.cost(x, labels) == pytest.approx(j, rel=1e-5)


def test_evaluation_in_chunks(monkeypatch):
    import chainrule.classic.network as network

    net = Network([3, 4, 2], seed=0)
    x = np.random.default_rng(1).random((10, 3))
    whole = net.output(x)
    cost = net.cost(x, [0, 1] * 5)
    monkeypatch.setattr(network, "EVAL_CHUNK", 3)
    np.testing.assert_array_equal(net.output(x), whole)
    assert net.cost(x, [0, 1] * 5) == pytest.approx(cost, rel=1e-6)


def test_no_overflow_warnings_on_extreme_inputs():
    x = np.full((2, 3), 1e4, np.float32)
    x[1] *= -1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for activation in ("sigmoid", "tanh", "relu"):
            for cost in ("quadratic", "cross-entropy"):
                net = Network([3, 4, 2], activation, cost, seed=0)
                j = net.train_step(x, [0, 1], lr=0.01)
                assert np.isfinite(j)
                assert np.all(np.isfinite(net.output(x)))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_activation_table_derivatives(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-4, 4, 81) + 0.05  # keep away from ReLU's kink
    a = act.fn(z)
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    np.testing.assert_allclose(act.prime(z, a), numeric, rtol=1e-6, atol=1e-9)
    out = np.empty_like(z)
    assert act.fn(z, out) is out
    np.testing.assert_array_equal(out, a)
    if name == "sigmoid":
        np.testing.assert_allclose(a, 1 / (1 + np.exp(-z)), rtol=1e-14)


def test_softmax_is_stable_and_log_softmax_exact():
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    a = softmax(z)
    assert np.all(np.isfinite(a)) and np.allclose(a.sum(axis=1), 1)
    np.testing.assert_allclose(log_softmax(z)[0], [0.0, -1000.0, -2000.0])
    cost = make_cost("cross-entropy")
    assert cost.value(z, a, np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])) == pytest.approx(
        (2000.0 - np.log(a[1, 2])) / 2
    )


def test_boolean_labels_are_class_indices():
    net = Network([3, 2], "tanh", "cross-entropy", "xavier", seed=0, dtype=np.float64)
    x = np.random.default_rng(0).random((4, 3))
    y = np.array([True, False, False, True])
    assert net.cost(x, y) == net.cost(x, y.astype(int))


def test_softmax_output_has_no_elementwise_derivative():
    from chainrule.classic import SOFTMAX
    from chainrule.errors import ConfigError

    net = Network([3, 2], cost="cross-entropy")
    assert net.output_activation is SOFTMAX and SOFTMAX.constant_prime
    with pytest.raises(ConfigError, match="folded into"):
        SOFTMAX.prime(np.zeros((1, 2)), np.zeros((1, 2)))


def test_evaluate_is_cost_and_accuracy():
    net = Network([3, 4, 3], "relu", "cross-entropy", "he", seed=0)
    x = np.random.default_rng(1).random((20, 3))
    y = np.random.default_rng(2).integers(0, 3, size=20)
    j, acc = net.evaluate(x, y)
    assert j == pytest.approx(net.cost(x, y)) and acc == net.accuracy(x, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_classic_sigmoid_equals_the_engines_in_both_tails(dtype):
    """Both engines compute σ alike, so they saturate alike (the tanh form rounded σ(-20) in
    float32 to 0)."""
    from chainrule.classic.activations import ACTIVATIONS
    from chainrule.ops import arrays

    z = np.array([-100.0, -40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0], dtype=dtype)
    ours = ACTIVATIONS["sigmoid"].fn(z.copy())
    np.testing.assert_array_equal(ours, arrays.sigmoid(z))
    assert ours[2] > 0


def test_forward_and_gradients_show_shapes_not_arrays():
    net = Network([64, 30, 30, 30, 30, 10], seed=0)
    g = net.backward(np.zeros((200, 64)), np.eye(10)[np.zeros(200, int)])
    assert repr(g).startswith("Gradients(cost=") and len(repr(g)) < 200
    assert repr(g.forward) == (
        "ForwardPass(a: (200, 64) -> (200, 30) -> (200, 30) -> (200, 30) -> (200, 30) -> (200, 10))"
    )
