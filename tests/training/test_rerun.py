"""Rerun from here: the same start, one remedy, both runs through the one training loop."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.data import load
from chainrule.errors import ConfigError
from chainrule.training import learning_speed_experiment
from chainrule.training.rerun import RERUN_REMEDIES, rerun_with

SIZES = [64, 12, 12, 12, 10]


@pytest.fixture(scope="module")
def first():
    data = load("digits", train_size=120, seed=0)
    return data, learning_speed_experiment(data, SIZES, epochs=1, train_size=None)


@pytest.mark.parametrize("remedy", ["batch-norm", "clip", "smaller-lr", "cross-entropy"])
def test_rerun_starts_from_bit_identical_weights(first, remedy):
    data, result = first
    again = rerun_with(result, remedy, data=data)
    assert again.same_start
    for w, v in zip(*again.initial_weights, strict=True):
        assert w.dtype == v.dtype and w.tobytes() == v.tobytes()
    assert again.before is result and again.after.epochs == result.epochs


def test_same_start_shows_in_the_first_record(first):
    data, result = first
    slower = rerun_with(result, "smaller-lr", data=data).after
    # before any step the speeds depend on the weights and data only: bit for bit the same
    assert np.array_equal(slower.speeds[0], result.speeds[0])
    assert slower.lr == pytest.approx(result.lr / 10)
    assert not np.array_equal(slower.speeds[-1], result.speeds[-1])
    clipped = rerun_with(result, "clip", data=data).after  # the other engine, float32
    assert clipped.engine == "autodiff" and clipped.clip == 1.0
    np.testing.assert_allclose(clipped.speeds[0], result.speeds[0], rtol=1e-4)


def test_relu_he_rescales_the_same_draws(first):
    data, result = first
    again = rerun_with(result, "relu-he", data=data)
    assert not again.same_start and again.after.activation == "relu"
    for w, v in zip(*again.initial_weights, strict=True):
        ratio = v / w
        np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-5)  # one scale per layer
        assert float(np.std(v)) == pytest.approx(np.sqrt(2 / w.shape[1]), rel=1e-5)


def test_every_remedy_is_known_and_bad_ones_are_config_errors(first):
    data, result = first
    assert set(RERUN_REMEDIES) == {"relu-he", "batch-norm", "clip", "smaller-lr", "cross-entropy"}
    with pytest.raises(ConfigError, match="unknown remedy 'dropout'"):
        rerun_with(result, "dropout", data=data)
    ce = rerun_with(result, "cross-entropy", data=data).after
    with pytest.raises(ConfigError, match="already has the remedy 'cross-entropy'"):
        rerun_with(ce, "cross-entropy", data=data)


def test_a_network_that_does_not_match_the_settings_is_refused(first):
    from chainrule.classic import Network

    data, _ = first
    with pytest.raises(ConfigError, match="does not match"):
        learning_speed_experiment(
            data, SIZES, "tanh", epochs=0, train_size=None, network=Network(SIZES)
        )
