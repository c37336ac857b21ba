"""Counts kept as messages are written (issue 13): erasure and retention purges leave the
analytics as they were, a rolled-back write counts nothing, both write paths count, local
days split exactly in half- and quarter-hour zones, `from=all` reaches the first count, and
migration 0008 counts what was written before it. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Integer, String, column, func, insert, inspect, select, table, update
from sqlalchemy.exc import IntegrityError

from hub.conversations.append import Outgoing
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.group_commit import Request
from hub.persistence.migrate import upgrade
from hub.persistence.models import UTCDateTime, new_id
from hub.workspace import analytics
from hub.workspace.companies import CreatedCompany, create_company
from hub.workspace.retention import purge_expired
from tests.conftest import make_settings
from tests.support.clients import Widget
from tests.support.seeding import Seeder, get, utc
from tests.support.server import HubServer, start_hub

COUNTER_TABLES = ("message_counts", "conversation_counts", "response_times")


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as hub:
        yield hub


def owner(company: CreatedCompany) -> dict[str, str]:
    return {"Authorization": f"Bearer {company.agent_token}"}


async def visitor_and_agent(
    server: HubServer, http: httpx.AsyncClient, company: CreatedCompany, name: str
) -> str:
    """A visitor says hello (the group commit), an agent answers over HTTP (the careful
    path: the reply hands the conversation to a human); the contact's id."""
    widget = await Widget.open(server.ws, company.widget_key)
    said = await widget.say(f"{name}-hello")
    await widget.close()
    conversation_id = said["conversation_id"]
    reply = await http.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": f"hi-{name}"},
        headers=owner(company),
    )
    assert reply.status_code == 201, reply.text
    async with server.hub.db.read() as conn:
        row = await repo.conversation(conn, company.company_id, conversation_id)
    assert row is not None
    return str(row.contact_id)


async def test_erasing_a_contact_keeps_the_analytics(server: HubServer) -> None:
    company = await server.company("Acme")
    today = dt.datetime.now(dt.UTC).date()
    days = {"from": (today - dt.timedelta(days=1)).isoformat(), "to": today.isoformat()}
    everything = {"from": "all", "to": days["to"]}
    async with httpx.AsyncClient(base_url=server.http) as http:
        alice = await visitor_and_agent(server, http, company, "alice")
        await visitor_and_agent(server, http, company, "bob")
        before = (await get(server, company.agent_token, **days)).json()
        all_time = (await get(server, company.agent_token, **everything)).json()
        erased = await http.delete(f"/api/contacts/{alice}", headers=owner(company))
        assert erased.status_code == 204
    assert before["messages"]["total"] == 4
    assert before["messages"]["by_sender"] == {"visitor": 2, "contact": 0, "agent": 2, "ai": 0}
    assert before["conversations"]["total"] == 2
    assert before["first_response_seconds"]["human"] is not None
    assert (await get(server, company.agent_token, **days)).json() == before
    assert (await get(server, company.agent_token, **everything)).json() == all_time


async def test_a_retention_purge_keeps_the_analytics(server: HubServer) -> None:
    company = await server.company("Acme")
    seeder = Seeder(server, company.company_id)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    old, recent = now - dt.timedelta(days=40), now - dt.timedelta(hours=1)
    conversation = await seeder.conversation("sms", old.isoformat())
    await seeder.message(conversation, "sms", "contact", old.isoformat())
    await seeder.message(conversation, "sms", "agent", (old + dt.timedelta(seconds=90)).isoformat())
    await seeder.message(conversation, "sms", "contact", recent.isoformat())
    days = {"from": old.date().isoformat(), "to": now.date().isoformat()}
    before = (await get(server, company.agent_token, **days)).json()
    async with server.hub.db.write() as conn:
        await conn.execute(update(repo.companies).values(retention_days=30))

    assert await purge_expired(server.hub.db) == {company.company_id: 2}
    assert before["messages"]["total"] == 3
    assert before["first_response_seconds"] == {"human": 90.0, "ai": None}
    assert (await get(server, company.agent_token, **days)).json() == before


async def _counted(db: Database, company_id: str) -> int:
    """The company's messages as the counters have them, on all days."""
    m = repo.message_counts
    async with db.read() as conn:
        stmt = select(func.coalesce(func.sum(m.c.messages), 0)).where(m.c.company_id == company_id)
        return int((await conn.execute(stmt)).scalar_one())


def _visitor_says(text: str, **extra: Any) -> Outgoing:
    return Outgoing("widget", "inbound", "visitor", text, "received", **extra)


