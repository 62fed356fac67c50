"""Words for people: a count and its noun that agree ("1 epoch", "3 epochs", "3 轮").

The one rule for plurals in messages, reprs and reports; it imports only :mod:`chainrule.i18n`
(which imports nothing from chainrule), so every layer (and the report's templates, as the
``counted`` filter) can use it. The nouns chainrule counts are listed in :data:`NOUNS` with
both English forms, so that each language says them its own way through ``ngettext`` (Chinese
has one form and a measure word: 3 条通路); another noun gets English's rule.
"""

from __future__ import annotations

import unicodedata

from chainrule.i18n import ngettext


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural message for extraction (``ngettext`` translates them later)."""
    return singular, plural


NOUNS = {
    "epoch": Nn_("{n} epoch", "{n} epochs"),
    "run": Nn_("{n} run", "{n} runs"),
    "edge": Nn_("{n} edge", "{n} edges"),
    "path": Nn_("{n} path", "{n} paths"),
    "layer": Nn_("{n} layer", "{n} layers"),
    "step": Nn_("{n} step", "{n} steps"),
    "example": Nn_("{n} example", "{n} examples"),
    "BLAS thread": Nn_("{n} BLAS thread", "{n} BLAS threads"),
}


def counted(n: int, noun: str) -> str:
    """The count and the noun agreeing, in the current language.

    >>> counted(1, "epoch"), counted(3, "epoch"), counted(0, "run")
    ('1 epoch', '3 epochs', '0 runs')
    >>> from chainrule.i18n import language
    >>> with language("zh"):
    ...     counted(3, "path")
    '3 条通路'
    """
    if noun in NOUNS:
        singular, plural = NOUNS[noun]
        return ngettext(singular, plural, n).format(n=n)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character takes two.

    >>> display_width("node"), display_width("节点")
    (4, 4)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
