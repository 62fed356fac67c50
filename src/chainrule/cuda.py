"""``chainrule.cuda.is_available()``: PyTorch's check before moving work to the GPU.

chainrule runs on the GPU through CuPy, so the GPU is available when CuPy is installed and sees
a device. The usual PyTorch line works unchanged::

    device = "cuda" if chainrule.cuda.is_available() else "cpu"
"""

from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """Whether tensors can be moved to ``"cuda"`` (CuPy installed, and at least one GPU)."""
    try:
        import cupy
    except ImportError:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except cupy.cuda.runtime.CUDARuntimeError:  # a driver without a device
        return False
