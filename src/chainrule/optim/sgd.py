"""Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.ops import cuda_kernels
from chainrule.optim.optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """Gradient descent, W ← W - α ∂J/∂W: the lecture's update when ``momentum=0``.

    With the other options it follows PyTorch's ``torch.optim.SGD`` exactly, for each
    parameter p with gradient g:

    * ``weight_decay`` λ: g ← g + λ p (L2 regularization);
    * ``momentum`` μ: b ← g at the first step, then b ← μ b + (1 - dampening) g; the step
      uses g ← b, or g ← g + μ b with ``nesterov=True``;
    * p ← p - lr · g.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> w = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.8, 1.6], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "momentum", "dampening", "weight_decay"):
            self._check(group, key)
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ConfigError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r} and dampening={group['dampening']!r}"
            )

    def _update(self, p: Tensor, g: Any, xp: Any, group: dict[str, Any]) -> None:
        """One SGD step of ``p`` in place (the rule is in the class docstring)."""
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov = group["nesterov"]
        data = p.array
        tmp = self._temp(p)
        if weight_decay:
            xp.multiply(data, weight_decay, out=tmp)  # g + λ p, into the scratch
            tmp += g
            g = tmp
        if momentum:
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {}
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = xp.array(g, copy=True)
            else:
                buf *= momentum
                buf += g if dampening == 0.0 else g * (1.0 - dampening)
            if nesterov:  # g + μ b
                if g is tmp:
                    g = g + buf * momentum
                else:
                    xp.multiply(buf, momentum, out=tmp)
                    tmp += g
                    g = tmp
            else:
                g = buf
        if xp is np:
            xp.multiply(g, lr, out=tmp)
            data -= tmp
        else:  # one fused launch on a GPU
            cuda_kernels.subtract_scaled(data, g, lr)
