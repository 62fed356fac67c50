"""Model files and checkpoints: safetensors (no code runs on load), written atomically.

One format serves both: the weights (and optimizer state) as tensors, and in the metadata the
training config, the epochs done, the history and the random generators' states, so that
``--resume`` continues a run exactly where it stopped.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import ChainruleError, ModelFileError
from chainrule.serialization import load_tensors, save_tensors
from chainrule.training.config import TrainConfig
from chainrule.training.learners import Learner, build_learner

FORMAT = "chainrule.model"
VERSION = 1


@dataclass
class Checkpoint:
    """Everything needed to use a model or to continue training it."""

    config: TrainConfig
    arrays: dict[str, np.ndarray]
    values: dict[str, Any] = field(default_factory=dict)
    epoch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    shuffle_rng: dict[str, Any] | None = None


def capture(
    learner: Learner,
    config: TrainConfig,
    epoch: int,
    history: list[dict[str, Any]],
    shuffle_rng: np.random.Generator,
) -> Checkpoint:
    """A snapshot that later changes to the learner do not touch."""
    arrays, values = learner.state()
    return Checkpoint(
        config=config,
        arrays={k: np.array(v, copy=True) for k, v in arrays.items()},
        values=values,
        epoch=epoch,
        history=[dict(h) for h in history],
        shuffle_rng=shuffle_rng.bit_generator.state,
    )


def save(path: str | Path, checkpoint: Checkpoint) -> Path:
    """Write atomically: a crash mid-save leaves any previous file intact."""
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "engine": checkpoint.config.engine,
        "config": checkpoint.config.to_dict(),
        "values": checkpoint.values,
        "epoch": checkpoint.epoch,
        "history": checkpoint.history,
        "shuffle_rng": checkpoint.shuffle_rng,
    }
    try:
        return save_tensors(path, checkpoint.arrays, metadata)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot write the model ({exc.strerror or exc})") from None


def load(path: str | Path) -> Checkpoint:
    """Read a model file; anything wrong is a one-line ``ModelFileError`` naming the file."""
    arrays, meta = load_tensors(path)
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a chainrule model file (format {meta.get('format')!r})")
    if meta.get("version") != VERSION:
        raise ModelFileError(f"{path}: model file version {meta.get('version')} is not supported")
    try:
        config = TrainConfig.from_dict(meta["config"])
    except (KeyError, TypeError, ValueError, ChainruleError) as exc:
        raise ModelFileError(f"{path}: bad training config in the model file: {exc}") from None
    values, epoch, history = meta.get("values", {}), meta.get("epoch", 0), meta.get("history", [])
    if not isinstance(values, dict):
        raise ModelFileError(f"{path}: bad 'values' in the model file (not a JSON object)")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ModelFileError(f"{path}: bad epoch {epoch!r} in the model file")
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise ModelFileError(f"{path}: bad history in the model file (not a list of objects)")
    for name, array in arrays.items():
        # training never saves a diverged state, so NaN or Inf means a damaged file
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            raise ModelFileError(f"{path}: {name!r} holds NaN or Inf values")
    return Checkpoint(
        config=config,
        arrays=arrays,
        values=values,
        epoch=epoch,
        history=list(history),
        shuffle_rng=meta.get("shuffle_rng"),
    )


def restore(checkpoint: Checkpoint, path: str | Path = "<checkpoint>") -> Learner:
    """A learner with the checkpoint's weights and optimizer state."""
    layers = checkpoint.config.layers
    parameters = sum(a * b + b for a, b in itertools.pairwise(layers))
    stored = sum(array.size for array in checkpoint.arrays.values())
    if parameters > stored:  # checked before the network is built: its size comes from the file
        raise ModelFileError(
            f"{path}: the layers {list(layers)} need {parameters} parameters, the file holds "
            f"{stored} numbers in all"
        )
    learner = build_learner(checkpoint.config)
    expected, _ = learner.state()
    for name, array in checkpoint.arrays.items():
        want = expected.get(name)
        if want is not None and want.dtype.kind == "f" and array.dtype.kind != "f":
            raise ModelFileError(f"{path}: {name!r} holds {array.dtype} values, not floats")
    try:
        learner.load_state(checkpoint.arrays, checkpoint.values)
    except ChainruleError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        # a mangled optimizer or generator state: the file is at fault, not the caller
        raise ModelFileError(
            f"{path}: bad saved state in the model file ({type(exc).__name__}: {exc})"
        ) from None
    if checkpoint.config.standardize and learner.input_stats is None:
        raise ModelFileError(f"{path}: the model standardizes its inputs but lacks input.mean")
    for name, array in learner.state()[0].items():
        # after the cast to the model's dtype: 1e39 is finite in float64, inf in float32
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ModelFileError(f"{path}: {name!r} holds values that are NaN or Inf as floats")
    return learner


def load_model(path: str | Path) -> tuple[Learner, Checkpoint]:
    """A trained model ready to evaluate or predict, and its checkpoint."""
    checkpoint = load(path)
    return restore(checkpoint, path), checkpoint