async def test_a_rolled_back_batch_counts_nothing(server: HubServer) -> None:
    """The counts are written in the message's own transaction: a group commit whose insert
    fails (one message reuses a stored id) rolls back its counts with its messages, and the
    careful path then counts each message once."""
    company = await server.company()
    seeder = Seeder(server, company.company_id)
    conversation = await seeder.conversation("widget", "2024-05-01T09:00:00")
    async with server.hub.db.write() as conn:
        first = await repo.insert_message(
            conn,
            company_id=company.company_id,
            conversation_id=conversation,
            seq=1,
            **_visitor_says("first").columns(),
        )
        c = repo.conversations
        await conn.execute(update(c).where(c.c.id == conversation).values(last_seq=1))
    assert await _counted(server.hub.db, company.company_id) == 1

    appender = server.hub.conversations.appender
    good, clash = _visitor_says("good"), _visitor_says("clash", id=first.id)
    requests = [Request(company.company_id, conversation, out.columns()) for out in (good, clash)]
    assert await asyncio.gather(*map(appender.group.append, requests)) == [None, None]
    assert await _counted(server.hub.db, company.company_id) == 1

    written = await appender.append(company.company_id, conversation, good, {}, None, None)
    assert written.created
    with pytest.raises(IntegrityError):
        await appender.append(company.company_id, conversation, clash, {}, None, None)
    assert await _counted(server.hub.db, company.company_id) == 2


async def test_a_rolled_back_transaction_counts_nothing(server: HubServer) -> None:
    company = await server.company()
    seeder = Seeder(server, company.company_id)
    conversation = await seeder.conversation("sms", "2024-05-01T09:00:00")
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with server.hub.db.write() as conn:
            await repo.insert_message(
                conn,
                company_id=company.company_id,
                conversation_id=conversation,
                seq=1,
                **Outgoing("sms", "inbound", "contact", "hello", "received").columns(),
            )
            raise RuntimeError("changed my mind")
    assert await _counted(server.hub.db, company.company_id) == 0
    await seeder.message(conversation, "sms", "contact", "2024-05-01T09:00:00")
    assert await _counted(server.hub.db, company.company_id) == 1


async def test_half_and_quarter_hour_zones_split_days_exactly(server: HubServer) -> None:
    company = await server.company()
    seeder = Seeder(server, company.company_id)
    conversation = await seeder.conversation("widget", "2024-03-10T18:00:00")
    for at in ("18:14:59.999999", "18:15:00", "18:29:59.999999", "18:30:00"):
        await seeder.message(conversation, "widget", "visitor", f"2024-03-10T{at}")
    days = {"from": "2024-03-10", "to": "2024-03-11"}
    for tz, totals in (
        ("Asia/Kolkata", [3, 1]),  # +5:30: 18:30 UTC is midnight
        ("Asia/Kathmandu", [1, 3]),  # +5:45: 18:15 UTC is midnight
        ("UTC", [4, 0]),
    ):
        body = (await get(server, company.agent_token, **days, tz=tz)).json()
        assert [day["total"] for day in body["messages"]["by_day"]] == totals, tz


async def test_all_time_starts_at_the_first_count(server: HubServer) -> None:
    company = await server.company()
    empty = (await get(server, company.agent_token, **{"from": "all"})).json()
    today = dt.datetime.now(dt.UTC).date()
    assert empty["from"] == empty["to"] == today.isoformat()
    assert empty["messages"]["total"] == 0

    seeder = Seeder(server, company.company_id)
    conversation = await seeder.conversation("sms", "2021-06-01T09:00:00")
    await seeder.message(conversation, "sms", "contact", "2021-06-01T09:00:00")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
    await seeder.message(conversation, "sms", "contact", now)
    body = (await get(server, company.agent_token, **{"from": "all"})).json()
    assert body["from"] == "2021-06-01" and body["to"] == today.isoformat()
    assert len(body["messages"]["by_day"]) == (today - dt.date(2021, 6, 1)).days + 1
    assert body["messages"]["total"] == 2 and body["conversations"]["total"] == 1
    # In Honolulu (UTC-10) 09:00 UTC is still 31 May; `to` still bounds the range.
    hawaii = {"from": "all", "to": "2021-12-31", "tz": "Pacific/Honolulu"}
    body = (await get(server, company.agent_token, **hawaii)).json()
    assert (body["from"], body["to"], body["messages"]["total"]) == ("2021-05-31", "2021-12-31", 1)


async def test_counters_hold_nothing_personal(server: HubServer) -> None:
    """No conversation, contact or message id, no text: nothing an erasure must find."""

    def columns(sync_conn: Any) -> dict[str, set[str]]:
        found = inspect(sync_conn)
        return {name: {c["name"] for c in found.get_columns(name)} for name in COUNTER_TABLES}

    async with server.hub.db.read() as conn:
        found = await conn.run_sync(columns)
    for name, names in found.items():
        assert {n for n in names if n.endswith("_id")} == {"company_id"}, name
        assert not names & {"text", "phone", "email", "name"}, name


# -- migration 0008 counts what was written before it --------------------------------------

