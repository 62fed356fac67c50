"""Words for people: a count and its noun that agree ("1 epoch", "3 epochs").

The one rule for plurals in messages, reprs and reports; it imports nothing from chainrule, so
every layer (and the report's templates, as the ``counted`` filter) can use it.
"""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """The count and the noun agreeing.

    >>> counted(1, "epoch"), counted(3, "epoch"), counted(0, "run")
    ('1 epoch', '3 epochs', '0 runs')
    """
    return f"{n} {noun}{'' if n == 1 else 's'}"
