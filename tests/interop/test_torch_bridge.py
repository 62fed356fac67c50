"""PyTorch models both ways: the twins compute the same outputs and the same gradients."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.classic import Network
from chainrule.errors import ConfigError, ModelFileError

torch = pytest.importorskip("torch", reason="the PyTorch bridge is checked against torch")
pytestmark = pytest.mark.torch

from chainrule.interop import from_torch, to_torch  # noqa: E402


def _torch_mlp() -> torch.nn.Sequential:
    torch.manual_seed(0)
    tn = torch.nn
    model = tn.Sequential(
        tn.Linear(5, 8),
        tn.BatchNorm1d(8),
        tn.GELU(),
        tn.Dropout(0.3),
        tn.Sequential(tn.Linear(8, 6), tn.LeakyReLU(0.05)),
        tn.Linear(6, 6, bias=False),
        tn.ELU(0.8),
        tn.Linear(6, 6),
        tn.Softplus(beta=1.5),
        tn.Linear(6, 4),
        tn.Tanh(),
        tn.Linear(4, 3),
        tn.LogSoftmax(dim=1),
    ).double()
    model.train()
    with torch.no_grad():  # running statistics that are not the initial 0 and 1
        model(torch.randn(32, 5, dtype=torch.float64) * 3 + 1)
    return model.eval()


def _outputs_and_gradients(torch_model: torch.nn.Module, model: nn.Module, x: np.ndarray):
    xt = torch.tensor(x, requires_grad=True)
    torch_model(xt).square().sum().backward()
    xc = cr.tensor(x, requires_grad=True)
    out = model(xc)
    (out * out).sum().backward()
    return xt, xc, out


def test_a_torch_mlp_converted_gives_the_same_outputs_and_gradients() -> None:
    torch_model = _torch_mlp()
    model = from_torch(torch_model)
    assert not model.training
    x = np.random.default_rng(0).normal(size=(7, 5))
    xt, xc, out = _outputs_and_gradients(torch_model, model, x)
    np.testing.assert_allclose(out.numpy(), torch_model(xt).detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), (torch_name, tp) in zip(
        model.named_parameters(), torch_model.named_parameters(), strict=True
    ):
        assert name == torch_name
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_round_trip_keeps_every_value() -> None:
    torch_model = _torch_mlp()
    back = to_torch(from_torch(torch_model))
    assert type(back[4]) is torch.nn.Sequential
    for key, value in torch_model.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key
    assert back[0].weight.dtype == torch.float64 and not back.training


def test_a_chainrule_model_goes_to_torch_in_float32() -> None:
    model = nn.Sequential(
        nn.Linear(4, 5, rng=0), nn.Sigmoid(), nn.Linear(5, 2, rng=1), nn.Softmax()
    )
    torch_model = to_torch(model)
    x = np.random.default_rng(3).normal(size=(6, 4)).astype(np.float32)
    with torch.no_grad():
        got = torch_model(torch.from_numpy(x)).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model(cr.tensor(x)).numpy(), rtol=1e-6)


def test_a_classic_network_goes_to_torch() -> None:
    net = Network([3, 4, 2], activation="relu", seed=1, dtype="float64")
    x = np.random.default_rng(4).normal(size=(5, 3))
    with torch.no_grad():
        got = to_torch(net)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, net.forward(x).output, rtol=1e-12)


def test_load_state_dict_takes_a_safetensors_torch_file(tmp_path) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch_model = _torch_mlp()
    path = tmp_path / "weights.safetensors"
    safetensors_torch.save_file(torch_model.state_dict(), str(path))
    model = from_torch(_torch_mlp().apply(_scramble))  # same layout, other values
    model.load_state_dict(safetensors_torch.load_file(str(path)))
    x = np.random.default_rng(5).normal(size=(4, 5))
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(cr.tensor(x)).numpy(), expected, rtol=1e-10)


def _scramble(module: torch.nn.Module) -> None:
    with torch.no_grad():
        for p in module.parameters(recurse=False):
            p.add_(1.0)


def test_load_state_dict_names_a_torch_shape_mismatch() -> None:
    model = nn.Sequential(nn.Linear(4, 3, rng=0))
    wrong = torch.nn.Sequential(torch.nn.Linear(4, 2)).state_dict()
    with pytest.raises(ModelFileError, match=r"shape mismatch for '0.weight'"):
        model.load_state_dict(wrong)


def test_an_unsupported_layer_is_named_in_one_line() -> None:
    with pytest.raises(ConfigError, match="cannot convert Conv1d to chainrule") as info:
        from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 3)))
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=r"expects a torch\.nn\.Module"):
        from_torch(nn.Linear(2, 2))
