"""``chainrule.accelerator``: PyTorch's device-agnostic check, for the tutorials' first line::

    available = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator().type if available else "cpu"

The only accelerator chainrule drives is a CUDA GPU, through CuPy.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule import cuda

__all__ = ["Device", "current_accelerator", "is_available"]


@dataclass(frozen=True)
class Device:
    """A device by kind, as ``torch.device``: ``Device("cuda").type == "cuda"``."""

    type: str

    def __str__(self) -> str:
        return self.type


def is_available() -> bool:
    """Whether a GPU can be used (see ``chainrule.cuda.is_available``)."""
    return cuda.is_available()


def current_accelerator() -> Device | None:
    """The GPU as ``Device("cuda")``, or ``None`` when there is none."""
    return Device("cuda") if cuda.is_available() else None
