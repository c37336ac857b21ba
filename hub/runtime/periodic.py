"""A background job every process runs on a schedule until the hub stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("hub.periodic")


class Periodic:
    """Runs `job` now and then every `interval` seconds; a failed run is logged and the
    next one tries again (a database outage must not end the schedule)."""

    def __init__(self, name: str, interval: float, job: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self.interval = interval
        self.job = job
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.job()
            except Exception:
                log.exception("%s failed; it runs again in %s s", self.name, self.interval)
            await asyncio.sleep(self.interval)
