"""PyTorch weight files both ways, never through pickle."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ModelFileError

torch = pytest.importorskip("torch", reason="the weight files are checked against torch")
safetensors_torch = pytest.importorskip("safetensors.torch")
pytestmark = pytest.mark.torch

from chainrule.interop import (  # noqa: E402
    from_torch,
    load_torch_weights,
    save_torch_weights,
    to_torch,
)


def _torch_model() -> torch.nn.Sequential:
    torch.manual_seed(1)
    tn = torch.nn
    return tn.Sequential(tn.Linear(4, 6), tn.BatchNorm1d(6), tn.ReLU(), tn.Linear(6, 2)).eval()


def _chainrule_model() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(4, 6, rng=5), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2, rng=6)
    ).eval()


def _same_outputs(torch_model: torch.nn.Module, model: nn.Module) -> None:
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(cr.tensor(x)).numpy(), expected, rtol=1e-6, atol=1e-7)


def test_a_torch_safetensors_file_loads_into_chainrule(tmp_path) -> None:
    torch_model = _torch_model()
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(torch_model.state_dict(), str(path))
    model = _chainrule_model()
    model.load_state_dict(load_torch_weights(path))
    _same_outputs(torch_model, model)


def test_a_chainrule_file_loads_into_torch(tmp_path) -> None:
    model = _chainrule_model()
    path = save_torch_weights(model, tmp_path / "cr.safetensors")
    torch_model = _torch_model()
    assert torch_model.load_state_dict(safetensors_torch.load_file(str(path)))  # strict
    _same_outputs(torch_model, model)
    assert torch.equal(torch_model[0].weight, torch.from_numpy(model[0].weight.numpy()))


def test_a_weights_only_pt_file_loads(tmp_path) -> None:
    torch_model = _torch_model()
    path = tmp_path / "state.pt"
    torch.save(torch_model.state_dict(), path)
    model = from_torch(to_torch(_chainrule_model()))
    model.load_state_dict(load_torch_weights(path))
    _same_outputs(torch_model, model)


class _Payload:
    """An object a pickle would rebuild by running code."""


def test_a_pt_file_with_objects_is_refused_in_one_line(tmp_path) -> None:
    path = tmp_path / "evil.pt"
    torch.save({"weight": _Payload()}, path)
    with pytest.raises(ModelFileError, match="not a weights-only PyTorch file") as info:
        load_torch_weights(path)
    assert "\n" not in str(info.value)


def test_other_files_are_refused(tmp_path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 20)
    with pytest.raises(ModelFileError, match="not a safetensors file"):
        load_torch_weights(bad)
    other = tmp_path / "weights.bin"
    other.write_bytes(b"x")
    with pytest.raises(ModelFileError, match=r"expected a \.safetensors, \.pt or \.pth"):
        load_torch_weights(other)
