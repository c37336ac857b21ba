"""The inbox snapshot's last-message look-up (repository.last_messages): right for more
conversations than one statement holds, and on SQLite an index seek per conversation, not a
scan of every message."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event

from hub.bus import MemoryBus
from hub.conversations.service import ConversationService
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from hub.workspace.companies import create_company
from tests.conftest import make_settings
from tests.support.seeding import widget_conversation

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
CONVERSATIONS = repo.PAIRS_PER_STATEMENT + 5  # two statements


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    if database_url.startswith("sqlite"):
        await upgrade(database_url)
    database = Database(database_url)
    yield database
    await database.close()


async def seed(db: Database, company_id: str) -> dict[str, str]:
    """CONVERSATIONS conversations of 1 to 3 messages; each one's id -> its last text."""
    last: dict[str, str] = {}
    async with db.write() as conn:
        for n in range(CONVERSATIONS):
            texts = [f"conversation {n} message {seq}" for seq in range(1, 2 + n % 3)]
            start = T0 + dt.timedelta(minutes=n)
            _, conversation_id = await widget_conversation(
                conn, company_id, texts, start, dt.timedelta(seconds=1), name=f"c{n}"
            )
            last[conversation_id] = texts[-1]
    return last


def message_selects(db: Database) -> list[tuple[str, Any]]:
    """Every SELECT ... FROM messages the engine runs from now on (statement, parameters)."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM messages" in statement:
            seen.append((statement, params))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_every_conversation_gets_its_own_last_message(db: Database) -> None:
    company = await create_company(db, make_settings(db.url), "Acme")
    last = await seed(db, company.company_id)
    seen = message_selects(db)
    service = ConversationService(db, MemoryBus())
    try:
        views = await service.inbox(company.company_id, CONVERSATIONS + 10)
    finally:
        await service.close()
    assert len(views) == CONVERSATIONS
    for view in views:
        assert view["last_message"]["text"] == last[view["id"]]
        assert view["last_message"]["seq"] == view["last_seq"]
    assert len(seen) == 2  # 205 pairs: a statement of 200 and one of 5

    if db.is_sqlite:  # each statement seeks (conversation_id, seq): no scan of messages
        async with db.read() as conn:
            for statement, params in seen:
                plan = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
                details = [row[-1] for row in plan.all()]
                assert not any(d.startswith("SCAN messages") for d in details), details
                assert any("(conversation_id=? AND seq=?)" in d for d in details), details
