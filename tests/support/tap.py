"""Reading a socket in the background: every frame recorded, conditions awaited.

A `Tap` reads one WebSocket continuously, so the hub never waits on the test, and records each
frame; a `Board` is told of every arrival, so a test can wait on a condition over many sockets
without polling or sleeping.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

WAIT = 15.0

Frame = dict[str, Any]


class Board:
    """Something arrived somewhere: lets a test wait for a condition over every socket."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, what: str, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None


class Tap:
    """Reads every frame of one socket in the background (so the hub never waits on the test)
    and records them; `settle` waits until everything the hub queued before it has arrived."""

    def __init__(self, ws: ClientConnection, frames: list[Frame], board: Board) -> None:
        self.ws = ws
        self.frames = frames  # the frames already read by the handshake, then every other
        self.board = board
        self.closed = asyncio.Event()
        self.arrived: dict[str, float] = {}  # message id -> when its message.created came
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                self.frames.append(frame)
                if frame["type"] == "message.created":
                    self.arrived.setdefault(frame["message"]["id"], loop.time())
                await self.board.notify()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            await self.board.notify()

    def pongs(self) -> int:
        return sum(1 for frame in self.frames if frame["type"] == "pong")

    async def settle(self) -> None:
        before = self.pongs()
        await self.ws.send(json.dumps({"type": "ping"}))
        await self.board.until("pong", lambda: self.pongs() > before)

    async def close(self) -> None:
        await self.ws.close()
        await self._task
