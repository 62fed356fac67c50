"""The network view's WebSocket: a training bench driven by JSON messages, one per line.

``/ws/network`` speaks this protocol (every message a JSON object with a ``type``):

client → server
    ``{"type": "start", "settings": {...}}``   a fresh bench (fields of :class:`Settings`)
    ``{"type": "play", "speed": 60}``          train on, ``speed`` steps a second
    ``{"type": "pause"}``                      stop training (the bench is kept)
    ``{"type": "step"}``                       one batch, then a frame
    ``{"type": "edit", "layer": 1, "j": 0, "k": 1, "value": 0.5}``  set w^l_jk, then a frame
    ``{"type": "remedy", "remedy": "batch_norm"}``  restart side by side from the same weights

server → client
    ``{"type": "ready", ...}``   what the bench trains (:meth:`Bench.describe`), after start
                                 and remedy; a frame follows
    ``{"type": "frame", "main": {...}, "side": {...} | null}``   :meth:`Bench.frame`
    ``{"type": "paused"}``       training stopped (asked for, or the run is done)
    ``{"type": "error", "error": "<one line>"}``   a message that could not be followed; the
                                 connection stays open

Training runs in one worker thread per connection, between frames, so the event loop keeps
serving every other client; the thread ends when the client goes, even in the middle of a run.
While playing, a frame carries the decision boundary at most every ``PLANE_SECONDS`` and the
diagnosis at most every ``DIAGNOSIS_SECONDS`` (null in between: the view keeps the last ones).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from chainrule.errors import ChainruleError, ConfigError
from chainrule.i18n import _
from chainrule.playground.session import Bench, Settings, Slots, StepBudget

#: Frames a second while playing (the view redraws on each).
FRAMES_PER_SECOND = 25
#: While playing, the decision boundary and hidden units go out at most this often (seconds),
#: and the diagnosis: they are the costly parts of a frame (a paused view gets both each time).
PLANE_SECONDS = 0.15
DIAGNOSIS_SECONDS = 0.3
#: Name of the worker threads (tests look for leftovers by it).
THREAD_PREFIX = "chainrule-network"

T = TypeVar("T")
_IDLE = object()  # no message came while playing: just play the next frame


class Connection:
    """One client's bench, its worker thread and whether it is playing."""

    def __init__(self, websocket: WebSocket, slots: Slots) -> None:
        self.websocket = websocket
        self.limits = websocket.app.state.limits
        self.slots = slots
        self.bench: Bench | None = None
        self.budget = StepBudget(self.limits.steps_per_second)  # kept across restarts
        self.speed = 0.0  # steps a second while playing; 0: paused
        self.played_at = 0.0  # when the last frame's steps were taken (0: not playing)
        self.plane_at = self.diagnosed_at = -math.inf
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_PREFIX)

    async def in_worker(self, work: Callable[[], T]) -> T:
        return await asyncio.wrap_future(self.worker.submit(work))

    async def send_frame(self) -> None:
        assert self.bench is not None
        now = time.monotonic()
        plane = now - self.plane_at >= PLANE_SECONDS or not self.speed
        diagnosis = now - self.diagnosed_at >= DIAGNOSIS_SECONDS or not self.speed
        bench = self.bench
        frame = await self.in_worker(lambda: bench.frame(plane=plane, diagnosis=diagnosis))
        if plane:
            self.plane_at = now
        if diagnosis:
            self.diagnosed_at = now
        await self.websocket.send_json(frame)

    async def handle(self, message: Any) -> None:
        """Follow one client message (see the module docstring)."""
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise ConfigError(_('a message must be a JSON object with a "type"'))
        kind = message["type"]
        if kind == "start":
            settings = Settings.from_dict(message.get("settings", {}))
            budget = self.budget
            self.bench = await self.in_worker(lambda: Bench(settings, self.limits, budget=budget))
            await self.restarted()
            return
        bench = self.need_bench()
        if kind == "play":
            self.speed = self.check_speed(message.get("speed", self.limits.steps_per_second))
            self.played_at = 0.0
        elif kind == "pause":
            self.speed = 0.0
            await self.websocket.send_json({"type": "paused"})
        elif kind == "step":
            await self.in_worker(lambda: bench.advance(1))
            await self.send_frame()
        elif kind == "edit":
            fields = [message.get(key) for key in ("layer", "j", "k", "value")]
            await self.in_worker(lambda: bench.main.edit(*fields))
            await self.send_frame()
        elif kind == "remedy":
            await self.in_worker(lambda: bench.remedy(str(message.get("remedy"))))
            await self.restarted()
        else:
            raise ConfigError(_("unknown message type {kind!r}").format(kind=kind))

    async def restarted(self) -> None:
        assert self.bench is not None
        await self.websocket.send_json(self.bench.describe())
        self.plane_at = self.diagnosed_at = -math.inf
        await self.send_frame()

    def need_bench(self) -> Bench:
        if self.bench is None:
            raise ConfigError(_('send {"type": "start"} first'))
        return self.bench

    def check_speed(self, speed: Any) -> float:
        most = float(self.limits.steps_per_second)
        if not isinstance(speed, int | float) or isinstance(speed, bool) or not 0 < speed <= most:
            raise ConfigError(
                _("speed must be steps a second above 0 and at most {most}, got {value!r}").format(
                    most=most, value=speed
                )
            )
        return float(speed)

    async def play_frame(self) -> None:
        """Train for one frame's worth of steps and send the frame; pause when done."""
        bench = self.need_bench()
        # as many steps as the time since the last frame asks for: the speed holds when
        # frames come slower than FRAMES_PER_SECOND (a busy machine, a big network)
        now = time.monotonic()
        since = min(now - self.played_at, 0.25) if self.played_at else 1 / FRAMES_PER_SECOND
        self.played_at = now
        steps = max(1, round(self.speed * since))
        await self.in_worker(lambda: bench.advance(steps))
        await self.send_frame()
        if bench.main.run.done:
            self.speed = 0.0
            await self.websocket.send_json({"type": "paused"})


