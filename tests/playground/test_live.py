"""The network view's WebSocket protocol, through the guard, with Starlette's test client."""

from __future__ import annotations

import threading
import time

import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from chainrule.playground import create_app
from chainrule.playground.app import Limits
from chainrule.playground.live import THREAD_PREFIX

from .conftest import BASE_URL

#: Starlette's test client opens WebSockets to testserver:80 whatever its base URL says.
ORIGIN = "http://testserver"
XOR = {"data": "xor", "hidden": [4]}


def connect(client: TestClient, origin: str = ORIGIN):
    return client.websocket_connect("/ws/network", headers={"origin": origin})


def start(ws, settings=XOR) -> tuple[dict, dict]:
    ws.send_json({"type": "start", "settings": settings})
    ready, frame = ws.receive_json(), ws.receive_json()
    assert ready["type"] == "ready" and frame["type"] == "frame", (ready, frame)
    return ready, frame


def workers() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def test_start_step_edit_and_remedy(client):
    with connect(client) as ws:
        ready, frame = start(ws)
        assert ready["layers"] == [2, 4, 2] and len(ready["points"]) == len(ready["labels"])
        assert frame["main"]["step"] == 0 and frame["side"] is None
        ws.send_json({"type": "step"})
        assert ws.receive_json()["main"]["step"] == 1
        ws.send_json({"type": "edit", "layer": 1, "j": 2, "k": 0, "value": -1.5})
        assert ws.receive_json()["main"]["weights"][0][2][0] == -1.5
        ws.send_json({"type": "remedy", "remedy": "batch_norm"})
        ready = ws.receive_json()
        assert ready["remedy"] == "batch_norm" and ready["side"]["settings"]["batch_norm"]
        frame = ws.receive_json()
        assert frame["main"]["step"] == frame["side"]["step"] == 0


def test_play_streams_frames_until_paused(client):
    with connect(client) as ws:
        start(ws)
        ws.send_json({"type": "play", "speed": 100})
        steps = [ws.receive_json()["main"]["step"] for _ in range(5)]
        assert steps == sorted(steps) and steps[-1] > steps[0]
        ws.send_json({"type": "pause"})
        while (message := ws.receive_json())["type"] != "paused":
            assert message["type"] == "frame"


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ({"type": "start", "settings": {"data": "xor", "hidden": [65]}}, "too wide"),
        ({"type": "start", "settings": {"data": "xor", "hidden": [2] * 9}}, "at most 8"),
        ({"type": "start", "settings": {"hidden": "lots"}}, "hidden"),
        ({"type": "step"}, "start"),
        ({"type": "dance"}, "start"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_messages_get_one_line_and_the_connection_stays(client, message, words):
    with connect(client) as ws:
        ws.send_json(message)
        reply = ws.receive_json()
        assert reply["type"] == "error" and words in reply["error"] and "\n" not in reply["error"]
        start(ws)  # still serving


def test_bad_edit_and_too_fast_a_play_are_refused(client):
    with connect(client) as ws:
        start(ws)
        ws.send_json({"type": "edit", "layer": 1, "j": 9, "k": 0, "value": 1})
        assert "j must be 0 to 3" in ws.receive_json()["error"]
        ws.send_json({"type": "play", "speed": 10**6})
        assert "at most 200" in ws.receive_json()["error"]
        ws.send_text("not json")
        assert ws.receive_json()["type"] == "error"


def test_foreign_origin_is_refused_with_403(client):
    with pytest.raises(WebSocketDenialResponse) as refused, connect(client, "http://evil.example"):
        pass
    assert refused.value.status_code == 403


def test_sessions_at_once_are_bounded():
    client = TestClient(create_app(Limits(sessions=1)), base_url=BASE_URL)
    with connect(client) as first:
        start(first)
        with connect(client) as second:
            reply = second.receive_json()
            assert reply["type"] == "error" and "at once" in reply["error"]
            with pytest.raises(WebSocketDisconnect):
                second.receive_json()
    with connect(client) as again:  # the slot came back when the first one left
        start(again)


def test_a_client_that_leaves_mid_run_leaves_no_thread_running(client):
    before = workers()
    with connect(client) as ws:
        start(ws)
        ws.send_json({"type": "play", "speed": 200})
        ws.receive_json()
        assert workers()  # training runs in the session's own worker thread
    deadline = time.monotonic() + 5
    while workers() != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers() == before
    assert client.app.state.network_slots.taken == 0
