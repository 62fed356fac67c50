"""How a name or a formula becomes text in each output format: one rule per format, here.

Tensor names are the user's text and may hold anything: backticks, HTML, LaTeX commands,
newlines. Every renderer passes such text through the function of its format, so that it is
shown as written and never read as markup. Each rule starts from :func:`plain`, which turns
line breaks into spaces and other control characters into U+FFFD (a name stays on its line,
and XML, which has no way to write most control characters, stays well formed).

>>> markdown("a*b<c>"), markdown_code("a``b"), latex("50%_x"), dot('say "hi"')
('a\\\\*b&lt;c&gt;', '``` a``b ```', '50\\\\%\\\\_x', 'say \\\\"hi\\\\"')
"""

from __future__ import annotations

import html as _stdlib_html
import re
from typing import Any

from markupsafe import Markup

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\t\u2028\u2029\x85]")

#: The characters CommonMark (and GitHub's tables and strikethrough) read as marks inline.
_MARKDOWN_MARKS = re.compile(r"([\\`*_\[\]~])")

_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def plain(text: Any) -> str:
    """``text`` on one line: line breaks become spaces, other control characters U+FFFD."""
    return _CONTROL.sub("\ufffd", _LINE_BREAK.sub(" ", str(text)))


def markdown(text: Any) -> str:
    """Text shown as written in Markdown: the marks backslash-escaped, and HTML (which
    notebooks and CommonMark render) written as entities.

    >>> markdown("[x](javascript:y) <b>")
    '\\\\[x\\\\](javascript:y) &lt;b&gt;'
    """
    text = plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_MARKS.sub(r"\\\1", text)


def markdown_code(text: Any) -> str:
    """A Markdown code span holding ``text`` exactly: the fence is one backtick longer than
    the longest run of backticks inside (CommonMark's rule), so no name can close it early.

    >>> markdown_code("a * b"), markdown_code("a`b")
    ('`a * b`', '`` a`b ``')
    """
    text = plain(text)
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    if longest == 0:
        return f"`{text}`"
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"  # the spaces keep a backtick at either end inside


def markdown_cell(text: str) -> str:
    """A Markdown table cell: a pipe (even in a code span) would end the cell."""
    return text.replace("|", "\\|")


def latex(text: Any) -> str:
    r"""Text in LaTeX's text mode: the ten special characters written as commands.

    >>> print(latex(r"\input{x}"))
    \textbackslash{}input\{x\}
    """
    return "".join(_LATEX.get(c, c) for c in plain(text))


def html(text: Any) -> Markup:
    """Text in HTML, in an element or a quoted attribute: ``& < > " '`` as entities; Markup
    (already HTML) passes through. Every HTML page's values go through this rule (the
    templates' too: see ``templating``).

    >>> str(html('<b class="x">'))
    '&lt;b class=&quot;x&quot;&gt;'
    """
    if isinstance(text, Markup):
        return text
    return Markup(_stdlib_html.escape(plain(text), quote=True))


def xml(text: Any) -> str:
    """Text or an attribute value in an SVG (XML) document (HTML's rule: XML has the same five
    characters to escape)."""
    return str(html(text))


def dot(text: Any) -> str:
    """Text inside a double-quoted Graphviz DOT string."""
    return plain(text).replace("\\", "\\\\").replace('"', '\\"')


def mathtext(text: Any) -> str:
    """Text drawn by matplotlib, where a pair of ``$`` would start mathtext."""
    return plain(text).replace("$", r"\$")