async def network_socket(websocket: WebSocket) -> None:
    """``/ws/network``: see the module docstring."""
    await websocket.accept()
    slots = Slots.of(websocket.app)
    if not slots.take():
        await websocket.send_json({"type": "error", "error": slots.refusal()})
        await websocket.close(code=1013)
        return
    connection = Connection(websocket, slots)
    try:
        await _serve(connection)
    finally:
        connection.worker.shutdown(wait=False, cancel_futures=True)
        slots.give_back()


async def _serve(connection: Connection) -> None:
    """Read messages in one task; in this one, follow them and play between them."""
    closed = object()
    inbox: asyncio.Queue[Any] = asyncio.Queue()

    async def read() -> None:
        while True:
            try:
                inbox.put_nowait(await connection.websocket.receive_json())
            except (ValueError, KeyError):  # not JSON text: handle() says so; read on
                inbox.put_nowait(None)
            except (WebSocketDisconnect, RuntimeError):
                inbox.put_nowait(closed)
                return

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read)
        while True:
            if connection.speed and connection.bench is not None:
                message = _IDLE if inbox.empty() else inbox.get_nowait()
            else:
                message = await inbox.get()
            if message is closed:
                break
            try:
                if message is not _IDLE:
                    await connection.handle(message)
                if connection.speed and connection.bench is not None:
                    started = time.monotonic()
                    await connection.play_frame()
                    await anyio.sleep(
                        max(0.0, 1 / FRAMES_PER_SECOND - (time.monotonic() - started))
                    )
            except ChainruleError as exc:
                connection.speed = 0.0  # a refused message stops the play: nothing runs unseen
                await connection.websocket.send_json({"type": "error", "error": str(exc)})
            except (WebSocketDisconnect, RuntimeError, OSError):
                break  # the client went while a frame was on its way
        tasks.cancel_scope.cancel()


routes = [WebSocketRoute("/ws/network", network_socket, name="network_socket")]
