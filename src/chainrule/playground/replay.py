"""The playground's third view: the lab replay, the same page ``chainrule lab`` writes beside
report.html, served with its script and style as links (the server's policy forbids inline
script).

The page replays ``app.state.lab_numbers`` when a caller set it (a lab's ``lab.json``, read as
a dict); otherwise a quick lab run (a few seconds, in a worker thread), made once per
application and kept.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from chainrule.i18n import LANGUAGES, language
from chainrule.report.replay import asset, render_replay_html, replay_data

_MEDIA = {"replay.js": "text/javascript", "replay.css": "text/css"}


def _quick_lab_numbers() -> dict[str, Any]:
    from chainrule.report import LabSettings, run_lab

    return run_lab(LabSettings.quick_settings(seed=0)).to_dict()


async def lab_numbers(app: Any) -> dict[str, Any]:
    """The lab this application replays (see the module docstring)."""
    numbers = getattr(app.state, "lab_numbers", None)
    if numbers is None:
        numbers = await anyio.to_thread.run_sync(_quick_lab_numbers)
        app.state.lab_numbers = numbers
    return numbers


async def lab_page(request: Request) -> HTMLResponse:
    """The lab replay, in the language ``?lang=`` asks for."""
    numbers = await lab_numbers(request.app)
    lang = request.query_params.get("lang")
    with language(lang if lang in LANGUAGES else None):
        html = render_replay_html(
            replay_data(numbers),
            script_url="/lab/replay.js",
            style_url="/lab/replay.css",
            home_url=f"/?lang={lang}" if lang in LANGUAGES else "/",
            icon_url=f"/static/{request.app.state.asset_version}/favicon.svg",
        )
    return HTMLResponse(html)


def _asset_route(name: str) -> Route:
    async def serve(request: Request) -> Response:
        return Response(asset(name), media_type=_MEDIA[name])

    return Route(f"/lab/{name}", serve, name=name)


routes: list[BaseRoute] = [Route("/lab", lab_page, name="lab"), *map(_asset_route, _MEDIA)]
