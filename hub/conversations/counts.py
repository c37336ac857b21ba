"""The inbox's counts per status (all, unassigned, per assignee), pushed as `inbox.counts`.

Recounted after every change that can move them: a new conversation, a status change (an
agent's, the snooze wake-up, an inbound message reopening one) and an assignment. A
company's recount runs in the background, one at a time per process: changes that arrive
while one runs make exactly one more run after it, so a burst of new conversations costs a
few counts, not one each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from hub.persistence import repository as repo
from hub.persistence.db import Database

log = logging.getLogger("hub.counts")

STATUSES = ("open", "pending", "snoozed", "resolved")

Publish = Callable[[str, dict[str, Any]], Awaitable[None]]


async def read_counts(db: Database, company_id: str) -> dict[str, Any]:
    """`{"all": {status: n}, "unassigned": {status: n}, "by_assignee": {agent_id: {...}}}`:
    every status present in `all` and `unassigned`, zeros included."""
    async with db.read() as conn:
        rows = await repo.status_counts(conn, company_id)
    every = dict.fromkeys(STATUSES, 0)
    unassigned = dict.fromkeys(STATUSES, 0)
    by_assignee: dict[str, dict[str, int]] = {}
    for row in rows:
        status, assignee, n = row.status, row.assignee_id, int(row.n)
        every[status] = every.get(status, 0) + n
        group = (
            unassigned
            if assignee is None
            else by_assignee.setdefault(assignee, dict.fromkeys(STATUSES, 0))
        )
        group[status] = group.get(status, 0) + n
    return {"all": every, "unassigned": unassigned, "by_assignee": by_assignee}


class Recounts:
    """Coalesced background recounts, one company at a time (see the module doc)."""

    def __init__(self, db: Database, publish: Publish) -> None:
        self.db = db
        self.publish = publish
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    def touch(self, company_id: str) -> None:
        """The company's counts may have moved: recount soon (the task keeps the caller's
        tenant, so PostgreSQL's wall applies to it)."""
        if company_id in self._running:
            self._again.add(company_id)
            return
        self._running[company_id] = asyncio.create_task(self._run(company_id))

    async def _run(self, company_id: str) -> None:
        try:
            while True:
                self._again.discard(company_id)
                await self.publish(company_id, await read_counts(self.db, company_id))
                if company_id not in self._again:
                    return
        except Exception:  # the next change recounts
            log.warning("inbox counts of %s not published", company_id, exc_info=True)
        finally:
            self._running.pop(company_id, None)

    async def close(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
