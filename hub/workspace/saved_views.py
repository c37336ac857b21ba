"""Saved views: each agent's own named list filters, each with its count (issue 21).

A view is a name and a filter, a small JSON object of known keys:

- `whose`: "mine" | "unassigned" | "all" (default "all");
- `status`: an inbox status (default "open");
- `team`: a team's id, or "none" for conversations of no team (absent or null: any team);
- `label`, `priority`: strings kept as given for the labels and priority filters (issue 21's
  first half); the hub cannot count by them on its own, so a view naming one reads `count`
  null and the inbox counts it from the conversations it holds.

Views are private: an agent lists, renames and deletes only its own; another's is 404. The
`count` is computed on read with one COUNT per view on the conversations' indexes (company,
status, assignee; company, team, status): an agent has a handful of views, and reads them
when its inbox loads, so nothing is kept at write time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.counts import STATUSES
from hub.conversations.views import iso
from hub.errors import HubError, NotFound
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow

WHOSE = ("mine", "unassigned", "all")
OPAQUE = ("label", "priority")  # kept, not counted here
KEYS = frozenset({"whose", "status", "team", *OPAQUE})
MAX_VIEWS = 50  # per agent
MAX_VALUE = 100  # characters in a team id, label or priority


def clean_filter(raw: dict[str, Any]) -> dict[str, Any]:
    """The filter with its defaults, or HubError `bad_request` naming what is wrong."""
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise HubError("bad_request", f"filter: unknown keys {', '.join(unknown)}")
    whose, status = raw.get("whose", "all"), raw.get("status", "open")
    if whose not in WHOSE:
        raise HubError("bad_request", f"filter.whose must be one of {', '.join(WHOSE)}")
    if status not in STATUSES:
        raise HubError("bad_request", f"filter.status must be one of {', '.join(STATUSES)}")
    clean: dict[str, Any] = {"whose": whose, "status": status, "team": raw.get("team")}
    for key in ("team", *OPAQUE):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= MAX_VALUE):
            raise HubError("bad_request", f"filter.{key} must be 1 to {MAX_VALUE} characters")
        if key in OPAQUE and value is not None:
            clean[key] = value
    return clean


def view_of(row: Any, count: int | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "filter": row.filter,
        "count": count,
        "updated_at": iso(row.updated_at),
    }


class SavedViews:
    """An agent's saved views (every method names the agent: another's views are not found)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def listing(self, agent: AgentIdentity) -> list[dict[str, Any]]:
        """The agent's views, oldest first, each with its count."""
        v = repo.saved_views
        stmt = _own(select(v), agent).order_by(v.c.created_at, v.c.id)
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
            return [view_of(row, await _count(conn, agent, row.filter)) for row in rows]

    async def create(self, agent: AgentIdentity, name: str, raw: dict[str, Any]) -> dict[str, Any]:
        """A new view (HubError `bad_request` for a bad filter, `conflict` past the cap)."""
        v, now = repo.saved_views, utcnow()
        filter_ = clean_filter(raw)
        async with self.db.write() as conn:
            held = await conn.scalar(_own(select(func.count()).select_from(v), agent))
            if (held or 0) >= MAX_VIEWS:
                raise HubError("conflict", f"an agent keeps at most {MAX_VIEWS} views")
            values = {"id": new_id(), "company_id": agent.company_id, "agent_id": agent.agent_id}
            stmt = insert(v).values(
                **values, name=name, filter=filter_, created_at=now, updated_at=now
            )
            row = await repo.one(conn, stmt.returning(*v.c))
            return view_of(row, await _count(conn, agent, filter_))

    async def update(
        self, agent: AgentIdentity, view_id: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Rename it and/or replace its filter (`values`: name, filter)."""
        v = repo.saved_views
        if "filter" in values:
            values["filter"] = clean_filter(values["filter"])
        stmt = _own(update(v), agent).where(v.c.id == view_id)
        async with self.db.write() as conn:
            row = await repo.one(conn, stmt.values(**values, updated_at=utcnow()).returning(*v.c))
            if row is None:
                raise NotFound("no such view")
            return view_of(row, await _count(conn, agent, row.filter))

    async def delete(self, agent: AgentIdentity, view_id: str) -> None:
        v = repo.saved_views
        async with self.db.write() as conn:
            gone = await conn.execute(_own(delete(v), agent).where(v.c.id == view_id))
        if not gone.rowcount:
            raise NotFound("no such view")


def _own(stmt: Any, agent: AgentIdentity) -> Any:
    v = repo.saved_views
    return stmt.where(v.c.company_id == agent.company_id, v.c.agent_id == agent.agent_id)


async def _count(
    conn: AsyncConnection, agent: AgentIdentity, filter_: dict[str, Any]
) -> int | None:
    """How many of the company's conversations the filter matches (None: it names a label
    or priority, which the inbox counts itself)."""
    if any(filter_.get(key) is not None for key in OPAQUE):
        return None
    c = repo.conversations.c
    stmt = select(func.count()).where(
        c.company_id == agent.company_id, c.status == filter_["status"]
    )
    whose, team = filter_.get("whose"), filter_.get("team")
    if whose == "mine":
        stmt = stmt.where(c.assignee_id == agent.agent_id)
    elif whose == "unassigned":
        stmt = stmt.where(c.assignee_id.is_(None))
    if team == "none":
        stmt = stmt.where(c.team_id.is_(None))
    elif team is not None:
        stmt = stmt.where(c.team_id == team)
    return int(await conn.scalar(stmt) or 0)
