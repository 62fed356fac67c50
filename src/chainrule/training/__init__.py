"""Training runs end to end: config, data, either engine, history, checkpoints and resume.

:class:`Run` is the one training loop (a step at a time); :func:`train` drives it with
progress, checkpoints and resume; :func:`learning_speed_experiment` and
:func:`compare_remedies` are loops over runs that measure the learning speed of each layer.
"""

from chainrule.training.checkpoint import Checkpoint, load_model
from chainrule.training.config import TrainConfig
from chainrule.training.experiments import compare_remedies, learning_speed_experiment
from chainrule.training.learners import AutodiffLearner, ClassicLearner, Learner, build_learner
from chainrule.training.loop import TrainResult, load_data, train
from chainrule.training.rerun import Rerun, rerun_with
from chainrule.training.run import Run

__all__ = [
    "AutodiffLearner",
    "Checkpoint",
    "ClassicLearner",
    "Learner",
    "Rerun",
    "Run",
    "TrainConfig",
    "TrainResult",
    "build_learner",
    "compare_remedies",
    "learning_speed_experiment",
    "load_data",
    "load_model",
    "rerun_with",
    "train",
]
