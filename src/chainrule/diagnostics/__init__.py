"""Vanishing and exploding gradients, measured, diagnosed, plotted and cured (lecture part 3).

The error of a hidden layer is a product over the layers after it,
δ^l = ((W^(l+1))^T δ^(l+1)) ⊙ σ'(z^l): with the logistic σ' ≤ 0.25 it shrinks layer after
layer toward the input (vanishing), with large weights it grows (exploding). This package
measures that while a network trains and says what to do about it:

* :class:`GradientMonitor` records, per layer and every k steps, the learning speed ‖∂J/∂b^l‖,
  ‖∂J/∂W^l‖, the update ratio ‖ΔW‖/‖W‖, activation statistics (saturation, dead ReLUs) and
  NaN/Inf counts, for a classic :class:`~chainrule.classic.Network` or an ``nn`` model; its
  :meth:`~GradientMonitor.guard` names the layer and step of the first NaN/Inf;
* :func:`diagnose` turns the records into findings (vanishing, exploding, saturation,
  dead_units, non_finite, healthy) with the lecture's remedies;
* :class:`SpeedResult` and :class:`ComparisonResult` hold what
  :func:`chainrule.training.learning_speed_experiment` and
  :func:`chainrule.training.compare_remedies` measure (those train, so they live a layer up,
  in :mod:`chainrule.training`): the published four-hidden-layer experiment and the remedies;
* :mod:`chainrule.diagnostics.plots` draws the figures (matplotlib is imported only there,
  when a plot is made).

>>> import numpy as np
>>> from chainrule.classic import Network
>>> from chainrule.diagnostics import GradientMonitor, diagnose
>>> net = Network([16, 16, 16, 16, 16, 4], activation="sigmoid", init="normal", seed=0)
>>> mon = GradientMonitor(net, every=1)
>>> x = np.random.default_rng(0).random((64, 16)); y = np.arange(64) % 4
>>> _ = mon.train_step(x, y, lr=0.1)
>>> diagnose(mon.records).kinds
['vanishing']
"""

from chainrule.diagnostics.classic_monitor import ClassicMonitor
from chainrule.diagnostics.diagnosis import KINDS, REMEDIES, Diagnosis, Finding, diagnose
from chainrule.diagnostics.module_monitor import ModuleMonitor
from chainrule.diagnostics.monitor import (
    GradientMonitor,
    LayerNonFiniteError,
    MonitoredOptimizer,
)
from chainrule.diagnostics.records import GradientRecords, LayerInfo, LayerPass
from chainrule.diagnostics.results import ComparisonResult, ComparisonRow, SpeedResult
from chainrule.diagnostics.stats import (
    activation_stats,
    collect_activations,
    layer_grad_norms,
    layer_speeds,
)

__all__ = [
    "KINDS",
    "REMEDIES",
    "ClassicMonitor",
    "ComparisonResult",
    "ComparisonRow",
    "Diagnosis",
    "Finding",
    "GradientMonitor",
    "GradientRecords",
    "LayerInfo",
    "LayerNonFiniteError",
    "LayerPass",
    "ModuleMonitor",
    "MonitoredOptimizer",
    "SpeedResult",
    "activation_stats",
    "collect_activations",
    "diagnose",
    "layer_grad_norms",
    "layer_speeds",
]
