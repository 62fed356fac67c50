"""The schema of a model file's metadata, checked in one place before anything uses it.

A model file comes from anywhere: every field is checked for its type and range here, and a
field at fault is one line naming it (``ModelFileError`` from the callers, who add the path).
The JSON itself is already bounded (:func:`chainrule.files.bounded_json`: at most 32 levels
deep), so nothing here can recurse without end.

The checks, field by field:

- ``format``, ``version``: this format, a version this code reads;
- ``config``: a :class:`TrainConfig` (its own checks: types, sizes, choices);
- ``epoch``: present, a whole number, and the history holds exactly epochs 0 to ``epoch``;
- ``history``: one object per epoch with its ``epoch`` number and numbers (or null) as
  losses and accuracies;
- ``values``: an object; ``rngs`` a list of generator states, ``optimizer`` checked against
  the optimizer the config builds (:func:`check_optimizer_state`);
- ``shuffle_rng``: null or a state a NumPy bit generator accepts;
- ``blas_threads``: absent, null or a whole number of 1 or more.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from chainrule.errors import ChainruleError
from chainrule.i18n import _

FORMAT = "chainrule.model"
#: Version 2 adds the checksum; version 1 files (no checksum) still load.
VERSION = 2
READABLE_VERSIONS = (1, 2)
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
# optimizer buffers by name; the second moments are sums of squares, never negative
_OPTIMIZER_ARRAYS = ("exp_avg", "momentum_buffer", "grad_avg")
_OPTIMIZER_SQUARES = ("exp_avg_sq", "max_exp_avg_sq", "square_avg")
_HISTORY_NUMBERS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")


class MetadataError(ChainruleError, ValueError):
    """A metadata field of the wrong type or out of range; the message names the field."""


def check_header(meta: dict[str, Any]) -> None:
    """``format`` and ``version``: a chainrule model of a version this code reads."""
    if meta.get("format") != FORMAT:
        raise MetadataError(f"not a chainrule model file (format {meta.get('format')!r:.40})")
    if meta.get("version") not in READABLE_VERSIONS:
        raise MetadataError(f"model file version {meta.get('version')!r:.40} is not supported")


def check_training_state(meta: dict[str, Any]) -> None:
    """``epoch``, ``history``, ``values`` and ``shuffle_rng``, against each other."""
    if "epoch" not in meta:
        raise MetadataError("the model file has no 'epoch' (a damaged file)")
    epoch = meta["epoch"]
    if not _is_whole(epoch) or epoch < 0:
        raise MetadataError(f"bad epoch {epoch!r:.40} in the model file")
    history = meta.get("history")
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise MetadataError("bad history in the model file (not a list of objects)")
    if len(history) != epoch + 1:
        raise MetadataError(
            f"bad history in the model file: epoch {epoch} needs {epoch + 1} entries "
            f"(epochs 0 to {epoch}), it has {len(history)}"
        )
    for i, entry in enumerate(history):
        if entry.get("epoch") != i or isinstance(entry.get("epoch"), bool):
            raise MetadataError(f"bad history in the model file: entry {i} is not epoch {i}")
        for key in _HISTORY_NUMBERS:
            if not _is_number_or_none(entry.get(key)):
                raise MetadataError(f"bad history in the model file: epoch {i} {key}")
    values = meta.get("values", {})
    if not isinstance(values, dict):
        raise MetadataError("bad 'values' in the model file (not a JSON object)")
    rngs = values.get("rngs", [])
    if not isinstance(rngs, list):
        raise MetadataError("bad saved state in the model file (values.rngs is not a list)")
    for i, state in enumerate(rngs):
        check_rng_state(state, f"dropout generator state (values.rngs[{i}])")
    if meta.get("shuffle_rng") is not None:
        check_rng_state(meta["shuffle_rng"], "shuffling state (shuffle_rng)")
    threads = meta.get("blas_threads")
    if threads is not None and not (_is_whole(threads) and threads >= 1):
        raise MetadataError(
            _("bad BLAS thread count {value} in the model file").format(value=f"{threads!r:.40}")
        )


def check_rng_state(state: Any, field: str) -> None:
    """A state that a fresh NumPy bit generator of the named kind accepts."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _BIT_GENERATORS:
        raise MetadataError(f"bad {field} in the model file (not a generator state)")
    try:
        getattr(np.random, name)().state = state
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError):
        raise MetadataError(f"bad {field} in the model file (a state out of range)") from None


