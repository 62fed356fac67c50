"""PyTorch weight files both ways, without pickle: a safetensors file that
``torch_model.load_state_dict(safetensors.torch.load_file(path))`` takes, and the arrays of a
safetensors file or of a ``.pt`` file (read by ``torch.load(weights_only=True)`` only)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import ConfigError, ModelFileError
from chainrule.files import open_regular
from chainrule.interop._modules import as_module
from chainrule.serialization import atomic_write_bytes, first_line


def save_torch_weights(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``model``'s state dict (an ``nn`` model or a classic ``Network``) as a safetensors
    file, all at once, under the keys its ``to_torch`` twin has: PyTorch loads it with
    ``load_state_dict(safetensors.torch.load_file(path))``.

    >>> import tempfile, pathlib
    >>> from chainrule import nn
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.safetensors"
    >>> sorted(load_torch_weights(save_torch_weights(nn.Linear(2, 3, rng=0), path)))
    ['bias', 'weight']
    """
    from safetensors.numpy import save

    state = {
        key: np.ascontiguousarray(t.numpy()) for key, t in as_module(model).state_dict().items()
    }
    return atomic_write_bytes(path, save(state, metadata={"format": "pt"}))


def load_torch_weights(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The arrays of a PyTorch weight file by state-dict key, for ``model.load_state_dict``:
    a ``.safetensors`` file (no torch needed), or a ``.pt`` / ``.pth`` file through
    ``torch.load(weights_only=True)``, which refuses anything but tensors and containers."""
    path = Path(path)
    with open_regular(path, ModelFileError, "a weight file") as stream:
        data = stream.read()
    if path.suffix == ".safetensors":
        from safetensors.numpy import load

        try:
            return dict(load(data))
        except Exception as exc:  # safetensors raises its own error types for a bad header
            raise ModelFileError(f"{path}: not a safetensors file ({first_line(exc)})") from None
    if path.suffix not in (".pt", ".pth"):
        raise ModelFileError(f"{path}: expected a .safetensors, .pt or .pth file")
    return _load_pt(path, data)


def _load_pt(path: Path, data: bytes) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError:
        raise ConfigError(f"{path}: reading a .pt file needs torch: pip install torch") from None
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch's unpickler raises many types, all meaning a bad file
        raise ModelFileError(
            f"{path}: not a weights-only PyTorch file ({first_line(exc)})"
        ) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelFileError(f"{path}: expected a state dict (names to tensors)")
    return {key: value.detach().cpu().numpy() for key, value in state.items()}
