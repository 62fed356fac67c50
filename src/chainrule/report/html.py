"""Small building blocks for self-contained HTML pages: text, tables, figures, the page.

Everything a page needs travels inside it: the style sheet is inline, figures are PNG data
URIs or inline SVG, and nothing links outside the file, so a report opens the same from a
disk, an e-mail attachment or an offline machine. Functions return strings; text is escaped
here, so callers pass plain text (``Markup`` marks a string that already is HTML).

>>> str(table(["a"], [["1 < 2"], [Markup("<b>x</b>")]])).split("</thead>")[1]
'<tbody><tr><td>1 &lt; 2</td></tr><tr><td><b>x</b></td></tr></tbody></table>'
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

#: A string that is already HTML: inserted as it is, never escaped again (Jinja's own).
from markupsafe import Markup


def escape(text: Any) -> Markup:
    """``text`` as HTML: escaped unless it is :class:`Markup` already."""
    if isinstance(text, Markup):
        return text
    return Markup(html.escape(str(text), quote=True))


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

    def one(match: re.Match[str]) -> str:
        if match.group("base2"):
            return f"{match.group('base2')}<sub>{match.group('sub2')}</sub>"
        if match.group("base3"):
            return f"{match.group('base3')}<sub>{match.group('sub3')}</sub>"
        sub = match.group("sub")
        sub_html = f"<sub>{sub}</sub>" if sub else ""
        return f"{match.group('base')}{sub_html}<sup>{match.group('sup')}</sup>"

    return Markup(_SCRIPT.sub(one, html.escape(str(text), quote=True)))


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
    right = set(numeric)

    def cell(kind: str, k: int, value: Any) -> str:
        align = ' class="num"' if k in right else ""
        return f"<{kind}{align}>{escape(value)}</{kind}>"

    th = "".join(cell("th", k, h) for k, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", k, v) for k, v in enumerate(row)) + "</tr>" for row in rows
    )
    attr = f' class="{escape(cls)}"' if cls else ""
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return Markup(f"<table{attr}>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>")


def img_png(data: bytes, alt: str, *, width: int | None = None) -> Markup:
    """An ``<img>`` whose source is the PNG itself (a base64 data URI)."""
    encoded = base64.b64encode(data).decode("ascii")
    size = f' width="{int(width)}"' if width else ""
    return Markup(f'<img src="data:image/png;base64,{encoded}" alt="{escape(alt)}"{size}>')


def figure(body: Any, caption: Any = None, *, cls: str | None = None) -> Markup:
    """``<figure>`` around an image or an SVG, with an optional caption."""
    cap = tag("figcaption", caption) if caption is not None else ""
    return tag("figure", body, Markup(cap), cls=cls)


STYLE = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad;
        --soft: #f6f8fa; --warn: #9a3412; --good: #166534; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans",
             "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; }
header.top { border-bottom: 3px solid var(--accent); margin-bottom: 8px; }
h1 { font-size: 1.9em; margin: 0.4em 0 0.1em; }
h2 { font-size: 1.45em; margin: 2.2em 0 0.4em; padding-top: 0.3em;
     border-top: 1px solid var(--line); }
h3 { font-size: 1.15em; margin: 1.6em 0 0.4em; }
h4 { font-size: 1.02em; margin: 1.4em 0 0.3em; }
p, li { max-width: 78ch; }
.subtitle { color: var(--muted); margin: 0 0 1em; }
code, .mono, kbd { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
                   font-size: 0.92em; }
code { background: var(--soft); padding: 0.05em 0.3em; border-radius: 4px; }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 8px;
          padding: 10px 18px; margin: 14px 0 10px; }
nav.toc ol { margin: 0.3em 0; padding-left: 1.4em; }
nav.toc a { color: var(--accent); text-decoration: none; }
.keys { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0; }
.key { flex: 1 1 180px; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px;
       background: #fff; }
.key b { display: block; font-size: 1.35em; }
.key span { color: var(--muted); font-size: 0.88em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 10px 0 16px; font-size: 0.9em; }
caption { text-align: left; color: var(--muted); padding: 0 0 4px; caption-side: top; }
th, td { border: 1px solid var(--line); padding: 4px 9px; vertical-align: top;
         text-align: left; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { text-align: right; }
table.eq td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.95em; }
figure { margin: 14px 0 20px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 0.9em; margin-top: 4px; max-width: 90ch; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.row > * { min-width: 0; }
.graph svg { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
.formula { background: var(--soft); border-left: 4px solid var(--accent); padding: 8px 14px;
           margin: 10px 0; font-family: "DejaVu Serif", Georgia, "Times New Roman", serif;
           font-size: 1.06em; line-height: 1.9; overflow-x: auto; }
.formula .name { font-family: system-ui, sans-serif; color: var(--muted); font-size: 0.85em;
                 display: inline-block; min-width: 15em; }
.formula .elem { font-family: system-ui, sans-serif; color: var(--muted); font-size: 0.85em;
                 margin: 0 0.5em 0 2em; }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--warn); border-radius: 6px;
           padding: 8px 14px; margin: 10px 0; background: #fffaf5; }
.finding.healthy { border-left-color: var(--good); background: #f5fff7; }
.finding .kind { font-weight: 700; text-transform: uppercase; font-size: 0.82em;
                 letter-spacing: 0.04em; color: var(--warn); }
.finding.healthy .kind { color: var(--good); }
.finding p { margin: 0.3em 0; }
.note { color: var(--muted); font-size: 0.92em; }
.bad { color: var(--warn); font-weight: 600; }
.good { color: var(--good); font-weight: 600; }
footer { margin-top: 3em; border-top: 1px solid var(--line); padding-top: 10px;
         color: var(--muted); font-size: 0.88em; }
@media print { h2 { break-before: page; } figure, table { break-inside: avoid; } }
"""


def page(title: str, body: Any, *, lang: str = "en") -> str:
    """A whole HTML document: the inline style sheet and ``body``."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{escape(body)}\n</main>\n</body>\n</html>\n"
    )
