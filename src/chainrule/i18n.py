"""Messages in the reader's language: English or the lecture's Chinese, through gettext.

Every message a person reads is written in English in the code and wrapped in ``_()``; the
catalogs under ``chainrule/locale/<lang>/LC_MESSAGES/chainrule.mo`` translate it. A third
language is a new catalog, not code. The language comes from :func:`language` (a context, so
threads and async tasks each keep their own), else from the environment's locale.

Messages built at import time (tables of names, constants) must not call ``_()`` then: mark them
with :func:`N_` so extraction finds them, and translate them with ``_()`` where they are shown.

>>> with language("en"):
...     _("learning speed")
'learning speed'
"""

from __future__ import annotations

import contextvars
import functools
import gettext as _gettext
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

LANGUAGES = ("en", "zh")
DOMAIN = "chainrule"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "chainrule_language", default=None
)


def default_language() -> str:
    """The language the environment's locale asks for: ``"zh"`` for any Chinese locale.

    >>> default_language() in LANGUAGES
    True
    """
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def check_language(lang: str) -> str:
    """``lang`` itself when chainrule speaks it; else a one-line ValueError naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def current_language() -> str:
    """The language messages are translated into now."""
    return _current.get() or default_language()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Translate messages into ``lang`` inside the block (``None`` keeps the current one)."""
    token = _current.set(check_language(lang) if lang is not None else _current.get())
    try:
        yield current_language()
    finally:
        _current.reset(token)


def set_language(lang: str) -> None:
    """Translate messages into ``lang`` from now on, in this thread or task (``--lang``)."""
    _current.set(check_language(lang))


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog for ``lang`` (English needs none: its messages are the source)."""
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n``, in the current language."""
    return translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (import-time constants)."""
    return message


def localized(function: F) -> F:
    """Give ``function`` a ``lang=`` keyword: its messages are in that language (``None``: the
    current one), for the renderers and report writers of the Python API.

    >>> @localized
    ... def hello() -> str:
    ...     return _("language of the output (default: from the locale, LANG)")
    >>> hello(lang="zh")[:2], hello(lang="en")[:8]
    ('输出', 'language')
    """

    @functools.wraps(function)
    def in_language(*args: Any, lang: str | None = None, **kwargs: Any) -> Any:
        with language(lang):
            return function(*args, **kwargs)

    return in_language  # type: ignore[return-value]
