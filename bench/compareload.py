"""The load generator of `python -m bench.compare`: one process, one clock, any server.

    python -m bench.compareload SPEC.json

The spec lists groups: a room with at most one sender and its receivers (rooms of two: one
receiver each; fan-out: one group of many; idle sockets: groups with a receiver and no
sender). With `two_way`, the receivers of a room of two write too (the
hub's agent replies into the visitor's conversation): the visitor sends even-numbered
messages, the agent odd-numbered ones, alternately, each timed where the other side receives
it. A dialect says how each server is spoken to: the hub's widget and agent sockets,
Socket.IO (Engine.IO v4 over a raw WebSocket, no python-socketio client: too heavy for
thousands of sockets), Channels' `/ws/ROOM/`, or a bare relay's `/ws?room=ROOM`.

Two client libraries: picows (callbacks, a few microseconds a frame, so a 1,000-socket
fan-out measures the server and not the client) for the timed workloads, and the
`websockets` client for idle sockets, because only it offers permessage-deflate the way
browsers do (`permessage-deflate; client_max_window_bits`).

Every message's text is `m PHASE GROUP K SENT_NS`: the receiver finds it in whatever frame
carries it and times it against `time.monotonic_ns()` of the send (one process, one clock).

Commands on stdin, one per line; each answered by one JSON line on stdout (logs on stderr):
    warm N                     open N sockets of the spec and close them -> {"event": "warmed"}
    connect                    open every socket (receivers first)     -> {"event": "connected"}
    prime RATE DRAIN           one message from each room's sender, so that the hub's
                               conversations exist before agents reply -> {"event": "phase"}
    send RATE DURATION DRAIN   offer RATE msg/s over all senders       -> {"event": "phase"}
    quit                       close everything and exit
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect
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
    client: str = "picows"  # or "websockets" (the only one that can offer deflate)
    connect_concurrency: int = 100
    two_way: bool = False  # rooms of two where the receiver replies

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


# -- transports ---------------------------------------------------------------------------

OnText = Callable[[str], None]
OnClose = Callable[[str], None]


class Conn:
    """A client socket: awaitable `recv` for handshakes, then callbacks for every frame."""

    deflate = False  # permessage-deflate negotiated

    async def recv(self) -> str:
        """The next text frame (handshake only, before `listen`)."""
        raise NotImplementedError

    async def send(self, text: str) -> None:
        """Write one text frame."""
        raise NotImplementedError

    def reply(self, text: str) -> None:
        """Write one text frame from a frame callback (no await there)."""
        raise NotImplementedError

    def listen(self, on_text: OnText, on_close: OnClose) -> None:
        """From now on, hand every text frame to `on_text`, and the close to `on_close`."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close the socket (the caller bounds the time)."""
        raise NotImplementedError


class WebsocketsConn(Conn):
    """The `websockets` asyncio client, read by one task per socket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.deflate = bool(ws.protocol.extensions)
        self.task: asyncio.Task[None] | None = None
        self.replies: set[asyncio.Future[None]] = set()

    async def recv(self) -> str:
        raw = await self.ws.recv()
        return raw if isinstance(raw, str) else raw.decode()

    async def send(self, text: str) -> None:
        await self.ws.send(text)

    def reply(self, text: str) -> None:
        future = asyncio.ensure_future(self.ws.send(text))
        self.replies.add(future)  # held until done, so it is not collected mid-send
        future.add_done_callback(self.replies.discard)

    def listen(self, on_text: OnText, on_close: OnClose) -> None:
        self.task = asyncio.create_task(self._read(on_text, on_close))

    async def _read(self, on_text: OnText, on_close: OnClose) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                on_text(raw if isinstance(raw, str) else raw.decode())
        on_close(f"{self.ws.close_code} {self.ws.close_reason or ''}".strip())

    async def close(self) -> None:
        try:
            await self.ws.close()
        finally:
            if self.task is not None:
                self.task.cancel()


class PicowsListener(WSListener):  # type: ignore[misc]
    """picows' per-socket callbacks: frames go to a queue until `listen`, then straight on."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.on_text: OnText | None = None
        self.on_close: OnClose | None = None
        self.parts: list[bytes] = []
        self.close_info = "disconnected"
        self.closing = False

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind in (WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION):
            if frame.fin and not self.parts:
                self.deliver(frame.get_payload_as_utf8_text())
                return
            self.parts.append(frame.get_payload_as_bytes())  # a fragmented message
            if frame.fin:
                self.deliver(b"".join(self.parts).decode())
                self.parts.clear()
        elif kind == WSMsgType.CLOSE:
            code = frame.get_close_code()
            self.close_info = f"{code.value} {frame.get_close_message() or b''!r}"
            if not self.closing:
                transport.send_close(code)
            transport.disconnect()

    def deliver(self, text: str) -> None:
        if self.on_text is not None:
            self.on_text(text)
        else:
            self.inbox.put_nowait(text)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.inbox.put_nowait(None)
        if self.on_close is not None and not self.closing:
            self.on_close(self.close_info)


class PicowsConn(Conn):
    """picows: frames handled in the protocol callback, no task or queue per frame."""

    def __init__(self, transport: WSTransport, listener: PicowsListener) -> None:
        self.transport = transport
        self.listener = listener

    async def recv(self) -> str:
        text = await self.listener.inbox.get()
        if text is None:
            raise ConnectionError(f"closed during the handshake: {self.listener.close_info}")
        return text

    async def send(self, text: str) -> None:
        if self.transport.is_disconnected:
            raise ConnectionError("disconnected")
        self.transport.send(WSMsgType.TEXT, text.encode())

    def reply(self, text: str) -> None:
        self.transport.send(WSMsgType.TEXT, text.encode())

    def listen(self, on_text: OnText, on_close: OnClose) -> None:
        self.listener.on_close = on_close
        self.listener.on_text = on_text
        while not self.listener.inbox.empty():  # frames that came with the handshake
            early = self.listener.inbox.get_nowait()
            if early is not None:
                on_text(early)

    async def close(self) -> None:
        self.listener.closing = True
        if not self.transport.is_disconnected:
            self.transport.send_close()
        await self.transport.wait_disconnected()


async def open_conn(url: str, client: str, compression: str | None) -> Conn:
    """Open a WebSocket with the chosen client library."""
    if client == "picows":
        transport, listener = await ws_connect(
            PicowsListener, url, websocket_handshake_timeout=HANDSHAKE_TIMEOUT
        )
        return PicowsConn(transport, listener)
    ws = await connect(
        url,
        open_timeout=HANDSHAKE_TIMEOUT,
        ping_interval=None,  # the servers ping; the client only answers
        close_timeout=CLOSE_TIMEOUT,
        compression=compression,
        max_size=None,
    )
    return WebsocketsConn(ws)


# -- dialects -----------------------------------------------------------------------------


async def expect(conn: Conn, prefix: str, what: str) -> str:
    """The next frame that starts with `prefix` (frames before it are skipped)."""
    async with asyncio.timeout(HANDSHAKE_TIMEOUT):
        while True:
            text = await conn.recv()
            if text.startswith(prefix):
                return text
            if '"type":"error"' in text:
                raise RuntimeError(f"error frame while waiting for {what}: {text[:200]}")


class Dialect:
    """How to open a socket, frame a message, and find a message in a received frame."""

    async def handshake(self, conn: Conn, endpoint: Endpoint, serial: int) -> str | None:
        """Whatever must happen after the WebSocket opens before the socket is ready; the
        conversation the socket speaks in, when the server names one (the hub's widget)."""
        return None

    def outgoing(self, endpoint: Endpoint, text: str, client_id: str, conversation: str) -> str:
        """The frame that carries `text` from a sender (`conversation`: the hub's agents)."""
        return text

    def incoming(self, raw: str) -> str | None:
        """The message text a received frame carries, or None for any other frame."""
        return raw if raw.startswith("m ") else None

    def answer(self, raw: str) -> str | None:
        """A frame to write back at once (Engine.IO pings), or None."""
        return None


MARK = re.compile(r'"text":"(m \d+ \d+ \d+ \d+)"')


class HubDialect(Dialect):
    """The hub: widget sockets say `hello`, agent sockets `auth`; messages are JSON."""

    async def handshake(self, conn: Conn, endpoint: Endpoint, serial: int) -> str | None:
        if endpoint.kind == "agent":
            await conn.send(json.dumps({"type": "auth", "token": endpoint.token}))
            await expect(conn, '{"type":"welcome"', "welcome")
            await expect(conn, '{"type":"inbox.snapshot"', "inbox.snapshot")
            return None
        visit = f"cmp-{serial}-{time.time_ns()}"
        await conn.send(json.dumps({"type": "hello", "visit_id": visit, "session_id": None}))
        welcome = json.loads(await expect(conn, '{"type":"welcome"', "welcome"))
        return str(welcome["conversation_id"])

    def outgoing(self, endpoint: Endpoint, text: str, client_id: str, conversation: str) -> str:
        frame = {"type": "message.send", "client_id": client_id, "text": text}
        if endpoint.kind == "agent":
            frame["conversation_id"] = conversation
        return json.dumps(frame)

    def incoming(self, raw: str) -> str | None:
        # No json.loads per frame: a fan-out burst is 1,000 frames, and parsing each would
        # time the client. The hub writes compact JSON with "type" first (hub/events.py);
        # conversation.updated also carries the text, so the type must match. Which side
        # wrote a message is in its text (`handle`), not in its `sender`.
        if not raw.startswith('{"type":"message.created"'):
            return None
        found = MARK.search(raw)
        return found.group(1) if found else None


class SocketIODialect(Dialect):
    """Engine.IO v4 / Socket.IO v5 by hand: open, "40", a `join` with an ack, `msg` events."""

    async def handshake(self, conn: Conn, endpoint: Endpoint, serial: int) -> str | None:
        await expect(conn, "0", "Engine.IO open")
        await conn.send("40")
        await expect(conn, "40", "Socket.IO connect")
        await conn.send(f'421["join","{endpoint.room}"]')
        await expect(conn, "431", "join acknowledgement")
        return None

    def outgoing(self, endpoint: Endpoint, text: str, client_id: str, conversation: str) -> str:
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
    acks: int = 0  # the hub echoes a writer's own message back to it
    two_way: bool = False  # odd-numbered messages come from the receiver (`handle`)
    closing: bool = False
    latencies: list[int] = field(default_factory=list)
    stamps: list[int] = field(default_factory=list)  # send times, parallel to latencies
    seen: set[tuple[int, int, int]] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)

    def new_phase(self) -> None:
        """Forget the last phase's deliveries; keep the socket-level counters."""
        self.phase += 1
        self.sent = self.expected = self.send_failed = self.lag_max_ns = 0
        self.late = self.duplicates = self.foreign = self.acks = 0
        self.latencies = []
        self.stamps = []
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
        self.stamps.append(int(stamp))


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
    """An open socket at its place, and the conversation it writes in (the hub's)."""

    conn: Conn
    place: Place
    conversation: str = ""

    @property
    def receiver(self) -> int:
        return self.place.receiver

    @property
    def group(self) -> int:
        return self.place.group


# -- connecting ---------------------------------------------------------------------------


async def open_socket(spec: Spec, endpoint: Endpoint, serial: int) -> tuple[Conn, str]:
    """Open one socket and take it through its server's handshake; the conversation the
    server named ("" if none)."""
    conn = await open_conn(endpoint.url, spec.client, spec.compression)
    try:
        conversation = await DIALECTS[spec.dialect].handshake(conn, endpoint, serial)
    except BaseException:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await conn.close()
        raise
    return conn, conversation or ""


def placements(spec: Spec) -> list[Place]:
    """Every socket of the spec: all receivers first, then the senders. In two-way rooms a
    receiver's messages are owed to the sender."""
    groups = list(enumerate(spec.groups))
    back = 1 if spec.two_way else 0
    out = [Place(r, g, i, back) for g, group in groups for i, r in enumerate(group.receivers)]
    out += [Place(gr.sender, g, -1, len(gr.receivers)) for g, gr in groups if gr.sender]
    return out


async def open_all(spec: Spec, places: Sequence[Place]) -> tuple[list[Socket], dict[str, Any]]:
    """Open every placement, `spec.connect_concurrency` handshakes at a time; time them."""
    gate = asyncio.Semaphore(spec.connect_concurrency)
    handshakes: list[int] = []

    async def one(serial: int, place: Place) -> Socket:
        async with gate:
            begun = time.monotonic_ns()
            conn, conversation = await open_socket(spec, place.endpoint, serial)
            handshakes.append(time.monotonic_ns() - begun)
            return Socket(conn, place, conversation)

    begun = time.monotonic_ns()
    results = await asyncio.gather(
        *(one(i, p) for i, p in enumerate(places)), return_exceptions=True
    )
    seconds = (time.monotonic_ns() - begun) / 1e9
    sockets = [r for r in results if isinstance(r, Socket)]
    failures = [repr(r) for r in results if not isinstance(r, Socket)]
    deflate = sum(1 for s in sockets if s.conn.deflate)
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


def handle(dialect: Dialect, sock: Socket, tally: Tally, raw: str) -> None:
    """One frame received on `sock`: a message, a ping to answer, an error, or nothing."""
    now = time.monotonic_ns()
    text = dialect.incoming(raw)
    if text is not None:
        if wrote(tally, sock, text):
            tally.acks += 1
        else:
            tally.on_text(text, sock.group, sock.receiver, now)
        return
    reply = dialect.answer(raw)
    if reply is not None:
        sock.conn.reply(reply)
    elif raw.startswith('{"type":"error"'):
        tally.errors[json.loads(raw).get("code", "?")] += 1


def wrote(tally: Tally, sock: Socket, text: str) -> bool:
    """Whether `sock` wrote this message itself (an echo): one-way, the sender wrote every
    message; two-way, the sender the even-numbered ones and the receiver the odd ones."""
    if not tally.two_way:
        return sock.receiver < 0
    odd = text.split(" ", 4)[3][-1] in "13579"
    return odd == (sock.receiver >= 0)


def closed(tally: Tally, how: str) -> None:
    """The server closed a socket (ours closing at the end are not counted)."""
    if not tally.closing:
        tally.closes[how] += 1


# -- sending ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When one socket sends: its first message at `start_ns`, then one every
    `interval_ns`, `count` in all, numbered `first`, `first + step`, ..."""

    start_ns: int
    interval_ns: float
    count: int
    first: int = 0
    step: int = 1


async def send_from(dialect: Dialect, sock: Socket, plan: Schedule, tally: Tally) -> None:
    """Send one socket's messages on its schedule, never waiting for replies."""
    for j in range(plan.count):
        due = plan.start_ns + int(j * plan.interval_ns)
        delay = due - time.monotonic_ns()
        if delay > 0:
            await asyncio.sleep(delay / 1e9)
        now = time.monotonic_ns()
        tally.lag_max_ns = max(tally.lag_max_ns, now - due)
        k = plan.first + j * plan.step
        text = f"m {tally.phase} {sock.group} {k} {now}"
        client_id = f"c{tally.phase}-{sock.group}-{k}"
        frame = dialect.outgoing(sock.place.endpoint, text, client_id, sock.conversation)
        try:
            await sock.conn.send(frame)
        except (ConnectionClosed, ConnectionError):
            tally.send_failed += plan.count - j
            return
        tally.sent += 1
        tally.expected += sock.place.owed


