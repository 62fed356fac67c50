"""Jinja2 environments for chainrule's pages: templates shipped in the package, every value
written through one escaping rule.

Each package that renders pages keeps its templates in its own ``templates`` folder;
:func:`environment` loads them, the templates of the packages it builds on after them (so the
report can import the explanation's macros), and undefined names are an error. In an HTML
environment every value a template prints goes through :func:`chainrule.explain.escape.html`
unless it is :class:`~markupsafe.Markup` already (and autoescaping stays on behind it); a text
environment (``text=True``, for plain-text templates) prints values as they are.

Templates speak the reader's language through ``jinja2.ext.i18n``: ``{% trans %}…{% endtrans %}``
and ``_("…")`` go through :mod:`chainrule.i18n` when the template is rendered (new-style
gettext: ``_("{n} paths", n=3)`` formats and escapes).

>>> environment("chainrule.explain").from_string("{{ name }}").render(name="<b>'s")
'&lt;b&gt;&#x27;s'
>>> environment("chainrule.explain", text=True).from_string("{{ name }}").render(name="<b>")
'<b>'
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from chainrule import i18n
from chainrule.explain import escape


@cache
def environment(*packages: str, text: bool = False) -> Environment:
    """One environment per tuple of packages (and kind), the first package's templates first."""
    env = Environment(
        loader=ChoiceLoader([PackageLoader(p, "templates") for p in packages]),
        autoescape=not text,
        finalize=None if text else _escaped,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    # a value inside {% trans %} is escaped by markupsafe (&#39;); `| html` escapes it by the
    # one HTML rule first, as a value printed outside the block is
    env.filters["html"] = escape.html
    return env


def _escaped(value: Any) -> Markup:
    """Every value an HTML template prints, by the one HTML rule (Markup passes through)."""
    return escape.html(value)
