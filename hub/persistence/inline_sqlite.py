"""aiosqlite's interface without its thread: each call runs at once on the caller's thread.

aiosqlite hands every statement to a worker thread and back, which costs far more than the
statement itself (~100-150 µs of CPU and a GIL hand-over, against microseconds for a keyed
SQLite read or write in WAL mode). The hub's statements are short, and SQLite allows one
writer (the hub queues its writers on an asyncio lock), so running them on the event loop's
thread is both faster and fairer. Long reads (analytics, exports) use the threaded engine
instead (`Database.read(offload=True)`), so they never stall the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class _Immediate:
    """Stands in for aiosqlite's queue to its thread: runs each (future, call) at once.
    SQLAlchemy's adapter uses the queue directly to change the isolation level."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, call = item
        try:
            result = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiter, as aiosqlite does
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run inline (no worker thread is started)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _Immediate()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    def stop(self) -> asyncio.Future[Any] | None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        return None

    async def close(self) -> None:
        self.stop()


def inline_creator(path: str) -> Callable[[], InlineConnection]:
    """An `async_creator`-style factory for SQLAlchemy's aiosqlite dialect."""

    def create() -> InlineConnection:
        return InlineConnection(lambda: sqlite3.connect(path, check_same_thread=False))

    return create
