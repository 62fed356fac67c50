"""The playground's web application: pages, the JSON API, static assets, behind the guard.

:func:`create_app` builds one Starlette application. Every route, HTTP or WebSocket, sits
behind :class:`~chainrule.playground.guard.Guard` (Host and Origin checks, a bound on request
bodies); every other bound on the work a request may ask for is in :class:`Limits`, which the
routes read as ``request.app.state.limits``.

A view adds its routes to :func:`routes` with one line (or a caller passes ``extra_routes``).

>>> from starlette.testclient import TestClient
>>> client = TestClient(create_app(), base_url="http://127.0.0.1:8765")
>>> client.get("/").status_code, client.get("/", headers={"host": "evil.example"}).status_code
(200, 403)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from chainrule.errors import ConfigError
from chainrule.i18n import _
from chainrule.playground import api, network, pages, replay
from chainrule.playground.guard import Guard

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Limits:
    """Every bound on the work one request or session may ask of the server.

    A request past a bound gets a clear error (status 400, or 413 for the body) and the
    server keeps serving.

    >>> Limits().expression_chars, Limits(sessions=2).sessions
    (1000, 2)
    """

    #: characters in an expression typed into the expression view
    expression_chars: int = 1000
    #: nodes in its graph (inputs, constants folded in, and operations)
    expression_nodes: int = 200
    #: layers of weights in a network of the network view
    network_layers: int = 8
    #: units in any one layer (the digits' 64 inputs included)
    network_units: int = 64
    #: weights and biases in all
    network_parameters: int = 50_000
    #: training steps a session may run per second
    steps_per_second: float = 200.0
    #: live training sessions at once, over all clients
    sessions: int = 4
    #: bytes in one request body
    body_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value > 0:
                raise ConfigError(
                    _("playground limit {name} must be positive, got {value}").format(
                        name=f.name, value=value
                    )
                )


@cache
def asset_version() -> str:
    """A short hash of the static files: it names their folder in every asset URL, so a
    browser never runs a cached script of another version."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def routes() -> list[BaseRoute]:
    """The routes of every view and of the API; the static assets under ``/static/<version>``."""
    table: list[BaseRoute] = [
        Route("/", pages.index, name="index"),
        Route("/expression", pages.expression, name="expression"),
    ]
    table += api.routes
    # The network view and the lab replay add theirs here: `table += live.routes`.
    table += network.routes + replay.routes
    table.append(
        Mount(
            f"/static/{asset_version()}",
            app=StaticFiles(packages=[("chainrule.playground", "static")]),
            name="static",
        )
    )
    return table


def create_app(
    limits: Limits | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The playground application, guarded; ``host`` and ``port`` are where the server listens
    (``port=None``: whatever port each connection arrived at, as in tests)."""
    limits = limits or Limits()
    guard = Middleware(
        Guard,
        host=host,
        port=port,
        body_bytes=limits.body_bytes,
        asset_version=asset_version(),
    )
    app = Starlette(routes=[*extra_routes, *routes()], middleware=[guard])
    app.state.limits = limits
    app.state.asset_version = asset_version()
    return app
