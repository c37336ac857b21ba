"""The connection-burst client: its own process, driven by `bench.bursts`.

    python -m bench.burstload SPEC.json

Opens `sockets` widget sockets to one URL from one address, at most `inflight` handshakes
at a time. Each sends a new visitor's `hello` and ends as `welcome` (held open until every
socket has ended), a close by the hub (its code and reason), a timeout (neither within
`wait` s of starting to connect: left hanging) or an error. Prints one JSON line: outcomes,
wall time, and handshake times per outcome (from the start of the TCP connect to the
`welcome` or the close frame).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from bench.loadgen import raise_fd_limit
from bench.stats import summarize_ns

WELCOME = "welcome"
TIMEOUT = "timeout"


@dataclass
class Tally:
    """What became of each socket, and how long it took."""

    outcomes: Counter[str] = field(default_factory=Counter)
    times_ns: dict[str, list[int]] = field(default_factory=dict)
    held: list[ClientConnection] = field(default_factory=list)

    def add(self, outcome: str, begun_ns: int) -> None:
        self.outcomes[outcome] += 1
        kind = outcome if outcome in (WELCOME, TIMEOUT) else outcome.split(" ", 1)[0]
        self.times_ns.setdefault(kind, []).append(time.monotonic_ns() - begun_ns)


async def one(url: str, wait: float, tally: Tally) -> None:
    """One visitor: connect, `hello`, wait for `welcome` or the hub's close."""
    begun = time.monotonic_ns()
    try:
        async with asyncio.timeout(wait):
            ws = await connect(url, ping_interval=None, close_timeout=5, open_timeout=None)
            try:
                hello = {"type": "hello", "visit_id": uuid.uuid4().hex, "session_id": None}
                await ws.send(json.dumps(hello))
                while json.loads(await ws.recv()).get("type") != WELCOME:
                    pass
            except BaseException:
                await ws.close()
                raise
    except ConnectionClosed as exc:
        rcvd = exc.rcvd
        tally.add(f"closed {rcvd.code} {rcvd.reason}" if rcvd else "closed without code", begun)
        return
    except TimeoutError:
        tally.add(TIMEOUT, begun)
        return
    except (OSError, InvalidHandshake) as exc:
        tally.add(f"error {type(exc).__name__}", begun)
        return
    tally.add(WELCOME, begun)
    tally.held.append(ws)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """The whole burst; the sockets that joined are closed after it is measured."""
    tally = Tally()
    gate = asyncio.Semaphore(spec["inflight"])

    async def gated() -> None:
        async with gate:
            await one(spec["url"], spec["wait"], tally)

    begun = time.monotonic_ns()
    await asyncio.gather(*(gated() for _ in range(spec["sockets"])))
    seconds = (time.monotonic_ns() - begun) / 1e9
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            await asyncio.gather(*(ws.close() for ws in tally.held), return_exceptions=True)
    return {
        "seconds": seconds,
        "outcomes": dict(tally.outcomes),
        "handshake": {kind: summarize_ns(ns) for kind, ns in tally.times_ns.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.burstload SPEC.json`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.burstload SPEC.json", file=sys.stderr)
        return 2
    raise_fd_limit()
    spec = json.loads(Path(args[0]).read_text())
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
