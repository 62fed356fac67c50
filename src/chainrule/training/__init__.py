"""Training runs end to end: config, data, either engine, history, checkpoints and resume.

:class:`Run` is the one training loop (a step at a time); :func:`train` drives it with
progress, checkpoints and resume; :func:`learning_speed_experiment` and
:func:`compare_remedies` are loops over runs that measure the learning speed of each layer.
"""

# Names load their module on first use: importing the package stays cheap (issue 15).
from chainrule._lazy import lazy_exports

_WHERE = {
    "Checkpoint": "chainrule.training.checkpoint",
    "load_model": "chainrule.training.checkpoint",
    "TrainConfig": "chainrule.training.config",
    "compare_remedies": "chainrule.training.experiments",
    "learning_speed_experiment": "chainrule.training.experiments",
    "AutodiffLearner": "chainrule.training.learners",
    "ClassicLearner": "chainrule.training.learners",
    "Learner": "chainrule.training.learners",
    "build_learner": "chainrule.training.learners",
    "TrainResult": "chainrule.training.loop",
    "load_data": "chainrule.training.loop",
    "train": "chainrule.training.loop",
    "Rerun": "chainrule.training.rerun",
    "rerun_with": "chainrule.training.rerun",
    "Run": "chainrule.training.run",
}
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)

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
