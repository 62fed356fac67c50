"""The input-plane grid of a 2-D model equals the model's own predictions, for both engines."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import nn
from chainrule.classic import Network
from chainrule.diagnostics.boundary import (
    learner_parts,
    plane_grid,
    plane_responses,
    plot_plane,
)
from chainrule.errors import ConfigError
from chainrule.training import TrainConfig
from chainrule.training.run import Run


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
def test_grid_is_the_models_own_prediction(engine, cost):
    config = TrainConfig(
        data="moons",
        layers=(2, 5, 4, 2),
        activation="tanh",
        init="xavier",
        cost=cost,
        lr=0.1,
        engine=engine,
        epochs=2,
        standardize=True,
        batch_norm=engine == "autodiff",
    )
    run = Run(config)
    for _ in range(7):
        run.step()
    model, scale = learner_parts(run.learner)
    responses = plane_responses(model, run.splits.train[0], resolution=9, scale=scale)
    points = responses.points.astype(np.float32)
    proba = run.learner.predict_proba(points).reshape(responses.outputs.shape)
    np.testing.assert_allclose(responses.outputs, proba, rtol=1e-5, atol=1e-6)
    labels = run.learner.predict(points).reshape(responses.labels.shape)
    np.testing.assert_array_equal(responses.labels, labels)
    assert [h.shape for h in responses.hidden] == [(9, 9, 5), (9, 9, 4)]


def test_hidden_responses_are_the_classic_forward_pass():
    net = Network([2, 3, 1], activation="sigmoid", seed=1)
    x = np.array([[-1.0, 0.0], [2.0, 1.0]])
    responses = plane_responses(net, x, resolution=4)
    forward = net.forward(responses.points.astype(np.float32))
    np.testing.assert_array_equal(responses.hidden[0].reshape(-1, 3), forward.a[1])
    # one output unit: class 1 where a^L >= 0.5, as Network.predict says
    np.testing.assert_array_equal(
        responses.labels.ravel(), net.predict(responses.points.astype(np.float32))
    )


def test_module_mode_is_restored_and_logits_become_probabilities():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    model.train()
    responses = plane_responses(model, np.eye(2), resolution=3)
    assert model.training
    np.testing.assert_allclose(responses.outputs.sum(axis=-1), 1.0, rtol=1e-6)


def test_grid_covers_the_points_and_refuses_other_shapes():
    xs, ys = plane_grid(np.array([[0.0, 5.0], [1.0, 7.0]]), resolution=11, margin=0.1)
    assert xs[0] < 0 < 1 < xs[-1] and ys[0] < 5 < 7 < ys[-1]
    with pytest.raises(ConfigError, match="2-D inputs"):
        plane_grid(np.ones((3, 64)))
    with pytest.raises(ConfigError, match="resolution"):
        plane_grid(np.ones((3, 2)), resolution=1)


def test_plot_writes_a_png_with_a_panel_per_unit(tmp_path):
    net = Network([2, 3, 2, 2], activation="tanh", cost="cross-entropy", seed=0)
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    y = np.array([0, 0, 1])
    fig = plot_plane(plane_responses(net, x, resolution=6), x, y, tmp_path / "b.png")
    assert (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"
    assert len(fig.axes) == 1 + 3 + 2
