"""Jinja2 environments for chainrule's HTML: templates shipped in the package, every value
escaped unless it is :class:`markupsafe.Markup` already.

Each package that renders HTML (or text) keeps its templates in its own ``templates`` folder;
:func:`environment` loads them, the templates of the packages it builds on after them (so the
report can import the explanation's macros), with autoescaping on and undefined names an error.

>>> env = environment("chainrule.explain")
>>> env.from_string("{{ name }}").render(name="<b>")
'&lt;b&gt;'
"""

from __future__ import annotations

from functools import cache

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def environment(*packages: str) -> Environment:
    """One environment per tuple of packages, the first package's templates first."""
    return Environment(
        loader=ChoiceLoader([PackageLoader(p, "templates") for p in packages]),
        # HTML is escaped; plain text (*.txt.j2) and the style sheet are not
        autoescape=select_autoescape(disabled_extensions=("txt.j2", "css"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
