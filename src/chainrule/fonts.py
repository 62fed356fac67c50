"""Figures whose labels are Chinese: a CJK font for matplotlib, or English with a warning.

matplotlib's default font (DejaVu Sans) has no Chinese characters: each would be drawn as an
empty box with a "Glyph ... missing from font" warning. :func:`figure_language` puts a CJK font
(Noto Sans CJK, Debian's ``fonts-noto-cjk``) in front of the default one while a figure is made
and saved, DejaVu Sans still drawing what the CJK font lacks; where none is installed it warns
once, in one line, and the figure's words stay English. A function that makes a figure is
decorated with ``@figure_language()`` (a context manager is also a decorator), and
:func:`chainrule.diagnostics.plots.figure_bytes` saves under it, so that every figure of the
package goes through it.

>>> from chainrule.i18n import language
>>> with language("en"), figure_language() as lang:
...     lang
'en'
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chainrule.i18n import current_language, language

#: Languages whose figures need a CJK font.
CJK_LANGUAGES = ("zh",)
#: The families tried, in order (simplified Chinese glyph shapes first).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
)
#: Where Debian and most Linux distributions install Noto CJK.
CJK_FOLDERS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
NO_CJK_FONT = "chainrule: no CJK font found (install fonts-noto-cjk): figure labels stay in English"


@functools.cache
def cjk_family() -> str | None:
    """The name of an installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    def installed() -> str | None:
        names = {font.name for font in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    found = installed()
    if found is None:  # matplotlib's font cache may be older than the font: add the files
        for folder in CJK_FOLDERS:
            for path in sorted(Path(folder).glob("NotoSansCJK*.tt[cf]")):
                font_manager.fontManager.addfont(str(path))
        found = installed()
    return found


@functools.cache
def _warn_no_cjk_font() -> None:
    warnings.warn(NO_CJK_FONT, RuntimeWarning, stacklevel=4)


@contextmanager
def figure_language() -> Iterator[str]:
    """Make and save figures inside this block: in the current language, with a CJK font in
    front for Chinese; English (and one warning) when no CJK font is installed. Yields the
    language the figures' words are in."""
    lang = current_language()
    if lang not in CJK_LANGUAGES:
        yield lang
        return
    family = cjk_family()
    if family is None:
        _warn_no_cjk_font()
        with language("en"):
            yield "en"
        return
    import matplotlib
    from matplotlib import font_manager

    sans = [name for name in matplotlib.rcParams["font.sans-serif"] if name != family]
    # matplotlib falls back glyph by glyph only along a list of named families (the generic
    # "sans-serif" stands for its first installed font alone): the CJK font, then the installed
    # sans-serif fonts for what it lacks (subscripts such as x₁ are in DejaVu Sans only)
    installed = {font.name for font in font_manager.fontManager.ttflist}
    families = [family, *(name for name in sans if name in installed)]
    with matplotlib.rc_context({"font.family": families, "font.sans-serif": [family, *sans]}):
        yield lang
