"""Seeded random generators: one rule for every ``seed=`` and ``rng=`` in the library."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.errors import ConfigError


def as_generator(rng: Any, what: str = "rng") -> np.random.Generator:
    """A ``Generator`` as given, or a new one from a seed: an int of 0 or more, a list of
    them (``[seed, stream]``), a ``SeedSequence`` or ``BitGenerator``, or ``None`` (fresh
    entropy). Anything else is a ConfigError naming
    ``what``, instead of NumPy's own error from deep inside.

    >>> as_generator(7).random() == as_generator(7).random()
    True
    >>> as_generator(-1, "seed")
    Traceback (most recent call last):
    ...
    chainrule.errors.ConfigError: seed must be 0 or more, got -1
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence | np.random.BitGenerator):
        return np.random.default_rng(rng)
    entropy = rng if isinstance(rng, list | tuple) else [rng]  # [seed, stream], as NumPy takes
    if entropy and all(_is_int(n) for n in entropy):
        if any(n < 0 for n in entropy):
            raise ConfigError(f"{what} must be 0 or more, got {rng}")
        return np.random.default_rng([int(n) for n in entropy] if entropy is rng else int(rng))
    raise ConfigError(f"{what} must be a numpy.random.Generator or an integer seed, got {rng!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
