"""What sockets missed reaches them from the database (hub.connections.repair).

A commit whose publish never happened (its process died in between), a Redis outage over
more conversations than an inbox snapshot lists, and an agent reconnecting after either:
every agent ends with every message of its company, with no refetch by hand, and no list
limit decides what is repaired.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from hub.bus.memory import MemoryBus
from hub.conversations.append import Outgoing
from hub.conversations.service import INBOX_LIMIT, ConversationService
from hub.events import MESSAGE_CREATED, Event
from hub.persistence.db import Database
from hub.workspace.companies import CreatedCompany
from tests.conftest import make_settings
from tests.support.clients import Agent, Client, Widget
from tests.support.processes import HubProcess, make_company
from tests.support.redis_server import RedisServer
from tests.support.seeding import widget_conversation
from tests.support.server import start_hub
from tests.support.tcp_proxy import tcp_proxy, through

WAIT = 15.0  # a sweep runs every second; a Redis reconnect may wait out its backoff
BEYOND = INBOX_LIMIT + 5  # more conversations than a snapshot lists


def visitor_message(text: str) -> Outgoing:
    return Outgoing(
        channel="widget",
        direction="inbound",
        sender="visitor",
        text=text,
        status="received",
        client_id=uuid.uuid4().hex,
    )


async def append_unpublished(
    database_url: str, company_id: str, cid: str, text: str
) -> dict[str, Any]:
    """Store a message as another hub process would, and never publish it where the hub
    under test can hear: as if that process died between its commit and its publish."""
    db = Database(database_url)
    elsewhere = ConversationService(db, MemoryBus())
    try:
        return (await elsewhere.append(company_id, cid, visitor_message(text))).message
    finally:
        await elsewhere.close()
        await db.close()


async def seed_conversations(database_url: str, company_id: str, count: int) -> list[str]:
    """`count` widget conversations of one message each, an hour old."""
    db = Database(database_url)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ids = []
    try:
        async with db.write() as conn:
            for n in range(count):
                _contact, cid = await widget_conversation(
                    conn, company_id, [f"old {n}"], start, dt.timedelta(seconds=n + 1)
                )
                ids.append(cid)
    finally:
        await db.close()
    return ids


async def texts_arrive(client: Client, texts: set[str]) -> list[dict[str, Any]]:
    """Read until every text has arrived; every message.created read on the way."""
    got: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(WAIT):
            while not texts <= {m["text"] for m in got}:
                frame = await client.recv(timeout=WAIT)
                if frame["type"] == "message.created":
                    got.append(frame["message"])
    except TimeoutError:
        missing = texts - {m["text"] for m in got}
        raise AssertionError(f"{len(missing)} never arrived: {sorted(missing)[:5]}") from None
    return got


async def test_a_commit_never_published_reaches_agents_and_the_widget(
    database_url: str,
) -> None:
    """The sweep finds a conversation whose stored last seq is ahead of what this process
    heard, and delivers the missing message to the agent and the visitor's socket."""
    async with start_hub(make_settings(database_url)) as server:
        company = await server.company()
        agent = await Agent.open(server.ws, company.agent_token)
        widget = await Widget.open(server.ws, company.widget_key)
        await widget.say("hello")
        await agent.message("hello")
        cid = widget.welcome["conversation_id"]

        await append_unpublished(database_url, company.company_id, cid, "committed, unsent")

        (arrived,) = await texts_arrive(agent, {"committed, unsent"})
        assert arrived["seq"] == 2 and arrived["conversation_id"] == cid
        assert (await widget.message("committed, unsent"))["seq"] == 2
        await agent.close()
        await widget.close()


