"""The lab as data: what each part computed, reproducibly, and its report and files."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from chainrule.report import LabSettings, render_lab_html, render_summary, run_lab, write_lab
from chainrule.report.lab import LARGE_LR, REMEDIES, WORKED, finite_json


def test_part1_the_lecture_example(quick_lab):
    assert quick_lab.composite.value == 9
    assert quick_lab.composite.gradients == {"x1": 3.0, "x2": 6.0}
    assert [e.gradients for e in quick_lab.exercises] == [
        {"x1": 8.0, "x2": 6.0},
        {"x1": 24.0, "x2": 61.0},
    ]


def test_part2_formulas_match_autodiff_and_training_learns(quick_lab):
    t = quick_lab.training
    assert [row.layer for row in t.check] == [1, 2]
    assert max(max(r.max_diff_w, r.max_diff_b) for r in t.check) < 1e-12
    history = t.history
    assert [h["epoch"] for h in history] == list(range(t.epochs + 1))
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def _column_form_on_autodiff(worked):
    """The lecture's equations as written, one sample as a column, z = W a + b, on the
    autodiff engine: J, every δ^l = ∂J/∂z^l, ∂J/∂W^l and ∂J/∂b^l, computed apart from the lab."""
    a = cr.tensor(worked.x.reshape(-1, 1))
    zs, params = [], []
    for w, b in zip(worked.weights, worked.biases, strict=True):
        w_t = cr.tensor(w, requires_grad=True)
        b_t = cr.tensor(b.reshape(-1, 1), requires_grad=True)
        z = w_t @ a + b_t
        z.retain_grad()
        a = z.sigmoid()
        zs.append(z)
        params.append((w_t, b_t))
    cost = ((cr.tensor(worked.y.reshape(-1, 1)) - a) ** 2).sum() * 0.5
    cost.backward()
    deltas = [z.grad.numpy().ravel() for z in zs]
    grad_w = [w_t.grad.numpy() for w_t, _ in params]
    grad_b = [b_t.grad.numpy().ravel() for _, b_t in params]
    return cost.item(), deltas, grad_w, grad_b


def test_part2_worked_example_equals_the_autodiff_engine(quick_lab):
    w = quick_lab.training.worked
    assert w.sizes == WORKED == (3, 3, 1)
    assert w.lr == quick_lab.settings.train_lr
    assert w.x.shape == (3,) and w.y.tolist() == [1.0]
    assert [m.shape for m in w.weights] == [(3, 3), (1, 3)]
    cost, deltas, grad_w, grad_b = _column_form_on_autodiff(w)
    assert w.cost == pytest.approx(cost, abs=1e-15)
    for l in range(2):
        np.testing.assert_allclose(w.deltas[l], deltas[l], rtol=0, atol=1e-15)
        np.testing.assert_allclose(w.grad_weights[l], grad_w[l], rtol=0, atol=1e-15)
        np.testing.assert_allclose(w.grad_biases[l], grad_b[l], rtol=0, atol=1e-15)
    assert max(w.max_diff_gradients, w.max_diff_update) < 1e-12


def test_part2_worked_example_follows_the_four_formulas(quick_lab):
    w = quick_lab.training.worked
    sig = [1 / (1 + np.exp(-z)) for z in w.z]
    for a, s in zip(w.a[1:], sig, strict=True):
        np.testing.assert_allclose(a, s, rtol=1e-14)
    prime = [s * (1 - s) for s in sig]
    delta_out = (w.a[2] - w.y) * prime[1]  # δ^L = (a^L - y) ⊙ σ'(z^L)
    delta_hidden = (w.weights[1].T @ delta_out) * prime[0]  # δ^l = (W^(l+1))^T δ^(l+1) ⊙ σ'
    np.testing.assert_allclose(w.deltas[1], delta_out, rtol=1e-12)
    np.testing.assert_allclose(w.deltas[0], delta_hidden, rtol=1e-12)
    for l, a_prev in enumerate(w.a[:2]):
        np.testing.assert_allclose(w.grad_weights[l], np.outer(w.deltas[l], a_prev), rtol=1e-12)
        np.testing.assert_allclose(w.grad_biases[l], w.deltas[l], rtol=1e-12)
        np.testing.assert_allclose(
            w.new_weights[l], w.weights[l] - w.lr * w.grad_weights[l], rtol=1e-12
        )
        np.testing.assert_allclose(w.new_biases[l], w.biases[l] - w.lr * w.deltas[l], rtol=1e-12)
    # one digit after the point, so that a reader can redo the products by hand
    for values in (w.x, *w.weights, *w.biases):
        np.testing.assert_array_equal(values, np.round(values, 1))
    assert w.cost_after < w.cost


def test_part2_worked_example_in_the_report_and_the_numbers(quick_lab):
    w = quick_lab.training.worked
    html = render_lab_html(quick_lab)
    assert 'id="worked"' in html and 'href="#worked"' in html
    for value in (*w.z[0], *w.a[1], *w.deltas[0], *w.deltas[1], *w.new_biases[0], w.cost):
        assert re.search(rf"(?<![\d.]){re.escape(f'{value:.4g}')}(?![\d])", html), value
    for row in w.grad_weights[0]:  # a row j of ∂J/∂W^1 = δ^1 (a^0)^T
        assert "(" + ", ".join(f"{v:.4g}" for v in row) + ")" in html
    # the index form of the hidden-layer error and the matrix form of the weight gradient
    assert "Σ<sub>k</sub> w<sub>kj</sub><sup>(l+1)</sup> δ<sub>k</sub><sup>(l+1)</sup>" in html
    assert "∂J/∂W<sup>(l)</sup> = δ<sup>(l)</sup> (a<sup>(l−1)</sup>)<sup>T</sup>" in html
    # the two conventions: layers from 0 with a^0 = x, and the 1/m inside each row of δ
    assert "a<sup>(0)</sup> = x" in html and "its a<sup>(2)</sup> is our a<sup>(1)</sup>" in html
    assert "per-sample δ is m times its row of the batch δ" in html
    data = json.loads(json.dumps(quick_lab.to_dict(), allow_nan=False))["worked_example"]
    assert data["sizes"] == [3, 3, 1] and data["m"] == 1 and data["lr"] == w.lr
    assert data["deltas"] == [d.tolist() for d in w.deltas]
    assert data["grad_weights"] == [g.tolist() for g in w.grad_weights]
    assert data["updated_weights"] == [g.tolist() for g in w.new_weights]
    assert data["a"][0] == data["x"] == w.x.tolist()
    assert data["max_diff_gradients"] < 1e-12


def test_part3_vanishing_remedies_and_exploding(quick_lab):
    van = quick_lab.vanishing
    assert van.result.speeds.shape == (quick_lab.settings.speed_epochs + 1, 4)
    assert "vanishing" in van.diagnosis.kinds
    assert van.result.initial_ratio < 0.1
    assert [run.remedy.key for run in quick_lab.remedies] == [r.key for r in REMEDIES]
    assert len(quick_lab.comparison.rows) == len(REMEDIES)
    ex = quick_lab.exploding
    speeds = ex.unclipped.speeds[0]
    assert np.all(np.diff(speeds) < 0)  # growing toward the input
    assert ex.diverged_at is not None and ex.unclipped.diverged
    assert not ex.clipped.diverged
    assert np.isfinite(ex.clipped.train_loss).all()
    assert {"non_finite", "exploding"} <= set(ex.diagnosis.kinds)


def test_part3_a_learning_rate_too_large_explodes(quick_lab):
    case = quick_lab.large_lr
    big, normal = case.large, case.normal
    assert big.lr == LARGE_LR and normal.lr < 1
    assert (big.activation, big.init) == (normal.activation, normal.init) == ("relu", "he")
    # same weights and batches: the first step is the same, only α tells the runs apart
    np.testing.assert_array_equal(big.speeds[0], normal.speeds[0])
    assert big.diverged and case.diverged_at is not None and case.diverged_at <= 6
    assert {"non_finite", "exploding"} <= set(case.diagnosis.kinds)
    assert not normal.diverged and np.isfinite(normal.train_loss).all()
    assert case.normal_diagnosis.kinds == ["healthy"]
    data = quick_lab.to_dict()["large_lr"]
    assert data["diverged_at_step"] == case.diverged_at
    assert data["lr"] == LARGE_LR and data["normal"]["diverged"] is False
    html = render_lab_html(quick_lab)
    assert 'id="large-lr"' in html and "学习率过大也会导致梯度爆炸" in html
    assert f"at training step {case.diverged_at} the gradients overflow" in html


def test_the_published_experiment_is_named_as_mnist(quick_lab):
    html = render_lab_html(quick_lab)
    text = json.dumps(quick_lab.to_dict(), ensure_ascii=False) + html
    assert "fashion" not in text.lower()
    sentences = [s for s in re.split(r"\.\s+(?=[A-Z])", text) if "published" in s]
    assert sentences
    assert all("MNIST" in s and "Nielsen" in s for s in sentences), sentences


def test_to_dict_is_strict_json(quick_lab):
    text = json.dumps(quick_lab.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["composite"]["gradients"] == {"x1": 3.0, "x2": 6.0}
    assert data["exploding"]["unclipped"]["final_loss"] is None  # NaN -> null
    assert "seconds" not in json.dumps(data["training"]["history"])


def test_finite_json():
    assert finite_json({"a": (1.0, math.nan), "b": np.float32(2), "c": np.array([math.inf])}) == {
        "a": [1.0, None],
        "b": 2.0,
        "c": [None],
    }


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]


def test_report_is_self_contained(quick_lab):
    html = render_lab_html(quick_lab)
    parser = _Collect()
    parser.feed(html)
    parser.close()
    assert "script" not in parser.tags and "link" not in parser.tags
    images = [u for u in parser.urls if u.startswith("data:image/png;base64,")]
    assert len(images) >= 6
    assert all(u.startswith(("data:image/png;base64,", "#")) for u in parser.urls)
    assert parser.tags.count("svg") >= 1


def test_write_lab_and_summary(quick_lab, tmp_path):
    paths = write_lab(quick_lab, tmp_path / "out")
    for key, path in paths.items():
        assert path.exists(), key
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "out").glob(".*.tmp"))  # atomic writes leave nothing behind
    summary = render_summary(quick_lab, paths)
    assert "dy/dx1 = 3, dy/dx2 = 6" in summary
    assert str(paths["report"]) in summary


def test_same_seed_same_numbers(quick_lab):
    again = run_lab(LabSettings.quick_settings(seed=0))
    assert again.to_dict() == quick_lab.to_dict()


def test_settings_are_checked():
    with pytest.raises(ConfigError):
        LabSettings(seed=-1)
    with pytest.raises(ConfigError):
        LabSettings(train_epochs=0)
