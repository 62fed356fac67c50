"""Safety: hostile requests get one line and status 400 (413 for a body past the bound); a
foreign Host or Origin gets 403 on HTTP and on WebSocket handshakes; the server keeps serving
after each."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from chainrule.playground import Limits, create_app
from chainrule.playground.server import running
from helpers.playground import BASE_URL, ORIGIN

LECTURE = {"expression": "y = (x1 + x2) * (x2 + 1)", "at": {"x1": 1, "x2": 2}}


def still_serving(client: Any) -> None:
    answer = client.post("/api/derive", json=LECTURE)
    assert answer.status_code == 200
    assert answer.json()["gradients"] == {"x1": 3.0, "x2": 6.0}


def one_line_error(answer: Any, status: int = 400) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}
    message = body["error"]
    assert message and "\n" not in message and len(message) <= 300
    assert "Traceback" not in message
    return message


HOSTILE_EXPRESSIONS = {
    "import": "__import__('os').system('touch /tmp/pwned')",
    "attribute": "x.__class__.__mro__",
    "lambda": "(lambda: 1)()",
    "comprehension": "[x for x in range(10**9)]",
    "huge": "x + " * 400 + "x",
    "nested": "(" * 60 + "x" + ")" * 60,
    "deep chain": "exp(" * 120 + "x" + ")" * 120,
    "exponent": "x ** 99999",
    "unicode": "y = x₁ + 𝔵 + \u202e",
    "nul": "x\x00 + 1",
    "empty": "",
    "two statements": "x; import os",
    "not finite": "log(x - 1)",  # at x = 1: the partial is infinite there
}


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS.values(), ids=HOSTILE_EXPRESSIONS)
def test_hostile_expressions_are_refused_in_one_line(client: Any, expression: str) -> None:
    for path in ("/api/derive", "/api/expression"):
        answer = client.post(path, json={"expression": expression, "at": {"x": 1}})
        one_line_error(answer)
    still_serving(client)


BAD_BODIES = {
    "not json": b"expression=x",
    "empty": b"",
    "array": b"[1, 2]",
    "bad utf-8": b'{"expression": "\xff\xfe"}',
    "NaN": b'{"expression": "y = x", "at": {"x": NaN}}',
    "Infinity": b'{"expression": "y = x", "at": {"x": -Infinity}}',
    "overflow": b'{"expression": "y = x", "at": {"x": 1e999}}',
    "big int": b'{"expression": "y = x", "at": {"x": ' + b"9" * 400 + b"}}",
    "missing expression": b'{"at": {"x": 1}}',
    "expression number": b'{"expression": 3, "at": {}}',
    "expression null": b'{"expression": null}',
    "at list": b'{"expression": "y = x", "at": [1]}',
    "value string": b'{"expression": "y = x", "at": {"x": "1"}}',
    "value bool": b'{"expression": "y = x", "at": {"x": true}}',
    "value object": b'{"expression": "y = x", "at": {"x": {"v": 1}}}',
    "bad name": b'{"expression": "y = x", "at": {"__class__": 1}}',
    "unknown field": b'{"expression": "y = x", "at": {"x": 1}, "eval": "1"}',
    "deep json": b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES)
def test_bad_bodies_are_refused_in_one_line(client: Any, body: bytes) -> None:
    for path in ("/api/derive", "/api/expression"):
        answer = client.post(path, content=body, headers={"content-type": "application/json"})
        one_line_error(answer)
    still_serving(client)


def test_limits_bound_the_expression() -> None:
    client = TestClient(
        create_app(Limits(expression_chars=30, expression_nodes=6)), base_url=BASE_URL
    )
    long = client.post("/api/derive", json={"expression": "y = " + "x + " * 10 + "x", "at": {}})
    assert one_line_error(long) == "the expression is too long (45 characters; at most 30)"
    wide = client.post(
        "/api/derive",
        json={"expression": "y = x1*x2 + x3*x4", "at": dict(x1=1, x2=2, x3=3, x4=4)},
    )
    assert one_line_error(wide) == "the expression has 7 distinct parts; at most 6"
    still_serving(client)


def test_a_body_past_the_bound_gets_413(client: Any) -> None:
    padded = json.dumps({**LECTURE, "pad": "x" * 70_000})
    one_line_error(client.post("/api/derive", content=padded), 413)

    def chunks() -> Any:  # no Content-Length: the guard counts what arrives
        for _ in range(100):
            yield b" " * 1024

    one_line_error(client.post("/api/derive", content=chunks()), 413)
    still_serving(client)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="sessions must be positive"):
        Limits(sessions=0)


FOREIGN = {
    "rebinding host": {"host": "evil.example:8765"},
    "other port": {"host": "127.0.0.1:9999"},
    "no port": {"host": "127.0.0.1"},
    "foreign origin": {"origin": "http://evil.example"},
    "origin other port": {"origin": "http://127.0.0.1:9999"},
    "null origin": {"origin": "null"},
    "file origin": {"origin": "file://"},
}


@pytest.mark.parametrize("headers", FOREIGN.values(), ids=FOREIGN)
def test_foreign_host_or_origin_gets_403_over_http(client: Any, headers: dict[str, str]) -> None:
    for method, path in (("GET", "/"), ("GET", "/expression"), ("POST", "/api/derive")):
        answer = client.request(method, path, headers=headers, json=LECTURE)
        one_line_error(answer, 403)
    still_serving(client)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"origin": ORIGIN},
        {"host": "localhost:8765", "origin": "http://localhost:8765"},
        {"host": "[::1]:8765", "origin": "http://[::1]:8765"},
    ],
)
def test_the_servers_own_names_pass(client: Any, headers: dict[str, str]) -> None:
    answer = client.post("/api/derive", json=LECTURE, headers=headers)
    assert answer.status_code == 200


#: The test client resolves WebSocket paths against ws://testserver: name the address in full.
WS_ECHO = BASE_URL.replace("http://", "ws://") + "/ws/echo"


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


@pytest.fixture
def ws_client() -> TestClient:
    """The playground with one WebSocket route (the live views add theirs the same way)."""
    app = create_app(extra_routes=[WebSocketRoute("/ws/echo", echo)])
    return TestClient(app, base_url=BASE_URL)


def test_a_websocket_from_the_servers_own_page_connects(ws_client: TestClient) -> None:
    with ws_client.websocket_connect(WS_ECHO, headers={"origin": ORIGIN}) as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "hello"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a handshake must name its origin
        {"origin": "http://evil.example"},
        {"origin": ORIGIN, "host": "evil.example:8765"},
        {"origin": "http://evil.example:8765", "host": "evil.example:8765"},
    ],
)
def test_foreign_websocket_handshakes_get_403(
    ws_client: TestClient, headers: dict[str, str]
) -> None:
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        ws_client.websocket_connect(WS_ECHO, headers=headers),
    ):
        pass
    one_line_error(refused.value, 403)
    still_serving(ws_client)


def raw_get(url: str, host: str, origin: str | None = None) -> tuple[int, bytes]:
    """A GET with the Host (and Origin) given, as a rebinding page's request would carry."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Host": host, **({"Origin": origin} if origin else {})}
    connection.request("GET", "/", headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def test_the_real_server_refuses_foreign_hosts_origins_and_handshakes() -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with running(extra_routes=[WebSocketRoute("/ws/echo", echo)]) as url:
        parts = urlsplit(url)
        own = f"127.0.0.1:{parts.port}"
        assert raw_get(url, own)[0] == 200
        assert raw_get(url, f"localhost:{parts.port}", f"http://localhost:{parts.port}")[0] == 200
        status, body = raw_get(url, f"evil.example:{parts.port}")
        assert status == 403 and b"evil.example" in body
        assert raw_get(url, own, "http://evil.example")[0] == 403
        ws_url = f"ws://{own}/ws/echo"
        with connect(ws_url, origin=f"http://{own}") as ws:
            ws.send("hello")
            assert ws.recv(timeout=10) == "hello"
        for origin in (None, "http://evil.example"):
            with pytest.raises(InvalidStatus) as refused:
                connect(ws_url, origin=origin, open_timeout=10)
            assert refused.value.response.status_code == 403
        assert raw_get(url, own)[0] == 200  # still serving
