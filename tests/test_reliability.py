"""Reliability under load (issue 7): a hub process killed mid-load, the database taken away
and given back, and a client that stops reading.

Redis restarts are covered by test_redis_restart.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.parse
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    KAPSO_SECRET,
    PHONE_NUMBER_ID,
    TWILIO_NUMBER,
    ChannelHub,
    channel_hub,
)
from tests.conftest import SECRET, make_settings
from tests.fakes.webhooks import (
    inbound_sms_params,
    kapso_message_received,
    post_kapso,
    post_twilio,
    twilio_sid,
)
from tests.support.clients import Agent, Client, Widget
from tests.support.processes import HubProcess, hub_processes, make_company, settle
from tests.support.server import start_hub
from tests.support.tap import Board, Frame, Tap
from tests.support.tcp_proxy import TcpProxy, tcp_proxy, through

WAIT = 15.0
# The load's pace: each client sends one message every LOAD_INTERVAL seconds, well inside the
# per-socket frame limit (20 a second). It sets the rate of the load, it synchronises nothing.
LOAD_INTERVAL = 0.08
IN_FLIGHT = 4  # messages each client on the killed hub sends right before the kill


def created(frames: Iterable[Frame]) -> list[Frame]:
    return [frame["message"] for frame in frames if frame["type"] == "message.created"]


def in_snapshots(frames: Iterable[Frame]) -> list[Frame]:
    """The last messages an agent was shown in its inbox snapshots."""
    return [
        conversation["last_message"]
        for frame in frames
        if frame["type"] == "inbox.snapshot"
        for conversation in frame["conversations"]
        if conversation["last_message"] is not None
    ]


# --------------------------------------------------------------------------------------------
# 1. SIGKILL one of two hub processes under load
# --------------------------------------------------------------------------------------------


@dataclass
class Peer:
    """A visitor or an agent sending continuously, across reconnects.

    `sockets` holds the frames of each connection it has had, in order. `sent` maps each
    client_id to the conversation it went to; `acked` maps it to the message that
    acknowledged it (its own echo, a replay, or the history read after a reconnect).
    """

    name: str
    kind: str  # "widget" | "agent"
    hub: HubProcess
    board: Board
    conversations: list[str]  # where it writes: its own (widget) or every one (agent)
    session_id: str | None = None
    tap: Tap | None = None
    sockets: list[list[Frame]] = field(default_factory=list)
    history: list[Frame] = field(default_factory=list)  # read over HTTP after a reconnect
    sent: dict[str, str] = field(default_factory=dict)
    acked: dict[str, Frame] = field(default_factory=dict)
    resent: set[str] = field(default_factory=set)
    count: int = 0

    def note_acks(self, messages: Iterable[Frame]) -> None:
        for message in messages:
            if message["client_id"] in self.sent:
                self.acked.setdefault(message["client_id"], message)

    def unacked(self) -> list[str]:
        self.note_acks(created(self.frames()))
        return [cid for cid in self.sent if cid not in self.acked]

    def frames(self) -> list[Frame]:
        return [frame for socket in self.sockets for frame in socket]

    def acks(self) -> int:
        self.note_acks(created(self.sockets[-1]) if self.sockets else [])
        return len(self.acked)

    def frame_for(self, client_id: str, text: str) -> Frame:
        frame: Frame = {"type": "message.send", "client_id": client_id, "text": text}
        if self.kind == "agent":
            frame["conversation_id"] = self.sent[client_id]
        return frame

    async def send_new(self) -> None:
        assert self.tap is not None
        self.count += 1
        client_id = f"{self.name}-{self.count}"
        self.sent[client_id] = self.conversations[self.count % len(self.conversations)]
        await self.tap.ws.send(json.dumps(self.frame_for(client_id, client_id)))

    async def load(self, stop: asyncio.Event) -> None:
        """Send until `stop`, or until the socket goes away."""
        assert self.tap is not None
        try:
            while not stop.is_set() and not self.tap.closed.is_set():
                await self.send_new()
                await asyncio.sleep(LOAD_INTERVAL)  # the load's pace (see LOAD_INTERVAL)
        except ConnectionClosed:
            pass


async def open_peer(peer: Peer, token_or_key: str, last_seq: int = 0) -> None:
    """Connect (again) to `peer.hub` and start reading."""
    if peer.kind == "widget":
        widget = await Widget.open(
            peer.hub.ws, token_or_key, session_id=peer.session_id, last_seq=last_seq
        )
        if peer.session_id is not None:
            assert widget.welcome["session_id"] == peer.session_id, "the session was lost"
        peer.session_id = widget.welcome["session_id"]
        client: Widget | Agent = widget
    else:
        client = await Agent.open(peer.hub.ws, token_or_key)
    frames = list(client.seen)
    peer.sockets.append(frames)
    peer.tap = Tap(client.ws, frames, peer.board)


async def history(hub: HubProcess, token: str, conversation_id: str, after: int) -> list[Frame]:
    async with httpx.AsyncClient(base_url=hub.http, timeout=WAIT) as http:
        response = await http.get(
            f"/api/conversations/{conversation_id}/messages",
            params={"after_seq": after},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    messages: list[Frame] = response.json()["messages"]
    return messages


async def stored(database_url: str, company_id: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await conn.fetch(
            "SELECT id, conversation_id, seq, client_id FROM messages"
            " WHERE company_id = $1 ORDER BY conversation_id, seq",
            company_id,
        )
    finally:
        await conn.close()


def assert_each_once_in_order(peer: Peer, frames: list[Frame]) -> None:
    """One socket's `message.created` frames: per conversation, seqs strictly rising.

    The one exception the protocol makes: a resend of a client_id that was stored already
    is answered with the stored message again, to this socket.
    """
    last: dict[str, int] = defaultdict(int)
    for message in created(frames):
        conversation, seq = message["conversation_id"], message["seq"]
        if seq <= last[conversation]:
            assert message["client_id"] in peer.resent, (
                f"{peer.name} got seq {seq} of {conversation} again (or out of order) "
                f"after {last[conversation]}"
            )
            continue
        last[conversation] = seq


@pytest.mark.postgres
@pytest.mark.redis
async def test_sigkill_of_one_hub_under_load_loses_and_repeats_nothing(
    pg_url: str, redis_url: str
) -> None:
    async with hub_processes(
        2, database_url=pg_url, redis_url=redis_url, secret_key=SECRET.reveal()
    ) as hubs:
        a, b = hubs
        company = await make_company(a)
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        async with httpx.AsyncClient(base_url=a.http, headers=auth, timeout=WAIT) as http:
            quiet = await http.put("/api/ai-settings", json={"enabled": False})
            assert quiet.status_code == 200, quiet.text  # only people write here
        board = Board()

        # Four visitors and two agents, spread over both processes.
        visitors = [Peer(f"v{i}", "widget", (a, b)[i % 2], board, []) for i in range(4)]
        for visitor in visitors:
            await open_peer(visitor, company.widget_key)
            assert visitor.tap is not None
            conversation_id = visitor.sockets[0][0]["conversation_id"]  # from welcome
            visitor.conversations.append(conversation_id)
            await visitor.send_new()  # the first message creates the conversation
        await board.until("the conversations", lambda: all(v.acks() == 1 for v in visitors))
        everywhere = [v.conversations[0] for v in visitors]
        agents = [Peer(f"a{i}", "agent", (a, b)[i % 2], board, everywhere) for i in range(2)]
        for agent in agents:
            await open_peer(agent, company.agent_token)
        peers = visitors + agents

        # Load on both processes; once every sender has been acknowledged a few times, B dies.
        stop = asyncio.Event()
        senders = [asyncio.create_task(peer.load(stop)) for peer in peers]
        await board.until("load on both hubs", lambda: all(p.acks() >= 6 for p in peers))
        on_b = [peer for peer in peers if peer.hub is b]
        in_flight = []
        for _ in range(IN_FLIGHT):  # sent just before the kill: some land, some do not
            for peer in on_b:
                await peer.send_new()
                in_flight.append((peer, f"{peer.name}-{peer.count}"))

        def burst_begun() -> bool:
            for peer in on_b:
                peer.acks()  # take in what has arrived
            return any(cid in peer.acked for peer, cid in in_flight)

        # Kill B in the middle of that burst, once it has acknowledged the first of it.
        await board.until("the burst", burst_begun)
        assert b.proc is not None
        b.proc.kill()  # SIGKILL: no shutdown, no goodbye to anyone
        await asyncio.to_thread(b.proc.wait, WAIT)
        for peer in on_b:
            assert peer.tap is not None
            await asyncio.wait_for(peer.tap.closed.wait(), WAIT)
        await asyncio.gather(*(senders[peers.index(peer)] for peer in on_b))

        # Everyone who was on B comes back on A, the way the widget and the inbox do.
        for peer in on_b:
            peer.hub = a
            if peer.kind == "widget":
                held = [m["seq"] for m in created(peer.frames())]
                await open_peer(peer, company.widget_key, last_seq=max(held))
            else:
                before = [frame for socket in peer.sockets for frame in socket]
                await open_peer(peer, company.agent_token)
                for conversation_id in everywhere:  # what the dead socket did not bring
                    held = [
                        m["seq"]
                        for m in created(before) + in_snapshots(before)
                        if m["conversation_id"] == conversation_id
                    ]
                    peer.history += await history(
                        a, company.agent_token, conversation_id, max(held, default=0)
                    )
                peer.note_acks(peer.history)
            assert peer.tap is not None
            await peer.tap.settle()  # the replay is in
            for client_id in peer.unacked():  # lost with B, or stored but never acknowledged
                peer.resent.add(client_id)
                await peer.tap.ws.send(json.dumps(peer.frame_for(client_id, client_id)))
            senders[peers.index(peer)] = asyncio.create_task(peer.load(stop))

        # More load, now all on A, then quiet.
        target = {peer.name: len(peer.acked) + 6 for peer in peers}
        await board.until(
            "load after the kill", lambda: all(p.acks() >= target[p.name] for p in peers)
        )
        stop.set()
        await asyncio.gather(*senders)
        await board.until("every acknowledgement", lambda: all(not p.unacked() for p in peers))
        for peer in peers:
            assert peer.tap is not None
            await peer.tap.settle()

        # The database: each conversation gapless, each client_id once, every ack stored.
        rows = await stored(pg_url, company.company_id)
        by_conversation: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            by_conversation[row["conversation_id"]].append(row["seq"])
        assert sorted(by_conversation) == sorted(everywhere)
        for seqs in by_conversation.values():
            assert seqs == list(range(1, len(seqs) + 1))
        client_ids = [row["client_id"] for row in rows]
        assert len(client_ids) == len(set(client_ids))
        by_client_id = {row["client_id"]: row for row in rows}
        for peer in peers:
            assert set(peer.acked) == set(peer.sent)
            for client_id, message in peer.acked.items():
                row = by_client_id[client_id]
                assert (message["id"], message["seq"]) == (row["id"], row["seq"]), client_id
        assert set(by_client_id) == {cid for peer in peers for cid in peer.sent}

        # Every recipient holds every message, and no socket got one twice.
        for peer in peers:
            for frames in peer.sockets:
                assert_each_once_in_order(peer, frames)
            held = {(m["conversation_id"], m["seq"]) for m in created(peer.frames())}
            held |= {(m["conversation_id"], m["seq"]) for m in peer.history}
            held |= {(m["conversation_id"], m["seq"]) for m in in_snapshots(peer.frames())}
            wanted = {
                (row["conversation_id"], row["seq"])
                for row in rows
                if row["conversation_id"] in peer.conversations
            }
            assert held == wanted, f"{peer.name} is missing {sorted(wanted - held)}"
        for peer in peers:  # the survivor's own clients never noticed
            assert len(peer.sockets) == (2 if peer in on_b else 1), peer.name
            assert peer.tap is not None
            await peer.tap.close()
    assert a.log_errors() == [], a.output()


# --------------------------------------------------------------------------------------------
# 2. The database goes away for ten seconds, then comes back
# --------------------------------------------------------------------------------------------

OUTAGE = 10.0  # seconds without the database (as the issue asks: PostgreSQL gone for ten)
PROBES = 10  # rounds of requests spread over the outage
PROMPT = 3.0  # every request during the outage is answered within this


@pytest.fixture
async def proxied(pg_url: str) -> AsyncIterator[tuple[ChannelHub, TcpProxy]]:
    """A hub with SMS and WhatsApp set up, reaching PostgreSQL only through a proxy."""
    async with tcp_proxy(pg_url) as proxy, channel_hub(through(pg_url, proxy)) as ch:
        yield ch, proxy


async def message_rows(pg_url: str) -> list[tuple[Any, ...]]:
    """Every message, read straight from PostgreSQL (not through the proxy)."""
    conn = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT conversation_id, seq, channel, client_id, provider_id, text, status"
            " FROM messages ORDER BY conversation_id, seq"
        )
        return [tuple(row) for row in rows]
    finally:
        await conn.close()


async def health(ch: ChannelHub) -> tuple[int, Frame]:
    response = await ch.http.get(ch.url("/healthz"))
    return response.status_code, response.json()


async def sms_in(ch: ChannelHub, sid: str, text: str) -> httpx.Response:
    params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, text, message_sid=sid)
    return await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, params)


async def whatsapp_in(ch: ChannelHub, body: Frame) -> httpx.Response:
    return await post_kapso(
        ch.http, ch.url("/webhooks/kapso"), KAPSO_SECRET, body, event="whatsapp.message.received"
    )


async def answered_error(client: Client, code: str) -> None:
    """The next frame is an `error` with `code`, and the socket still answers a ping."""
    error = await client.recv(PROMPT)
    assert (error["type"], error.get("code")) == ("error", code), error
    await settle(client, PROMPT)


@pytest.mark.postgres
async def test_database_outage_refuses_clearly_and_recovers_alone(
    proxied: tuple[ChannelHub, TcpProxy], pg_url: str
) -> None:
    ch, proxy = proxied
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    widget = await Widget.open(ch.server.ws, ch.company.widget_key)
    conversation_id = widget.welcome["conversation_id"]
    await widget.say("before the outage")
    assert (await sms_in(ch, twilio_sid("SM"), "an SMS before")).status_code == 200
    sms_conversation = (await agent.message("an SMS before"))["conversation_id"]
    # An SMS reply that Twilio has accepted, whose delivery report comes during the outage.
    await agent.reply(sms_conversation, "our reply")
    reply = await agent.message("our reply")
    sent = (await ch.twilio.wait_for_messages(1))[0]
    await agent.expect("message.updated")  # sent
    for client in (widget, agent):
        await settle(client)  # nothing of theirs is still being handled
    before = await message_rows(pg_url)
    assert len(before) == 3

    proxy.cut()
    sms_sid = twilio_sid("SM")
    whatsapp = kapso_message_received(PHONE_NUMBER_ID, CUSTOMER.lstrip("+"), "a WhatsApp during")
    for probe in range(PROBES):
        async with asyncio.timeout(PROMPT):
            status, body = await health(ch)
            assert (status, body["status"], body["database"]) == (503, "degraded", "down")

            # Sockets: an error frame for each send, and they stay open.
            await widget.send(
                {"type": "message.send", "client_id": f"w-{probe}", "text": f"visitor {probe}"}
            )
            await answered_error(widget, "unavailable")
            await agent.reply(conversation_id, f"agent {probe}", client_id=f"a-{probe}")
            await answered_error(agent, "unavailable")

            # Providers are told to come back later (the same message every time: a retry).
            for response in (
                await sms_in(ch, sms_sid, "an SMS during"),
                await whatsapp_in(ch, whatsapp),
                await ch.twilio.send_status_callback(ch.http, sent["sid"], "delivered"),
            ):
                assert response.status_code == 503, response.text
                assert response.json()["error"]["code"] == "unavailable"
                assert response.headers["retry-after"]

            # A socket that connects now is told to try again, before any welcome.
            late = await connect(f"{ch.server.ws}/ws/widget?key={ch.company.widget_key}")
            assert await Client(late).closed(PROMPT) == 1013
        await asyncio.sleep(OUTAGE / PROBES)  # the outage's length, spread over the probes
    assert await message_rows(pg_url) == before  # nothing was stored
    assert proxy.refused > 0  # the hub did try to reconnect, and could not

    proxy.restore()
    # Recovery needs nothing from anyone: the first requests after it succeed.
    status, body = await health(ch)
    assert (status, body["database"]) == (200, "ok")
    for probe in range(PROBES):  # the clients resend with the same client_ids
        said = await widget.say(f"visitor {probe}", client_id=f"w-{probe}")
        assert await agent.message(f"visitor {probe}") == said
        await agent.reply(conversation_id, f"agent {probe}", client_id=f"a-{probe}")
        answer = await widget.message(f"agent {probe}")
        assert (await agent.message(f"agent {probe}"))["id"] == answer["id"]
    for _ in range(2):  # the providers retry, once and then once too often
        assert (await sms_in(ch, sms_sid, "an SMS during")).status_code == 200
        assert (await whatsapp_in(ch, whatsapp)).status_code == 200
        delivered = await ch.twilio.send_status_callback(ch.http, sent["sid"], "delivered")
        assert delivered.status_code == 200
    await agent.message("an SMS during")
    await agent.message("a WhatsApp during")
    updated = await agent.expect("message.updated")
    assert (updated["message"]["id"], updated["message"]["status"]) == (reply["id"], "delivered")
    back = await Widget.open(ch.server.ws, ch.company.widget_key)  # new sockets are welcome again
    assert back.welcome["last_seq"] == 0

    for client in (widget, agent):
        await settle(client)
        errors = [frame["code"] for frame in client.seen if frame["type"] == "error"]
        assert errors == ["unavailable"] * PROBES
    rows = await message_rows(pg_url)
    widget_rows = [row for row in rows if row[0] == conversation_id]
    assert [row[1] for row in widget_rows] == list(range(1, 2 * PROBES + 2))
    assert sorted(row[3] for row in widget_rows[1:]) == sorted(
        [f"w-{p}" for p in range(PROBES)] + [f"a-{p}" for p in range(PROBES)]
    )
    provider_ids = [row[4] for row in rows if row[4] is not None]
    assert provider_ids.count(sms_sid) == 1
    assert provider_ids.count(whatsapp["message"]["id"]) == 1
    assert len(rows) == len(before) + 2 * PROBES + 2
    for client in (widget, agent, back):
        await client.close()


# --------------------------------------------------------------------------------------------
# 3. A client that stops reading
# --------------------------------------------------------------------------------------------

QUEUE = 64  # the per-socket send queue of the hub under test (Settings.send_queue_size)
BIG = "\U0001f600" * 4000  # the longest text: 16 KB a frame, so buffers fill fast
BATCH = 20  # replies posted at once
MAX_REPLIES = 1000  # a hub that buffered without bound would still not have given up here
LAG = 2.0  # seconds: how late a message may reach a client that reads


async def stalled(url: str, first: Frame, expect: str) -> ClientConnection:
    """A socket that says `first`, reads the answer `expect`, then reads nothing more: a
    tiny receive buffer and a one-frame queue, so the hub's writes back up at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    ws = await connect(url, sock=sock, max_queue=1)
    await ws.send(json.dumps(first))
    answer = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert answer["type"] == expect, answer
    return ws


