"""Seeded random generators: one rule for every ``seed=`` and ``rng=`` in the library."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    chainrule.errors.ConfigError: seed must be an integer of 0 or more, got -1
    """
    import numpy as np  # here: seeding itself loads without NumPy

    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence | np.random.BitGenerator):
        return np.random.default_rng(rng)
    if isinstance(rng, list | tuple) and rng:  # [seed, stream], as NumPy takes
        return np.random.default_rng([check_seed(n, what) for n in rng])
    if _is_int(rng):
        return np.random.default_rng(check_seed(rng, what))
    raise ConfigError(f"{what} must be a numpy.random.Generator or an integer seed, got {rng!r}")


def check_seed(value: Any, what: str = "seed") -> int:
    """``value`` as a seed NumPy takes, an int of 0 or more, or a ConfigError naming ``what``.

    >>> check_seed(3)
    3
    """
    if not _is_int(value) or value < 0:
        raise ConfigError(f"{what} must be an integer of 0 or more, got {value!r}")
    return int(value)


def _is_int(value: Any) -> bool:
    # numbers.Integral covers NumPy's integers too, and needs no NumPy: TrainConfig checks its
    # seed while the command line builds its --help (issue 15, a fast start)
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


# The generator behind functions that take no ``rng`` (``Tensor.normal_``, ``randn``, a
# shuffling ``utils.data.DataLoader``...), as PyTorch's default generator. Made on first use,
# so that ``import chainrule`` does not load numpy.random; ``manual_seed`` replaces it.
_default_generator: np.random.Generator | None = None


def default_generator() -> np.random.Generator:
    """The library's default generator (fresh entropy until ``manual_seed`` is called)."""
    import numpy as np  # here: seeding itself loads without NumPy

    global _default_generator
    if _default_generator is None:
        _default_generator = np.random.default_rng()
    return _default_generator


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the library's default generator, as ``torch.manual_seed``; returns it.

    >>> a = manual_seed(3).random(); b = manual_seed(3).random(); a == b
    True
    """
    import numpy as np  # here: seeding itself loads without NumPy

    global _default_generator
    _default_generator = np.random.default_rng(check_seed(seed))
    return _default_generator