def timeline(stamps: Sequence[int], latencies: Sequence[int]) -> list[dict[str, float]]:
    """Per second of sending: deliveries, the slowest, and how many took over 10 ms, so a
    tail can be placed in time (a start-up burst, a periodic pause)."""
    if not stamps:
        return []
    first = min(stamps)
    seconds: dict[int, list[int]] = {}
    for stamp, latency in zip(stamps, latencies, strict=True):
        seconds.setdefault((stamp - first) // 1_000_000_000, []).append(latency)
    return [
        {
            "second": second,
            "start": round((first + second * 1_000_000_000) / 1e9, 3),
            "count": len(values),
            "max_ms": round(max(values) / 1e6, 1),
            "over_10ms": sum(1 for v in values if v > 10_000_000),
        }
        for second, values in sorted(seconds.items())
    ]


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
        self.tally = Tally(two_way=spec.two_way)
        self.sockets: list[Socket] = []

    async def warm(self, count: int) -> dict[str, Any]:
        """Open and close a few sockets: the server's one-time costs before RSS is read."""
        sockets, report = await open_all(self.spec, placements(self.spec)[:count])
        await close_sockets(sockets)
        return {"event": "warmed", "opened": report["opened"], "failed": report["failed"]}

    async def connect(self) -> dict[str, Any]:
        """Open every socket and start its reader."""
        self.sockets, report = await open_all(self.spec, placements(self.spec))
        # A receiver writes in its room's conversation: the one its sender's server named.
        named = {s.group: s.conversation for s in self.sockets if s.receiver < 0}
        for sock in self.sockets:
            sock.conversation = sock.conversation or named.get(sock.group, "")
            sock.conn.listen(self.receiver_of(sock), lambda how: closed(self.tally, how))
        return {"event": "connected", "connect": report}

    def receiver_of(self, sock: Socket) -> OnText:
        """The frame callback of one socket."""
        return lambda raw: handle(self.dialect, sock, self.tally, raw)

    async def send(
        self, rate: float, duration: float, drain: float, one_way: bool = False
    ) -> dict[str, Any]:
        """Offer `rate` messages/s spread evenly over the rooms for `duration` s (two-way:
        each room's sender and receiver in turn, unless `one_way`)."""
        self.tally.new_phase()
        self.tally.two_way = self.spec.two_way and not one_way
        senders = [s for s in self.sockets if s.receiver < 0]
        if not senders:
            return {"event": "phase", "error": "no sender socket is open"}
        start = time.monotonic_ns() + START_DELAY_NS
        plans = self.schedules(senders, rate, duration, start)
        await asyncio.gather(*(send_from(self.dialect, s, p, self.tally) for s, p in plans))
        sent_at = time.monotonic_ns()
        drained = await wait_drained(self.tally, drain)
        return self.phase_report(rate, (sent_at - start) / 1e9, drained, sent_at)

    def schedules(
        self, senders: list[Socket], rate: float, duration: float, start: int
    ) -> list[tuple[Socket, Schedule]]:
        """Each writing socket's schedule: a room's messages every `rooms / rate` s, the
        rooms' starts spread evenly; two-way, its sender and receiver take turns."""
        rooms = len(senders)
        gap = rooms / rate * 1e9  # between two messages of one room
        per_room = max(1, round(duration * rate / rooms))
        if not self.tally.two_way:
            return [
                (s, Schedule(start + int(i * gap / rooms), gap, per_room))
                for i, s in enumerate(senders)
            ]
        answer = {s.group: s for s in self.sockets if s.receiver == 0}
        plans = []
        for i, s in enumerate(senders):
            begin = start + int(i * gap / rooms)
            plans.append((s, Schedule(begin, 2 * gap, (per_room + 1) // 2, 0, 2)))
            if s.group in answer:
                plans.append(
                    (answer[s.group], Schedule(begin + int(gap), 2 * gap, per_room // 2, 1, 2))
                )
        return plans

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
            "timeline": timeline(t.stamps, t.latencies),
            "errors": dict(t.errors),
            "closed_by_server": dict(t.closes),
        }

    async def close(self) -> None:
        """Close every socket (bounded)."""
        self.tally.closing = True
        await close_sockets(self.sockets)


async def close_sockets(sockets: Sequence[Socket]) -> None:
    """Close sockets, at most CLOSE_TIMEOUT in all."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await asyncio.gather(*(s.conn.close() for s in sockets), return_exceptions=True)


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
            elif words[0] == "prime":
                rate, drain = (float(w) for w in words[1:3])
                emit(await run.send(rate, 1 / rate * len(spec.groups), drain, one_way=True))
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
