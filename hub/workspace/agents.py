"""`AgentService`: a company's agents — listed, invited, revoked, and their verified phones.

The only writer of the `agents` table besides sign-in (hub.identity); revoking an agent ends
its open sockets on every process (`agent.revoked`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.conversations.publish import Publisher
from hub.conversations.views import iso
from hub.errors import HubError, NotFound
from hub.identity.tokens import AgentIdentity, issue_token
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.settings import Settings


def agent_view(r: Any) -> dict[str, Any]:
    """An agent as the API shows it (never a token)."""
    return {
        "id": r.id,
        "email": r.email,
        "name": r.name,
        "role": r.role,
        "revoked": r.revoked,
        "supabase_linked": r.supabase_user_id is not None,
        "last_sign_in_at": iso(r.last_sign_in_at) if r.last_sign_in_at else None,
        # A number proven through Twilio Verify (hub.channels.verify), else both None.
        "phone": r.phone,
        "phone_verified_at": iso(r.phone_verified_at) if r.phone_verified_at else None,
        # The agent's own inbox switches (desktop notifications and their sound).
        "notifications": r.notifications,
        "sound": r.sound,
    }


class AgentService:
    def __init__(self, db: Database, publisher: Publisher, settings: Settings) -> None:
        self.db = db
        self.publisher = publisher
        self.settings = settings

    async def list(self, company_id: str) -> list[dict[str, Any]]:
        table = repo.agents
        stmt = select(table).where(table.c.company_id == company_id).order_by(table.c.created_at)
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [agent_view(r) for r in rows]

    async def invite(self, company_id: str, values: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Add an agent (`email`, `name`, `role`): its view and a hub token. The invitation
        stays open to a Supabase sign-in for `invitation_ttl_days` (hub.identity.supabase).

        Raises HubError `conflict` when the email is already an agent of the company."""
        agent_id = new_id()
        expires = utcnow() + dt.timedelta(days=self.settings.invitation_ttl_days)
        new = {**values, "id": agent_id, "company_id": company_id}
        try:
            async with self.db.write() as conn:
                await conn.execute(insert(repo.agents).values(**new, invitation_expires_at=expires))
                row = await repo.one(conn, select(repo.agents).where(repo.agents.c.id == agent_id))
        except IntegrityError:
            raise HubError("conflict", "that email is already an agent") from None
        identity = AgentIdentity(agent_id, company_id, values["role"])
        token = issue_token(self.settings.secret_key, identity, self.settings.token_ttl_days)
        return agent_view(row), token

    async def revoke(self, company_id: str, agent_id: str) -> None:
        """Its tokens stop working and its open sockets close (4401). Raises NotFound."""
        table = repo.agents
        stmt = (
            update(table)
            .where(table.c.id == agent_id, table.c.company_id == company_id)
            .values(revoked=True)
        )
        async with self.db.write() as conn:
            if not (await conn.execute(stmt)).rowcount:
                raise NotFound("no such agent")
        await self.publisher.agent_revoked(company_id, agent_id)

    async def me(self, agent: AgentIdentity) -> dict[str, Any] | None:
        """The agent as `list` shows it, plus its company; None once revoked or erased."""
        table = repo.agents
        stmt = select(table).where(
            table.c.id == agent.agent_id, table.c.company_id == agent.company_id
        )
        async with self.db.read() as conn:
            row = await repo.one(conn, stmt)
        return None if row is None else {"company_id": row.company_id, **agent_view(row)}

    async def rename(self, agent: AgentIdentity, name: str | None) -> dict[str, Any] | None:
        """Set the agent's own display name (visitors see it on the agent's next replies);
        the agent's view, None once revoked or erased."""
        return await self.update_me(agent, {"name": name})

    async def update_me(
        self, agent: AgentIdentity, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Set the agent's own `name`, `notifications` and `sound` (those in `changes`); the
        agent's view, None once revoked or erased."""
        table = repo.agents
        stmt = (
            update(table)
            .where(table.c.id == agent.agent_id, table.c.company_id == agent.company_id)
            .values(**changes)
        )
        async with self.db.write() as conn:
            await conn.execute(stmt)
        return await self.me(agent)

    async def store_phone(self, agent: AgentIdentity, phone: str, verified_at: dt.datetime) -> None:
        """A number proven through Twilio Verify replaces any earlier one."""
        table = repo.agents
        stmt = (
            update(table)
            .where(table.c.id == agent.agent_id, table.c.company_id == agent.company_id)
            .values(phone=phone, phone_verified_at=verified_at)
        )
        async with self.db.write() as conn:
            await conn.execute(stmt)
