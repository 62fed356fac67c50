"""``chainrule.save`` and ``chainrule.load``: PyTorch's names, safetensors files, never pickle.

``save`` takes a tensor or a dict of tensors, such as ``model.state_dict()``; dicts may nest
and may hold plain numbers, strings and lists beside the tensors (an epoch count, a loss, an
optimizer's ``state_dict()``). The file is a standard safetensors file (tensor names are the
dotted key paths, so any safetensors reader sees ``"0.weight"``); the shape of the saved
object rides in its metadata.
``load`` gives the same object back, with tensors as ``chainrule.Tensor``; a safetensors file
written by another tool loads as a dict of tensors. A pickle, which is what ``torch.save``
writes, is refused with an error saying so: unpickling a stranger's file can run their code.

>>> import pathlib, tempfile
>>> import chainrule as cr
>>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.safetensors"
>>> cr.save({"w": cr.tensor([1.0, 2.0]), "epoch": 3}, path)
>>> cr.load(path)
{'w': tensor([1., 2.]), 'epoch': 3}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, ModelFileError
from chainrule.serialization import load_tensors, save_tensors

__all__ = ["load", "save"]

_FORMAT_KEY = "chainrule.save"  # the metadata entry that holds the saved object's layout
_PLAIN = (int, float, str, bool, type(None))
# The first bytes of what torch.save writes: a zip archive (the default since PyTorch 1.6) or a
# raw pickle (protocol 2 and later start with 0x80).
_PICKLE_STARTS = (b"PK\x03\x04", b"\x80")


def save(obj: Any, f: str | os.PathLike[str]) -> None:
    """Save a tensor or a (nested) dict of tensors to the safetensors file ``f``, atomically.

    Dicts may have string or integer keys, and lists may hold plain values, tensors or
    dicts, so an optimizer's ``state_dict()`` saves beside the model's (a resume checkpoint,
    as PyTorch code writes it); a module or an optimizer itself cannot (save its
    ``state_dict()`` instead). Tuples load as lists.
    """
    arrays: dict[str, np.ndarray] = {}
    layout = _layout(obj, (), arrays)
    save_tensors(f, arrays, {_FORMAT_KEY: layout})


def _layout(obj: Any, path: tuple[str, ...], arrays: dict[str, np.ndarray]) -> Any:
    """The JSON layout of ``obj``; its tensors go into ``arrays`` under their dotted path."""
    if isinstance(obj, Tensor | np.ndarray):
        name = ".".join(path) or "tensor"
        if name in arrays:
            raise ConfigError(f"save: two entries would both be stored as {name!r}")
        arrays[name] = obj.numpy() if isinstance(obj, Tensor) else obj
        return {"tensor": name}
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise ConfigError(f"save: dict keys must be strings or integers, got {key!r}")
        if all(isinstance(key, str) for key in obj):
            layouts = {key: _layout(value, (*path, key), arrays) for key, value in obj.items()}
            return {"dict": layouts}
        # integer keys, as an optimizer's state has (by parameter index): kept as pairs
        return {"items": [[k, _layout(v, (*path, str(k)), arrays)] for k, v in obj.items()]}
    if isinstance(obj, _PLAIN) or (
        isinstance(obj, list | tuple) and all(isinstance(v, _PLAIN) for v in obj)
    ):
        return {"value": list(obj) if isinstance(obj, tuple) else obj}
    if isinstance(obj, list | tuple):  # dicts or tensors in a list: an optimizer's groups
        return {"list": [_layout(v, (*path, str(i)), arrays) for i, v in enumerate(obj)]}
    raise ConfigError(
        f"save stores tensors and dicts of tensors (and plain numbers and strings), not "
        f"{type(obj).__name__}; for a model, save model.state_dict()"
    )


def load(
    f: str | os.PathLike[str], map_location: Any = None, weights_only: bool | None = None
) -> Any:
    """The object saved in the safetensors file ``f``, tensors as ``chainrule.Tensor``.

    ``map_location`` and ``weights_only`` are accepted for PyTorch's sake: everything loads
    on the CPU, and a safetensors file holds nothing but weights anyway. A pickle file (what
    ``torch.save`` writes) raises ``ModelFileError`` saying that chainrule does not load them.
    """
    path = Path(f)
    _refuse_pickle(path)
    arrays, metadata = load_tensors(path)
    layout = metadata.get(_FORMAT_KEY)
    if layout is None:  # a safetensors file from another tool: its tensors by name
        return {name: Tensor(array) for name, array in arrays.items()}
    try:
        return _rebuild(layout, arrays)
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError):
        raise ModelFileError(
            f"{path}: the {_FORMAT_KEY!r} layout in its metadata is damaged"
        ) from None


def _refuse_pickle(path: Path) -> None:
    try:
        with path.open("rb") as file:
            start = file.read(4)
    except OSError:
        return  # load_tensors names the problem (no such file, a directory, ...)
    if start.startswith(_PICKLE_STARTS):
        raise ModelFileError(
            f"{path} is a pickle file (what torch.save writes) and chainrule does not load "
            "pickles, which can run code: save the weights as safetensors instead"
        )


def _rebuild(layout: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    if "tensor" in layout:
        return Tensor(arrays[layout["tensor"]])
    if "dict" in layout:
        return {key: _rebuild(value, arrays) for key, value in layout["dict"].items()}
    if "items" in layout:
        return {key: _rebuild(value, arrays) for key, value in layout["items"]}
    if "list" in layout:
        return [_rebuild(value, arrays) for value in layout["list"]]
    return layout["value"]
