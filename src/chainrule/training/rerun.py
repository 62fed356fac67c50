"""Rerun from here: the same run again, from the same initial weights, with one remedy.

A learning-speed run (:func:`~chainrule.training.learning_speed_experiment`) that vanished or
exploded is rerun with one of the remedies its diagnosis proposes, changing nothing else: the
same data, batch order, epochs and, above all, the same initial weights, so that the two runs
side by side show what the remedy alone does. Both runs go through the library's one training
loop (:class:`~chainrule.training.run.Run`, via ``learning_speed_experiment``).

The remedies (:data:`RERUN_REMEDIES`):

``relu-he``
    ReLU hidden layers with weights at He's scale: the same draws, each W^l rescaled so that
    its standard deviation is √(2/n_in) (the only remedy that changes the weights, and only
    their scale; the biases stay).
``batch-norm``
    a BatchNorm1d before every hidden σ (the autodiff engine).
``clip``
    the gradient's global norm clipped to 1 before each step (the autodiff engine).
``smaller-lr``
    a learning rate ten times smaller.
``cross-entropy``
    the cross-entropy cost with a softmax output layer instead of the quadratic cost.

>>> from chainrule.training import learning_speed_experiment
>>> first = learning_speed_experiment("digits", [64, 8, 8, 10], epochs=1, train_size=60)
>>> again = rerun_with(first, "smaller-lr")
>>> again.same_start, again.after.lr, bool((again.after.speeds[0] == first.speeds[0]).all())
(True, 0.05, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.classic import Network
from chainrule.data import load
from chainrule.diagnostics.results import SpeedResult
from chainrule.errors import ConfigError
from chainrule.i18n import N_, _
from chainrule.training.experiments import _classic_network, learning_speed_experiment

#: The remedies :func:`rerun_with` applies, with what each changes (see the module docstring).
RERUN_REMEDIES: dict[str, str] = {
    "relu-he": N_("ReLU hidden layers, weights rescaled to He's scale"),
    "batch-norm": N_("batch normalization before every hidden σ"),
    "clip": N_("the gradient norm clipped to 1"),
    "smaller-lr": N_("a learning rate ten times smaller"),
    "cross-entropy": N_("the cross-entropy cost with a softmax output"),
}

#: ``clip``'s max norm and ``smaller-lr``'s factor.
CLIP_NORM = 1.0
LR_FACTOR = 0.1


@dataclass
class Rerun:
    """A run and its rerun with one remedy, from the same initial weights.

    ``before`` is the run as it was, ``after`` the rerun; ``initial_weights`` holds W^1..W^L
    as each run started (``same_start``: bit for bit the same; only ``relu-he`` rescales them).
    ``what`` says what the remedy changed, in words.
    """

    remedy: str
    what: str
    before: SpeedResult
    after: SpeedResult
    initial_weights: tuple[list[np.ndarray], list[np.ndarray]]

    @property
    def same_start(self) -> bool:
        """Whether both runs started from bit-identical weights."""
        first, second = self.initial_weights
        return all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            "remedy": self.remedy,
            "what": self.what,
            "same_start": self.same_start,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def _start(result: SpeedResult) -> Network:
    """The network ``result`` started from, drawn again from its seed."""
    if result.init not in ("normal", "normal-scaled", "xavier", "he"):
        raise ConfigError(
            _(
                "cannot rerun from here: the run's init {init!r} is not a named one, so its "
                "initial weights cannot be drawn again"
            ).format(init=result.init)
        )
    return _classic_network(result.sizes, result.activation, result.init, result.cost, result.seed)


def _remedied(result: SpeedResult, remedy: str) -> tuple[dict[str, Any], Network]:
    """The settings of the rerun and the network it starts from."""
    start = _start(result)
    settings: dict[str, Any] = {
        "activation": result.activation,
        "cost": result.cost,
        "lr": result.lr,
        "batch_norm": result.batch_norm,
        "clip": result.clip,
        "engine": result.engine,
    }
    already = {
        "relu-he": result.activation == "relu" and result.init == "he",
        "batch-norm": result.batch_norm,
        "clip": result.clip is not None,
        "cross-entropy": result.cost == "cross-entropy",
        "smaller-lr": False,
    }
    if remedy not in RERUN_REMEDIES:
        known = ", ".join(RERUN_REMEDIES)
        raise ConfigError(
            _("unknown remedy {remedy!r}: use one of {known}").format(remedy=remedy, known=known)
        )
    if already[remedy]:
        raise ConfigError(_("the run already has the remedy {remedy!r}").format(remedy=remedy))
    if remedy == "relu-he":
        settings["activation"] = "relu"
    elif remedy == "batch-norm":
        settings.update(batch_norm=True, engine="autodiff")
    elif remedy == "clip":
        settings.update(clip=CLIP_NORM, engine="autodiff")
    elif remedy == "smaller-lr":
        settings["lr"] = result.lr * LR_FACTOR
    else:
        settings["cost"] = "cross-entropy"
    net = _classic_network(
        result.sizes, settings["activation"], result.init, settings["cost"], result.seed
    )
    for l, (w, b) in enumerate(zip(start.weights, start.biases, strict=True)):
        net.weights[l][...] = w
        net.biases[l][...] = b
        if remedy == "relu-he":  # the same draws at He's scale √(2/n_in)
            std = float(np.std(w, dtype=np.float64))
            scale = np.sqrt(2.0 / w.shape[1]) / std if std > 0 else 1.0
            net.weights[l][...] = w * net.weights[l].dtype.type(scale)
    return settings, net


def rerun_with(
    result: SpeedResult,
    remedy: str,
    *,
    data: Any = None,
    on_epoch: Callable[[int], None] | None = None,
) -> Rerun:
    """Rerun ``result``'s configuration from the same initial weights with one remedy.

    Args:
        result: a run of :func:`~chainrule.training.learning_speed_experiment` with a named
            init (its weights are drawn again from its seed).
        remedy: one of :data:`RERUN_REMEDIES`: ``"relu-he"``, ``"batch-norm"``, ``"clip"``,
            ``"smaller-lr"``, ``"cross-entropy"``.
        data: the :class:`~chainrule.data.Dataset` the run trained on (default: loaded again
            by its name, ``result.train_size`` training examples, ``result.seed``).
        on_epoch: called after each epoch of the rerun (a progress bar).

    Returns a :class:`Rerun` with both runs; only the remedy differs between them. Raises
    ConfigError for an unknown remedy, one the run already has, or a custom init.
    """
    settings, net = _remedied(result, remedy)
    initial = ([w.copy() for w in _start(result).weights], [w.copy() for w in net.weights])
    if data is None:
        data = load(result.dataset, train_size=result.train_size, seed=result.seed)
    after = learning_speed_experiment(
        data,
        result.sizes,
        settings["activation"],
        "he" if remedy == "relu-he" else result.init,
        cost=settings["cost"],
        epochs=result.epochs,
        batch_size=result.batch_size,
        lr=settings["lr"],
        train_size=None,
        seed=result.seed,
        engine=settings["engine"],
        batch_norm=settings["batch_norm"],
        clip=settings["clip"],
        record=result.record,
        on_epoch=on_epoch,
        network=net,
    )
    return Rerun(remedy, _(RERUN_REMEDIES[remedy]), result, after, initial)