async def test_a_reconnecting_agent_gets_what_it_missed_beyond_the_inbox_limit(
    database_url: str,
) -> None:
    """An agent that was away names what it holds in `auth.resume`; the snapshot then lists
    every conversation changed since, and every message it misses follows, once."""
    async with start_hub(make_settings(database_url)) as server:
        company = await server.company()
        ids = await seed_conversations(database_url, company.company_id, BEYOND)
        agent = await Agent.open(server.ws, company.agent_token)
        held = {c["id"]: c["last_seq"] for c in agent.snapshot["conversations"]}
        assert len(held) == INBOX_LIMIT
        newest = max(c["last_message"]["created_at"] for c in agent.snapshot["conversations"])
        await agent.close()

        missed = {f"while away {n}" for n in range(BEYOND)}
        for n, cid in enumerate(ids):
            await append_unpublished(database_url, company.company_id, cid, f"while away {n}")

        back = await resume(server.ws, company.agent_token, newest, held)
        listed = {c["id"] for c in back.snapshot["conversations"]}
        assert listed == set(ids)  # every conversation changed since, past the 200
        got = await texts_arrive(back, missed)
        assert sorted(m["text"] for m in got) == sorted(missed)  # nothing held sent again
        await back.close()


async def resume(base: str, token: str, since: str, seqs: dict[str, int]) -> Agent:
    from websockets.asyncio.client import connect

    client = Agent(await connect(f"{base}/ws/agent", max_size=None))
    await client.send({"type": "auth", "token": token, "resume": {"since": since, "seqs": seqs}})
    client.welcome = await client.expect("welcome")
    client.snapshot = await client.expect("inbox.snapshot")
    return client


def bus_state(ok: bool) -> Any:
    def check(status: int, body: dict[str, Any]) -> bool:
        return (body["bus"] == "ok") == ok and body["database"] == "ok"

    return check


async def post_reply(process: HubProcess, company: CreatedCompany, cid: str, text: str) -> None:
    async with httpx.AsyncClient(base_url=process.http, timeout=WAIT) as http:
        response = await http.post(
            f"/api/conversations/{cid}/messages",
            headers={"Authorization": f"Bearer {company.agent_token}"},
            json={"text": text, "client_id": uuid.uuid4().hex},
        )
    assert response.status_code == 201, response.text


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_redis_outage_over_more_conversations_than_a_snapshot_repairs_them_all(
    hubs: list[HubProcess], own_redis: RedisServer
) -> None:
    """Replies written on hub A during a Redis outage, in more conversations than an inbox
    snapshot lists, all reach the agent on hub B once Redis is back, though every one of
    those conversations then goes quiet; and the agent's socket stays open."""
    a, b = hubs
    company = await make_company(a)
    ids = await seed_conversations(a.env["DATABASE_URL"], company.company_id, BEYOND)
    agent = await Agent.open(b.ws, company.agent_token)

    await own_redis.stop()
    for process in hubs:
        await process.wait_health(bus_state(False), timeout=WAIT)
    written = {f"during the outage {n}" for n in range(BEYOND)}
    for n, cid in enumerate(ids):
        await post_reply(a, company, cid, f"during the outage {n}")
    await own_redis.start()

    got = await texts_arrive(agent, written)
    assert len({m["id"] for m in got}) == len(got) == BEYOND  # each once
    await agent.send({"type": "ping"})
    await agent.expect("pong")  # the socket survived the resync
    await agent.close()


@pytest.mark.postgres
async def test_a_gap_fill_without_the_database_costs_no_socket(pg_url: str) -> None:
    """A live message past a gap arrives while the database is away: the socket cannot
    read the gap, and stays open; once the database is back it gets both, in order."""
    async with (
        tcp_proxy(pg_url) as proxy,
        start_hub(make_settings(through(pg_url, proxy), db_timeout=1.0)) as server,
    ):
        company = await server.company()
        agent = await Agent.open(server.ws, company.agent_token)
        widget = await Widget.open(server.ws, company.widget_key)
        await widget.say("one")
        await agent.message("one")
        cid = widget.welcome["conversation_id"]
        await append_unpublished(pg_url, company.company_id, cid, "two")  # never heard
        three = await append_unpublished(pg_url, company.company_id, cid, "three")

        proxy.cut()
        event = Event.build(
            MESSAGE_CREATED, company.company_id, {"message": three}, conversation_id=cid
        )
        await server.hub.bus.publish(event)  # heard, past the gap the socket cannot read
        await agent.send({"type": "ping"})
        await agent.expect("pong")  # still open while the database is away
        proxy.restore()

        got = await texts_arrive(agent, {"two", "three"})
        assert [m["seq"] for m in got] == [2, 3]
        await agent.close()
        await widget.close()
