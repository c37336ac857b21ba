"""Many widget sockets from one address at once: what became of each (welcome or close code)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import uuid
from collections import Counter
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

WELCOME = "welcome"
TIMEOUT = "timeout"


def raise_fd_limit(needed: int) -> None:
    """Lift the soft open-files limit (a burst holds a client and a server socket each)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


@dataclass
class Burst:
    """The sockets that got `welcome` (held open) and every socket's outcome."""

    outcomes: Counter[str] = field(default_factory=Counter)
    held: list[ClientConnection] = field(default_factory=list)
    session_ids: list[str] = field(default_factory=list)

    async def close(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await asyncio.gather(*(ws.close() for ws in self.held), return_exceptions=True)
        self.held.clear()


async def burst(
    url: str,
    count: int,
    *,
    inflight: int = 100,
    wait: float = 5.0,
    local_host: str | None = None,
) -> Burst:
    """Open `count` widget sockets to `url`, at most `inflight` handshakes at a time, each
    sending a new visitor's `hello`. Each ends as `welcome`, `closed CODE REASON` (the hub
    refused it) or `timeout` (neither within `wait` s of opening: left hanging)."""
    result = Burst()
    gate = asyncio.Semaphore(inflight)

    async def one() -> None:
        async with gate:
            result.outcomes[await _one(url, wait, local_host, result)] += 1

    await asyncio.gather(*(one() for _ in range(count)))
    return result


async def _one(url: str, wait: float, local_host: str | None, result: Burst) -> str:
    local = {"local_addr": (local_host, 0)} if local_host else {}
    try:
        async with asyncio.timeout(wait):
            ws = await connect(url, ping_interval=None, close_timeout=2, **local)
            try:
                hello = {"type": "hello", "visit_id": uuid.uuid4().hex, "session_id": None}
                await ws.send(json.dumps(hello))
                while (frame := json.loads(await ws.recv()))["type"] != WELCOME:
                    pass
            except BaseException:
                await ws.close()
                raise
    except ConnectionClosed as exc:
        return f"closed {exc.rcvd.code} {exc.rcvd.reason}" if exc.rcvd else "closed without code"
    except TimeoutError:
        return TIMEOUT
    result.held.append(ws)
    result.session_ids.append(frame["session_id"])
    return WELCOME
