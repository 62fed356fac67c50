"""Small 2-D classification problems made from a seeded random generator (no I/O).

Each maker returns ``(x, y)``: ``x`` float32 of shape (n_samples, 2), ``y`` int64 labels, the
classes as equal in size as ``n_samples`` allows, rows shuffled. ``noise`` is the standard
deviation of Gaussian noise added to each coordinate. ``rng`` is a
``numpy.random.Generator`` or an integer seed; the same seed gives the same points.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.errors import ConfigError
from chainrule.seeding import as_generator

__all__ = ["make_circles", "make_moons", "make_spirals", "make_xor"]


def _check(n_samples: int, noise: float, n_classes: int, maker: str) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
        raise ConfigError(f"{maker}: n_samples must be an integer, got {n_samples!r}")
    if n_samples < n_classes:
        raise ConfigError(
            f"{maker}: n_samples={n_samples} is too few for {n_classes} classes "
            f"(need at least {n_classes})"
        )
    if not (isinstance(noise, int | float | np.floating) and math.isfinite(noise) and noise >= 0):
        raise ConfigError(f"{maker}: noise must be a finite number >= 0, got {noise!r}")


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """``n_samples`` shared out among classes, the first ``n_samples % n_classes`` one larger."""
    base, extra = divmod(int(n_samples), n_classes)
    return [base + (c < extra) for c in range(n_classes)]


def _finish(
    parts: list[np.ndarray], noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-class point sets, add noise, shuffle rows."""
    x = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), c, dtype=np.int64) for c, p in enumerate(parts)])
    if noise > 0:
        x = x + rng.normal(0.0, noise, size=x.shape)
    order = rng.permutation(len(y))
    return x[order].astype(np.float32), y[order]


def make_xor(
    n_samples: int = 200, noise: float = 0.1, *, rng: np.random.Generator | int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners of the unit square, labelled by XOR of the corner bits.

    With ``n_samples=4, noise=0`` this is exactly the XOR truth table (in shuffled order).

    >>> x, y = make_xor(4, noise=0.0)
    >>> sorted(zip(x.tolist(), y.tolist()))
    [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)]
    """
    _check(n_samples, noise, 4, "xor")
    rng = as_generator(rng)
    # the first two corners XOR to 0, the last two to 1
    corners = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    sizes = _class_sizes(n_samples, 4)
    points = [np.repeat(corners[i : i + 1], sizes[i], axis=0) for i in range(4)]
    return _finish([np.concatenate(points[:2]), np.concatenate(points[2:])], noise, rng)


def make_spirals(
    n_samples: int = 300,
    noise: float = 0.05,
    n_classes: int = 3,
    *,
    turns: float = 1.0,
    rng: np.random.Generator | int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms from the origin out to radius 1.

    Arm ``c`` starts at angle ``2*pi*c/n_classes`` and winds ``turns`` times; points sit at
    random radii along it. Not linearly separable for any ``n_classes >= 2``.

    >>> x, y = make_spirals(90, n_classes=3, rng=1)
    >>> x.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) or n_classes < 2:
        raise ConfigError(f"spirals: n_classes must be an integer >= 2, got {n_classes!r}")
    _check(n_samples, noise, int(n_classes), "spirals")
    if not isinstance(turns, int | float | np.number) or not math.isfinite(turns):
        raise ConfigError(f"spirals: turns must be a finite number, got {turns!r}")
    rng = as_generator(rng)
    parts = []
    for c, size in enumerate(_class_sizes(n_samples, int(n_classes))):
        r = rng.uniform(0.0, 1.0, size)
        theta = 2 * np.pi * (c / n_classes + turns * r)
        parts.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    return _finish(parts, noise, rng)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, *, rng: np.random.Generator | int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles of radius 1: class 0 on top, class 1 below and shifted.

    >>> x, y = make_moons(10, noise=0.0)
    >>> bool(np.all(x[y == 0, 1] >= 0)), bool(np.all(x[y == 1, 1] <= 0.5))
    (True, True)
    """
    _check(n_samples, noise, 2, "moons")
    rng = as_generator(rng)
    n0, n1 = _class_sizes(n_samples, 2)
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _finish([upper, lower], noise, rng)


def make_circles(
    n_samples: int = 200,
    noise: float = 0.05,
    *,
    factor: float = 0.5,
    rng: np.random.Generator | int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` (0 < f < 1).

    >>> x, y = make_circles(8, noise=0.0)
    >>> np.round(np.hypot(x[:, 0], x[:, 1])[np.argsort(y)], 3).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    """
    _check(n_samples, noise, 2, "circles")
    if not 0.0 < factor < 1.0:
        raise ConfigError(f"circles: factor must be between 0 and 1, got {factor!r}")
    rng = as_generator(rng)
    n0, n1 = _class_sizes(n_samples, 2)
    a0 = rng.uniform(0.0, 2 * np.pi, n0)
    a1 = rng.uniform(0.0, 2 * np.pi, n1)
    outer = np.column_stack([np.cos(a0), np.sin(a0)])
    inner = factor * np.column_stack([np.cos(a1), np.sin(a1)])
    return _finish([outer, inner], noise, rng)
