"""The load generator of `python -m bench.compare`: one process, one clock, any server.

    python -m bench.compareload SPEC.json

The spec lists groups: a room with at most one sender and its receivers (rooms of two: one
receiver each; fan-out: one group of many; idle sockets: groups with a receiver and no
sender). A dialect says how each server is spoken to: the hub's widget and agent sockets,
Socket.IO (Engine.IO v4 over a raw WebSocket, no python-socketio client: too heavy for
thousands of sockets), Channels' `/ws/ROOM/`, or a bare relay's `/ws?room=ROOM`.

Every message's text is `m PHASE GROUP K SENT_NS`: the receiver finds it in whatever frame
carries it and times it against `time.monotonic_ns()` of the send (one process, one clock).

Commands on stdin, one per line; each answered by one JSON line on stdout (logs on stderr):
    warm N                     open N sockets of the spec and close them -> {"event": "warmed"}
    connect                    open every socket (receivers first)     -> {"event": "connected"}
    send RATE DURATION DRAIN   offer RATE msg/s over all senders       -> {"event": "phase"}
    quit                       close everything and exit
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.loadgen import raise_fd_limit
from bench.stats import summarize_ns

HANDSHAKE_TIMEOUT = 30.0
CLOSE_TIMEOUT = 10.0
START_DELAY_NS = 200_000_000  # the schedule starts this long after the command


# -- the spec -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One socket to open: where, as what (hub: widget or agent), in which room."""

    url: str
    kind: str = ""  # hub: "widget" or "agent"; peers: unused
    token: str = ""  # hub agents: the auth token
    room: str = ""  # Socket.IO: the room to join (the others put it in the URL)


@dataclass(frozen=True)
class Group:
    """A room: at most one sender, any number of receivers."""

    sender: Endpoint | None
    receivers: list[Endpoint]


@dataclass(frozen=True)
class Spec:
    """What to open and how to speak, written by the driver as JSON."""

    dialect: str  # "hub", "socketio", "channels" or "relay"
    groups: list[Group]
    compression: str | None = None  # "deflate": offer permessage-deflate as browsers do
    connect_concurrency: int = 100

    @classmethod
    def load(cls, path: Path) -> Spec:
        """Read a spec file."""
        raw = json.loads(path.read_text())
        groups = [
            Group(
                Endpoint(**g["sender"]) if g["sender"] else None,
                [Endpoint(**r) for r in g["receivers"]],
            )
            for g in raw.pop("groups")
        ]
        return cls(groups=groups, **raw)


# -- dialects -----------------------------------------------------------------------------


async def expect(ws: ClientConnection, prefix: str, what: str) -> str:
    """The next frame that starts with `prefix` (frames before it are skipped)."""
    async with asyncio.timeout(HANDSHAKE_TIMEOUT):
        while True:
            raw = await ws.recv()
            text = raw if isinstance(raw, str) else raw.decode()
            if text.startswith(prefix):
                return text
            if '"type":"error"' in text:
                raise RuntimeError(f"error frame while waiting for {what}: {text[:200]}")


class Dialect:
    """How to open a socket, frame a message, and find a message in a received frame."""

    async def handshake(self, ws: ClientConnection, endpoint: Endpoint, serial: int) -> None:
        """Whatever must happen after the WebSocket opens before the socket is ready."""

    def outgoing(self, endpoint: Endpoint, text: str, client_id: str) -> str:
        """The frame that carries `text` from a sender."""
        return text

    def incoming(self, raw: str) -> str | None:
        """The message text a received frame carries, or None for any other frame."""
        return raw if raw.startswith("m ") else None

    def answer(self, raw: str) -> str | None:
        """A frame to write back at once (Engine.IO pings), or None."""
        return None


