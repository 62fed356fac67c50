"""``BatchNorm1d``: normalize each feature over the batch, with running statistics."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import backend, ops
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, ShapeError
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter


class BatchNorm1d(Module):
    """y = (x - mean) / sqrt(var + eps) · γ + β per feature, for inputs (m, C) or (m, C, L).

    In training (and whenever ``track_running_stats=False``) mean and var are the batch's,
    over every axis but the feature axis, with the biased variance (divided by n) used to
    normalize. Training also updates the buffers, as PyTorch does:
    ``running = (1 - momentum) · running + momentum · batch``, with the *unbiased* batch
    variance (divided by n - 1) for ``running_var``; ``momentum=None`` takes the cumulative
    average instead. In evaluation mode the running statistics normalize.

    The training forward is composed of existing ops (mean, var, ...), a handful of nodes.

    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> bn = nn.BatchNorm1d(2)
    >>> y = bn(cr.tensor([[1.0, 10.0], [3.0, 30.0]]))
    >>> np.round(y.numpy(), 3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> np.round(bn.running_mean.numpy(), 3)
    array([0.2, 2. ], dtype=float32)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(num_features, int | np.integer) or num_features < 1:
            raise ConfigError(
                f"BatchNorm1d: num_features must be a positive int, got {num_features!r}"
            )
        if not eps >= 0:
            raise ConfigError(f"BatchNorm1d: eps must be >= 0, got {eps!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ConfigError(
                f"BatchNorm1d: momentum must lie in [0, 1] or be None, got {momentum!r}"
            )
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype=dtype))
            self.bias = Parameter(np.zeros(c, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, dtype=dtype))
            self.register_buffer("running_var", np.ones(c, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    @staticmethod
    def min_batch(batch_size: int, n_examples: int) -> int:
        """The smallest batch a training loop may hand this layer: 2 (one example has no
        variance to normalize by), or a ConfigError when the batches or the training set
        cannot reach it. Loops skip a shorter last batch (``DataLoader(min_batch=...)``).

        >>> BatchNorm1d.min_batch(10, 301)
        2
        """
        if batch_size < 2 or n_examples < 2:
            raise ConfigError(
                "batch norm needs at least 2 examples per batch and in the training set, got "
                f"batch size {batch_size} and {n_examples} training examples"
            )
        return 2

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if self.weight is not None and x.dtype != self.weight.dtype:
            x = x.astype(self.weight.dtype)  # a float64 batch must not turn the layer float64
        c = self.num_features
        if x.ndim not in (2, 3) or x.shape[1] != c:
            raise ShapeError(
                f"BatchNorm1d({c}) needs input of shape (m, {c}) or (m, {c}, L), got {x.shape}"
            )
        axes = (0,) if x.ndim == 2 else (0, 2)
        # (C,) vectors broadcast against (m, C) as they are, against (m, C, L) as (C, 1).
        feature_shape = (c,) if x.ndim == 2 else (c, 1)
        if self.training or not self.track_running_stats:
            n = x.size // c
            if self.training and n <= 1:
                raise ShapeError(
                    f"BatchNorm1d needs more than one value per feature in training, got input "
                    f"of shape {x.shape}"
                )
            out, mean, var = ops.batch_norm(x, self.weight, self.bias, axes, self.eps)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean.reshape(c), var.reshape(c), n)
            return out
        # Evaluation: a fixed per-feature scale and shift, folded before touching x.
        xp = backend.get_array_module(self.running_var.array)
        inv_std = 1.0 / xp.sqrt(self.running_var.array + self.eps)
        if self.affine:
            scale = self.weight * Tensor._from_op(inv_std.astype(self.weight.dtype), None)
            mean = Tensor._from_op(self.running_mean.array.astype(self.bias.dtype), None)
            shift = self.bias - scale * mean
        else:
            scale = Tensor._from_op(inv_std, None)
            shift = Tensor._from_op(-self.running_mean.array * inv_std, None)
        return x * scale.reshape(feature_shape) + shift.reshape(feature_shape)

    def _update_running_stats(self, mean: Any, var: Any, n: int) -> None:
        self.num_batches_tracked.array += 1
        if self.momentum is None:
            momentum = 1.0 / float(self.num_batches_tracked.array)
        else:
            momentum = self.momentum
        running_mean, running_var = self.running_mean.array, self.running_var.array
        running_mean *= 1.0 - momentum
        running_mean += momentum * mean
        running_var *= 1.0 - momentum
        running_var += (momentum * n / (n - 1)) * var

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )
