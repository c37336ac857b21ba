"""`AgentService`: a company's agents — listed, invited, deactivated and reactivated, their
roles and the company's ownership, and their verified phones.

The only writer of the `agents` table besides accounts and sign-in (hub.identity) and
invitations; deactivating an agent ends its browser sessions and its open sockets on every
process (`agent.revoked`). A company always keeps an active, named owner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.publish import Publisher
from hub.conversations.views import iso
from hub.errors import HubError, NotFound
from hub.identity.tokens import AgentIdentity, issue_token
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id
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
        # Accounts: whether the agent can sign in with a password, and proved its email.
        "has_password": r.password_hash is not None,
        "email_verified": r.email_verified_at is not None,
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
        """Add an agent (`email`, `name`, `role`, `supabase_user_id`): its view and a hub token.

        Raises HubError `conflict` when the email or Supabase user is already an agent."""
        agent_id = new_id()
        try:
            async with self.db.write() as conn:
                await conn.execute(
                    insert(repo.agents).values(**values, id=agent_id, company_id=company_id)
                )
                row = await repo.one(conn, select(repo.agents).where(repo.agents.c.id == agent_id))
        except IntegrityError:
            raise HubError("conflict", "that email or Supabase user is already an agent") from None
        identity = AgentIdentity(agent_id, company_id, values["role"])
        token = issue_token(self.settings.secret_key, identity, self.settings.token_ttl_days)
        return agent_view(row), token

    async def revoke(self, company_id: str, agent_id: str) -> None:
        """Deactivate: its tokens and browser sessions stop working and its open sockets
        close (4401). Raises NotFound, and HubError `conflict` for the last owner."""
        table = repo.agents
        stmt = (
            update(table)
            .where(table.c.id == agent_id, table.c.company_id == company_id)
            .values(revoked=True)
        )
        sessions = repo.agent_sessions
        async with self.db.write() as conn:
            if not (await conn.execute(stmt)).rowcount:
                raise NotFound("no such agent")
            await _keep_an_owner(conn, company_id)
            await conn.execute(delete(sessions).where(sessions.c.agent_id == agent_id))
        await self.publisher.agent_revoked(company_id, agent_id)

    async def reactivate(self, company_id: str, agent_id: str) -> dict[str, Any]:
        """The same agent back (its history, name and password kept). Raises NotFound."""
        table = repo.agents
        mine = (table.c.id == agent_id, table.c.company_id == company_id)
        async with self.db.write() as conn:
            if not (await conn.execute(update(table).where(*mine).values(revoked=False))).rowcount:
                raise NotFound("no such agent")
            row = await repo.one(conn, select(table).where(*mine))
        return agent_view(row)

    async def set_role(self, owner: AgentIdentity, agent_id: str, role: str) -> dict[str, Any]:
        """Make a teammate an owner or an agent. Raises NotFound, HubError `conflict` (the
        last owner, or a nameless or inactive agent made owner)."""
        table = repo.agents
        mine = (table.c.id == agent_id, table.c.company_id == owner.company_id)
        async with self.db.write() as conn:
            row = await repo.one(conn, select(table).where(*mine))
            if row is None:
                raise NotFound("no such agent")
            if role == "owner":
                _may_own(row)
            await conn.execute(update(table).where(*mine).values(role=role))
            await _keep_an_owner(conn, owner.company_id)
            row = await repo.one(conn, select(table).where(*mine))
        return agent_view(row)

    async def transfer_ownership(self, owner: AgentIdentity, agent_id: str) -> dict[str, Any]:
        """The teammate becomes owner and the caller an agent, in one transaction. Raises
        NotFound, HubError `conflict` (a nameless or inactive teammate, or oneself)."""
        if agent_id == owner.agent_id:
            raise HubError("conflict", "you already own the company")
        table = repo.agents
        company = table.c.company_id == owner.company_id
        async with self.db.write() as conn:
            row = await repo.one(conn, select(table).where(table.c.id == agent_id, company))
            if row is None:
                raise NotFound("no such agent")
            _may_own(row)
            await conn.execute(update(table).where(table.c.id == agent_id).values(role="owner"))
            mine = update(table).where(table.c.id == owner.agent_id, company)
            await conn.execute(mine.values(role="agent"))
        return agent_view(row) | {"role": "owner"}

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


def _may_own(row: Any) -> None:
    """Never a nameless owner, nor one who cannot sign in."""
    if row.revoked:
        raise HubError("conflict", "reactivate that agent before making them an owner")
    if not (row.name or "").strip():
        raise HubError("conflict", "an owner needs a name: that agent has none yet")


async def _keep_an_owner(conn: AsyncConnection, company_id: str) -> None:
    """Refuse (rolling the change back) to leave the company with no active owner."""
    table = repo.agents
    owners = select(func.count()).where(
        table.c.company_id == company_id, table.c.role == "owner", table.c.revoked.is_(False)
    )
    if not (await conn.execute(owners)).scalar():
        raise HubError("conflict", "the company must keep an active owner")
