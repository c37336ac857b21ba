"""The inbox workflow: a conversation's status and who it is assigned to.

Statuses: `open` (someone should answer), `pending` (waiting on the contact), `snoozed` (put
away until `snoozed_until`), `resolved` (done). Agents set any of them; two things reopen one:

- an inbound message from the visitor or contact, in the same transaction as the message
  (hub.conversations.append, and the group commit's seq reservation);
- for a snoozed one, its time: every process runs `wake_snoozed` on a schedule, and the
  UPDATE that wakes a conversation names it to one process only.

Every change publishes `conversation.updated` and recounts the inbox (`inbox.counts`); a
change to `resolved` then calls `on_resolved` (hub.app wires it to the satisfaction rating's
request, hub.conversations.ratings), and a change from it `on_unresolved` (its withdrawal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, update

from hub.conversations.counts import STATUSES, read_counts
from hub.conversations.service import ConversationService
from hub.conversations.webhook_events import conversation_changed
from hub.errors import HubError, NotFound
from hub.persistence import repository as repo
from hub.persistence.models import utcnow
from hub.webhooks import catalog

WAKE_BATCH = 500  # conversations woken per company per run at most


async def _nothing(_company_id: str, _conversation_id: str) -> None:
    return None


def snooze_problem(status: str, snoozed_until: dt.datetime | None) -> str | None:
    """Why this status change cannot be made (None: it can)."""
    if status not in STATUSES:
        return f"status must be one of {', '.join(STATUSES)}"
    if status != "snoozed":
        return None
    if snoozed_until is None:
        return "snoozed_until is required to snooze"
    if snoozed_until.tzinfo is None:
        return "snoozed_until needs a time zone (for example a trailing Z)"
    if snoozed_until <= utcnow():
        return "snoozed_until must be in the future"
    return None


class Workflow:
    """Status and assignment changes, each persisted, then published."""

    def __init__(self, conversations: ConversationService) -> None:
        self.conversations = conversations
        self.db = conversations.db
        self.webhooks = conversations.webhooks
        # Told (company_id, conversation_id) after an agent resolved it; set by hub.app.
        self.on_resolved: Callable[[str, str], Awaitable[None]] = _nothing
        # Told after an agent moved it from `resolved` to another status; set by hub.app.
        self.on_unresolved: Callable[[str, str], Awaitable[None]] = _nothing

    async def set_status(
        self,
        company_id: str,
        conversation_id: str,
        status: str,
        snoozed_until: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Set the status (HubError `bad_request` for an impossible one); the fresh view."""
        problem = snooze_problem(status, snoozed_until)
        if problem is not None:
            raise HubError("bad_request", problem)
        until = snoozed_until if status == "snoozed" else None
        c = repo.conversations
        async with self.db.write() as conn:
            was = await conn.scalar(
                select(c.c.status).where(c.c.id == conversation_id, c.c.company_id == company_id)
            )
            row = await repo.update_conversation(
                conn,
                company_id,
                conversation_id,
                status=status,
                snoozed_until=until,
                status_at=utcnow(),
            )
            if row is not None and was != status:
                await self._status_events(conn, company_id, conversation_id, status)
        if row is None:
            raise NotFound()
        view = await self._changed(company_id, conversation_id)
        if status == "resolved":
            await self.on_resolved(company_id, conversation_id)
        elif was == "resolved":
            await self.on_unresolved(company_id, conversation_id)
        return view

    async def assign(
        self, company_id: str, conversation_id: str, agent_id: str | None
    ) -> dict[str, Any]:
        """Assign the conversation to an active agent of the company, or to nobody."""
        async with self.db.write() as conn:
            if agent_id is not None and await repo.active_agent(conn, agent_id, company_id) is None:
                raise NotFound("no such agent in your company")
            row = await repo.update_conversation(
                conn, company_id, conversation_id, assignee_id=agent_id
            )
            if row is not None:
                await conversation_changed(
                    self.webhooks, conn, company_id, conversation_id, catalog.CONVERSATION_ASSIGNED
                )
        if row is None:
            raise NotFound()
        return await self._changed(company_id, conversation_id)

    async def counts(self, company_id: str) -> dict[str, Any]:
        """The inbox counts, as `inbox.counts` carries them."""
        return await read_counts(self.db, company_id)

    async def wake_snoozed(self) -> int:
        """Open every snoozed conversation whose time has come (all companies); how many."""
        now = utcnow()
        c = repo.conversations
        stmt = (
            update(c)
            .where(c.c.status == "snoozed", c.c.snoozed_until <= now)
            .values(status="open", snoozed_until=None, status_at=now, updated_at=now)
            .returning(c.c.company_id, c.c.id)
        )
        async with self.db.write(system=True) as conn:
            woken = (await conn.execute(stmt)).all()
            for company_id, conversation_id in woken:
                await conversation_changed(
                    self.webhooks,
                    conn,
                    company_id,
                    conversation_id,
                    catalog.CONVERSATION_STATUS_CHANGED,
                )
        by_company: dict[str, list[str]] = {}
        for company_id, conversation_id in woken:
            by_company.setdefault(company_id, []).append(conversation_id)
        for company_id, ids in by_company.items():
            for start in range(0, len(ids), WAKE_BATCH):
                views = await self.conversations.inbox(
                    company_id, WAKE_BATCH, tuple(ids[start : start + WAKE_BATCH])
                )
                for view in views:
                    await self.conversations.publisher.conversation_updated(company_id, view)
            self.conversations.recounts.touch(company_id)
        return len(woken)

    async def _status_events(
        self, conn: Any, company_id: str, conversation_id: str, status: str
    ) -> None:
        """`conversation.status_changed`, and `conversation.resolved` when it is."""
        types = [catalog.CONVERSATION_STATUS_CHANGED]
        if status == "resolved":
            types.append(catalog.CONVERSATION_RESOLVED)
        await conversation_changed(self.webhooks, conn, company_id, conversation_id, *types)

    async def _changed(self, company_id: str, conversation_id: str) -> dict[str, Any]:
        views = await self.conversations.inbox(company_id, 1, (conversation_id,))
        if not views:
            raise NotFound()
        await self.conversations.publisher.conversation_updated(company_id, views[0])
        self.conversations.recounts.touch(company_id)
        return views[0]
