"""Words for people: a count and its noun that agree ("1 epoch", "3 epochs", "3 轮"), a cost's
name, and text padded and folded by the columns it takes in a terminal.

The one rule for plurals in messages, reprs and reports; it imports only :mod:`chainrule.i18n`
(which imports nothing from chainrule), so every layer (and the report's templates, as the
``counted`` filter) can use it. The nouns chainrule counts are listed in :data:`NOUNS` with
both English forms, so that each language says them its own way through ``ngettext`` (Chinese
has one form and a measure word: 3 条通路); another noun gets English's rule.
"""

from __future__ import annotations

import re
import unicodedata

from chainrule.i18n import N_, _, ngettext


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


def ljust_width(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (a Chinese character takes two).

    >>> ljust_width("层", 4) + "|"
    '层  |'
    """
    return text + " " * max(0, width - display_width(text))


def rjust_width(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (a Chinese character takes two).

    >>> rjust_width("层", 4)
    '  层'
    """
    return " " * max(0, width - display_width(text)) + text


#: A Chinese character, a run of other non-space characters, or a run of spaces.
_PIECES = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\s+"
)
#: Punctuation a line must not start with.
_CLOSING = set("，。、；：？！）》」』")


def fold(text: str, width: int) -> str:
    """``text`` folded into lines of at most ``width`` terminal columns: between words, and
    between Chinese characters (never before a closing comma or bracket).

    >>> print(fold("学习速度 of each hidden layer", 14))
    学习速度 of
    each hidden
    layer
    >>> print(fold("第一个隐藏层，最后一个", 12))
    第一个隐藏
    层，最后一个
    """
    lines, line = [], ""
    for piece in _PIECES.findall(text):
        if display_width(line) + display_width(piece) <= width or not line.strip():
            line += piece
        elif piece in _CLOSING:  # the character before it goes down with it
            lines.append(line[:-1].rstrip())
            line = line[-1] + piece
        elif not piece.isspace():  # a space at a line break is dropped
            lines.append(line.rstrip())
            line = piece
    lines.append(line.rstrip())
    return "\n".join(lines)


#: The costs by the names the code gives them, as messages name them before "cost" ("{cost}
#: cost"; Chinese writes 二次代价, 交叉熵代价).
COSTS = {"quadratic": N_("quadratic"), "cross-entropy": N_("cross-entropy")}


def cost_words(cost: str) -> str:
    """A cost's name in the current language (any other name as it is).

    >>> from chainrule.i18n import language
    >>> with language("zh"):
    ...     cost_words("cross-entropy") + "代价"
    '交叉熵代价'
    """
    return _(COSTS[cost]) if cost in COSTS else cost