async def drain(ws: ClientConnection) -> tuple[list[Frame], int | None]:
    """Read a stalled socket to its end: what it had been sent, and its close code."""
    frames = []
    try:
        async with asyncio.timeout(WAIT):
            async for raw in ws:
                frames.append(json.loads(raw))
    except ConnectionClosed:
        pass
    return frames, ws.close_code


def gapless_run(frames: list[Frame], conversation_id: str) -> list[int]:
    """The seqs of `conversation_id` in `frames`: some, each once, in order, no gap."""
    seqs = [m["seq"] for m in created(frames) if m["conversation_id"] == conversation_id]
    assert seqs, "nothing arrived before the close"
    assert seqs == list(range(seqs[0], seqs[-1] + 1)), seqs
    return seqs


async def test_a_client_that_stops_reading_is_dropped_and_nobody_else_waits(
    sqlite_url: str,
) -> None:
    settings = make_settings(sqlite_url, send_queue_size=QUEUE)
    async with start_hub(settings) as hub:
        company = await hub.company()
        board = Board()
        widget = await Widget.open(hub.ws, company.widget_key)
        await widget.say("hello")
        conversation_id = widget.welcome["conversation_id"]
        session_id = widget.welcome["session_id"]
        agent = await Agent.open(hub.ws, company.agent_token)
        readers = [Tap(widget.ws, widget.seen, board), Tap(agent.ws, agent.seen, board)]

        # The same visitor in a second tab, and a second agent: both stop reading.
        slow_widget = await stalled(
            f"{hub.ws}/ws/widget?key={company.widget_key}",
            {"type": "hello", "visit_id": "tab-2", "session_id": session_id, "last_seq": 1},
            "welcome",
        )
        slow_agent = await stalled(
            f"{hub.ws}/ws/agent", {"type": "auth", "token": company.agent_token}, "welcome"
        )

        auth = {"Authorization": f"Bearer {company.agent_token}"}
        posted: dict[str, float] = {}  # message id -> when the hub had stored and published it
        async with httpx.AsyncClient(base_url=hub.http, headers=auth, timeout=WAIT) as http:

            async def reply(n: int) -> None:
                response = await http.post(
                    f"/api/conversations/{conversation_id}/messages",
                    json={"text": BIG, "client_id": f"r-{n}"},
                )
                assert response.status_code == 201, response.text
                posted[response.json()["message"]["id"]] = asyncio.get_running_loop().time()

            async def sessions() -> int:
                return int((await http.get("/healthz")).json()["sessions"])

            assert await sessions() == 4
            while await sessions() > 2:  # until the hub has let both stalled sockets go
                assert len(posted) < MAX_REPLIES, "the stalled sockets were never dropped"
                await asyncio.gather(*(reply(len(posted) + i) for i in range(BATCH)))
            total = 1 + len(posted)

        # Those that read got everything, in order, and promptly.
        await board.until(
            "every reply",
            lambda: all(max(m["seq"] for m in created(r.frames)) == total for r in readers),
        )
        for reader in readers:
            await reader.settle()
            messages = created(reader.frames)
            if reader.ws is agent.ws:
                messages = [m for m in messages if m["seq"] > 1]  # seq 1 was in its snapshot
                assert [m["seq"] for m in messages] == list(range(2, total + 1))
            else:
                assert [m["seq"] for m in messages] == list(range(1, total + 1))
            lag = max(reader.arrived[id_] - at for id_, at in posted.items())
            assert lag < LAG, f"a reader got a message {lag:.2f}s late"

        # The stalled ones got a gapless run of what was sent before the hub gave up, then a
        # close that tells them to come back and resume.
        widget_frames, widget_code = await drain(slow_widget)
        agent_frames, agent_code = await drain(slow_agent)
        assert (widget_code, agent_code) == (1013, 1013)
        held_by_widget = gapless_run(widget_frames, conversation_id)
        held_by_agent = gapless_run(agent_frames, conversation_id)
        assert max(held_by_widget) < total and max(held_by_agent) < total  # they missed some

        # Coming back, each resumes where it stopped and is whole again.
        back = await Widget.open(
            hub.ws, company.widget_key, session_id=session_id, last_seq=max(held_by_widget)
        )
        await settle(back)
        assert [m["seq"] for m in back.messages()] == list(
            range(max(held_by_widget) + 1, total + 1)
        )
        agent_back = await Agent.open(hub.ws, company.agent_token)
        (snapshot,) = agent_back.snapshot["conversations"]
        assert snapshot["last_seq"] == total
        for reader in readers:
            await reader.close()
        await back.close()
        await agent_back.close()


