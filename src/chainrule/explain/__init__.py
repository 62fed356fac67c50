"""Composite-function derivatives, explained: the lecture's section 1 as a tool.

Draw the graph and keep the intermediate values; the top node's partial is 1; each node's
partial is the sum, over the nodes directly above it, of their partial times the local partial.
:func:`derive` does this for an expression at a point, :func:`trace` for any chainrule tensor
computation, and both also show the naive per-path method and forward mode, with what each
costs.

>>> from chainrule.explain import derive
>>> e = derive("y = (x1 + x2) * (x2 + 1)", at={"x1": 1, "x2": 2})
>>> e.value, e.gradients
(9.0, {'x1': 3.0, 'x2': 6.0})
"""

from __future__ import annotations

from chainrule.explain.draw import to_dot, to_png, to_svg, write_graph
from chainrule.explain.explanation import Explanation, derive, trace
from chainrule.explain.graph import Edge, Graph, Node
from chainrule.explain.parser import Expression, parse, parse_assignments
from chainrule.explain.render_html import render_html
from chainrule.explain.render_latex import render_latex
from chainrule.explain.render_markdown import render_markdown
from chainrule.explain.render_text import render_text

__all__ = [
    "Edge",
    "Explanation",
    "Expression",
    "Graph",
    "Node",
    "derive",
    "parse",
    "parse_assignments",
    "render_html",
    "render_latex",
    "render_markdown",
    "render_text",
    "to_dot",
    "to_png",
    "to_svg",
    "trace",
    "write_graph",
]
