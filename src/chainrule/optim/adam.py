"""Adam and AdamW, with PyTorch's update rules (including ``amsgrad``)."""

from __future__ import annotations

import math
from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError
from chainrule.optim.optimizer import Optimizer, ParamsT


class Adam(Optimizer):
    """Adam (Kingma & Ba), as ``torch.optim.Adam``. For each parameter p, gradient g, step t:

    * ``weight_decay`` λ: g ← g + λ p (L2 in the gradient; see ``AdamW`` for decoupled decay);
    * m ← β1 m + (1 - β1) g,  v ← β2 v + (1 - β2) g²;
    * p ← p - lr / (1 - β1^t) · m / (sqrt(v) / sqrt(1 - β2^t) + eps),
      with v replaced by its running maximum when ``amsgrad``.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> w = cr.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> [round(v, 6) for v in w.tolist()]  # the first step moves by lr against the gradient
    [0.9, -0.9]
    """

    _decoupled = False

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "eps", "weight_decay"):
            self._check(group, key)
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ConfigError(f"{type(self).__name__}: betas must be a pair, got {betas!r}")
        pair = {"beta1": betas[0], "beta2": betas[1]}
        for key in pair:
            self._check(pair, key, 0.0, 1.0, high_open=True)
        group["betas"] = (pair["beta1"], pair["beta2"])
        group["amsgrad"] = bool(group["amsgrad"])

    def _update(self, p: Tensor, g: Any, xp: Any, group: dict[str, Any]) -> None:
        """One Adam step of ``p`` in place (the rule is in the class docstring)."""
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = group["amsgrad"]
        data = p.array
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {
                "step": 0,
                "exp_avg": xp.zeros_like(data),
                "exp_avg_sq": xp.zeros_like(data),
            }
            if amsgrad:
                state["max_exp_avg_sq"] = xp.zeros_like(data)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._temp(p)
        if weight_decay:
            if self._decoupled:
                data *= 1.0 - lr * weight_decay
            else:
                g = g + data * weight_decay  # the one new array, as in PyTorch
        # m ← m + (1 - β1)(g - m): PyTorch's lerp, the same as β1 m + (1 - β1) g
        xp.subtract(g, m, out=tmp)
        tmp *= 1.0 - beta1
        m += tmp
        # v ← β2 v + (1 - β2) g²
        v *= beta2
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - beta2
        v += tmp
        if amsgrad:
            # setdefault: amsgrad switched on mid-training starts its running maximum here
            v_max = state.setdefault("max_exp_avg_sq", xp.zeros_like(data))
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        step_size = lr / (1.0 - beta1**t)
        xp.sqrt(v, out=tmp)
        tmp /= math.sqrt(1.0 - beta2**t)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= step_size
        data -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``:
    p ← p (1 - lr λ) before the Adam step, instead of adding λ p to the gradient.

    >>> import chainrule as cr
    >>> from chainrule import optim
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = cr.tensor([0.0]); opt.step(); w  # no gradient: only the decay acts
    tensor([0.95], requires_grad=True)
    """

    _decoupled = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
