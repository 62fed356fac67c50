"""``chainrule.nn.utils``: PyTorch's ``torch.nn.utils`` gradient clipping.

The clipping itself lives in ``chainrule.optim.clip`` (one implementation, two homes by name):

>>> import chainrule as cr
>>> from chainrule import nn
>>> w = cr.tensor([0.0, 0.0], requires_grad=True)
>>> w.grad = cr.tensor([3.0, 4.0])
>>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
5.0
"""

from chainrule.optim.clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
