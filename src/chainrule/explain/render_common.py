"""What every rendering of an explanation says, decided once: the formats only typeset it.

Text, Markdown, LaTeX and HTML (``render_text``, ``render_markdown``, ``render_latex``,
``render_html``) show the same sections under the same titles, list the same number of paths,
name the same node as recomputed, show the same operation counts, the same check and the same
notes. The titles are written here with the lecture's symbols (∂, ·, →); the text renderer
spells them in ASCII with :func:`ascii_symbols`.

>>> from chainrule.explain import derive
>>> e = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})
>>> most_recomputed(e.graph), subject(e), point(e)
(('a', 2), 'y = (x1 + x2) * (x2 + 1)', [('x1', '1'), ('x2', '2')])
>>> heading("reverse", dy="∂y/∂y")[1][:24]
'from the top, ∂y/∂y = 1;'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from chainrule.explain.graph import Graph, format_number
from chainrule.explain.tables import Counts, PathSum
from chainrule.i18n import N_, _
from chainrule.wording import counted

if TYPE_CHECKING:
    from chainrule.explain.explanation import Explanation

#: Paths listed per input in every format; the JSON holds all that were enumerated.
PATHS_LISTED = 20

#: Each section's title and what it shows, in the order every format gives them. ``{y}`` is
#: the output's name and ``{dy}`` its partial with respect to itself, written by the format.
SECTIONS = {
    "graph": (N_("Graph"), N_("topological order, inputs first; constants are written inline")),
    "locals": (
        N_("Local partials"),
        N_("one per edge: ∂(node)/∂(operand), from the op's formula"),
    ),
    "reverse": (
        N_("Reverse accumulation"),
        N_(
            "from the top, {dy} = 1; each node's partial is the sum over the nodes it feeds "
            "of their partial · the local partial"
        ),
    ),
    "paths": (
        N_("Per path"),
        N_(
            "the naive method: every path from an input to {y}, the product of the local "
            "partials along it, summed"
        ),
    ),
    "forward": (
        N_("Forward mode"),
        N_(
            "one pass per input; each node's tangent n' is the sum over its operands of the "
            "local partial · their tangent"
        ),
    ),
    "counts": (
        N_("Operation count"),
        N_(
            "multiplications and additions of the chain rule; computing the local partials is "
            "not counted"
        ),
    ),
    "result": (N_("Result"), ""),
}

#: The notes an explanation may carry: kept in English in the data (``Explanation.notes``, the
#: JSON), said in the reader's language by :func:`note_text` when rendered.
LISTED_NOTE = N_("{total} paths in all: only the first {listed} are listed")
TENSOR_NOTE = N_(
    "the nodes are not all scalars: shapes and norms are shown instead of values, "
    "local partials as formulas, and the per-path and forward-mode tables are skipped"
)
NOT_SCALAR_NOTE = N_("the output is not a scalar: no gradients (reduce it first, e.g. .sum())")
_LISTED = re.compile(r"(?P<total>\d+) paths in all: only the first (?P<listed>\d+) are listed")

_PLACEHOLDER = re.compile(r"(\{\w+\})")
_ASCII = str.maketrans({"∂": "d", "·": "*", "→": "->", "…": "..."})


def heading(key: str, prose: Callable[[str], str] = str, **symbols: str) -> tuple[str, str]:
    """A section's title and its detail: the words through ``prose`` (the format's escaping),
    the placeholders (``y``, ``dy``) replaced by ``symbols``, already in the format's markup.

    >>> heading("paths", y="out")[1][:40]
    'the naive method: every path from an inp'
    """
    title, detail = (_(words) if words else "" for words in SECTIONS[key])
    pieces = _PLACEHOLDER.split(detail)
    text = "".join(symbols[p[1:-1]] if k % 2 else prose(p) for k, p in enumerate(pieces))
    return prose(title), text


def note_text(note: str) -> str:
    """A note of the explanation in the current language.

    >>> from chainrule.i18n import language
    >>> with language("zh"):
    ...     note_text(LISTED_NOTE.format(total=30, listed=20))[:2]
    '共 '
    """
    listed = _LISTED.fullmatch(note)
    if listed:
        return _(LISTED_NOTE).format(**listed.groupdict())
    return _(note)


def ascii_symbols(text: str) -> str:
    """The lecture's symbols in ASCII, as the text output writes them (∂ -> d, · -> *)."""
    return text.translate(_ASCII)


def subject(expl: Explanation) -> str:
    """What is explained: the expression as typed, or ``trace of y``."""
    if expl.expression is not None:
        return expl.expression
    return _("trace of {output}").format(output=expl.output)


def title(expl: Explanation) -> str:
    """``y = x1 * x2 at x1 = 2, x2 = 3`` (plain text: each format escapes it its own way)."""
    where = ", ".join(f"{k} = {v}" for k, v in point(expl))
    if not where:
        return subject(expl)
    return _("{subject} at {point}").format(subject=subject(expl), point=where)


def point(expl: Explanation) -> list[tuple[str, str]]:
    """Where: each variable and its value (empty for a trace)."""
    return [(name, format_number(value)) for name, value in expl.at.items()]


