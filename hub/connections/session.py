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
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from starlette.websockets import WebSocket, WebSocketState

from hub import events
from hub.connections.protocol import Close, FrameError, error_frame, parse
from hub.conversations.service import PAGE_LIMIT
from hub.errors import HubError
from hub.events import Event, dumps
from hub.persistence.db import database_unavailable
from hub.runtime import metrics
from hub.settings import Settings

log = logging.getLogger("hub.session")

Action = Callable[[], Awaitable[None]]
Fetch = Callable[[str, int, int], Awaitable[list[dict[str, Any]]]]
Item = Event | str | Action
F = TypeVar("F", bound=BaseModel)

FETCH_PAGE = PAGE_LIMIT  # one history page per query, as the HTTP API serves it
READ_RETRY = 1.0  # seconds before a read the database could not answer is tried again


class Disconnected(Exception):
    """The peer went away."""


class TokenBucket:
    """`rate` frames a second on average, `burst` at once."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

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
    # Slots, not a __dict__, on every per-socket object: idle sockets are most sockets.
    __slots__ = (
        "_deferred",
        "_main",
        "_stopping",
        "_wakeup",
        "close_code",
        "delivered",
        "fetch",
        "flooding",
        "limiter",
        "queue",
        "settings",
        "ws",
    )

    def __init__(self, ws: WebSocket, settings: Settings, fetch: Fetch) -> None:
        self.ws = ws
        self.settings = settings
        self.fetch = fetch  # (conversation_id, after_seq, limit) -> messages, for gaps
        # The send queue: a plain list the writer task takes whole, woken by a future only
        # when it has run dry (an empty list is 56 bytes, an empty deque 600: every idle
        # socket counts, PERFORMANCE.md).
        self.queue: list[Item] = []
        self._wakeup: asyncio.Future[None] | None = None
        self.delivered: dict[str, int] = {}
        self.limiter = TokenBucket(settings.frames_per_second, settings.frame_burst)
        self.flooding = 0
        self.close_code = Close.NORMAL
        self._stopping = False
        self._main: asyncio.Task[Any] | None = None  # the task running `run`
        self._deferred: set[object] = set()  # reads waiting for the database (`_defer`)

    # -- outbound -------------------------------------------------------------------------

    def deliver(self, event: Event) -> None:
        """Queue an event from the bus (called synchronously by the registry)."""
        self._enqueue(event, droppable=event.type in events.DROPPABLE)

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame for this socket alone."""
        self._enqueue(dumps(frame), droppable=False)

    def send_text(self, frame: str) -> None:
        """Queue a frame already serialised."""
        self._enqueue(frame, droppable=False)

    def replay(self, events: Sequence[Event]) -> None:
        """Write repaired events (hub.connections.repair) in one writer step: the socket
        skips what it holds and fills any gap before them, as for live events."""

        async def write() -> None:
            for event in events:
                cid = event.conversation_id
                if cid is not None and event.seq is not None and cid not in self.delivered:
                    # New to this socket (an agent's conversation beyond its snapshot): it
                    # follows from here; older messages are history, read when opened.
                    self.delivered[cid] = event.seq - 1
                await self._write_event(event)

        self.later(write)

    def later(self, action: Action) -> None:
        """Run `action` in the writer, in order with the frames around it."""
        self._enqueue(action, droppable=False)

    def stop(self, code: int) -> None:
        """End the session with `code`, from any task."""
        if self._stopping:
            return
        self.close_code = code
        self._stopping = True
        if self._main is not None and self._main is not asyncio.current_task():
            self._main.cancel()

    def _enqueue(self, item: Item, droppable: bool) -> None:
        if len(self.queue) >= self.settings.send_queue_size:
            if not droppable and not self._stopping:
                # Hopelessly behind: close so the client reconnects and resumes by seq.
                metrics.slow_clients_closed.inc()
                self.stop(Close.TRY_AGAIN)
            return
        self.queue.append(item)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while self.queue:
                items, self.queue = self.queue, []
                for item in items:
                    try:
                        await self._write_item(item)
                    except Exception as exc:
                        if not (database_unavailable(exc) and self._connected()):
                            raise
                        self._defer(item, exc)
            self._wakeup = loop.create_future()
            await self._wakeup

    async def _write_item(self, item: Item) -> None:
        if isinstance(item, str):
            await self.ws.send_text(item)
        elif isinstance(item, Event):
            await self._write_event(item)
        else:
            await item()

    def _connected(self) -> bool:
        return self.ws.application_state == WebSocketState.CONNECTED and not self._stopping

    def _defer(self, item: Item, exc: BaseException) -> None:
        """A read for this socket (a gap fill, a replay, a snapshot) found the database
        unavailable: down, silent past HUB_DB_TIMEOUT, or its pool spent in a burst. Try
        again in a second rather than cost the socket; its cursors did not move, so nothing
        is skipped, and live frames of other conversations go on meanwhile."""
        action: Action
        if isinstance(item, Event):
            cid = item.conversation_id
            assert cid is not None  # only a message.created reads, to fill its gap
            key: object = cid

            async def fill() -> None:
                await self.catch_up(cid)

            action = fill
        else:
            assert not isinstance(item, str)
            key, action = item, item
        if key in self._deferred:
            return
        self._deferred.add(key)
        log.info("a read for a socket deferred: database unavailable (%r)", exc)

        def retry() -> None:
            self._deferred.discard(key)
            self.later(action)

        asyncio.get_running_loop().call_later(READ_RETRY, retry)

    async def _write_event(self, event: Event) -> None:
        if event.seq is not None and event.conversation_id is not None:
            last = self.delivered.get(event.conversation_id, 0)
            if event.seq > last + 1:
                await self.catch_up(event.conversation_id)
                last = self.delivered.get(event.conversation_id, 0)
            if event.seq <= last:
                return
            self.delivered[event.conversation_id] = event.seq
            await self.ws.send(event.asgi)
            metrics.delivery_seconds.observe(time.monotonic() - event.born)
            return
        await self.ws.send(event.asgi)

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
        """Read frames into `handle` on this task while a writer task drains the queue,
        until the peer leaves, the writer fails, or `stop` is called."""
        if self._stopping:
            return
        self._main = asyncio.current_task()
        writer = asyncio.create_task(self._writer())
        writer.add_done_callback(self._writer_done)
        try:
            await self._read(handle)
        except asyncio.CancelledError:
            if not self._stopping or self._main is None or self._main.cancelling() > 1:
                raise  # cancelled from outside (shutdown), not by stop()
            self._main.uncancel()
        finally:
            self._main = None
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    async def _read(self, handle: Callable[[str], Awaitable[None]]) -> None:
        while True:
            raw = await self.receive()
            if not self.admit():
                continue
            try:
                await handle(raw)
            except HubError as exc:  # a refusal of any layer: the socket stays open
                self.send(error_frame(exc.code, exc.message))
            except Exception:
                log.exception("frame handling failed")
                self.send(error_frame("internal", "the hub could not handle this frame"))

    def _writer_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and database_unavailable(exc):
            # Reads are deferred (`_defer`), so this is a socket that broke meanwhile: the
            # client reconnects and resumes by seq.
            log.warning("session closed: database unavailable (%r)", exc)
            self.stop(Close.TRY_AGAIN)
            return
        _log_failure(exc)
        self.stop(self.close_code)  # the socket is gone or broken: end the reader too

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