class HubDialect(Dialect):
    """The hub: widget sockets say `hello`, agent sockets `auth`; messages are JSON."""

    async def handshake(self, ws: ClientConnection, endpoint: Endpoint, serial: int) -> None:
        if endpoint.kind == "agent":
            await ws.send(json.dumps({"type": "auth", "token": endpoint.token}))
            await expect(ws, '{"type":"welcome"', "welcome")
            await expect(ws, '{"type":"inbox.snapshot"', "inbox.snapshot")
            return
        visit = f"cmp-{serial}-{time.time_ns()}"
        await ws.send(json.dumps({"type": "hello", "visit_id": visit, "session_id": None}))
        await expect(ws, '{"type":"welcome"', "welcome")

    def outgoing(self, endpoint: Endpoint, text: str, client_id: str) -> str:
        return json.dumps({"type": "message.send", "client_id": client_id, "text": text})

    def incoming(self, raw: str) -> str | None:
        # A cheap test first: most frames an agent gets here are message.created anyway,
        # but conversation.updated and the ack also carry the text.
        if '"message.created"' not in raw:
            return None
        frame = json.loads(raw)
        if frame.get("type") != "message.created":
            return None
        message = frame["message"]
        return str(message["text"]) if message.get("sender") == "visitor" else None


class SocketIODialect(Dialect):
    """Engine.IO v4 / Socket.IO v5 by hand: open, "40", a `join` with an ack, `msg` events."""

    async def handshake(self, ws: ClientConnection, endpoint: Endpoint, serial: int) -> None:
        await expect(ws, "0", "Engine.IO open")
        await ws.send("40")
        await expect(ws, "40", "Socket.IO connect")
        await ws.send(f'421["join","{endpoint.room}"]')
        await expect(ws, "431", "join acknowledgement")

    def outgoing(self, endpoint: Endpoint, text: str, client_id: str) -> str:
        return f'42["msg","{endpoint.room}","{text}"]'

    def incoming(self, raw: str) -> str | None:
        return raw[10:-2] if raw.startswith('42["msg","') else None

    def answer(self, raw: str) -> str | None:
        return "3" if raw == "2" else None  # Engine.IO ping -> pong


DIALECTS: dict[str, Dialect] = {
    "hub": HubDialect(),
    "socketio": SocketIODialect(),
    "channels": Dialect(),
    "relay": Dialect(),
}


# -- counting -----------------------------------------------------------------------------


@dataclass
class Tally:
    """What the receivers saw in the current phase, and what happened to the sockets."""

    phase: int = 0
    sent: int = 0
    expected: int = 0  # deliveries owed: each sent message times its group's receivers
    send_failed: int = 0
    lag_max_ns: int = 0
    late: int = 0  # a message of an earlier phase
    duplicates: int = 0
    foreign: int = 0  # a message of another group on this socket
    acks: int = 0  # the hub echoes a visitor's own message back to it
    closing: bool = False
    latencies: list[int] = field(default_factory=list)
    seen: set[tuple[int, int, int]] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)

    def new_phase(self) -> None:
        """Forget the last phase's deliveries; keep the socket-level counters."""
        self.phase += 1
        self.sent = self.expected = self.send_failed = self.lag_max_ns = 0
        self.late = self.duplicates = self.foreign = self.acks = 0
        self.latencies = []
        self.seen = set()

    def on_text(self, text: str, group: int, receiver: int, now: int) -> None:
        """One message text arriving at receiver `receiver` of group `group`."""
        _, phase, sender, k, stamp = text.split()
        if int(phase) != self.phase:
            self.late += 1
            return
        if int(sender) != group:
            self.foreign += 1
            return
        key = (group, int(k), receiver)
        if key in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key)
        self.latencies.append(now - int(stamp))


@dataclass(frozen=True)
class Place:
    """Where a socket sits: its group, its receiver index (-1: the sender), and for a
    sender how many receivers each of its messages is owed to."""

    endpoint: Endpoint
    group: int
    receiver: int
    owed: int = 0


@dataclass
class Socket:
    """An open socket at its place."""

    ws: ClientConnection
    place: Place

    @property
    def receiver(self) -> int:
        return self.place.receiver

    @property
    def group(self) -> int:
        return self.place.group


# -- connecting ---------------------------------------------------------------------------


