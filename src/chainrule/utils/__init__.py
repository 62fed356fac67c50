"""``chainrule.utils``: PyTorch's ``torch.utils`` names (``utils.data``)."""

from chainrule.utils import data

__all__ = ["data"]
