"""One live socket: reader and writer tasks, a bounded send queue, resume by seq.

The writer alone writes to the socket, so ordering is decided in one place: a
`message.created` whose seq is already delivered is skipped, and one past a gap first
fetches the gap from the database. Replay after `hello`, resync after a bus outage and
gap filling are all the same operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from starlette.websockets import WebSocket, WebSocketState

from hub import events
from hub.connections.protocol import Close, FrameError, error_frame, parse
from hub.conversations import PAGE_LIMIT
from hub.events import Event, dumps
from hub.settings import Settings

log = logging.getLogger("hub.session")

Action = Callable[[], Awaitable[None]]
Fetch = Callable[[str, int, int], Awaitable[list[dict[str, Any]]]]
Item = Event | str | Action
F = TypeVar("F", bound=BaseModel)

FETCH_PAGE = PAGE_LIMIT  # one history page per query, as the HTTP API serves it


class Disconnected(Exception):
    """The peer went away."""


class TokenBucket:
    """`rate` frames a second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Session:
    """The socket half shared by widget and agent sessions."""

    FLOOD_LIMIT = 100  # consecutive over-limit frames before the socket is closed

    def __init__(self, ws: WebSocket, settings: Settings, fetch: Fetch) -> None:
        self.ws = ws
        self.settings = settings
        self.fetch = fetch  # (conversation_id, after_seq, limit) -> messages, for gaps
        self.queue: asyncio.Queue[Item] = asyncio.Queue(settings.send_queue_size)
        self.delivered: dict[str, int] = {}
        self.limiter = TokenBucket(settings.frames_per_second, settings.frame_burst)
        self.flooding = 0
        self.close_code = Close.NORMAL
        self._stop = asyncio.Event()

    # -- outbound -------------------------------------------------------------------------

    def deliver(self, event: Event) -> None:
        """Queue an event from the bus (called synchronously by the registry)."""
        self._enqueue(event, droppable=event.type in events.DROPPABLE)

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame for this socket alone."""
        self._enqueue(dumps(frame), droppable=False)

    def later(self, action: Action) -> None:
        """Run `action` in the writer, in order with the frames around it."""
        self._enqueue(action, droppable=False)

    def stop(self, code: int) -> None:
        self.close_code = code
        self._stop.set()

    def _enqueue(self, item: Item, droppable: bool) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            if not droppable:
                # Hopelessly behind: close so the client reconnects and resumes by seq.
                self.stop(Close.TRY_AGAIN)

    async def _writer(self) -> None:
        while True:
            item = await self.queue.get()
            if isinstance(item, str):
                await self.ws.send_text(item)
            elif isinstance(item, Event):
                await self._write_event(item)
            else:
                await item()

    async def _write_event(self, event: Event) -> None:
        if event.seq is not None and event.conversation_id is not None:
            last = self.delivered.get(event.conversation_id, 0)
            if event.seq > last + 1:
                await self.catch_up(event.conversation_id)
                last = self.delivered.get(event.conversation_id, 0)
            if event.seq <= last:
                return
            self.delivered[event.conversation_id] = event.seq
        await self.ws.send_text(event.frame)

    async def catch_up(self, conversation_id: str) -> None:
        """Send every stored message after the last one this socket has delivered."""
        while True:
            after = self.delivered.get(conversation_id, 0)
            batch = await self.fetch(conversation_id, after, FETCH_PAGE)
            for message in batch:
                await self.ws.send_text(dumps({"type": events.MESSAGE_CREATED, "message": message}))
                self.delivered[conversation_id] = message["seq"]
            if len(batch) < FETCH_PAGE:
                return

    # -- inbound --------------------------------------------------------------------------

    async def receive(self) -> str:
        """The next text frame; Disconnected when the peer leaves."""
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise Disconnected
        raw = message.get("text")
        if raw is None:
            data = message.get("bytes") or b""
            raw = data.decode("utf-8", errors="replace")
        if len(raw) > self.settings.max_frame_bytes:
            self.stop(Close.TOO_BIG)
            raise Disconnected
        return raw

    async def handshake(self, adapter: TypeAdapter[Any], want: type[F]) -> F:
        """Wait for the first frame of type `want` (hello, auth) within the handshake
        timeout (else close 4408); other frames are answered with an error."""
        try:
            async with asyncio.timeout(self.settings.handshake_timeout):
                while True:
                    raw = await self.receive()
                    if not self.admit():
                        continue
                    try:
                        frame = parse(adapter, raw)
                    except FrameError as exc:
                        await self.ws.send_text(dumps(error_frame(exc.code, exc.message)))
                        continue
                    if isinstance(frame, want):
                        return frame
                    name = want.__name__.lower()
                    error = error_frame("bad_frame", f"the first frame must be {name}")
                    await self.ws.send_text(dumps(error))
        except TimeoutError:
            self.close_code = Close.HANDSHAKE_TIMEOUT
            raise Disconnected from None

    def admit(self) -> bool:
        """Apply the per-connection rate limit to one incoming frame."""
        if self.limiter.take():
            self.flooding = 0
            return True
        self.flooding += 1
        if self.flooding == self.FLOOD_LIMIT:
            self.later(self._close_for_flooding)  # after the frames already queued
        elif self.flooding == 1:
            self.send(error_frame("rate_limited", "too many frames; slow down"))
        return False

    async def _close_for_flooding(self) -> None:
        self.stop(Close.POLICY)

    # -- lifetime -------------------------------------------------------------------------

    async def run(self, handle: Callable[[str], Awaitable[None]]) -> None:
        """Read frames into `handle` while the writer drains the queue, until either ends."""

        async def reader() -> None:
            while True:
                raw = await self.receive()
                if not self.admit():
                    continue
                try:
                    await handle(raw)
                except FrameError as exc:
                    self.send(error_frame(exc.code, exc.message))
                except Exception:
                    log.exception("frame handling failed")
                    self.send(error_frame("internal", "the hub could not handle this frame"))

        tasks = [
            asyncio.create_task(reader()),
            asyncio.create_task(self._writer()),
            asyncio.create_task(self._stop.wait()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    _log_failure(task.exception())
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        if self.ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.ws.close(self.close_code)


def _log_failure(exc: BaseException | None) -> None:
    if exc is None or isinstance(exc, Disconnected | OSError):
        return
    if type(exc).__name__ in ("WebSocketDisconnect", "ClientDisconnected"):
        return
    log.error("session failed", exc_info=exc)