async def open_socket(
    dialect: Dialect, endpoint: Endpoint, serial: int, compression: str | None
) -> ClientConnection:
    """Open one socket and take it through its server's handshake."""
    ws = await connect(
        endpoint.url,
        open_timeout=HANDSHAKE_TIMEOUT,
        ping_interval=None,  # the servers ping; the client only answers
        close_timeout=CLOSE_TIMEOUT,
        compression=compression,
        max_size=None,
    )
    try:
        await dialect.handshake(ws, endpoint, serial)
    except BaseException:
        await ws.close()
        raise
    return ws


def placements(spec: Spec) -> list[Place]:
    """Every socket of the spec: all receivers first, then the senders."""
    groups = list(enumerate(spec.groups))
    out = [Place(r, g, i) for g, group in groups for i, r in enumerate(group.receivers)]
    out += [Place(gr.sender, g, -1, len(gr.receivers)) for g, gr in groups if gr.sender]
    return out


async def open_all(spec: Spec, places: Sequence[Place]) -> tuple[list[Socket], dict[str, Any]]:
    """Open every placement, `spec.connect_concurrency` handshakes at a time; time them."""
    dialect = DIALECTS[spec.dialect]
    gate = asyncio.Semaphore(spec.connect_concurrency)
    handshakes: list[int] = []

    async def one(serial: int, place: Place) -> Socket:
        async with gate:
            begun = time.monotonic_ns()
            ws = await open_socket(dialect, place.endpoint, serial, spec.compression)
            handshakes.append(time.monotonic_ns() - begun)
            return Socket(ws, place)

    begun = time.monotonic_ns()
    results = await asyncio.gather(
        *(one(i, p) for i, p in enumerate(places)), return_exceptions=True
    )
    seconds = (time.monotonic_ns() - begun) / 1e9
    sockets = [r for r in results if isinstance(r, Socket)]
    failures = [repr(r) for r in results if not isinstance(r, Socket)]
    deflate = sum(1 for s in sockets if s.ws.protocol.extensions)
    report = {
        "opened": len(sockets),
        "failed": len(failures),
        "failures": failures[:5],
        "seconds": seconds,
        "per_second": len(sockets) / seconds if seconds else 0.0,
        "handshake": summarize_ns(handshakes),
        "deflate_negotiated": deflate,
    }
    return sockets, report


# -- receiving ----------------------------------------------------------------------------


async def read(dialect: Dialect, sock: Socket, tally: Tally) -> None:
    """Handle every frame on one socket until it closes."""
    with contextlib.suppress(ConnectionClosed):
        async for message in sock.ws:
            now = time.monotonic_ns()
            raw = message if isinstance(message, str) else message.decode()
            text = dialect.incoming(raw)
            if text is not None:
                if sock.receiver < 0:
                    tally.acks += 1
                else:
                    tally.on_text(text, sock.group, sock.receiver, now)
                continue
            reply = dialect.answer(raw)
            if reply is not None:
                await sock.ws.send(reply)
            elif raw.startswith('{"type":"error"'):
                tally.errors[json.loads(raw).get("code", "?")] += 1
    if not tally.closing:
        tally.closes[f"{sock.ws.close_code} {sock.ws.close_reason or ''}".strip()] += 1


# -- sending ------------------------------------------------------------------------------


async def send_from(
    dialect: Dialect, sock: Socket, start_ns: int, interval_ns: float, count: int, tally: Tally
) -> None:
    """Send `count` messages from one sender socket, one every `interval_ns`."""
    for k in range(count):
        due = start_ns + int(k * interval_ns)
        delay = due - time.monotonic_ns()
        if delay > 0:
            await asyncio.sleep(delay / 1e9)
        now = time.monotonic_ns()
        tally.lag_max_ns = max(tally.lag_max_ns, now - due)
        text = f"m {tally.phase} {sock.group} {k} {now}"
        frame = dialect.outgoing(sock.place.endpoint, text, f"c{tally.phase}-{sock.group}-{k}")
        try:
            await sock.ws.send(frame)
        except ConnectionClosed:
            tally.send_failed += count - k
            return
        tally.sent += 1
        tally.expected += sock.place.owed


async def wait_drained(tally: Tally, timeout: float) -> bool:
    """Wait until every owed delivery arrived, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(tally.seen) >= tally.expected:
            return True
        await asyncio.sleep(0.02)
    return False


# -- the run ------------------------------------------------------------------------------


class Run:
    """The sockets of one spec and the commands that drive them."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.dialect = DIALECTS[spec.dialect]
        self.tally = Tally()
        self.sockets: list[Socket] = []
        self.readers: list[asyncio.Task[None]] = []

    async def warm(self, count: int) -> dict[str, Any]:
        """Open and close a few sockets: the server's one-time costs before RSS is read."""
        sockets, report = await open_all(self.spec, placements(self.spec)[:count])
        await close_sockets(sockets)
        return {"event": "warmed", "opened": report["opened"], "failed": report["failed"]}

    async def connect(self) -> dict[str, Any]:
        """Open every socket and start its reader."""
        self.sockets, report = await open_all(self.spec, placements(self.spec))
        for sock in self.sockets:
            self.readers.append(asyncio.create_task(read(self.dialect, sock, self.tally)))
        return {"event": "connected", "connect": report}

    async def send(self, rate: float, duration: float, drain: float) -> dict[str, Any]:
        """Offer `rate` messages/s spread evenly over the senders for `duration` s."""
        self.tally.new_phase()
        senders = [s for s in self.sockets if s.receiver < 0]
        if not senders:
            return {"event": "phase", "error": "no sender socket is open"}
        interval_ns = len(senders) / rate * 1e9
        per_sender = max(1, round(duration * rate / len(senders)))
        start = time.monotonic_ns() + START_DELAY_NS
        await asyncio.gather(
            *(
                send_from(
                    self.dialect, s, start + int(i * interval_ns / len(senders)), interval_ns,
                    per_sender, self.tally,
                )
                for i, s in enumerate(senders)
            )
        )  # fmt: skip
        sent_at = time.monotonic_ns()
        drained = await wait_drained(self.tally, drain)
        return self.phase_report(rate, (sent_at - start) / 1e9, drained, sent_at)

    def phase_report(
        self, rate: float, seconds: float, drained: bool, sent_at: int
    ) -> dict[str, Any]:
        """The `phase` event: sent, owed, delivered, latency, anomalies."""
        t = self.tally
        return {
            "event": "phase",
            "rate": rate,
            "send_seconds": seconds,
            "drain_seconds": (time.monotonic_ns() - sent_at) / 1e9,
            "drained": drained,
            "sent": t.sent,
            "send_failed": t.send_failed,
            "expected": t.expected,
            "delivered": len(t.seen),
            "lost": t.expected - len(t.seen),
            "late_from_earlier_phase": t.late,
            "duplicates": t.duplicates,
            "foreign": t.foreign,
            "acks": t.acks,
            "lag_max_ms": t.lag_max_ns / 1e6,
            "latency": summarize_ns(t.latencies),
            "errors": dict(t.errors),
            "closed_by_server": dict(t.closes),
        }

    async def close(self) -> None:
        """Close every socket (bounded), then stop the readers."""
        self.tally.closing = True
        await close_sockets(self.sockets)
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


async def close_sockets(sockets: Sequence[Socket]) -> None:
    """Close sockets, at most CLOSE_TIMEOUT in all."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await asyncio.gather(*(s.ws.close() for s in sockets), return_exceptions=True)


def emit(event: dict[str, Any]) -> None:
    """One protocol line on stdout."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def serve_commands(spec: Spec) -> None:
    """Read commands until `quit` or end of input; answer each."""
    run = Run(spec)
    try:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            words = line.split()
            if not words or words[0] == "quit":
                break
            if words[0] == "warm":
                emit(await run.warm(int(words[1])))
            elif words[0] == "connect":
                emit(await run.connect())
            elif words[0] == "send":
                rate, duration, drain = (float(w) for w in words[1:4])
                emit(await run.send(rate, duration, drain))
            else:
                emit({"event": "error", "error": f"unknown command {words[0]!r}"})
    finally:
        await run.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.compareload SPEC.json`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.compareload SPEC.json", file=sys.stderr)
        return 2
    raise_fd_limit()
    spec = Spec.load(Path(args[0]))
    import uvloop

    uvloop.run(serve_commands(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
