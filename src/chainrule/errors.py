"""The typed errors chainrule raises.

Every error names the thing at fault (an op and its shapes, a layer, a file, a position in an
expression), so a user reads one line and knows what to fix. The CLI turns any of these into a
one-line message and exit status 2.
"""

from __future__ import annotations

from chainrule.i18n import _


class ChainruleError(Exception):
    """Base class of every error chainrule raises on purpose."""


class ShapeError(ChainruleError, ValueError):
    """Operands whose shapes do not fit the op, e.g. ``matmul`` of (3, 4) by (5, 6)."""


class IndexOutOfRangeError(ShapeError, IndexError):
    """An index past the end of an axis: an ``IndexError`` too, as PyTorch's and NumPy's are."""


class DTypeError(ChainruleError, TypeError):
    """An operand of a type or dtype the op cannot take."""


class GraphError(ChainruleError, RuntimeError):
    """A misuse of the autodiff graph, e.g. ``backward()`` on a non-scalar without ``grad``."""


class ExpressionError(ChainruleError, ValueError):
    """An expression string that cannot be parsed or evaluated; ``position`` is 0-based."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        where = (
            _(" (at column {column})").format(column=position + 1) if position is not None else ""
        )
        super().__init__(f"{message}{where}")


class DataError(ChainruleError, ValueError):
    """A data set that is missing, corrupt or does not fit the model."""


class ModelFileError(ChainruleError, ValueError):
    """A model or checkpoint file that cannot be read."""


class ConfigError(ChainruleError, ValueError):
    """A bad hyperparameter or option, e.g. a negative learning rate."""


class NonFiniteError(ChainruleError, FloatingPointError):
    """A NaN or Inf appeared where anomaly detection was watching for one."""


class UnsafePathError(ChainruleError, ValueError):
    """A path chainrule will not write: a FIFO, a device, a folder, or a file that another
    chainrule run holds the write lock of."""
