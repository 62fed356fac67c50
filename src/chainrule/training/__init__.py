"""Training runs end to end: config, data, either engine, history, checkpoints and resume."""

from chainrule.training.checkpoint import Checkpoint, load_model
from chainrule.training.config import TrainConfig
from chainrule.training.learners import Learner, build_learner
from chainrule.training.loop import TrainResult, load_data, train

__all__ = [
    "Checkpoint",
    "Learner",
    "TrainConfig",
    "TrainResult",
    "build_learner",
    "load_data",
    "load_model",
    "train",
]
