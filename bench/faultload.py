"""The fault harness's clients: widget visitors that send and resend, agent sockets that
record every message, and the ledger that accounts for both.

A visitor's message is *acknowledged* when its own socket receives the `message.created`
carrying its `client_id` (docs/protocol.md). Until then it is pending: an `unavailable` or
`internal` error, or a socket that drops, makes the visitor send every pending message
again with the same `client_id` (after a reconnect that resumes the session by `seq`).

An agent *owner* is one company's agent socket with a home process: one per company per
process. It records every `message.created` id it receives, across its reconnects, and
reconnects to its home process if it is up, else to another, sending `resume` in its
`auth` (the newest `created_at` it holds and, per conversation, the highest `seq` below
which it holds every message).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

OPEN_TIMEOUT = 10.0
RETRY_ERRORS = ("unavailable", "internal")  # resend pending messages after these
RESEND_DELAY = (1.0, 2.0)  # seconds, drawn uniformly: the widget waits 1-3 s
BACKOFF = (0.3, 5.0)  # first and largest reconnect delay, seconds
SLACK = 1.0  # a message acknowledged this recently may still be on its way to agents


def _now() -> float:
    return time.monotonic()


@dataclass
class Sent:
    """One visitor message: when it was first offered, and its acknowledgement."""

    client_id: str
    company: str
    first_at: float
    sends: int = 0
    message_id: str | None = None
    acked_at: float | None = None


@dataclass
class Close:
    """A socket the server closed (or that dropped), as its client saw it."""

    role: str
    process: int
    code: int | None
    reason: str
    at: float
    killed: bool  # on a process the harness had SIGKILLed itself


@dataclass
class Ledger:
    """Everything sent, acknowledged and received, and the recovery bookkeeping."""

    owners_per_company: int
    sent: dict[str, Sent] = field(default_factory=dict)
    acked_ids: dict[str, Sent] = field(default_factory=dict)  # message id -> message
    holders: dict[str, int] = field(default_factory=dict)  # message id -> owners holding it
    incomplete: dict[str, float] = field(default_factory=dict)  # acked, not at every owner
    closes: list[Close] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    killed: set[int] = field(default_factory=set)  # processes the harness has SIGKILLed
    fault_end: float | None = None
    first_ack_after: float | None = None  # of a message first offered after fault_end

    def offer(self, company: str) -> Sent:
        sent = Sent(uuid.uuid4().hex, company, _now())
        self.sent[sent.client_id] = sent
        return sent

    def acknowledge(self, sent: Sent, message_id: str) -> None:
        sent.message_id, sent.acked_at = message_id, _now()
        self.acked_ids[message_id] = sent
        if self.holders.get(message_id, 0) < self.owners_per_company:
            self.incomplete[message_id] = sent.acked_at
        after = self.fault_end
        if after is not None and self.first_ack_after is None and sent.first_at > after:
            self.first_ack_after = sent.acked_at

    def held(self, message_id: str) -> None:
        """An owner received this message for the first time."""
        count = self.holders.get(message_id, 0) + 1
        self.holders[message_id] = count
        if count >= self.owners_per_company:
            self.incomplete.pop(message_id, None)

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1

    def caught_up(self, at: float) -> bool:
        """Every message acknowledged before `at` - SLACK is held by every owner."""
        return all(acked >= at - SLACK for acked in self.incomplete.values())


def _json(raw: str | bytes) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(raw)
    return frame


def _closed_code(exc: ConnectionClosed) -> tuple[int | None, str]:
    if exc.rcvd is None:
        return None, "no close frame"
    return exc.rcvd.code, exc.rcvd.reason


class Peer:
    """What visitors and agents share: the process list, reconnects and close records."""

    role = "peer"

    def __init__(self, ledger: Ledger, urls: list[str], home: int) -> None:
        self.ledger, self.urls, self.home = ledger, urls, home
        self.process = home
        self.stopping = False
        self.established = False  # this session got its welcome: its close counts
        self.delay = BACKOFF[0]

    def targets(self) -> list[int]:
        """Home first, then the others: 'the same process if up, else another'."""
        return [self.home, *(i for i in range(len(self.urls)) if i != self.home)]

    async def open(self, path: str) -> ClientConnection | None:
        for index in self.targets():
            with contextlib.suppress(OSError, InvalidHandshake, TimeoutError):
                ws = await connect(
                    self.urls[index] + path,
                    open_timeout=OPEN_TIMEOUT,
                    ping_interval=None,
                    close_timeout=1,
                    max_size=None,
                )
                self.process = index
                return ws
        return None

    def record_close(self, exc: ConnectionClosed) -> None:
        """A close of an established socket that the harness did not ask for."""
        if self.stopping or not self.established:
            return
        code, reason = _closed_code(exc)
        killed = self.process in self.ledger.killed
        self.ledger.closes.append(Close(self.role, self.process, code, reason, _now(), killed))

    async def backoff(self) -> None:
        await asyncio.sleep(self.delay * random.uniform(0.5, 1.5))  # jitter: no herd
        self.delay = min(self.delay * 2, BACKOFF[1])

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, serve, reconnect, until `stop`."""
        while not stop.is_set():
            self.established = False
            try:
                if await self.session(stop):
                    self.delay = BACKOFF[0]
            except ConnectionClosed as exc:
                self.record_close(exc)
            except (OSError, TimeoutError, InvalidHandshake):
                pass
            if not stop.is_set():
                await self.backoff()

    async def session(self, stop: asyncio.Event) -> bool:
        raise NotImplementedError


