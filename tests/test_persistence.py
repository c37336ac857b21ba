"""Persistence on SQLite and PostgreSQL: gapless seq, idempotent keys, migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from hub.bus import MemoryBus
from hub.conversations.append import Outgoing
from hub.conversations.service import ConversationService
from hub.conversations.visitors import Visitor, VisitorContext, VisitorService
from hub.errors import NotFound
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from tests.conftest import make_settings


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    if database_url.startswith("sqlite"):
        await upgrade(database_url)
    database = Database(database_url)
    yield database
    await database.close()


async def visitor_of(db: Database) -> tuple[VisitorService, Visitor]:
    from hub.workspace.companies import create_company

    settings = make_settings(db.url)
    company = await create_company(db, settings, "Acme")
    visitors = VisitorService(ConversationService(db, MemoryBus()))
    visitor = await visitors.hello(company.company_id, "visit-1", None, VisitorContext())
    return visitors, visitor


async def test_migrations_create_every_table(db: Database) -> None:
    def tables(sync_conn: object) -> set[str]:
        return set(inspect(sync_conn).get_table_names())

    async with db.read() as conn:
        names = await conn.run_sync(tables)
    expected = {"companies", "agents", "contacts", "conversations", "messages", "visits"}
    assert expected | {"widget_sessions", "daily_stats", "alembic_version"} <= names


async def test_migrations_match_the_models(db: Database) -> None:
    """Alembic's autogenerate finds nothing to do: the migrations build exactly the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from hub.persistence.models import Base, schema_name

    def differences(sync_conn: Any) -> list[Any]:
        context = MigrationContext.configure(sync_conn, opts={"include_name": schema_name})
        found = compare_metadata(context, Base.metadata)
        return [d for d in found if not _inline_sqlite_fk(sync_conn, d)]

    async with db.read() as conn:
        assert await conn.run_sync(differences) == []
    if db.is_sqlite:
        # What the filter above takes on trust, checked in SQLite's own words.
        async with db.read() as conn:
            keys = (await conn.exec_driver_sql("PRAGMA foreign_key_list(conversations)")).all()
        found = {(k[2], k[3], k[6]) for k in keys}
        assert ("agents", "assignee_id", "SET NULL") in found
        assert ("teams", "team_id", "SET NULL") in found


def _inline_sqlite_fk(sync_conn: Any, difference: Any) -> bool:
    """Migration 0009 adds conversations.assignee_id on SQLite as `ADD COLUMN ... REFERENCES
    agents ON DELETE SET NULL` (a batch copy of the table would cascade-delete every message),
    and SQLAlchemy reflects no ON DELETE from an inline REFERENCES: that one key shows up as
    removed and added again."""
    if sync_conn.dialect.name != "sqlite" or difference[0] not in ("remove_fk", "add_fk"):
        return False
    key = difference[1]
    # Migration 0025 adds conversations.team_id the same way.
    names = [c.name for c in key.columns]
    return key.table.name == "conversations" and names in (["assignee_id"], ["team_id"])


async def test_concurrent_writers_get_gapless_unique_seqs(db: Database) -> None:
    visitors, visitor = await visitor_of(db)
    await visitors.send(visitor, "first", "create the conversation")
    # A second engine stands for a second hub process writing the same conversation.
    other = Database(db.url)
    try:
        services = [visitors.conversations, ConversationService(other, MemoryBus())]
        out = Outgoing("widget", "outbound", "agent", "reply", "delivered")
        await asyncio.gather(
            *(
                services[i % 2].append(visitor.company_id, visitor.conversation_id, out)
                for i in range(60)
            )
        )
    finally:
        await other.close()
    history = await visitors.conversations.history(visitor.company_id, visitor.conversation_id, 0)
    assert [m["seq"] for m in history] == list(range(1, 62))


async def test_two_processes_starting_one_conversation_both_store(db: Database) -> None:
    """Two hub processes (two engines) take a visitor's first messages at once: both batches
    try to create the conversation, the loser's batch rolls back and its message takes the
    careful path. One conversation, one contact, gapless seqs, nothing lost."""
    visitors, visitor = await visitor_of(db)
    other = Database(db.url)
    try:
        second = VisitorService(ConversationService(other, MemoryBus()))
        sends = [(visitors if i % 2 else second).send(visitor, f"c{i}", "hi") for i in range(6)]
        results = await asyncio.gather(*sends)
    finally:
        await other.close()
    assert all(result.created for result in results)
    async with db.read() as conn:
        assert await repo.count_rows(conn, repo.conversations) == 1
        assert await repo.count_rows(conn, repo.contacts) == 1
    history = await visitors.conversations.history(visitor.company_id, visitor.conversation_id, 0)
    assert sorted(m["seq"] for m in history) == list(range(1, 7))


async def test_same_client_id_at_the_same_moment_stores_one_message(db: Database) -> None:
    visitors, visitor = await visitor_of(db)
    results = await asyncio.gather(*(visitors.send(visitor, "dup", "only once") for _ in range(8)))
    assert sum(r.created for r in results) == 1
    assert len({r.message["id"] for r in results}) == 1
    async with db.read() as conn:
        assert await repo.count_rows(conn, repo.messages) == 1
        assert await repo.count_rows(conn, repo.conversations) == 1


