"""Retention: messages older than their company's `retention_days` are purged on a schedule.

Every hub process runs the sweep (every HUB_RETENTION_INTERVAL seconds, and once at start);
purges are idempotent, so several processes sweeping at once only share the work. Deletes
go in small batches so a large purge never holds a long write lock. Each purge leaves an
audit record with the count; conversations, contacts and daily aggregates stay.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, select

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow
from hub.workspace import audit

log = logging.getLogger("hub.retention")
BATCH = 2000


async def purge_expired(db: Database, now: dt.datetime | None = None) -> dict[str, int]:
    """Purge every company's expired messages; the counts purged, by company."""
    now = now or utcnow()
    companies = repo.companies
    stmt = select(companies.c.id, companies.c.retention_days).where(
        companies.c.retention_days.is_not(None)
    )
    async with db.read(system=True) as conn:
        policies = (await conn.execute(stmt)).all()
    purged: dict[str, int] = {}
    for company_id, days in policies:
        cutoff = now - dt.timedelta(days=days)
        count = await _purge_company(db, company_id, cutoff)
        if count:
            purged[company_id] = count
    if purged:
        await db.forget()  # on SQLite, no old page image keeps the purged text
    return purged


async def _purge_company(db: Database, company_id: str, cutoff: dt.datetime) -> int:
    m = repo.messages
    expired = (
        select(m.c.id).where(m.c.company_id == company_id, m.c.created_at < cutoff).limit(BATCH)
    )
    total = 0
    while True:
        async with db.write(system=True) as conn:
            deleted = int((await conn.execute(delete(m).where(m.c.id.in_(expired)))).rowcount or 0)
            total += deleted
            if deleted < BATCH:
                if total:
                    detail = {"messages": total, "older_than": cutoff.isoformat()}
                    subject = ("messages", None)
                    await audit.record(
                        conn, company_id, "retention.purged", subject, actor=None, detail=detail
                    )
                return total


async def sweep(db: Database) -> None:
    """One scheduled sweep (hub.runtime.periodic runs it every HUB_RETENTION_INTERVAL seconds)."""
    purged = await purge_expired(db)
    if purged:
        log.info("retention purged %s", purged)
