"""Row Level Security on PostgreSQL: inside a tenant transaction, a query that forgot its
company filter still sees (and can touch) nothing of another company."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asyncpg.exceptions import InterfaceError  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hub.bus import MemoryBus
from hub.conversations.service import ConversationService
from hub.conversations.visitors import VisitorContext, VisitorService
from hub.identity.api_keys import create_key
from hub.identity.tokens import decode_token
from hub.persistence.db import Database
from hub.persistence.scoped_begin import ScopedBeginConnection
from hub.persistence.tenancy import tenant
from hub.workspace.companies import CreatedCompany, create_company
from hub.workspace.saved_views import SavedViews
from hub.workspace.teams import Teams
from tests.conftest import make_settings

TABLES = (
    "companies",
    "agents",
    "contacts",
    "conversations",
    "messages",
    "widget_sessions",
    "message_counts",
    "conversation_counts",
    "api_keys",
    "teams",
    "team_members",
    "saved_views",
)


@pytest.fixture
async def world(pg_url: str) -> AsyncIterator[tuple[Database, CreatedCompany, CreatedCompany]]:
    db = Database(pg_url)
    settings = make_settings(pg_url)
    visitors = VisitorService(ConversationService(db, MemoryBus()))
    teams = Teams(visitors.conversations)
    companies = []
    for name in ("Acme", "Globex"):
        company = await create_company(db, settings, name)
        visitor = await visitors.hello(company.company_id, f"visit-{name}", None, VisitorContext())
        await visitors.send(visitor, f"c-{name}", f"hello from {name}")
        owner = decode_token(settings.secret_key, company.agent_token)
        await create_key(db, company.company_id, owner.agent_id, f"{name} key", "agent")
        await teams.create(company.company_id, f"{name} sales", False, (owner.agent_id,))
        await SavedViews(db).create(owner, f"{name} view", {})
        companies.append(company)
    yield db, companies[0], companies[1]
    await db.close()


async def _company_ids(db: Database, table: str) -> set[str]:
    column = "id" if table == "companies" else "company_id"
    async with db.read() as conn:
        rows = await conn.execute(text(f"SELECT {column} FROM {table}"))  # no filter on purpose
        return {row[0] for row in rows}


async def test_unfiltered_queries_see_only_the_tenant(
    world: tuple[Database, CreatedCompany, CreatedCompany],
) -> None:
    db, acme, globex = world
    both = {acme.company_id, globex.company_id}
    for table in TABLES:
        assert await _company_ids(db, table) == both  # the system sees everything
        with tenant(acme.company_id):
            assert await _company_ids(db, table) == {acme.company_id}, table
        with tenant(globex.company_id):
            assert await _company_ids(db, table) == {globex.company_id}, table


async def test_a_tenant_cannot_change_or_write_into_another_company(
    world: tuple[Database, CreatedCompany, CreatedCompany],
) -> None:
    db, acme, globex = world
    with tenant(acme.company_id):
        async with db.write() as conn:
            touched = await conn.execute(text("UPDATE messages SET text = 'overwritten'"))
            deleted = await conn.execute(text("DELETE FROM widget_sessions"))
        assert touched.rowcount == 1 and deleted.rowcount == 1
        with pytest.raises(DBAPIError, match="row-level security"):
            async with db.write() as conn:
                await conn.execute(
                    text("UPDATE qa_pairs SET company_id = :g"), {"g": globex.company_id}
                )
                await conn.execute(
                    text(
                        "INSERT INTO qa_pairs (id, company_id, question, answer, created_at) "
                        "VALUES ('x', :g, 'q', 'a', now())"
                    ),
                    {"g": globex.company_id},
                )
    async with db.read() as conn:
        texts = dict((await conn.execute(text("SELECT company_id, text FROM messages"))).all())
    assert texts == {acme.company_id: "overwritten", globex.company_id: "hello from Globex"}
    assert await _company_ids(db, "widget_sessions") == {globex.company_id}


async def test_the_tenant_setting_ends_with_its_transaction(
    world: tuple[Database, CreatedCompany, CreatedCompany],
) -> None:
    db, acme, _ = world
    with tenant(acme.company_id):
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT current_user"))).scalar() == "hub_tenant"
    # The pooled connection goes back as the hub's own role, with no company set.
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT current_user"))).scalar() != "hub_tenant"
        setting = text("SELECT coalesce(current_setting('app.company_id', true), '')")
        assert (await conn.execute(setting)).scalar() == ""
    assert len(await _company_ids(db, "companies")) == 2


async def test_a_tenant_transaction_is_scoped_by_its_begin(
    world: tuple[Database, CreatedCompany, CreatedCompany],
) -> None:
    """The scope rides on the BEGIN (hub.persistence.scoped_begin): the block's first
    statement already runs as the tenant, and a block that ran nothing leaves no scope
    armed for the next transaction on that pooled connection."""
    db, acme, globex = world
    setting = text("SELECT current_user, current_setting('app.company_id', true)")
    with tenant(acme.company_id):
        async with db.write():
            pass  # no statement: the armed scope must not outlive the block
        async with db.write() as conn:
            assert tuple((await conn.execute(setting)).one()) == ("hub_tenant", acme.company_id)
    async with db.read() as conn:
        assert (await conn.execute(setting)).one()[0] != "hub_tenant"
    with tenant(globex.company_id):
        assert await _company_ids(db, "conversations") == {globex.company_id}


async def test_an_armed_scope_refuses_a_statement_that_is_not_its_begin(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        async with db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, ScopedBeginConnection)
            driver.arm("SELECT 1")
            with pytest.raises(InterfaceError):
                await driver.fetchval("SELECT current_user")
            driver.disarm()
    finally:
        await db.close()
