"""The playground's HTML pages: one shared frame (navigation, language, messages for the
scripts) and one template per view.

A view's page is :func:`page` with its template, its script and the messages its script shows
(English, marked with ``N_``; translated here, when the page is served, and handed to the
script as JSON, so every word on screen goes through the catalogs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from chainrule.explain.templating import environment
from chainrule.i18n import LANGUAGES, N_, _, current_language, language


@dataclass(frozen=True)
class View:
    """One of the playground's views, as the navigation and the landing page show it."""

    key: str
    path: str
    title: str  # marked with N_, translated when shown
    summary: str


VIEWS = (
    View(
        "expression",
        "/expression",
        N_("Expression"),
        N_(
            "Type an expression and a point; step through the backward pass node by node, "
            "compare it with the per-path sums and forward mode."
        ),
    ),
    View(
        "network",
        "/network",
        N_("Network"),
        N_(
            "Train a small network on 2-D data or digits and watch the decision boundary, "
            "the per-layer learning speed and the diagnosis live."
        ),
    ),
    View(
        "lab",
        "/lab",
        N_("Lab replay"),
        N_("Open a recorded lab run and scrub through its steps."),
    ),
)

#: Messages every page's script may show (see ``static/common.js``).
COMMON_MESSAGES = {
    "error": N_("Error"),
    "network_error": N_("The server did not answer; is chainrule playground still running?"),
}


def page(
    request: Request,
    template: str,
    *,
    view: str,
    script: str | None = None,
    messages: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` (which extends ``base.html.j2``) in the language ``?lang=`` asks
    for; ``script`` is the view's module under ``static/``, ``messages`` the words it shows."""
    lang = request.query_params.get("lang")
    with language(lang if lang in LANGUAGES else None):
        words = {**COMMON_MESSAGES, **(messages or {})}
        html = (
            environment("chainrule.playground")
            .get_template(template)
            .render(
                _=_,
                lang=current_language(),
                views=_available(request),
                current=view,
                static=f"/static/{request.app.state.asset_version}",
                script=script,
                messages={key: _(text) for key, text in words.items()},
                **context,
            )
        )
    return HTMLResponse(html)


def _available(request: Request) -> list[dict[str, Any]]:
    """The views with their titles translated, and whether this server has each one yet."""
    paths = {getattr(route, "path", None) for route in request.app.routes}
    return [
        {
            "key": v.key,
            "path": v.path,
            "title": _(v.title),
            "summary": _(v.summary),
            "available": v.path in paths,
        }
        for v in VIEWS
    ]


async def index(request: Request) -> HTMLResponse:
    """The landing page: what the playground is, and the way to each view."""
    return page(request, "index.html.j2", view="index")


async def expression(request: Request) -> HTMLResponse:
    """The expression view: graph, backward pass step by step, per path, forward mode."""
    from chainrule.playground.expression import EXAMPLES, MESSAGES

    return page(
        request,
        "expression.html.j2",
        view="expression",
        script="expression.js",
        messages=MESSAGES,
        examples=[
            {"label": _(name), "expression": text, "at": _numbers(at)}
            for name, text, at in EXAMPLES
        ],
    )


def _numbers(at: Mapping[str, float]) -> dict[str, str]:
    """A point's values as the tables write them (``1``, not ``1.0``)."""
    from chainrule.explain.graph import format_number

    return {name: format_number(value) for name, value in at.items()}
