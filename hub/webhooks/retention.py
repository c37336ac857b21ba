"""The delivery log is kept for `KEEP`: older delivered and failed deliveries (with their
attempts) go in the hourly retention sweep, in small batches. Pending ones always stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow

KEEP = dt.timedelta(days=30)
BATCH = 2000


async def purge_settled(db: Database, now: dt.datetime | None = None) -> int:
    """Delete settled deliveries older than KEEP; how many."""
    d, a = repo.webhook_deliveries, repo.webhook_attempts
    cutoff = (now or utcnow()) - KEEP
    old = (
        select(d.c.id)
        .where(d.c.status.in_(("delivered", "failed")), d.c.created_at < cutoff)
        .limit(BATCH)
    )
    total = 0
    while True:
        async with db.write(system=True) as conn:
            ids = list((await conn.execute(old)).scalars())
            await conn.execute(delete(a).where(a.c.delivery_id.in_(ids)))
            await conn.execute(delete(d).where(d.c.id.in_(ids)))
        total += len(ids)
        if len(ids) < BATCH:
            return total
