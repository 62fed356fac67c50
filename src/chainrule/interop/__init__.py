"""The formats other tools speak: ONNX export and PyTorch models both ways.

Each format's library (``onnx``, ``torch``) is imported only inside the function that needs
it, so ``import chainrule.interop`` costs nothing and a missing library is a one-line
:class:`~chainrule.errors.ConfigError` naming the ``pip install`` that fixes it. DLPack needs
no library: ``Tensor.__dlpack__`` and ``chainrule.from_dlpack``.
"""

from __future__ import annotations

from chainrule.interop.onnx_export import export_onnx
from chainrule.interop.torch_bridge import from_torch, to_torch
from chainrule.interop.torch_weights import load_torch_weights, save_torch_weights

__all__ = ["export_onnx", "from_torch", "load_torch_weights", "save_torch_weights", "to_torch"]
