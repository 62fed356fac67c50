"""RMSprop, with PyTorch's update rules (``centered`` and ``momentum`` included)."""

from __future__ import annotations

from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.optim.optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    """RMSprop (Hinton), as ``torch.optim.RMSprop``. For each parameter p with gradient g:

    * ``weight_decay`` λ: g ← g + λ p;
    * s ← α s + (1 - α) g²; with ``centered``, also ḡ ← α ḡ + (1 - α) g and s - ḡ² is used;
    * d ← sqrt(s) + eps;
    * p ← p - lr g / d, or with ``momentum`` μ: b ← μ b + g / d, p ← p - lr b.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward(); opt.step(); w  # g = 2: s = 0.25 · 4, step 0.01 · 2 / 1
    tensor([0.98], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "eps", "weight_decay", "momentum"):
            self._check(group, key)
        self._check(group, "alpha", 0.0, 1.0)
        group["centered"] = bool(group["centered"])

    def _update(self, p: Tensor, g: Any, xp: Any, group: dict[str, Any]) -> None:
        """One RMSprop step of ``p`` in place (the rule is in the class docstring)."""
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = group["centered"]
        data = p.array
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {"step": 0, "square_avg": xp.zeros_like(data)}
        if momentum and "momentum_buffer" not in state:
            state["momentum_buffer"] = xp.zeros_like(data)
        if centered and "grad_avg" not in state:
            state["grad_avg"] = xp.zeros_like(data)
        state["step"] += 1
        tmp = self._temp(p)
        if weight_decay:
            g = g + data * weight_decay
        square_avg = state["square_avg"]
        square_avg *= alpha
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - alpha
        square_avg += tmp
        if centered:
            grad_avg = state["grad_avg"]
            xp.subtract(g, grad_avg, out=tmp)  # lerp toward g by 1 - α
            tmp *= 1.0 - alpha
            grad_avg += tmp
            xp.multiply(grad_avg, grad_avg, out=tmp)
            xp.subtract(square_avg, tmp, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(square_avg, out=tmp)
        tmp += eps
        xp.divide(g, tmp, out=tmp)
        if momentum:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += tmp
            xp.multiply(buf, lr, out=tmp)
        else:
            tmp *= lr
        data -= tmp