SILENCE_BOUND = 1.0  # HUB_DB_TIMEOUT of the hub below


@pytest.mark.postgres
async def test_a_silent_database_answers_unavailable_and_the_resend_lands_once(
    pg_url: str,
) -> None:
    """PostgreSQL paused (no error, no answer): a send is refused with `unavailable` within
    the bound instead of waiting for ever, the API answers 503, and once the database speaks
    again the client's resend (same client_id) is stored once and reaches the agent."""
    async with (
        tcp_proxy(pg_url) as proxy,
        start_hub(make_settings(through(pg_url, proxy), db_timeout=SILENCE_BOUND)) as server,
    ):
        company = await server.company()
        agent = await Agent.open(server.ws, company.agent_token)
        widget = await Widget.open(server.ws, company.widget_key)
        await widget.say("before the silence")
        await agent.message("before the silence")

        proxy.pause()
        await widget.send({"type": "message.send", "client_id": "silent-1", "text": "silent"})
        error = await widget.expect("error", timeout=4 * SILENCE_BOUND)
        assert error["code"] == "unavailable"
        async with httpx.AsyncClient(base_url=server.http, timeout=4 * SILENCE_BOUND) as http:
            response = await http.get(
                "/api/conversations", headers={"Authorization": f"Bearer {company.agent_token}"}
            )
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "unavailable"

        proxy.resume()
        said = await widget.say("silent", client_id="silent-1")
        assert (await agent.message("silent"))["id"] == said["id"]
        rows = await message_rows(pg_url)
        assert [row[3] for row in rows].count("silent-1") == 1
        await widget.close()
        await agent.close()
