"""The guard in front of every playground route: only the server's own pages may drive it.

A web page the user happens to visit can send requests to ``http://127.0.0.1:PORT`` (a form,
``fetch``, a WebSocket) and can even make its own name resolve to 127.0.0.1 (DNS rebinding). The
guard is plain ASGI middleware, so it sees HTTP requests and WebSocket handshakes alike, and
refuses with status 403:

* a ``Host`` that is not the server's own: ``localhost``, ``127.0.0.1`` or ``[::1]`` (or the
  ``--host`` given, or the address the connection arrived at) with the server's port; a
  rebinding page's requests carry its own name here;
* an ``Origin`` that is not the server's own, when there is one; a WebSocket handshake must
  carry one (browsers always send it there; a page elsewhere cannot hide its own).

It also reads a request's body only up to ``body_bytes`` (status 413 past it) and marks every
response with the asset version and a content security policy that allows nothing but the
server's own scripts, styles and connections.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket

from chainrule.i18n import _

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")
#: Only the server's own scripts, styles, images and connections; no frames around it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def host_name(host: str) -> str:
    """A host as a ``Host`` header names it: IPv6 addresses in brackets.

    >>> host_name("::1"), host_name("127.0.0.1"), host_name("[::1]")
    ('[::1]', '127.0.0.1', '[::1]')
    """
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def split_host(value: str) -> tuple[str, int | None]:
    """``"localhost:8000"`` -> ("localhost", 8000); ``"[::1]"`` -> ("[::1]", None).

    A port that is not a number gives -1, which matches no server.

    >>> split_host("localhost:8000"), split_host("[::1]:80"), split_host("a:b")
    (('localhost', 8000), ('[::1]', 80), ('a', -1))
    """
    name, sep, port = value.rpartition(":")
    if not sep or name.endswith(":") or ("[" in value and not name.endswith("]")):
        return value.lower(), None  # no port (a bare IPv6 address is always bracketed)
    return name.lower(), int(port) if port.isdigit() else -1


class Guard:
    """ASGI middleware: Host and Origin checks, a bound on request bodies, security headers.

    ``host`` is the address the server was asked to bind (its name is allowed in ``Host``),
    ``port`` the port it listens on (``None``: the port each connection arrived at).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        body_bytes: int = 65536,
        asset_version: str = "",
    ) -> None:
        self.app = app
        self.port = port
        self.body_bytes = body_bytes
        self.asset_version = asset_version
        self.names = set(LOOPBACK_NAMES)
        if host not in WILDCARD_HOSTS:
            self.names.add(host_name(host).lower())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        problem = self.refusal(scope)
        if problem is not None:
            await _deny(scope, receive, send, 403, problem)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if scope["method"] in _BODY_METHODS:
            body = await self._read_body(scope, receive, send)
            if body is None:
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, self._with_headers(send))

    def refusal(self, scope: Scope) -> str | None:
        """Why this request must be refused (one line), or ``None`` when it may pass."""
        headers = Headers(scope=scope)
        server = scope.get("server") or ("", None)
        port = self.port if self.port is not None else server[1]
        names = self.names | {host_name(str(server[0])).lower()}
        host = headers.get("host", "")
        if not _is_own(host, names, port):
            return _("Host {host!r} is not this server's own address").format(host=host)
        origin = headers.get("origin")
        if origin is None:
            if scope["type"] == "websocket":
                return _("a WebSocket handshake needs an Origin header")
            return None
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not _is_own(parts.netloc, names, port):
            return _("Origin {origin!r} is not this server's own").format(origin=origin)
        return None

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or ``None`` after answering 413 (or when the client left)."""
        declared = Headers(scope=scope).get("content-length", "")
        too_big = _("request body over {limit} bytes").format(limit=self.body_bytes)
        if declared.isdigit() and int(declared) > self.body_bytes:
            await _deny(scope, receive, send, 413, too_big)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.body_bytes:
                await _deny(scope, receive, send, 413, too_big)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _with_headers(self, send: Send) -> Send:
        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "no-referrer")
                if self.asset_version:
                    headers["x-chainrule-assets"] = self.asset_version
            await send(message)

        return send_marked


def _is_own(host: str, names: set[str], port: int | None) -> bool:
    """Whether ``host`` (``name[:port]``) is one of ``names`` on ``port``; a missing port is
    the scheme's default, 80."""
    name, given = split_host(host)
    return name in names and (given if given is not None else 80) == port


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read, then whatever the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _deny(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    """Answer ``{"error": message}`` with ``status``; a WebSocket handshake is refused with the
    same HTTP answer where the server can send one, else closed (policy violation)."""
    response = JSONResponse({"error": message}, status_code=status)
    if scope["type"] == "http":
        await response(scope, receive, send)
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await WebSocket(scope, receive, send).send_denial_response(response)
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