async def test_a_provider_retry_stores_nothing_new(db: Database) -> None:
    visitors, visitor = await visitor_of(db)
    await visitors.send(visitor, "c", "make the conversation")
    service = visitors.conversations
    out = Outgoing("sms", "inbound", "contact", "x", "received", provider_id="SM123")
    results = await asyncio.gather(
        *(service.append(visitor.company_id, visitor.conversation_id, out) for _ in range(4))
    )
    assert [r.created for r in results].count(True) == 1
    assert len({r.message["id"] for r in results}) == 1
    history = await service.history(visitor.company_id, visitor.conversation_id, 0)
    assert [m["seq"] for m in history] == [1, 2]


async def test_other_company_conversation_is_not_found(db: Database) -> None:
    visitors, visitor = await visitor_of(db)
    await visitors.send(visitor, "c", "hello")
    out = Outgoing("widget", "outbound", "agent", "x", "delivered")
    with pytest.raises(NotFound):
        await visitors.conversations.append("another-company", visitor.conversation_id, out)
    assert await visitors.conversations.history("another-company", visitor.conversation_id, 0) == []


async def test_widget_session_keeps_context_and_hashes_its_token(db: Database) -> None:
    visitors, _ = await visitor_of(db)
    ua = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    ctx = VisitorContext(
        "https://shop.example/pricing", "203.0.113.9", ua, timezone="Europe/Lisbon"
    )
    async with db.read() as conn:
        company = (await conn.execute(repo.companies.select())).first()
    assert company is not None
    visitor = await visitors.hello(company.id, "v-9", None, ctx)
    await visitors.send(visitor, "c1", "hi")
    inbox = await visitors.conversations.inbox(company.id)
    assert inbox[0]["visitor"] == {
        "page_url": "https://shop.example/pricing",
        "ip_address": "203.0.113.9",
        "browser": "Safari",
        "device": "mobile",
        "timezone": "Europe/Lisbon",
    }
    async with db.read() as conn:
        rows = (await conn.execute(repo.widget_sessions.select())).all()
    assert all(visitor.session_token not in tuple(map(str, row)) for row in rows)


async def test_a_process_drops_ai_settings_another_process_changed(db: Database) -> None:
    """Each process caches AI settings with no expiry; its poll drops what changed."""
    from hub.ai.knowledge import KnowledgeService
    from hub.workspace.companies import create_company

    company = await create_company(db, make_settings(db.url), "Acme")
    here, elsewhere = KnowledgeService(db), KnowledgeService(db)
    assert (await here.ai_config(company.company_id)).enabled
    await elsewhere.update_ai_config(company.company_id, {"enabled": False, "max_tokens": 90})
    assert here.cached_ai_config(company.company_id).enabled  # type: ignore[union-attr]
    assert await here.forget_changed() == 1
    config = await here.ai_config(company.company_id)
    assert (config.enabled, config.max_tokens) == (False, 90)
    assert await here.forget_changed() == 0  # seen again, but this copy is current


async def test_first_messages_in_one_batch_count_each_visit_engaged_once(db: Database) -> None:
    """Many visitors' first messages share a group commit: each visit is counted engaged
    once (two messages of one visit count one), the day's total is exact, and the totals
    reported as they were counted climb to it."""
    from hub.workspace.companies import create_company

    company = await create_company(db, make_settings(db.url), "Acme")
    visitors = VisitorService(ConversationService(db, MemoryBus()))
    hellos = [
        visitors.hello(company.company_id, f"visit-{i}", None, VisitorContext()) for i in range(12)
    ]
    people = await asyncio.gather(*hellos)
    sends = [visitors.send(v, f"c{i}", "hi") for i, v in enumerate(people)]
    sends += [visitors.send(people[0], "again", "me again")]  # same visit, same batch
    results = await asyncio.gather(*sends)
    reported = sorted(r.engaged.engaged_visits for r in results if r.engaged is not None)
    assert reported[-1] == 12 and len(reported) == 12
    stats = repo.daily_stats
    async with db.read() as conn:
        days = (
            await conn.execute(select(stats).where(stats.c.company_id == company.company_id))
        ).all()
    assert [(day.visits, day.engaged_visits) for day in days] == [(12, 12)]


async def test_migration_0009_marks_earlier_ai_handoffs_as_waiting(sqlite_url: str) -> None:
    """Before 0009 an AI handoff read handled_by "human" with needs_human: it was waiting
    for an agent, and says so after the migration; a human's own conversation stays human."""
    await upgrade(sqlite_url, "0007")
    rows = {"handed-off": ("human", True), "taken": ("human", False), "bot": ("ai", True)}
    database = Database(sqlite_url)
    async with database.write() as conn:
        for sql in (
            "INSERT INTO companies (id, name, widget_key, allowed_origins, facts, created_at)"
            " VALUES ('co', 'Acme', 'key', '[]', '[]', CURRENT_TIMESTAMP)",
            "INSERT INTO contacts (id, company_id, opted_out, created_at)"
            " VALUES ('ct', 'co', false, CURRENT_TIMESTAMP)",
        ):
            await conn.execute(text(sql))
        for cid, (handled_by, needs_human) in rows.items():
            await conn.execute(
                text(
                    "INSERT INTO conversations (id, company_id, contact_id, channel, status,"
                    " handled_by, needs_human, last_seq, created_at, updated_at) VALUES"
                    " (:id, 'co', 'ct', 'widget', 'open', :h, :n, 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": cid, "h": handled_by, "n": needs_human},
            )
    await database.close()
    await upgrade(sqlite_url)
    database = Database(sqlite_url)
    c = repo.conversations.c
    async with database.read() as conn:
        after = dict((await conn.execute(select(c.id, c.handled_by))).all())
    await database.close()
    assert after == {"handed-off": "waiting", "taken": "human", "bot": "ai"}
