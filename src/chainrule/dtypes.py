"""Dtypes under PyTorch's names: ``chainrule.float32``, ``chainrule.long``, ...

They are NumPy dtypes, so ``x.dtype == chainrule.float32`` and
``tensor(..., dtype=chainrule.int64)`` work as in PyTorch, and each also compares equal to
NumPy's scalar type (``np.float32``).

>>> import chainrule as cr
>>> cr.tensor([1, 2], dtype=cr.long).dtype == cr.int64
True
"""

from __future__ import annotations

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # PyTorch's name, shadowing the builtin here only
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # PyTorch's name, shadowing the builtin here only
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # PyTorch's name, shadowing the builtin here only

__all__ = [
    "bool",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "short",
    "uint8",
]