def scalar_sections(expl: Explanation) -> list[str]:
    """The sections after the reverse one: for tensors they are skipped (see the notes)."""
    if not expl.graph.scalar:
        return []
    keys = []
    if expl.paths is not None:
        keys.append("paths")
    if expl.forward is not None:
        keys.append("forward")
    return [*keys, "counts"]


def check_sentence(expl: Explanation) -> str:
    """Whether reverse, per path, forward mode and the engine agree, in one sentence."""
    if expl.agrees:
        text = _(
            "reverse accumulation, the per-path sums, forward mode and the engine's backward()"
            " agree"
        )
        if expl.max_difference:
            text += _(" (to a relative {difference:.1e}, rounding)").format(
                difference=expl.max_difference
            )
        return text
    return _("the methods differ by up to {difference:.3g}").format(difference=expl.max_difference)


def check_label(expl: Explanation) -> str:
    """``check`` or ``check FAILED``: what the check sentence follows."""
    return _("check") if expl.agrees else _("check FAILED")


def count_rows(c: Counts) -> list[list[str]]:
    """The operation-count table of a scalar graph, header first (every format shows it)."""
    return [
        [_("method"), _("passes"), _("mult"), _("add"), _("how")],
        [
            _("reverse accumulation"),
            "1",
            str(c.reverse_mult),
            str(c.reverse_add),
            _("one multiplication per edge ({edges})").format(edges=counted(c.edges, "edge")),
        ],
        [
            _("per path"),
            "-",
            str(c.path_mult),
            str(c.path_add),
            _("one per edge of every path ({paths}, {edges} edges in all)").format(
                paths=counted(c.paths, "path"), edges=c.path_edges
            ),
        ],
        [
            _("forward mode"),
            str(c.inputs),
            str(c.forward_mult),
            str(c.forward_add),
            _("every edge once in each pass, one pass per input ({inputs})").format(
                inputs=c.inputs
            ),
        ],
    ]


def count_verdict(c: Counts) -> str:
    """Which mode wins for this graph, in one sentence."""
    if c.inputs > 1:
        verdict = _("with {inputs} inputs and 1 output, reverse mode wins").format(inputs=c.inputs)
    else:
        verdict = _("with 1 input and 1 output they tie; forward mode wins with more outputs")
    return _(
        "Reverse mode needs one pass per output, forward mode one per input: {verdict}."
    ).format(verdict=verdict)


def tensor_counts(c: Counts) -> str:
    """The operation count of a graph of tensors, where the scalar table does not apply."""
    return _(
        "reverse accumulation: one vector-Jacobian product per edge, {edges} in one pass;"
        " forward mode would need one pass per input element, the per-path method one"
        " product chain per path ({paths})."
    ).format(edges=c.edges, paths=counted(c.paths, "path"))


def unlisted_paths(t: PathSum) -> int:
    """How many of an input's paths a table leaves out (it lists PATHS_LISTED)."""
    return t.count - min(len(t.paths), PATHS_LISTED)


def recomputed_note(partial: str, node: str, times: int) -> str:
    """The lecture's point about the per-path method, with symbols in the caller's markup."""
    return _(
        "{partial} is recomputed on each of the {times} paths that reach {node}; "
        "reverse accumulation computes it once."
    ).format(partial=partial, times=times, node=node)


def path_total(t: PathSum) -> str:
    """``sum over 3 paths``, or of the listed ones when the listing stopped short."""
    if t.complete:
        return _("sum over {paths}").format(paths=counted(t.count, "path"))
    return _("sum over the {listed} listed of {paths}").format(
        listed=len(t.paths), paths=counted(t.count, "path")
    )


def repeated_edges(graph: Graph) -> set[tuple[str, str]]:
    """The (source, target) pairs joined by more than one edge (x1 * x1): their rows need the
    operand's number."""
    seen: set[tuple[str, str]] = set()
    twice: set[tuple[str, str]] = set()
    for e in graph.edges:
        key = (e.source, e.target)
        (twice if key in seen else seen).add(key)
    return twice


def operand_slot(graph: Graph, source: str, target: str, index: int) -> str:
    """`` (operand 2)`` where two edges join the same nodes, else nothing."""
    return (
        _(" (operand {number})").format(number=index + 1)
        if (source, target) in repeated_edges(graph)
        else ""
    )


def most_recomputed(graph: Graph) -> tuple[str, int] | None:
    """The intermediate node whose upper product the per-path method recomputes most often:
    the one the most paths from the inputs reach (counted over all paths, not only those
    listed), with that number of paths."""
    into: dict[str, int] = {}
    for node in graph.nodes:
        into[node.name] = (
            1 if node.is_input else sum(into[e.source] for e in graph.edges_into(node.name))
        )
    best = None
    for node in graph.nodes:
        if node.is_input or node.name == graph.output:
            continue
        if into[node.name] > 1 and (best is None or into[node.name] > best[1]):
            best = (node.name, into[node.name])
    return best


def signed(value: float | None) -> str:
    """A factor in a product: negative numbers in parentheses."""
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def products(pairs: Iterable[tuple[float | None, float | None]], times: str) -> str:
    """``3·1 + 3·1``: a sum of two-factor products with numbers, ``times`` between factors."""
    return " + ".join(f"{signed(a)}{times}{signed(b)}" for a, b in pairs)
