"""Companies for the benchmark, created in-process (a `hub company create` each is too slow)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hub.ai.knowledge import KnowledgeService
from hub.persistence.db import Database
from hub.settings import Secret, Settings, normalise_database_url
from hub.workspace.companies import CreatedCompany, create_company

CONCURRENCY = 8


async def create_companies(
    database_url: str, secret: str, count: int, prefix: str = "Bench"
) -> list[CreatedCompany]:
    """`count` companies, each with a widget key and an owner token signed with `secret`."""
    url = normalise_database_url(database_url)
    settings = Settings(database_url=url, secret_key=Secret(secret))
    db = Database(url)
    gate = asyncio.Semaphore(CONCURRENCY)

    knowledge = KnowledgeService(db)

    async def one(index: int) -> CreatedCompany:
        async with gate:
            created = await create_company(db, settings, f"{prefix} {index}")
            # Visitor/agent pairs measure the human chat path: the AI stays quiet.
            await knowledge.update_ai_config(created.company_id, {"enabled": False})
            return created

    try:
        return list(await asyncio.gather(*(one(i) for i in range(count))))
    finally:
        await db.close()


async def count_visitor_messages(database_url: str) -> int:
    """How many visitor messages the hub has stored (all companies: the database is fresh)."""
    db = Database(normalise_database_url(database_url))
    try:
        async with db.read() as conn:
            query = text("SELECT count(*) FROM messages WHERE sender = 'visitor'")
            return int((await conn.execute(query)).scalar_one())
    finally:
        await db.close()
