"""How the classic network draws its first weights W^l (shape (N^l, N^(l-1))) and biases b^l.

====================  ==========================================  ===============
name                  W^l                                         b^l
====================  ==========================================  ===============
``"normal"``          N(0, 1), the lecture's choice               N(0, 1)
``"normal-scaled"``   N(0, 1/n_in)                                0
``"xavier"``          U(-r, r), r = sqrt(6/(n_in + n_out))        0
``"he"``              N(0, 2/n_in) (Kaiming normal)               0
callable              ``init(shape, rng)``                        0
====================  ==========================================  ===============

n_in = N^(l-1) and n_out = N^l. The standard-normal biases of ``"normal"`` follow Nielsen's
book; every other scheme starts the biases at zero, the usual modern choice. With N(0, 1)
weights the z of a wide layer is large (std sqrt(n_in)), the sigmoid saturates and σ' is tiny:
the lecture's vanishing-gradient story, which the scaled schemes avoid.

Values are drawn in float64 from the given ``numpy.random.Generator`` (layer by layer, weights
before biases) and then cast, so one seed gives the same network in float32 and float64. The
formulas are ``chainrule.nn.init``'s, so both engines draw the same weights from one seed.

>>> import numpy as np
>>> w = INITIALIZERS["he"]((3, 4), np.random.default_rng(0))
>>> w.shape, w.dtype
((3, 4), dtype('float64'))
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule.errors import ConfigError

Array = np.ndarray
Initializer = Callable[[tuple[int, int], np.random.Generator], Array]


def _nn_init():  # type: ignore[no-untyped-def]
    # imported on first use: reading INITIALIZERS' names (the CLI's help) loads no nn (issue 15)
    from chainrule.nn import init

    return init


def normal(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """N(0, 1) weights, as in the lecture and Nielsen's book."""
    return _nn_init().normal(shape, rng, dtype=np.float64)


def normal_scaled(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """N(0, 1/n_in): z keeps a variance near that of one input."""
    return _nn_init().normal_scaled(shape, rng, dtype=np.float64)


def xavier(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """Glorot uniform: U(-r, r) with r = sqrt(6/(n_in + n_out))."""
    return _nn_init().xavier_uniform(shape, rng, dtype=np.float64)


def he(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """Kaiming normal: N(0, 2/n_in), for ReLU layers."""
    return _nn_init().kaiming_normal(shape, rng, nonlinearity="relu", dtype=np.float64)


#: Every weight initializer by name.
INITIALIZERS: dict[str, Initializer] = {
    "normal": normal,
    "normal-scaled": normal_scaled,
    "xavier": xavier,
    "he": he,
}


def get_initializer(init: str | Initializer) -> tuple[str, Initializer]:
    """The name and function of an initializer; a callable is named ``"custom"``.

    >>> get_initializer("xavier")[0]
    'xavier'
    """
    if callable(init):
        return "custom", init
    key = init.replace("_", "-").lower() if isinstance(init, str) else init
    if key in INITIALIZERS:
        return key, INITIALIZERS[key]
    known = ", ".join(repr(k) for k in INITIALIZERS)
    raise ConfigError(f"unknown init {init!r}: use one of {known} or a callable(shape, rng)")
