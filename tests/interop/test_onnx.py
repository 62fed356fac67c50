"""ONNX export, checked by the onnx checker and by ONNX Runtime against chainrule's forward."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import nn
from chainrule.classic import Network
from chainrule.engine import Tensor, no_grad
from chainrule.errors import ConfigError

onnx = pytest.importorskip("onnx", reason="ONNX export tests need onnx (chainrule[onnx])")
ort = pytest.importorskip("onnxruntime", reason="the oracle is ONNX Runtime (chainrule[onnx])")

from chainrule.interop import export_onnx  # noqa: E402


def _trained_batch_norm(model: nn.Module, n_features: int) -> None:
    """A few training-mode passes, so the running statistics are not the initial 0 and 1."""
    rng = np.random.default_rng(7)
    model.train()
    for _ in range(3):
        model(Tensor(rng.normal(2.0, 3.0, (16, n_features)).astype(np.float32)))


def _architectures() -> dict[str, nn.Module]:
    def linear(i: int, o: int, seed: int) -> nn.Linear:
        return nn.Linear(i, o, rng=seed)

    return {
        "relu": nn.Sequential(linear(5, 8, 0), nn.ReLU(), linear(8, 3, 1)),
        "sigmoid-tanh-softmax": nn.Sequential(
            linear(5, 7, 2), nn.Sigmoid(), linear(7, 6, 3), nn.Tanh(), linear(6, 4, 4), nn.Softmax()
        ),
        "leaky-elu-gelu": nn.Sequential(
            linear(5, 8, 5),
            nn.LeakyReLU(0.1),
            linear(8, 8, 6),
            nn.ELU(0.7),
            linear(8, 8, 7),
            nn.GELU(),
            linear(8, 8, 8),
            nn.GELU("tanh"),
            linear(8, 2, 9),
            nn.LogSoftmax(dim=1),
        ),
        "softplus-identity-nested": nn.Sequential(
            nn.Sequential(linear(5, 6, 10), nn.Softplus()),
            nn.Identity(),
            linear(6, 6, 11),
            nn.Softplus(beta=2.5),
            nn.Linear(6, 3, bias=False, rng=12),
        ),
        "batch-norm-dropout": nn.Sequential(
            linear(5, 9, 13),
            nn.BatchNorm1d(9),
            nn.ReLU(),
            nn.Dropout(0.5, rng=0),
            linear(9, 9, 14),
            nn.BatchNorm1d(9, affine=False),
            nn.Tanh(),
            linear(9, 3, 15),
        ),
    }


def _run(path: object, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


@pytest.mark.parametrize("name", list(_architectures()))
def test_onnx_runtime_agrees_with_chainrule(name: str, tmp_path: object) -> None:
    model = _architectures()[name]
    _trained_batch_norm(model, 5)
    model.eval()
    path = export_onnx(model, np.zeros((1, 5), np.float32), tmp_path / f"{name}.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    rng = np.random.default_rng(1)
    for batch in (1, 4, 33):  # the batch dimension is dynamic
        x = rng.normal(0.0, 2.0, (batch, 5)).astype(np.float32)
        with no_grad():
            expected = model(Tensor(x)).numpy()
        got = _run(path, x)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_export_leaves_the_training_mode_as_it_was(tmp_path: object) -> None:
    model = _architectures()["batch-norm-dropout"]
    model.train()
    export_onnx(model, np.zeros((2, 5), np.float32), tmp_path / "m.onnx")
    assert all(m.training for m in model.modules())


def test_a_classic_network_exports(tmp_path: object) -> None:
    net = Network([6, 5, 4, 3], activation="tanh", seed=3)
    path = export_onnx(net, np.zeros((1, 6)), tmp_path / "net.onnx")
    x = np.random.default_rng(2).normal(size=(10, 6))
    expected = net.forward(x).output  # the classic matrix-form pass, in float64
    got = _run(path, x.astype(np.float32))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_an_unsupported_layer_is_named_in_one_line(tmp_path: object) -> None:
    class Square(nn.Module):
        def forward(self, x: Tensor) -> Tensor:
            return x * x

    model = nn.Sequential(nn.Linear(3, 3, rng=0), Square())
    with pytest.raises(ConfigError, match="cannot convert Square to ONNX") as info:
        export_onnx(model, np.zeros((1, 3), np.float32), tmp_path / "m.onnx")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "m.onnx").exists()


def test_batch_norm_without_running_statistics_is_refused(tmp_path: object) -> None:
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4, track_running_stats=False))
    with pytest.raises(ConfigError, match="track_running_stats=False"):
        export_onnx(model, np.zeros((1, 3), np.float32), tmp_path / "m.onnx")


def test_examples_with_more_axes_need_a_leading_flatten(tmp_path: object) -> None:
    from chainrule.errors import ShapeError

    with pytest.raises(ShapeError, match=r"put nn\.Flatten\(\) first"):
        export_onnx(nn.Linear(4, 2, rng=0), np.zeros((1, 2, 2), np.float32), tmp_path / "m.onnx")
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2, rng=0), nn.Tanh())
    path = export_onnx(model, np.zeros((1, 2, 2), np.float32), tmp_path / "m.onnx")
    x = np.random.default_rng(3).normal(size=(6, 2, 2)).astype(np.float32)
    with no_grad():
        expected = model(Tensor(x)).numpy()
    np.testing.assert_allclose(_run(path, x), expected, rtol=1e-5, atol=1e-6)
