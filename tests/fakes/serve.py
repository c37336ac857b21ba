"""Serve any ASGI app under uvicorn on a loopback port, inside the running event loop.

Also holds `Recorder`, the shared "wait until the fake has seen N things" primitive of the
fake providers (an `asyncio.Condition`, never a sleep loop).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import uvicorn

START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0


class _Server(uvicorn.Server):
    """A uvicorn server that signals an event once its sockets are listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    async def startup(self, sockets: Any = None) -> None:
        """Start as usual, then wake whoever waits in `serve`."""
        await super().startup(sockets=sockets)
        if self.started:
            self.listening.set()


@contextlib.asynccontextmanager
async def serve(app: Any, *, lifespan: str = "auto") -> AsyncIterator[str]:
    """Run `app` on 127.0.0.1, an OS-chosen port, and yield its base URL `http://127.0.0.1:P`.

    The server runs as a task of the current event loop (no thread, no subprocess), so the
    test and the fake share state directly. It is stopped when the block exits.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    listening = asyncio.create_task(server.listening.wait())
    try:
        done, _ = await asyncio.wait(
            {task, listening}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()
            raise RuntimeError("uvicorn exited during start-up")
        if listening not in done:
            raise RuntimeError(f"uvicorn did not start within {START_TIMEOUT} s")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        listening.cancel()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, STOP_TIMEOUT)


class Recorder:
    """Counts what a fake received and lets tests await it without sleeping."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()

    async def _notify(self) -> None:
        """Wake every waiter so it re-checks its predicate (call after recording)."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Return as soon as `predicate()` holds; raise `TimeoutError` after `timeout` s."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}") from None
