"""The playground's JSON API, which its pages use and people may script against.

``POST /api/derive`` with ``{"expression": "y = x1 * x2", "at": {"x1": 2, "x2": 3}}`` answers
exactly what ``chainrule derive --json`` prints; ``POST /api/expression`` answers that and
everything the expression view draws (see :mod:`chainrule.playground.expression`). A request
the server will not do gets status 400 and ``{"error": "<one line>"}``: bad JSON, a missing or
mistyped field, a value that is not a finite number, an expression past the limits or one the
parser refuses. The expression is read by the same whitelisting parser as ``derive``; nothing
in it is ever run.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chainrule.errors import ChainruleError
from chainrule.explain import derive
from chainrule.explain.explanation import Explanation
from chainrule.explain.parser import Expression, number_value, parse
from chainrule.i18n import _
from chainrule.serialization import finite_json

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
#: The longest error message sent back (the parser's already name one column).
MAX_MESSAGE = 300


class RequestError(ValueError):
    """A request the API refuses: its one-line message becomes ``{"error": ...}``, status 400."""


def _refuse_constant(name: str) -> float:
    # json.loads takes NaN and Infinity by default; JSON itself has neither
    raise RequestError(_("{name} is not a JSON number").format(name=name))


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object (the guard has bounded its size), or a RequestError."""
    body = await request.body()
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        if isinstance(exc, RequestError):
            raise
        raise RequestError(_("the request body is not valid JSON")) from None
    if not isinstance(payload, dict):
        raise RequestError(_("the request body must be a JSON object"))
    return payload


def parse_request(payload: dict[str, Any], max_chars: int, max_nodes: int) -> Expression:
    """The expression of a ``{"expression": ..., "at": ...}`` request, checked against the
    limits before the parser sees it (and its size in nodes after)."""
    unknown = sorted(set(payload) - {"expression", "at"})
    if unknown:
        raise RequestError(_("unknown field {name!r}").format(name=unknown[0]))
    text = payload.get("expression")
    if not isinstance(text, str):
        raise RequestError(_('"expression" must be a string, as "y = x1 * x2"'))
    if len(text) > max_chars:
        raise RequestError(
            _("the expression is too long ({count} characters; at most {limit})").format(
                count=len(text), limit=max_chars
            )
        )
    expression = parse(text)
    nodes = count_terms(expression)
    if nodes > max_nodes:
        raise RequestError(
            _("the expression has {count} distinct parts; at most {limit}").format(
                count=nodes, limit=max_nodes
            )
        )
    return expression


def point(payload: dict[str, Any]) -> dict[str, float]:
    """The ``"at"`` object: variable name -> finite JSON number (not a string, not a bool)."""
    at = payload.get("at", {})
    if not isinstance(at, dict):
        raise RequestError(_('"at" must be an object of numbers, as {"x1": 1, "x2": 2}'))
    values = {}
    for name, value in at.items():
        if not _NAME.match(name):
            raise RequestError(_("{name!r} is not a variable name").format(name=name[:40]))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RequestError(
                _("the value of {name} must be a number, got {value}").format(
                    name=name[:40], value=json.dumps(value)[:40]
                )
            )
        values[name] = number_value(value, name)  # finite, and within float64's range
    return values


def count_terms(expression: Expression) -> int:
    """Distinct sub-expressions (equal ones are one node of the graph), walked without
    recursion."""
    seen = set()
    stack = [expression.root]
    while stack:
        term = stack.pop()
        if term not in seen:
            seen.add(term)
            stack.extend(term.args)
    return len(seen)


async def explained(request: Request) -> Explanation:
    """The explanation a derive request asks for, within the server's limits."""
    limits = request.app.state.limits
    payload = await read_json(request)
    expression = parse_request(payload, limits.expression_chars, limits.expression_nodes)
    # derive and lay out in a worker thread: the event loop keeps serving the live views
    return await run_in_threadpool(derive, expression, point(payload))


def error(message: str, status: int = 400, **extra: Any) -> JSONResponse:
    """``{"error": message}`` (and ``extra``), the message on one line."""
    line = " ".join(str(message).split())
    if len(line) > MAX_MESSAGE:
        line = line[: MAX_MESSAGE - 1] + "…"
    return JSONResponse({"error": line, **extra}, status_code=status)


async def derive_endpoint(request: Request) -> JSONResponse:
    """``POST /api/derive``: the JSON of ``chainrule derive --json``."""
    try:
        explanation = await explained(request)
    except (RequestError, ChainruleError) as exc:
        return error(str(exc))
    return JSONResponse(await run_in_threadpool(lambda: finite_json(explanation.to_json())))


async def expression_endpoint(request: Request) -> JSONResponse:
    """``POST /api/expression``: the derivation and what the expression view draws of it.

    The page sends the value of every field it shows, so values for names the expression no
    longer uses are left out here (``/api/derive`` refuses them, as ``derive`` does); a name
    without a value is an error that lists the expression's variables, for the page to ask.
    """
    from chainrule.playground.expression import view_model

    limits = request.app.state.limits
    try:
        payload = await read_json(request)
        expression = parse_request(payload, limits.expression_chars, limits.expression_nodes)
        values = point(payload)
        missing = [name for name in expression.variables if name not in values]
        if missing:
            message = _("give a value for {name}").format(name=missing[0])
            return error(message, variables=list(expression.variables))
        used = {name: values[name] for name in expression.variables}
        model = await run_in_threadpool(lambda: finite_json(view_model(derive(expression, used))))
    except (RequestError, ChainruleError) as exc:
        return error(str(exc))
    return JSONResponse(model)


routes = [
    Route("/api/derive", derive_endpoint, methods=["POST"]),
    Route("/api/expression", expression_endpoint, methods=["POST"]),
]
