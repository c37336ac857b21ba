"""Round robin within a team: who gets a conversation assigned to a team (issue 21).

A team with `round_robin` on hands each conversation assigned to it, and each of its
conversations that starts needing a human with nobody on it, to its next available member,
inside the caller's transaction: members who are deactivated or away are skipped; online
members (a live socket, hub.conversations.presence) come first, then the others; within each,
the one whose turn is oldest (`agent_presence.last_assigned_at`, never assigned first). The
company's cap (`inbox_settings.assign_cap`) applies as in hub.conversations.assignment, and
the turn is taken with the same compare-and-set, so two processes never hand one member the
same turn. The turn is the agent's, not the team's: an agent in two teams waits its turn once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations import assignment
from hub.persistence import repository as repo


async def round_robin(conn: AsyncConnection, company_id: str, team_id: str) -> bool:
    """Whether the company's team exists and hands its conversations out in turn."""
    t = repo.teams
    on = await conn.scalar(
        select(t.c.round_robin).where(t.c.id == team_id, t.c.company_id == company_id)
    )
    return bool(on)


async def is_member(conn: AsyncConnection, team_id: str, agent_id: str) -> bool:
    m = repo.team_members
    found = await conn.scalar(
        select(m.c.agent_id).where(m.c.team_id == team_id, m.c.agent_id == agent_id)
    )
    return found is not None


async def pick_member(
    conn: AsyncConnection, company_id: str, team_id: str, now: dt.datetime, cutoff: dt.datetime
) -> str | None:
    """The member whose turn it is (its turn taken), or None: nobody available under the cap."""
    candidates = await _members(conn, company_id, team_id, cutoff)
    if not candidates:
        return None
    cap = (await assignment.read_settings(conn, company_id))["assign_cap"]
    held = await assignment.load(conn, company_id, [agent_id for agent_id, _ in candidates])
    for agent_id, last in candidates:
        if held.get(agent_id, 0) < cap and await _take(conn, company_id, agent_id, last, now):
            return agent_id
    return None


async def _members(
    conn: AsyncConnection, company_id: str, team_id: str, cutoff: dt.datetime
) -> list[tuple[str, dt.datetime | None]]:
    """Active members not away: online first, then longest since their last assignment."""
    a, m, p = repo.agents, repo.team_members, repo.agent_presence
    online = repo.live_socket(a.c.id, cutoff)
    stmt = (
        select(a.c.id, p.c.last_assigned_at, p.c.agent_id.label("present"))
        .join(m, and_(m.c.agent_id == a.c.id, m.c.team_id == team_id))
        .outerjoin(p, p.c.agent_id == a.c.id)
        .where(
            a.c.company_id == company_id,
            a.c.revoked.is_(False),
            p.c.away.is_not(True),
        )
        .order_by(
            case((online, 0), else_=1),
            p.c.last_assigned_at.asc().nulls_first(),
            a.c.id,
        )
    )
    rows = (await conn.execute(stmt)).all()
    return [(row.id, row.last_assigned_at) for row in rows]


async def _take(
    conn: AsyncConnection,
    company_id: str,
    agent_id: str,
    last: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    """Take the member's turn; a member who never had a presence row gets one."""
    p = repo.agent_presence
    exists = await conn.scalar(select(p.c.agent_id).where(p.c.agent_id == agent_id))
    if exists is None:
        values: dict[str, Any] = {"agent_id": agent_id, "company_id": company_id}
        stmt = repo.upsert(conn, p).values(**values, away=False, version=0, last_assigned_at=now)
        result = await conn.execute(stmt.on_conflict_do_nothing(index_elements=["agent_id"]))
        return bool(result.rowcount)
    return await assignment.take_turn(conn, agent_id, last, now)
