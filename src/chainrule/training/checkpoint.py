"""Model files and checkpoints: safetensors (no code runs on load), written atomically.

One format serves both: the weights (and optimizer state) as tensors, and in the metadata the
training config, the epochs done, the history, the random generators' states and the BLAS
thread count (the sums depend on it), so that
``--resume`` continues a run exactly where it stopped.

Loading trusts nothing in the file: the metadata is checked against its schema
(:mod:`chainrule.training.metadata`) and the stored checksum (files of version 2 and later)
before the network is built; a version-1 file, saved before checksums, loads with the other
checks.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import ChainruleError, ModelFileError
from chainrule.serialization import read_tensors, save_tensors
from chainrule.training import metadata as schema
from chainrule.training.config import TrainConfig
from chainrule.training.learners import Learner, build_learner
from chainrule.training.metadata import FORMAT, VERSION, MetadataError


@dataclass
class Checkpoint:
    """Everything needed to use a model or to continue training it."""

    config: TrainConfig
    arrays: dict[str, np.ndarray]
    values: dict[str, Any] = field(default_factory=dict)
    epoch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    shuffle_rng: dict[str, Any] | None = None
    #: the BLAS threads the run trained on (its sums depend on them); None in older files
    blas_threads: int | None = None


def capture(
    learner: Learner,
    config: TrainConfig,
    epoch: int,
    history: list[dict[str, Any]],
    shuffle_rng: np.random.Generator,
    blas_threads: int | None = None,
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
        blas_threads=blas_threads,
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
        "blas_threads": checkpoint.blas_threads,
    }
    try:
        return save_tensors(path, checkpoint.arrays, metadata)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot write the model ({exc.strerror or exc})") from None


def load(path: str | Path) -> Checkpoint:
    """Read a model file; anything wrong is a one-line ``ModelFileError`` naming the file."""
    found = read_tensors(path)
    arrays, meta = found.arrays, found.metadata
    try:
        schema.check_header(meta)
        if meta["version"] >= 2 and not found.checksummed:
            raise MetadataError("the checksum is missing (a damaged file)")
        if "config" not in meta or not isinstance(meta["config"], dict):
            raise MetadataError("bad training config in the model file: missing")
        _check_size(meta["config"].get("layers"), arrays, path)
        try:
            config = TrainConfig.from_dict(meta["config"])
        except (TypeError, ValueError, ChainruleError) as exc:
            raise MetadataError(f"bad training config in the model file: {exc}") from None
        schema.check_training_state(meta)
        schema.check_array_ranges(arrays)
        schema.check_input_stats(arrays, config.n_features)
    except MetadataError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    return Checkpoint(
        config=config,
        arrays=arrays,
        values=meta.get("values", {}),
        epoch=meta["epoch"],
        history=list(meta["history"]),
        shuffle_rng=meta.get("shuffle_rng"),
        blas_threads=meta.get("blas_threads"),
    )


def _check_size(layers: Any, arrays: dict[str, np.ndarray], path: str | Path) -> None:
    """Before the network is built (its size comes from the file): as many parameters as
    the file holds numbers, at most."""
    if not isinstance(layers, list | tuple) or not all(type(n) is int for n in layers):
        return  # TrainConfig names what is wrong with them
    parameters = sum(a * b + b for a, b in itertools.pairwise(layers))
    stored = sum(array.size for array in arrays.values())
    if parameters > stored:
        raise ModelFileError(
            f"{path}: the layers {list(layers)} need {parameters} parameters, the file holds "
            f"{stored} numbers in all"
        )


def restore(checkpoint: Checkpoint, path: str | Path = "<checkpoint>") -> Learner:
    """A learner with the checkpoint's weights and optimizer state."""
    _check_size(list(checkpoint.config.layers), checkpoint.arrays, path)
    learner = build_learner(checkpoint.config)
    expected, _ = learner.state()
    for name, array in checkpoint.arrays.items():
        want = expected.get(name)
        if want is not None and want.dtype.kind == "f" and array.dtype.kind != "f":
            raise ModelFileError(f"{path}: {name!r} holds {array.dtype} values, not floats")
    optimizer = getattr(learner, "optimizer", None)
    try:
        if optimizer is not None and "optimizer" in checkpoint.values:
            schema.check_optimizer_state(checkpoint.values["optimizer"], optimizer.state_dict())
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
