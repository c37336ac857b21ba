"""Teams: a company's named groups of agents, and assigning a conversation to one (issue 21).

Owners create, rename and delete teams, add and remove members (active agents of the company)
and turn round robin on or off (hub.api.teams); every change publishes the company's teams
(`teams.updated`). Any agent assigns a conversation to a team of the company, or to none:
with the team's round robin on, the conversation goes to its next available member
(hub.conversations.team_assignment) in the same transaction, unless a member already has it.
A team's name is unique in its company; deleting a team leaves its conversations with none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations import team_assignment
from hub.conversations.service import ConversationService
from hub.errors import HubError, NotFound
from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow

TAKEN = "another team already has this name"
PUBLISH_BATCH = 500  # conversations published per read when a deleted team lets them go


class Teams:
    """The company's teams and their members; a conversation's team."""

    def __init__(self, conversations: ConversationService) -> None:
        self.conversations = conversations
        self.db = conversations.db

    async def listing(self, company_id: str) -> list[dict[str, Any]]:
        """Every team of the company by name: {id, name, round_robin, member_ids}."""
        async with self.db.read() as conn:
            return await _teams(conn, company_id)

    async def create(
        self, company_id: str, name: str, round_robin: bool, member_ids: tuple[str, ...]
    ) -> dict[str, Any]:
        """A new team (HubError `conflict`: the name is taken; NotFound: a member is not an
        active agent of the company)."""
        now, team_id = utcnow(), new_id()
        values = {"id": team_id, "company_id": company_id, "name": name}
        try:
            async with self.db.write() as conn:
                await conn.execute(
                    insert(repo.teams).values(
                        **values, round_robin=round_robin, created_at=now, updated_at=now
                    )
                )
                for agent_id in dict.fromkeys(member_ids):
                    await _add_member(conn, company_id, team_id, agent_id)
        except IntegrityError:
            raise HubError("conflict", TAKEN) from None
        return await self._changed(company_id, team_id)

    async def update(self, company_id: str, team_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Rename it and/or turn round robin on or off (`values`: name, round_robin)."""
        t = repo.teams
        stmt = (
            update(t)
            .where(t.c.id == team_id, t.c.company_id == company_id)
            .values(**values, updated_at=utcnow())
        )
        try:
            async with self.db.write() as conn:
                if not (await conn.execute(stmt)).rowcount:
                    raise NotFound("no such team")
        except IntegrityError:
            raise HubError("conflict", TAKEN) from None
        return await self._changed(company_id, team_id)

    async def delete(self, company_id: str, team_id: str) -> None:
        """Delete the team; its conversations are left with no team (and told so)."""
        c, t = repo.conversations, repo.teams
        let_go = (
            update(c)
            .where(c.c.company_id == company_id, c.c.team_id == team_id)
            .values(team_id=None)
            .returning(c.c.id)
        )
        async with self.db.write() as conn:
            ids = [row[0] for row in (await conn.execute(let_go)).all()]
            gone = delete(t).where(t.c.id == team_id, t.c.company_id == company_id)
            if not (await conn.execute(gone)).rowcount:
                raise NotFound("no such team")
        await self._publish_conversations(company_id, ids)
        await self._publish_teams(company_id)

    async def add_member(self, company_id: str, team_id: str, agent_id: str) -> dict[str, Any]:
        """Add an active agent of the company to the team (idempotent)."""
        async with self.db.write() as conn:
            await _require_team(conn, company_id, team_id)
            await _add_member(conn, company_id, team_id, agent_id)
        return await self._changed(company_id, team_id)

    async def remove_member(self, company_id: str, team_id: str, agent_id: str) -> dict[str, Any]:
        """Take the agent out of the team (idempotent); its conversations stay its own."""
        m = repo.team_members
        async with self.db.write() as conn:
            await _require_team(conn, company_id, team_id)
            await conn.execute(
                delete(m).where(
                    m.c.team_id == team_id, m.c.agent_id == agent_id, m.c.company_id == company_id
                )
            )
        return await self._changed(company_id, team_id)

    async def assign(
        self, company_id: str, conversation_id: str, team_id: str | None
    ) -> dict[str, Any]:
        """Assign the conversation to a team of the company (or to none); round robin hands
        it to the team's next member. The conversation as the inbox shows it."""
        async with self.db.write() as conn:
            values: dict[str, Any] = {"team_id": team_id}
            if team_id is not None:
                await _require_team(conn, company_id, team_id)
                member = await self._next_member(conn, company_id, conversation_id, team_id)
                if member is not None:
                    values["assignee_id"] = member
            row = await repo.update_conversation(conn, company_id, conversation_id, **values)
        if row is None:
            raise NotFound()
        views = await self.conversations.inbox(company_id, 1, (conversation_id,))
        await self.conversations.publisher.conversation_updated(company_id, views[0])
        self.conversations.recounts.touch(company_id)
        return views[0]

    async def _next_member(
        self, conn: AsyncConnection, company_id: str, conversation_id: str, team_id: str
    ) -> str | None:
        """With round robin on and no member on it yet, the member whose turn it is."""
        conv = await repo.conversation(conn, company_id, conversation_id)
        if conv is None or not await team_assignment.round_robin(conn, company_id, team_id):
            return None
        held = conv.assignee_id
        if held is not None and await team_assignment.is_member(conn, team_id, held):
            return None
        now = utcnow()
        cutoff = now - self.conversations.presence_ttl
        return await team_assignment.pick_member(conn, company_id, team_id, now, cutoff)

    async def _changed(self, company_id: str, team_id: str) -> dict[str, Any]:
        teams = await self._publish_teams(company_id)
        return next(team for team in teams if team["id"] == team_id)

    async def _publish_teams(self, company_id: str) -> list[dict[str, Any]]:
        teams = await self.listing(company_id)
        await self.conversations.publisher.teams_updated(company_id, teams)
        return teams

    async def _publish_conversations(self, company_id: str, ids: list[str]) -> None:
        for start in range(0, len(ids), PUBLISH_BATCH):
            batch = tuple(ids[start : start + PUBLISH_BATCH])
            for view in await self.conversations.inbox(company_id, PUBLISH_BATCH, batch):
                await self.conversations.publisher.conversation_updated(company_id, view)


async def _require_team(conn: AsyncConnection, company_id: str, team_id: str) -> None:
    t = repo.teams
    found = await conn.scalar(select(t.c.id).where(t.c.id == team_id, t.c.company_id == company_id))
    if found is None:
        raise NotFound("no such team")


async def _add_member(conn: AsyncConnection, company_id: str, team_id: str, agent_id: str) -> None:
    if await repo.active_agent(conn, agent_id, company_id) is None:
        raise NotFound("no such agent in your company")
    m = repo.team_members
    stmt = repo.upsert(conn, m).values(
        team_id=team_id, agent_id=agent_id, company_id=company_id, created_at=utcnow()
    )
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=["team_id", "agent_id"]))


async def _teams(conn: AsyncConnection, company_id: str) -> list[dict[str, Any]]:
    t, m = repo.teams, repo.team_members
    rows = (
        await conn.execute(select(t).where(t.c.company_id == company_id).order_by(t.c.name))
    ).all()
    members: dict[str, list[str]] = {}
    stmt = select(m.c.team_id, m.c.agent_id).where(m.c.company_id == company_id)
    for team_id, agent_id in (await conn.execute(stmt.order_by(m.c.created_at))).all():
        members.setdefault(team_id, []).append(agent_id)
    return [
        {
            "id": row.id,
            "name": row.name,
            "round_robin": row.round_robin,
            "member_ids": members.get(row.id, []),
        }
        for row in rows
    ]
