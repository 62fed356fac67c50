"""Small building blocks for self-contained HTML pages: text, tables, figures, the page.

Everything a page needs travels inside it: the style sheet is inline, figures are PNG data
URIs or inline SVG, and nothing links outside the file, so a report opens the same from a
disk, an e-mail attachment or an offline machine. Pages are Jinja2 templates (``templates/``,
autoescaping on); the functions here return Markup, and text is escaped here, so callers pass
plain text (``Markup`` marks a string that already is HTML).

>>> str(table(["a"], [["1 < 2"], [Markup("<b>x</b>")]])).split("</thead>")[1]
'<tbody><tr><td>1 &lt; 2</td></tr><tr><td><b>x</b></td></tr></tbody></table>'
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from jinja2 import Environment

#: A string that is already HTML: inserted as it is, never escaped again (Jinja's own).
from markupsafe import Markup

from chainrule import i18n
from chainrule.diagnostics.remedies import TITLES
from chainrule.explain import escape as escape_rules
from chainrule.explain import templating
from chainrule.explain.graph import format_number
from chainrule.wording import counted


def escape(text: Any) -> Markup:
    """``text`` as HTML: escaped unless it is :class:`Markup` already (the one HTML rule,
    :func:`chainrule.explain.escape.html`)."""
    return escape_rules.html(text)


def join(parts: Iterable[Any], sep: str = "\n") -> Markup:
    """Escape each part (Markup passes through) and join them."""
    return Markup(sep.join(escape(p) for p in parts))


def tag(name: str, *content: Any, cls: str | None = None, **attrs: Any) -> Markup:
    """``<name class=... attr=...>content</name>``; content is escaped unless Markup.

    >>> str(tag("p", "a & b", cls="note"))
    '<p class="note">a &amp; b</p>'
    """
    if cls:
        attrs = {"class": cls, **attrs}
    attr_text = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attrs.items()
    )
    return Markup(f"<{name}{attr_text}>{join(content, '')}</{name}>")


_SCRIPT = re.compile(
    r"(?P<base>[A-Za-zδσΣ∇‖)])"
    r"(?:_(?P<sub>[A-Za-z0-9]+))?"
    r"(?:\^(?P<sup>\([^()]*\)|[A-Za-z0-9]+))"
    r"|(?P<base2>[Σ∇])_(?P<sub2>[a-z])"
    r"|\b(?P<base3>n)_(?P<sub3>in)\b"
)


def notation(text: Any) -> Markup:
    """The lecture's notation typed inline, as HTML: ``w_jk^(l)`` -> w<sub>jk</sub><sup>(l)</sup>,
    ``(W^(l+1))^T``, ``Σ_k``, ``∇_a``, ``n_in``. Markup passes through unchanged.

    >>> str(notation("δ_j^(l) = ∂J/∂z_j^(l), Σ_k, n_in"))
    'δ<sub>j</sub><sup>(l)</sup> = ∂J/∂z<sub>j</sub><sup>(l)</sup>, Σ<sub>k</sub>, n<sub>in</sub>'
    """
    if isinstance(text, Markup):
        return text
    return notation_filter(text)


def notation_filter(text: Any) -> Markup:
    """:func:`notation` for templates: text is escaped first, and in Markup (a block of a
    template, whose values are escaped already) the notation is raised as well.

    >>> str(notation_filter(Markup("<b>δ^(l)</b>")))
    '<b>δ<sup>(l)</sup></b>'
    """

    def one(match: re.Match[str]) -> str:
        if match.group("base2"):
            return f"{match.group('base2')}<sub>{match.group('sub2')}</sub>"
        if match.group("base3"):
            return f"{match.group('base3')}<sub>{match.group('sub3')}</sub>"
        sub = match.group("sub")
        sub_html = f"<sub>{sub}</sub>" if sub else ""
        return f"{match.group('base')}{sub_html}<sup>{match.group('sup')}</sup>"

    return Markup(_SCRIPT.sub(one, str(escape(text))))


def prose(text: Any) -> Markup:
    """A paragraph of a template: its line breaks and indents are single spaces, and the
    lecture's notation is raised (see :func:`notation_filter`).

    >>> str(prose(Markup("the error   δ^(l)  <i>of</i> layer l ")))
    'the error δ<sup>(l)</sup> <i>of</i> layer l'
    """
    return notation_filter(Markup(" ".join(str(escape(text)).split())))


def significant(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; '–' for None, 'NaN'/'Inf' spelled out.

    >>> significant(0.000123456), significant(None), significant(float("-inf"))
    ('0.000123', '–', '−Inf')
    """
    if value is None:
        return "–"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "−Inf"
    return f"{value:.{digits}g}"


def accuracy(value: float | None) -> str:
    """An accuracy to three decimals; '–' when there is none."""
    return "–" if value is None or not math.isfinite(value) else f"{value:.3f}"


def p(*content: Any, cls: str | None = None) -> Markup:
    """A ``<p>`` element (see :func:`tag`)."""
    return tag("p", *content, cls=cls)


def table(
    head: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    cls: str | None = None,
    numeric: Sequence[int] = (),
    caption: Any = None,
) -> Markup:
    """A table; the columns numbered in ``numeric`` are right-aligned (numbers line up)."""
    macro = environment().get_template("_table.html.j2").module.table  # type: ignore[attr-defined]
    return Markup(macro(list(head), list(rows), caption=caption, cls=cls, numeric=list(numeric)))


def img_png(data: bytes, alt: str, *, width: int | None = None) -> Markup:
    """An ``<img>`` whose source is the PNG itself (a base64 data URI)."""
    encoded = base64.b64encode(data).decode("ascii")
    size = f' width="{int(width)}"' if width else ""
    return Markup(f'<img src="data:image/png;base64,{encoded}" alt="{escape(alt)}"{size}>')


def figure(body: Any, caption: Any = None, *, cls: str | None = None) -> Markup:
    """``<figure>`` around an image or an SVG, with an optional caption."""
    cap = tag("figcaption", caption) if caption is not None else ""
    return tag("figure", body, Markup(cap), cls=cls)


#: The report's style sheet (templates/report.css), inline in every page.
STYLE = (resources.files("chainrule.report") / "templates" / "report.css").read_text("utf-8")


def environment(*, text: bool = False) -> Environment:
    """The report's Jinja2 environment (its templates, then the explanation's; plain text
    with ``text=True``), with the report's filters: ``notation``, ``prose``, ``g``, ``acc``
    ``num``, ``counted`` (``{{ n | counted("epoch") }}``), ``tr`` (a message marked with ``N_``
    in the code, translated) and ``kind_title``."""
    env = templating.environment("chainrule.report", "chainrule.explain", text=text)
    env.filters.update(
        notation=notation_filter,
        prose=prose,
        g=significant,
        acc=accuracy,
        num=format_number,
        counted=counted,
        tr=i18n._,
        kind_title=kind_title,
    )
    return env


def kind_title(kind: str) -> str:
    """A finding's kind for the summary: its title where the language has one, else the kind."""
    words = TITLES.get(kind)
    translated = i18n._(words) if words else kind
    return kind if translated == words else translated


def page(title: str, body: Any, *, lang: str = "en") -> str:
    """A whole HTML document (templates/page.html.j2): the inline style sheet and ``body``."""
    return environment().get_template("page.html.j2").render(title=title, body=body, lang=lang)