# The two tables as revision 0007 has them (the models have moved on).
OLD_CONVERSATIONS = table(
    "conversations",
    *(column(name, String) for name in ("id", "company_id", "contact_id", "channel")),
    *(column(name, String) for name in ("status", "handled_by")),
    column("needs_human"),
    column("last_seq", Integer),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
)
OLD_MESSAGES = table(
    "messages",
    *(column(name, String) for name in ("id", "company_id", "conversation_id", "channel")),
    *(column(name, String) for name in ("direction", "sender", "text", "status", "type")),
    *(column(name, Integer) for name in ("seq", "attempts", "prompt_tokens", "completion_tokens")),
    column("created_at", UTCDateTime),
)
# (conversation, channel, sender, at 2024-05-01 ...): as test_analytics' first responses.
HISTORY = [
    ("first", "widget", "visitor", "09:00:00"),
    ("first", "widget", "ai", "09:01:00"),  # AI after 60 s
    ("first", "widget", "agent", "10:00:00"),  # human after 1 h
    ("second", "sms", "contact", "12:00:00"),
    ("second", "sms", "agent", "12:02:00"),  # human after 2 min
    ("outreach", "sms", "agent", "13:00:00"),  # no inbound before it
    ("outreach", "sms", "contact", "13:05:00"),
]


async def _write_history(db: Database, company_id: str) -> dict[str, str]:
    ids = {name: new_id() for name in ("first", "second", "outreach")}
    channels = {conversation: channel for conversation, channel, _, _ in HISTORY}
    async with db.write() as conn:
        for name, conversation_id in ids.items():
            contact_id = await repo.insert_contact(conn, company_id=company_id)
            at = utc("2024-05-01T08:00:00")
            await conn.execute(
                insert(OLD_CONVERSATIONS).values(
                    id=conversation_id,
                    company_id=company_id,
                    contact_id=contact_id,
                    channel=channels[name],
                    status="open",
                    handled_by="ai",
                    needs_human=False,
                    last_seq=0,
                    created_at=at,
                    updated_at=at,
                )
            )
        for seq, (name, channel, sender, at) in enumerate(HISTORY, start=1):
            ai = sender == "ai"
            await conn.execute(
                insert(OLD_MESSAGES).values(
                    id=new_id(),
                    company_id=company_id,
                    conversation_id=ids[name],
                    seq=seq,
                    channel=channel,
                    direction="inbound" if sender in ("visitor", "contact") else "outbound",
                    sender=sender,
                    text="hello",
                    status="delivered",
                    type="text",
                    attempts=0,
                    prompt_tokens=100 if ai else None,
                    completion_tokens=20 if ai else None,
                    created_at=utc(f"2024-05-01T{at}"),
                )
            )
    return ids


async def test_the_migration_counts_what_was_written_before_it(empty_database_url: str) -> None:
    url = empty_database_url
    await upgrade(url, "0007")
    db = Database(url)
    try:
        company = await create_company(db, make_settings(url), "Before")
        ids = await _write_history(db, company.company_id)
    finally:
        await db.close()

    await upgrade(url)
    db = Database(url)
    try:
        day = analytics.parse_range("2024-05-01", "2024-05-01", "UTC")
        async with db.read() as conn:
            body = await analytics.compute(conn, company.company_id, day)
            kept = await repo.count_rows(conn, repo.messages, company_id=company.company_id)
        assert kept == 7  # the upgrade keeps every message (no table copied on SQLite)
        assert body["messages"]["total"] == 7
        assert body["messages"]["by_sender"] == {"visitor": 1, "contact": 2, "agent": 3, "ai": 1}
        assert body["messages"]["by_channel"] == {"widget": 3, "sms": 4, "whatsapp": 0}
        assert body["conversations"]["by_channel"] == {"widget": 1, "sms": 2, "whatsapp": 0}
        assert body["ai"] == {
            "replies": 1,
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "total_tokens": 120,
        }
        assert body["first_response_seconds"] == {"human": 1860.0, "ai": 60.0}

        # Written after the upgrade: the backfilled conversations carry on. The outreach
        # conversation's first answer after its inbound message counts (300 s); the first
        # conversation's second agent message does not.
        later = (("outreach", "sms", 8, "13:10:00"), ("first", "widget", 9, "11:00:00"))
        async with db.write() as conn:
            for name, channel, seq, at in later:
                await repo.insert_message(
                    conn,
                    company_id=company.company_id,
                    conversation_id=ids[name],
                    seq=seq,
                    created_at=utc(f"2024-05-01T{at}"),
                    **Outgoing(channel, "outbound", "agent", "later", "delivered").columns(),
                )
        async with db.read() as conn:
            body = await analytics.compute(conn, company.company_id, day)
        assert body["messages"]["total"] == 9
        assert body["first_response_seconds"] == {"human": 300.0, "ai": 60.0}
    finally:
        await db.close()
