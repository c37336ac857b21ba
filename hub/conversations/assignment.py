"""Who a conversation is assigned to when nobody chose: round-robin among online agents.

A company's `inbox_settings` say whether conversations are assigned automatically and the cap:
an agent who holds `assign_cap` open or pending conversations is skipped. When a conversation
starts needing a human (the AI handed it off or failed) and nobody has it, `pick` chooses,
inside the caller's transaction, among the company's agents who are online
(hub.conversations.presence: a live socket on some process, not away): the one whose turn is
oldest (`agent_presence.last_assigned_at`, never assigned first) and under the cap.

Taking the turn is a compare-and-set on `last_assigned_at`: two processes choosing at once
cannot both give the same agent its turn, so neither overshoots its cap by racing the other;
the loser moves on to the next agent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database

DEFAULTS: dict[str, Any] = {"auto_assign": True, "assign_cap": 10}
LOAD = ("open", "pending")  # the statuses that count against an agent's cap


async def read_settings(conn: AsyncConnection, company_id: str) -> dict[str, Any]:
    t = repo.inbox_settings
    row = await repo.one(
        conn, select(t.c.auto_assign, t.c.assign_cap).where(t.c.company_id == company_id)
    )
    if row is None:
        return dict(DEFAULTS)
    return {"auto_assign": bool(row.auto_assign), "assign_cap": int(row.assign_cap)}


async def inbox_settings(db: Database, company_id: str) -> dict[str, Any]:
    """`{"auto_assign": bool, "assign_cap": int}`, the defaults until an owner sets them."""
    async with db.read() as conn:
        return await read_settings(conn, company_id)


async def update_inbox_settings(
    db: Database, company_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    t = repo.inbox_settings
    async with db.write() as conn:
        stmt = repo.upsert(conn, t).values(company_id=company_id, **values)
        await conn.execute(stmt.on_conflict_do_update(index_elements=["company_id"], set_=values))
        return await read_settings(conn, company_id)


async def pick(
    conn: AsyncConnection, company_id: str, now: dt.datetime, cutoff: dt.datetime
) -> str | None:
    """The agent whose turn it is (its turn taken), or None: automatic assignment is off,
    nobody is online, or everyone online is at the cap."""
    settings = await read_settings(conn, company_id)
    if not settings["auto_assign"]:
        return None
    candidates = await _online(conn, company_id, cutoff)
    if not candidates:
        return None
    held = await load(conn, company_id, [agent_id for agent_id, _ in candidates])
    for agent_id, last in candidates:
        if held.get(agent_id, 0) < settings["assign_cap"] and await take_turn(
            conn, agent_id, last, now
        ):
            return agent_id
    return None


async def _online(
    conn: AsyncConnection, company_id: str, cutoff: dt.datetime
) -> list[tuple[str, dt.datetime | None]]:
    """Online agents, longest since their last assignment first."""
    a, p = repo.agents, repo.agent_presence
    stmt = (
        select(a.c.id, p.c.last_assigned_at)
        .join(p, p.c.agent_id == a.c.id)
        .where(
            a.c.company_id == company_id,
            a.c.revoked.is_(False),
            p.c.away.is_(False),
            repo.live_socket(a.c.id, cutoff),
        )
        .order_by(p.c.last_assigned_at.asc().nulls_first(), a.c.id)
    )
    return [(row.id, row.last_assigned_at) for row in (await conn.execute(stmt)).all()]


async def load(conn: AsyncConnection, company_id: str, agent_ids: list[str]) -> dict[str, int]:
    """How many open or pending conversations each of the agents holds (the cap's count)."""
    c = repo.conversations
    stmt = (
        select(c.c.assignee_id, func.count())
        .where(
            c.c.company_id == company_id,
            c.c.assignee_id.in_(agent_ids),
            c.c.status.in_(LOAD),
        )
        .group_by(c.c.assignee_id)
    )
    return {row[0]: int(row[1]) for row in (await conn.execute(stmt)).all()}


async def take_turn(
    conn: AsyncConnection, agent_id: str, last: dt.datetime | None, now: dt.datetime
) -> bool:
    """Compare-and-set the agent's turn: False when another process took it first."""
    p = repo.agent_presence
    same = p.c.last_assigned_at.is_(None) if last is None else p.c.last_assigned_at == last
    stmt = update(p).where(p.c.agent_id == agent_id, same).values(last_assigned_at=now)
    return bool((await conn.execute(stmt)).rowcount)
