"""Training sessions of the network view, without a server: training, edits, remedies, bounds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.diagnostics import KINDS
from chainrule.errors import ConfigError
from chainrule.playground.app import Limits
from chainrule.playground.session import Bench, Session, Settings, Slots, StepBudget


def test_xor_trains_to_accuracy_one_within_a_bounded_number_of_steps():
    bench = Bench(Settings(data="xor", hidden=(4,), seed=0), Limits(steps_per_second=10_000))
    accuracy, steps = 0.0, 0
    while accuracy < 1.0 and steps < 600:
        steps += bench.advance(15)
        accuracy = bench.frame(plane=False)["main"]["train_accuracy"]
    assert accuracy == 1.0, f"train accuracy {accuracy} after {steps} steps"
    frame = bench.frame()["main"]
    assert frame["test_accuracy"] == 1.0
    # the boundary sent is the model's own: every training point lies in a cell of its class
    plane = frame["plane"]
    xs, ys, labels = (np.array(plane[k]) for k in ("xs", "ys", "labels"))
    x, y = bench.main.run.splits.train
    cells = labels[np.abs(ys[None] - x[:, 1:2]).argmin(1), np.abs(xs[None] - x[:, :1]).argmin(1)]
    assert (cells == y).mean() > 0.9


def test_frame_is_strict_json_with_every_part_the_view_draws():
    bench = Bench(Settings(data="spirals", hidden=(8, 8), activation="relu", init="he"), Limits())
    bench.advance(5)
    frame = json.loads(json.dumps(bench.frame(), allow_nan=False))["main"]
    assert frame["step"] == 5 and len(frame["speeds"]) == 3
    assert [np.shape(w) for w in frame["weights"]] == [(8, 2), (8, 8), (3, 8)]
    assert [np.shape(g) for g in frame["grad_weights"]] == [(8, 2), (8, 8), (3, 8)]
    assert [np.shape(d) for d in frame["deltas"]] == [(16, 8), (16, 8), (16, 3)]
    assert [np.shape(h) for h in frame["plane"]["hidden"]] == [(8, 16, 16), (8, 16, 16)]
    assert {row["kind"] for row in frame["diagnosis"]} <= set(KINDS)


def test_numbers_shown_are_the_engines():
    session = Session(Settings(data="moons", hidden=(3,)), Limits())
    session.step(4)
    frame = session.frame(plane=False)
    x, y = session.run.splits.train
    passed = session.run.learner.layer_pass(x, y)
    # shown to 4 significant digits: within half a unit of the 4th
    np.testing.assert_allclose(frame["speeds"], passed.speeds, rtol=5e-4, atol=0)
    np.testing.assert_allclose(frame["weights"][0], session.parameters()[0][0], rtol=5e-4)
    assert frame["train_accuracy"] == pytest.approx(session.run.evaluate()["train_accuracy"], 5e-4)


@pytest.mark.parametrize("engine", ["classic", "autodiff"])
def test_edit_changes_exactly_that_weight(engine):
    session = Session(Settings(data="xor", hidden=(4, 3), engine=engine), Limits())
    session.step(3)
    before = [(w.copy(), b.copy()) for w, b in session.parameters()]
    session.edit(2, 1, 3, 2.5)
    after = session.parameters()
    for l, ((w0, b0), (w1, b1)) in enumerate(zip(before, after, strict=True), start=1):
        changed = np.argwhere(w0 != w1).tolist()
        assert changed == ([[1, 3]] if l == 2 else []), l
        np.testing.assert_array_equal(b0, b1)
    assert after[1][0][1, 3] == 2.5
    assert session.frame(plane=False)["weights"][1][1][3] == 2.5


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((0, 0, 0, 1.0), "layer must be 1 to 2"),
        ((1, 4, 0, 1.0), "j must be 0 to 3 in layer 1"),
        ((2, 0, 4, 1.0), "k must be 0 to 3 in layer 2"),
        ((1, 0, 0, float("nan")), "a weight must be a number"),
        ((1, 0, 0, "1"), "a weight must be a number"),
    ],
)
def test_bad_edits_are_one_line(args, words):
    session = Session(Settings(data="xor", hidden=(4,)), Limits())
    with pytest.raises(ConfigError, match=words):
        session.edit(*args)


def test_remedy_restarts_both_runs_from_identical_initial_weights():
    bench = Bench(Settings(data="xor", hidden=(4, 4), activation="sigmoid"), Limits())
    initial = [(w.copy(), b.copy()) for w, b in bench.main.parameters()]
    bench.advance(20)
    bench.main.edit(1, 0, 0, 9.0)
    bench.remedy("batch_norm")
    assert bench.side is not None and bench.side.settings.batch_norm
    assert bench.side.run.config.engine == "autodiff" and bench.main.run.steps == 0
    for run in (bench.main, bench.side):
        for (w, b), (w0, b0) in zip(run.parameters(), initial, strict=True):
            np.testing.assert_array_equal(w, w0)
            np.testing.assert_array_equal(b, b0)
    assert bench.advance(7) == 7
    assert bench.side.run.steps == bench.main.run.steps == 7
    frame = bench.frame(plane=False)
    assert frame["side"]["step"] == 7 and bench.describe()["remedy"] == "batch_norm"
    with pytest.raises(ConfigError, match="unknown remedy 'magic'"):
        bench.remedy("magic")


def test_oversized_networks_are_refused_in_one_line():
    with pytest.raises(ConfigError, match="at most 64"):
        Session(Settings(data="xor", hidden=(65,)), Limits())
    with pytest.raises(ConfigError, match="trains at most 8"):
        Session(Settings(data="xor", hidden=(2,) * 8), Limits())
    with pytest.raises(ConfigError, match="parameters"):
        Session(Settings(data="xor", hidden=(60, 60)), Limits(network_parameters=1000))


def test_steps_per_second_bound_the_steps_taken():
    now = [0.0]
    budget = StepBudget(50, clock=lambda: now[0])
    bench = Bench(Settings(data="xor"), Limits(steps_per_second=50), budget=budget)
    assert bench.advance(80) == 50  # one second's worth at most
    assert bench.advance(10) == 0
    now[0] = 0.1
    assert bench.advance(10) == 5
    # a restart with the same budget does not refill it
    assert Bench(Settings(data="moons"), Limits(steps_per_second=50), budget=budget).advance(9) == 0


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"data": "mnist"}, "unknown data 'mnist'"),
        ({"hidden": []}, "at least one layer"),
        ({"lr": -1}, "lr must be positive"),
        ({"colour": "red"}, "unknown settings: colour"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_settings_are_one_line(values, words):
    with pytest.raises(ConfigError, match=words):
        Settings.from_dict(values)


def test_slots_bound_the_sessions_at_once():
    slots = Slots(2)
    assert slots.take() and slots.take() and not slots.take()
    assert "2 network sessions" in slots.refusal()
    slots.give_back()
    assert slots.take()