def check_optimizer_state(saved: Any, fresh: dict[str, Any]) -> None:
    """``values.optimizer`` against ``fresh``, the state dict of the optimizer the config
    builds: the same groups with values of the same types, and per-parameter buffers that
    are arrays (``{"__array__": name}`` placeholders) and whole ``step`` counts of 0 or more.
    """
    where = "bad saved state in the model file (optimizer"
    if not isinstance(saved, dict) or not isinstance(saved.get("param_groups"), list):
        raise MetadataError(f"{where}: not a state dict)")
    groups, fresh_groups = saved["param_groups"], fresh["param_groups"]
    if len(groups) != len(fresh_groups) or not all(isinstance(g, dict) for g in groups):
        raise MetadataError(f"{where}: {len(fresh_groups)} parameter group(s) expected)")
    n_params = sum(len(g["params"]) for g in fresh_groups)
    for i, (group, like) in enumerate(zip(groups, fresh_groups, strict=True)):
        if set(group) != set(like):
            raise MetadataError(f"{where}: param_groups[{i}] has keys {sorted(group)})")
        for key, value in group.items():
            if not _same_kind(value, like[key]):
                raise MetadataError(
                    f"{where}: param_groups[{i}].{key} is {value!r:.40}, expected a value "
                    f"like {like[key]!r:.40})"
                )
    state = saved.get("state", {})
    if not isinstance(state, dict):
        raise MetadataError(f"{where}: state is not an object)")
    group_of = {index: group for group in groups for index in group["params"]}
    for index, buffers in state.items():
        if not (index.isdigit() and int(index) < n_params and isinstance(buffers, dict)):
            raise MetadataError(f"{where}: state {index!r:.20} names no parameter)")
        for key, value in buffers.items():
            _check_buffer(f"{where}: state[{index}].{key}", key, value)
        missing = sorted(_required_buffers(group_of.get(int(index), {})) - set(buffers))
        if missing:
            raise MetadataError(f"{where}: state[{index}] lacks {', '.join(missing)})")


def _required_buffers(group: dict[str, Any]) -> set[str]:
    """The buffers a step reads without creating them: Adam's (and AMSGrad's maximum) and
    RMSprop's; SGD creates its momentum buffer when missing."""
    if "betas" in group:
        return {"step", "exp_avg", "exp_avg_sq"} | (
            {"max_exp_avg_sq"} if group["amsgrad"] else set()
        )
    if "alpha" in group:
        return {"step", "square_avg"}
    return set()


def _check_buffer(where: str, key: str, value: Any) -> None:
    if key == "step":
        if not _is_whole(value) or value < 0:
            raise MetadataError(f"{where} is {value!r:.40}, expected a whole number >= 0)")
    elif key in _OPTIMIZER_ARRAYS + _OPTIMIZER_SQUARES:
        if not (isinstance(value, dict) and set(value) == {"__array__"}):
            raise MetadataError(f"{where} is {value!r:.40}, expected an array)")
    else:
        raise MetadataError(f"{where}: unknown optimizer buffer)")


def check_array_ranges(arrays: dict[str, np.ndarray]) -> None:
    """Values that no training produces: NaN or Inf anywhere, a negative variance or second
    moment, an input standard deviation of 0 or less (each gives NaN or Inf later)."""
    for name, array in arrays.items():
        if array.dtype.kind not in "fc":
            continue
        # training never saves a diverged state, so NaN or Inf means a damaged file
        if not np.isfinite(array).all():
            raise MetadataError(f"{name!r} holds NaN or Inf values")
        last = name.rsplit(".", 1)[-1]
        if (last == "running_var" or last in _OPTIMIZER_SQUARES) and (array < 0).any():
            raise MetadataError(f"{name!r} holds negative values (a variance is never negative)")
        if name == "input.std" and (array <= 0).any():
            raise MetadataError("'input.std' holds values of 0 or less (it divides the inputs)")


def check_input_stats(arrays: dict[str, np.ndarray], n_features: int) -> None:
    """``input.mean`` and ``input.std``, where present: one number per input feature."""
    for name in ("input.mean", "input.std"):
        if name in arrays and arrays[name].shape != (n_features,):
            raise MetadataError(
                f"{name!r} has shape {arrays[name].shape}, the first layer takes "
                f"{n_features} features"
            )


def _same_kind(value: Any, like: Any) -> bool:
    if isinstance(like, bool):
        return isinstance(value, bool)
    if isinstance(like, int):  # a parameter's index
        return _is_whole(value)
    if isinstance(like, numbers.Real):
        return _is_number_or_none(value) and value is not None and math.isfinite(value)
    if isinstance(like, list | tuple):
        return (
            isinstance(value, list)
            and len(value) == len(like)
            and all(_same_kind(v, w) for v, w in zip(value, like, strict=True))
        )
    if like is None:
        return value is None or _same_kind(value, 0.0)
    return type(value) is type(like)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
