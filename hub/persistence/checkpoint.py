"""SQLite's write-ahead log folded into the database file off the event loop's thread.

SQLite checkpoints automatically inside a COMMIT once the log passes 1,000 pages, and a
checkpoint writes megabytes and fsyncs: on the loop's thread (where the hub's statements
run, hub.persistence.inline_sqlite) that is a pause for every socket. So every connection
runs with `wal_autocheckpoint=0` and this task checkpoints PASSIVE in a worker thread twice
a second, in two steps: the bulk alongside the writers, then what they added meanwhile with
the writers held off (a millisecond or two). Only a log checkpointed to its end while no
writer is appending can restart from its beginning: without the second step a busy hub's
log never restarts and grows by tens of megabytes a second.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from hub.runtime.periodic import Periodic

log = logging.getLogger("hub.persistence")


class Checkpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` every `interval` seconds until closed."""

    def __init__(
        self,
        path: str,
        writer_lock: Callable[[], AbstractAsyncContextManager[None]],
        interval: float = 0.5,
    ) -> None:
        self.path = path
        self.writer_lock = writer_lock
        self.interval = interval
        self._conn: sqlite3.Connection | None = None
        self._schedule: Periodic | None = None
        # One use of the connection at a time, and none once closed: cancelling a fold does
        # not stop its thread, which would otherwise run on the connection `close` closes
        # (a segfault at shutdown, seen in the test suite).
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        self._closed = False
        self._schedule = Periodic("sqlite-checkpoint", self.interval, self._fold)
        self._schedule.start()

    async def close(self) -> None:
        if self._schedule is not None:
            await self._schedule.close()
            self._schedule = None
        await asyncio.to_thread(self._checkpoint)  # leave a short log behind
        await asyncio.to_thread(self._close_connection)

    async def _fold(self) -> None:
        try:
            await asyncio.to_thread(self._checkpoint)  # the bulk, alongside the writers
            async with self.writer_lock():  # the rest: the log can then restart
                await asyncio.to_thread(self._checkpoint)
        except sqlite3.Error:
            log.warning("WAL checkpoint failed; retrying", exc_info=True)

    def _checkpoint(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._conn is None:
                # Used from the executor's threads, one call at a time (the lock).
                self._conn = sqlite3.connect(self.path, check_same_thread=False)
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _close_connection(self) -> None:
        with self._lock:  # after any checkpoint a cancelled fold left running
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
