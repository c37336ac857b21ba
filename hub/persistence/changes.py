"""`ChangePoll`: which companies' rows of a per-company table changed since the last poll.

Per-process caches of rarely changed settings (the AI's, business hours) keep each copy with
the row's `updated_at` and drop it once a poll sees the row change: no query per message, and
no expiry that reloads every company at the same moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, select

from hub.persistence.db import Database
from hub.persistence.models import utcnow

# Processes' clocks (which stamp `updated_at`) may disagree by this much: the poll looks back
# this far, so several polls see a change rather than none (only a copy older than it goes).
CLOCK_MARGIN = dt.timedelta(seconds=60)


class ChangePoll:
    """Polls `table` (with `company_id` and `updated_at` columns) for changed rows."""

    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.table = table
        self._polled = utcnow()

    async def stale(self, cached: dict[str, tuple[Any, dt.datetime | None]]) -> list[str]:
        """The companies in `cached` (company -> (copy, its row's updated_at)) whose row
        changed since their copy was read."""
        started = utcnow()
        columns = self.table.c
        stmt = select(columns.company_id, columns.updated_at).where(
            columns.updated_at >= self._polled - CLOCK_MARGIN
        )
        async with self.db.read(system=True) as conn:
            changed = (await conn.execute(stmt)).all()
        self._polled = started
        # The look-back sees a change several times: only a copy older than it goes.
        return [c for c, at in changed if c in cached and cached[c][1] != at]