class Visitor(Peer):
    """One widget conversation: sends on the pacer's call, resends until acknowledged."""

    role = "widget"

    def __init__(self, ledger: Ledger, urls: list[str], home: int, company: str, key: str) -> None:
        super().__init__(ledger, urls, home)
        self.company, self.key = company, key
        self.session_id: str | None = None
        self.conversation_id: str | None = None
        self.last_seq = 0
        self.pending: dict[str, Sent] = {}
        self.outbox: dict[str, None] = {}  # client ids to write, in order, each once
        self.wake = asyncio.Event()
        self.welcomed = asyncio.Event()
        self.retry: asyncio.TimerHandle | None = None

    def offer(self) -> None:
        """A new message, with a new client_id."""
        sent = self.ledger.offer(self.company)
        self.pending[sent.client_id] = sent
        self.outbox[sent.client_id] = None
        self.wake.set()

    def resend_all(self) -> None:
        if self.retry is not None:
            self.retry.cancel()  # a no-op when this is the timer firing
            self.retry = None
        self.outbox.update(dict.fromkeys(self.pending))
        self.wake.set()

    def resend_later(self) -> None:
        """One timer for all pending messages, as the widget does: an error per pending
        message must not multiply the resends."""
        if self.retry is None:
            delay = random.uniform(*RESEND_DELAY)
            self.retry = asyncio.get_running_loop().call_later(delay, self.resend_all)

    async def session(self, stop: asyncio.Event) -> bool:
        ws = await self.open(f"/ws/widget?key={self.key}")
        if ws is None:
            return False
        async with ws:
            hello: dict[str, Any] = {"type": "hello", "visit_id": uuid.uuid4().hex}
            hello |= {"session_id": self.session_id, "last_seq": self.last_seq}
            await ws.send(json.dumps(hello))
            welcome = _json(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT))
            if welcome.get("type") != "welcome":
                return False
            self._welcome(welcome)
            await self._serve(ws, stop)
        return True

    def _welcome(self, welcome: dict[str, Any]) -> None:
        if welcome["session_id"] != self.session_id:
            self.last_seq = 0  # a new session: nothing held
        self.session_id = welcome["session_id"]
        self.conversation_id = welcome["conversation_id"]
        self.welcomed.set()
        self.established = True
        self.resend_all()

    async def _serve(self, ws: ClientConnection, stop: asyncio.Event) -> None:
        writer = asyncio.create_task(self._write(ws))
        stopper = asyncio.create_task(stop.wait())
        reader = asyncio.create_task(self._read(ws))
        try:
            await asyncio.wait([reader, stopper], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (writer, stopper):
                task.cancel()
            self.stopping = stop.is_set()
            if not reader.done():
                reader.cancel()
            await asyncio.gather(writer, stopper, return_exceptions=True)
            if reader.done() and not reader.cancelled() and reader.exception() is not None:
                raise reader.exception()  # type: ignore[misc]

    async def _write(self, ws: ClientConnection) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.outbox:
                client_id = next(iter(self.outbox))
                del self.outbox[client_id]
                sent = self.pending.get(client_id)
                if sent is None:
                    continue
                sent.sends += 1
                frame = {"type": "message.send", "client_id": client_id, "text": client_id}
                await ws.send(json.dumps(frame))

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            frame = _json(raw)
            kind = frame.get("type")
            if kind == "message.created":
                self._created(frame["message"])
            elif kind == "error":
                self.ledger.error(f"widget {frame.get('code')}")
                if frame.get("code") in RETRY_ERRORS:
                    self.resend_later()

    def _created(self, message: dict[str, Any]) -> None:
        self.last_seq = max(self.last_seq, int(message["seq"]))
        sent = self.pending.pop(message.get("client_id") or "", None)
        if sent is not None:
            self.ledger.acknowledge(sent, message["id"])


class AgentOwner(Peer):
    """One company's agent socket with a home process; records every message it receives."""

    role = "agent"

    def __init__(
        self,
        ledger: Ledger,
        urls: list[str],
        home: int,
        company: str,
        token: str,
        resume: bool,
    ) -> None:
        super().__init__(ledger, urls, home)
        self.company, self.token, self.resume = company, token, resume
        self.held: set[str] = set()
        self.duplicates = 0
        self.seqs: dict[str, set[int]] = {}
        self.prefix: dict[str, int] = {}  # per conversation: every seq up to this is held
        self.newest: str | None = None
        self.connects = 0
        self.ready = asyncio.Event()
        self.live_at: float | None = None  # first message offered after the fault's end

    def auth_frame(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "auth", "token": self.token}
        if self.resume and self.newest is not None:
            frame["resume"] = {"since": self.newest, "seqs": dict(self.prefix)}
        return frame

    async def session(self, stop: asyncio.Event) -> bool:
        ws = await self.open("/ws/agent")
        if ws is None:
            return False
        async with ws:
            await ws.send(json.dumps(self.auth_frame()))
            self.connects += 1
            stopper = asyncio.create_task(stop.wait())
            reader = asyncio.create_task(self._read(ws))
            try:
                await asyncio.wait([reader, stopper], return_when=asyncio.FIRST_COMPLETED)
            finally:
                self.stopping = stop.is_set()
                stopper.cancel()
                if not reader.done():
                    reader.cancel()
                await asyncio.gather(stopper, return_exceptions=True)
            if not reader.cancelled() and reader.exception() is not None:
                raise reader.exception()  # type: ignore[misc]
        return True

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            frame = _json(raw)
            kind = frame.get("type")
            if kind == "message.created":
                self.receive(frame["message"])
            elif kind == "welcome":
                self.established = True
            elif kind == "inbox.snapshot":
                self.ready.set()
            elif kind == "error":
                self.ledger.error(f"agent {frame.get('code')}")

    def receive(self, message: dict[str, Any]) -> None:
        message_id = message["id"]
        if message_id in self.held:
            self.duplicates += 1
            return
        self.held.add(message_id)
        self.ledger.held(message_id)
        self._note_seq(message["conversation_id"], int(message["seq"]))
        created = message.get("created_at")
        if created and (self.newest is None or created > self.newest):
            self.newest = created
        sent = self.ledger.sent.get(message.get("client_id") or "")
        after = self.ledger.fault_end
        if self.live_at is None and sent and after is not None and sent.first_at > after:
            self.live_at = _now()

    def _note_seq(self, conversation: str, seq: int) -> None:
        held = self.seqs.setdefault(conversation, set())
        held.add(seq)
        prefix = self.prefix.get(conversation, 0)
        while prefix + 1 in held:
            prefix += 1
        self.prefix[conversation] = prefix


@dataclass
class Storm:
    """Many new widget sockets at once: how many got `welcome`, and how fast."""

    total: int
    opened: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    settled: asyncio.Event = field(default_factory=asyncio.Event)  # each opened or refused

    def _check(self) -> None:
        if self.opened + sum(self.refused.values()) >= self.total:
            self.settled.set()

    async def one(self, url: str, key: str, hold: asyncio.Event) -> None:
        started = _now()
        try:
            async with connect(
                f"{url}/ws/widget?key={key}", open_timeout=30, ping_interval=None
            ) as ws:
                await ws.send(json.dumps({"type": "hello", "visit_id": uuid.uuid4().hex}))
                frame = _json(await asyncio.wait_for(ws.recv(), 30))
                if frame.get("type") != "welcome":
                    self._refused(f"frame {frame.get('type')}")
                    return
                self.opened += 1
                self.seconds.append(_now() - started)
                self._check()
                await hold.wait()
        except ConnectionClosed as exc:
            self._refused(f"close {_closed_code(exc)[0]}")
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            self._refused(type(exc).__name__)

    def _refused(self, why: str) -> None:
        self.refused[why] = self.refused.get(why, 0) + 1
        self._check()


async def pace(visitors: list[Visitor], rate: float, until: Callable[[], float]) -> int:
    """Offer `rate` messages a second in all, visitor after visitor, until `until()`."""
    start, made, tick = _now(), 0, 0.02
    while (now := _now()) < until():
        due = int(rate * (now - start)) - made
        for _ in range(due):
            visitors[made % len(visitors)].offer()
            made += 1
        await asyncio.sleep(tick)  # the pace's clock, not a synchronisation
    return made


def every_owner_live(owners: list[AgentOwner]) -> bool:
    return all(owner.live_at is not None for owner in owners)


async def watch_recovery(
    ledger: Ledger, owners: list[AgentOwner], done: asyncio.Event
) -> dict[str, float | None]:
    """From the fault's end: when sends are acknowledged and reach every owner again
    (`live`), and when, on top of that, every acknowledged message is held by every owner
    (`recovered`). None: not before `done`."""
    assert ledger.fault_end is not None
    end, live, recovered = ledger.fault_end, None, None
    while recovered is None:
        now = _now()
        acked_again = ledger.first_ack_after is not None
        if live is None and acked_again and every_owner_live(owners):
            live = now - end
        if live is not None and ledger.caught_up(now):
            recovered = now - end
        if done.is_set():
            break
        await asyncio.sleep(0.1)  # a sampling period, not a synchronisation
    return {"live_s": live, "recovery_s": recovered}
