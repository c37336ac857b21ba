"""The load generator: its own process, driven by `bench.run` over stdin and stdout.

    python -m bench.loadgen SPEC.json

It opens one agent socket and one widget socket per pair, then has every visitor send
`message.send` frames on a fixed schedule (never waiting for replies) and times each message
from the moment it was written until the pair's agent socket receives it as `message.created`.
Sending and receiving happen in this one process, so `time.monotonic_ns` is a shared clock.

Protocol, one JSON object per stdout line (logs go to stderr):
    -> {"event": "connected", "connect": {...}}   every socket is open (or failed)
    <- a line "go" on stdin                        start the send phase
    -> {"event": "done", ...}                      sent, delivered, latencies
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.stats import summarize_ns

HANDSHAKE_TIMEOUT = 30.0
CLOSE_TIMEOUT = 10.0
START_DELAY_NS = 200_000_000  # the schedule starts this long after "go"


@dataclass(frozen=True)
class Spec:
    """What to run, written by the driver as JSON."""

    widget_url: str  # ws://127.0.0.1:PORT/ws/widget
    agent_url: str  # ws://127.0.0.1:PORT/ws/agent (another process's port, when there are two)
    pairs: list[tuple[str, str]]  # (widget_key, agent_token), one company per pair
    rate: float  # messages per second offered in total
    duration: float  # seconds of sending
    connect_concurrency: int = 100
    drain_timeout: float = 10.0

    @classmethod
    def load(cls, path: Path) -> Spec:
        """Read a spec file."""
        raw = json.loads(path.read_text())
        raw["pairs"] = [tuple(pair) for pair in raw["pairs"]]
        return cls(**raw)


@dataclass
class Tally:
    """Everything the receivers and senders count."""

    pairs: int
    sent: int = 0
    send_failed: int = 0
    lag_max_ns: int = 0
    duplicates: int = 0
    reordered: int = 0
    foreign: int = 0  # a message of another pair (another company!) on this socket
    closing: bool = False
    latencies: list[int] = field(default_factory=list)
    ack_latencies: list[int] = field(default_factory=list)
    delivered: set[tuple[int, int]] = field(default_factory=set)
    acked: set[tuple[int, int]] = field(default_factory=set)
    last_k: dict[int, int] = field(default_factory=dict)
    frames: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)

    def on_message(self, index: int, message: dict[str, Any], now: int, agent: bool) -> None:
        """Record one `message.created` seen by pair `index`'s agent (or widget) socket."""
        if message.get("sender") != "visitor":
            self.frames["message.created/other"] += 1
            return
        _, sender, k, stamp = message["text"].split()
        key = (int(sender), int(k))
        if key[0] != index:
            self.foreign += 1
            return
        seen = self.delivered if agent else self.acked
        if key in seen:
            self.duplicates += 1
            return
        seen.add(key)
        (self.latencies if agent else self.ack_latencies).append(now - int(stamp))
        if agent:
            if key[1] < self.last_k.get(index, -1):
                self.reordered += 1
            self.last_k[index] = max(key[1], self.last_k.get(index, -1))


@dataclass
class Pair:
    """One visitor and the agent of the visitor's company."""

    index: int
    agent: ClientConnection
    widget: ClientConnection


def emit(event: dict[str, Any]) -> None:
    """One protocol line on stdout."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def raise_fd_limit() -> None:
    """Lift the soft open-files limit to the hard one (thousands of sockets)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- connecting ---------------------------------------------------------------------------


async def _open(url: str) -> ClientConnection:
    return await connect(
        url, open_timeout=HANDSHAKE_TIMEOUT, ping_interval=None, close_timeout=CLOSE_TIMEOUT
    )


