"""Running the playground: a socket bound first (so port 0 means a free port, known before the
server starts), the guarded application made for that address, uvicorn serving it.

:func:`serve` is what ``chainrule playground`` runs; :func:`running` serves in a background
thread for as long as a ``with`` block lasts (the browser tests use it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from chainrule.errors import ConfigError
from chainrule.i18n import _
from chainrule.playground.app import Limits, create_app
from chainrule.playground.guard import WILDCARD_HOSTS, host_name

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (port 0: a free one the system picks)."""
    plain = host.strip("[]")
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            plain, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        message = _("cannot use host {host!r}: {reason}").format(host=host, reason=exc)
        raise ConfigError(message) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            _("cannot listen on {host}:{port}: {reason}").format(
                host=host, port=port, reason=exc.strerror or exc
            )
        ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket, host: str) -> str:
    """The page's address: ``http://127.0.0.1:PORT/`` (a wildcard host is reached locally)."""
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host_name(host)
    return f"http://{shown}:{port}/"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only."""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def server_for(
    sock: socket.socket, host: str, limits: Limits | None = None, **options: Any
) -> uvicorn.Server:
    """A uvicorn server for the guarded application at the socket's address (``options``
    go to :func:`~chainrule.playground.app.create_app`)."""
    app = create_app(limits, host=host, port=sock.getsockname()[1], **options)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    open_browser: bool = True,
    limits: Limits | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the playground until Ctrl-C; open the browser on it, or say its address."""
    sock = bind(host, port)
    url = address(sock, host)
    server = server_for(sock, host, limits)
    if open_browser:
        import webbrowser

        def open_when_ready() -> None:
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started and not webbrowser.open(url):
                say(_("open {url} in a browser").format(url=url))

        threading.Thread(target=open_when_ready, daemon=True).start()
    say(_("chainrule playground at {url} (Ctrl-C stops it)").format(url=url))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def running(
    host: str = "127.0.0.1",
    port: int = 0,
    limits: Limits | None = None,
    timeout: float = 10.0,
    **options: Any,
) -> Iterator[str]:
    """Serve in a background thread; yields the address, stops the server on leaving."""
    sock = bind(host, port)
    server = server_for(sock, host, limits, **options)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the playground server did not start")
        time.sleep(0.02)
    try:
        yield address(sock, host)
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
