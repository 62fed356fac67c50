"""What each finding of the diagnosis is called and what the lecture recommends for it.

The words are English in the data (``Finding.kind``, ``Finding.remedy``, the JSON) and marked
for translation: ``Finding.title`` and ``Finding.remedy_text`` say them in the reader's language.
"""

from __future__ import annotations

from chainrule.i18n import N_

#: Each kind in words (``Finding.title``), marked for translation.
TITLES = {
    "vanishing": N_("vanishing"),
    "exploding": N_("exploding"),
    "saturation": N_("saturation"),
    "dead_units": N_("dead units"),
    "non_finite": N_("non finite"),
    "not_learning": N_("not learning"),
    "input_scale": N_("input scale"),
    "healthy": N_("healthy"),
}

#: The kinds as a finding's message names its likely causes (translated where shown; the
#: English is the kind itself, as the data spells it).
CAUSES = {
    "vanishing": N_("vanishing"),
    "exploding": N_("exploding"),
    "saturation": N_("saturation"),
    "dead_units": N_("dead_units"),
    "non_finite": N_("non_finite"),
    "input_scale": N_("input_scale"),
}

#: What the lecture recommends for each problem, in plain words (English in the data; said in
#: the reader's language where shown: ``Finding.remedy_text``).
REMEDIES: dict[str, str] = {
    "vanishing": N_(
        "The early layers' error is a product of many factors below one (the logistic σ' is at "
        "most 0.25, so the weights must bring |w σ'| back near 1). The lecture's remedies: an "
        "initialization whose weights are not too small (its example: standard-normal N(0, 1) "
        "weights; or the scale that fits the activation, Xavier for tanh, He for ReLU), a "
        "learning rate that is not too small, a better activation (tanh, whose derivative "
        "reaches 1, or ReLU, whose derivative is 1 wherever the unit is active), and batch "
        "normalization."
    ),
    "exploding": N_(
        "The error grows as it is multiplied by weights larger than one on its way back. Clip "
        "the gradient by its norm, lower the learning rate, start from smaller weights (a "
        "scaled initialization such as N(0, 1/n_in)), or add batch normalization."
    ),
    "saturation": N_(
        "Most units sit in a flat part of σ, where σ' is almost 0, so little gradient gets "
        "through. Start from smaller weights (N(0, 1/n_in) or Xavier), scale the inputs, add "
        "batch normalization, or use ReLU, which does not saturate for positive inputs."
    ),
    "dead_units": N_(
        "Many ReLU units output 0 for every input, where ReLU' is 0: they pass no gradient and "
        "stop learning. Lower the learning rate, use He initialization, or add batch "
        "normalization."
    ),
    "non_finite": N_(
        "NaN or Inf appeared, usually after exploding gradients or a too-large learning rate. "
        "Lower the learning rate and clip the gradient norm, restart from the last good "
        "checkpoint, and run a step in anomaly mode (GradientMonitor.guard) to find the op."
    ),
    "not_learning": N_(
        "The network predicts no better than guessing. Likely causes, in the order to check "
        "them: a gradient that does not reach the early layers (vanishing, saturation or dead "
        "units, when flagged above); a learning rate far too small (the loss barely moves) or "
        "far too large (the first steps saturate or kill the units); inputs far from unit "
        "scale (standardize each feature to mean 0 and standard deviation 1); labels that do "
        "not belong to their inputs (shuffled or misaligned). A quick test: a network that "
        "works drives its loss near 0 on a batch of 10 examples."
    ),
    "input_scale": N_(
        "Standardize each input feature to mean 0 and standard deviation 1, with the "
        "statistics of the training set: TrainConfig(standardize=True), --standardize on the "
        "command line, or chainrule.data.standardize. Inputs far from unit scale push the first "
        "layer's z far from 0, where σ saturates, and leave no learning rate that suits every "
        "layer: the bundled digits train to about 0.96 scaled and 0.86 left at 0..16."
    ),
    "healthy": N_("Nothing to fix: the learning speeds of the layers stay within range."),
}