async def _expect(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next frame of type `kind`; an `error` frame first is a failure."""
    async with asyncio.timeout(HANDSHAKE_TIMEOUT):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return frame
            if frame.get("type") == "error":
                raise RuntimeError(f"error frame while waiting for {kind}: {frame}")


async def open_agent(url: str, token: str) -> ClientConnection:
    """An agent socket after `welcome` and `inbox.snapshot`."""
    ws = await _open(url)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    await _expect(ws, "welcome")
    await _expect(ws, "inbox.snapshot")
    return ws


async def open_widget(url: str, key: str, index: int) -> ClientConnection:
    """A widget socket after `welcome` (a new visit, no session yet)."""
    ws = await _open(f"{url}?key={key}")
    hello = {"type": "hello", "visit_id": f"bench-{index}-{time.time_ns()}", "last_seq": 0}
    await ws.send(json.dumps({**hello, "session_id": None}))
    await _expect(ws, "welcome")
    return ws


Opener = Callable[[int], Awaitable[ClientConnection]]


async def open_many(
    opener: Opener, count: int, concurrency: int
) -> tuple[list[ClientConnection | BaseException], dict[str, Any]]:
    """Open `count` sockets, at most `concurrency` handshakes in flight; time them."""
    gate = asyncio.Semaphore(concurrency)
    handshakes: list[int] = []

    async def one(index: int) -> ClientConnection:
        async with gate:
            begun = time.monotonic_ns()
            ws = await opener(index)
            handshakes.append(time.monotonic_ns() - begun)
            return ws

    begun = time.monotonic_ns()
    results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
    seconds = (time.monotonic_ns() - begun) / 1e9
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    report = {
        "opened": count - len(failures),
        "failed": len(failures),
        "failures": failures[:5],
        "seconds": seconds,
        "per_second": (count - len(failures)) / seconds if seconds else 0.0,
        "handshake": summarize_ns(handshakes),
    }
    return list(results), report


# -- receiving ----------------------------------------------------------------------------


async def read(ws: ClientConnection, index: int, agent: bool, tally: Tally) -> None:
    """Count every frame on one socket until it closes."""
    role = "agent" if agent else "widget"
    with contextlib.suppress(ConnectionClosed):
        async for raw in ws:
            now = time.monotonic_ns()
            frame = json.loads(raw)
            kind = frame.get("type", "?")
            tally.frames[f"{role}:{kind}"] += 1
            if kind == "message.created":
                tally.on_message(index, frame["message"], now, agent)
            elif kind == "error":
                tally.errors[f"{role}:{frame.get('code')}"] += 1
    if not tally.closing:
        tally.closes[f"{role}:{ws.close_code} {ws.close_reason or ''}".strip()] += 1


# -- sending ------------------------------------------------------------------------------


async def send_pair(
    pair: Pair, start_ns: int, interval_ns: float, count: int, tally: Tally
) -> None:
    """Send `count` messages, one every `interval_ns`, from `start_ns` on."""
    for k in range(count):
        due = start_ns + int(k * interval_ns)
        delay = due - time.monotonic_ns()
        if delay > 0:
            await asyncio.sleep(delay / 1e9)
        now = time.monotonic_ns()
        tally.lag_max_ns = max(tally.lag_max_ns, now - due)
        text = f"bench {pair.index} {k} {now}"
        frame = {"type": "message.send", "client_id": f"b{pair.index}-{k}", "text": text}
        try:
            await pair.widget.send(json.dumps(frame))
        except ConnectionClosed:
            tally.send_failed += count - k
            return
        tally.sent += 1


async def send_phase(pairs: Sequence[Pair], spec: Spec, tally: Tally) -> dict[str, Any]:
    """Offer `spec.rate` messages/s spread evenly over the pairs for `spec.duration` s."""
    if not pairs:
        return {"per_pair": 0, "seconds": 0.0}
    interval_ns = len(pairs) / spec.rate * 1e9
    per_pair = max(1, round(spec.duration * spec.rate / len(pairs)))
    start = time.monotonic_ns() + START_DELAY_NS
    senders = [
        send_pair(pair, start + int(i * interval_ns / len(pairs)), interval_ns, per_pair, tally)
        for i, pair in enumerate(pairs)
    ]
    await asyncio.gather(*senders)
    sent_at = time.monotonic_ns()
    drained = await drain(tally, spec.drain_timeout)
    return {
        "per_pair": per_pair,
        "interval_ms": interval_ns / 1e6,
        "seconds": (sent_at - start) / 1e9,
        "drain_seconds": (time.monotonic_ns() - sent_at) / 1e9,
        "drained": drained,
    }


async def drain(tally: Tally, timeout: float) -> bool:
    """Wait until every sent message was delivered and acknowledged, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(tally.delivered) >= tally.sent and len(tally.acked) >= tally.sent:
            return True
        await asyncio.sleep(0.02)
    return False


# -- the run ------------------------------------------------------------------------------


async def connect_pairs(
    spec: Spec, tally: Tally, readers: list[asyncio.Task[None]]
) -> tuple[list[Pair], dict[str, Any]]:
    """Open every agent socket, then every widget socket; start a reader on each."""
    n = len(spec.pairs)

    async def agent(i: int) -> ClientConnection:
        ws = await open_agent(spec.agent_url, spec.pairs[i][1])
        readers.append(asyncio.create_task(read(ws, i, True, tally)))
        return ws

    async def widget(i: int) -> ClientConnection:
        ws = await open_widget(spec.widget_url, spec.pairs[i][0], i)
        readers.append(asyncio.create_task(read(ws, i, False, tally)))
        return ws

    begun = time.monotonic_ns()
    agents, agent_report = await open_many(agent, n, spec.connect_concurrency)
    widgets, widget_report = await open_many(widget, n, spec.connect_concurrency)
    seconds = (time.monotonic_ns() - begun) / 1e9
    pairs = [
        Pair(i, a, w)
        for i, (a, w) in enumerate(zip(agents, widgets, strict=True))
        if isinstance(a, ClientConnection) and isinstance(w, ClientConnection)
    ]
    opened = agent_report["opened"] + widget_report["opened"]
    report = {"agents": agent_report, "widgets": widget_report, "pairs_ready": len(pairs)}
    report |= {"sockets": opened, "seconds": seconds, "per_second": opened / seconds}
    return pairs, report


def results(tally: Tally, send: dict[str, Any]) -> dict[str, Any]:
    """The `done` event."""
    return {
        "event": "done",
        "send": send,
        "sent": tally.sent,
        "send_failed": tally.send_failed,
        "delivered": len(tally.delivered),
        "acked": len(tally.acked),
        "lost": tally.sent - len(tally.delivered),
        "duplicates": tally.duplicates,
        "reordered": tally.reordered,
        "foreign": tally.foreign,
        "lag_max_ms": tally.lag_max_ns / 1e6,
        "latency": summarize_ns(tally.latencies),
        "ack_latency": summarize_ns(tally.ack_latencies),
        "frames": dict(tally.frames),
        "errors": dict(tally.errors),
        "closed_by_server": dict(tally.closes),
    }


async def close_all(pairs: Sequence[Pair], readers: Sequence[asyncio.Task[None]]) -> None:
    """Close every socket (bounded), then stop the readers."""
    sockets = [ws for pair in pairs for ws in (pair.agent, pair.widget)]
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)


async def run(spec: Spec) -> None:
    """Connect, report, wait for "go", send, drain, report, close."""
    tally = Tally(len(spec.pairs))
    readers: list[asyncio.Task[None]] = []
    pairs, connected = await connect_pairs(spec, tally, readers)
    emit({"event": "connected", "connect": connected})
    command = await asyncio.to_thread(sys.stdin.readline)
    if command.strip() == "go":
        send = await send_phase(pairs, spec, tally)
        emit(results(tally, send))
    tally.closing = True
    await close_all(pairs, readers)


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.loadgen SPEC.json`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.loadgen SPEC.json", file=sys.stderr)
        return 2
    raise_fd_limit()
    spec = Spec.load(Path(args[0]))
    try:
        import uvloop
    except ImportError:
        asyncio.run(run(spec))
    else:
        uvloop.run(run(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
