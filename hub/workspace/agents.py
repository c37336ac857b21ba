"""`AgentService`: a company's agents — listed, invited, deactivated and reactivated, their
roles and the company's ownership, their profiles (display name and avatar) and their
verified phones.

The only writer of the `agents` table besides accounts and sign-in (hub.identity) and
invitations; deactivating an agent ends its browser sessions and its open sockets on every
process (`agent.revoked`). A company always keeps an active, named owner. A new agent, or a
new name or avatar, is announced to every agent of the company (`agent.updated`,
`announce`), so inboxes name the author of every reply without a reload.

An avatar is an image (PNG, JPEG, WebP or GIF by its magic bytes, at most AVATAR_MAX_BYTES)
kept in the attachment store under the company (`company_id/avatar_id`); `avatar_id` is
random per upload and is the version in its public URL (`hub.conversations.views.avatar_url`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.publish import Publisher
from hub.conversations.views import avatar_url, iso
from hub.errors import HubError, NotFound
from hub.identity.tokens import AgentIdentity, issue_token
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id
from hub.settings import Settings
from hub.workspace.attachment_store import AttachmentStore, Missing
from hub.workspace.filetypes import IMAGE_TYPES, sniff

log = logging.getLogger("hub.agents")

AVATAR_MAX_BYTES = 1024 * 1024
AGENT_ID = re.compile(r"^[0-9a-f]{32}$")


def agent_view(r: Any) -> dict[str, Any]:
    """An agent as the API shows it (never a token)."""
    return {
        "id": r.id,
        "email": r.email,
        "name": r.name,
        "role": r.role,
        "avatar_url": avatar_url(r.id, r.avatar_id),
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


def profile_view(r: Any) -> dict[str, Any]:
    """What teammates see of an agent (`agent.updated`): a row, or an `agent_view`."""
    if isinstance(r, dict):
        return {k: r[k] for k in ("id", "name", "email", "role", "avatar_url")}
    return {
        "id": r.id,
        "name": r.name,
        "email": r.email,
        "role": r.role,
        "avatar_url": avatar_url(r.id, r.avatar_id),
    }


def _avatar_type(data: bytes) -> str:
    """The image type of an avatar's bytes, or HubError (empty, too large, not an image)."""
    if not data:
        raise HubError("bad_attachment", "the image is empty")
    if len(data) > AVATAR_MAX_BYTES:
        raise HubError("too_large", f"an avatar may be at most {AVATAR_MAX_BYTES} bytes")
    content_type = sniff(data)
    if content_type not in IMAGE_TYPES:
        raise HubError("unsupported_type", "an avatar is a PNG, JPEG, WebP or GIF image")
    return content_type


class AgentService:
    def __init__(
        self, db: Database, publisher: Publisher, settings: Settings, store: AttachmentStore
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.settings = settings
        self.store = store  # avatars, beside the company's attachments

    async def list(self, company_id: str) -> list[dict[str, Any]]:
        table = repo.agents
        stmt = select(table).where(table.c.company_id == company_id).order_by(table.c.created_at)
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [agent_view(r) for r in rows]

    async def add(self, company_id: str, values: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Add an agent (`email`, `name`, `role`) for a script: its view and a hub token.
        Not an invitation: no Supabase account is ever linked to it by its email (people
        join through hub.workspace.invitations). An owner is never nameless: one added
        without a name is named from its email.

        Raises HubError `conflict` when the email is already an agent of the company."""
        agent_id = new_id()
        new = {**values, "id": agent_id, "company_id": company_id}
        if values["role"] == "owner" and not (values.get("name") or "").strip():
            new["name"] = values["email"].split("@", 1)[0]
        try:
            async with self.db.write() as conn:
                await conn.execute(insert(repo.agents).values(**new))
                row = await repo.one(conn, select(repo.agents).where(repo.agents.c.id == agent_id))
        except IntegrityError:
            raise HubError("conflict", "that email is already an agent") from None
        identity = AgentIdentity(agent_id, company_id, values["role"])
        token = issue_token(self.settings.secret_key, identity, self.settings.token_ttl_days)
        await self.publisher.agent_updated(company_id, profile_view(row))
        return agent_view(row), token

    async def announce(self, company_id: str, agent_id: str) -> None:
        """Tell every agent of the company this agent's profile (`agent.updated`): call it
        after committing an agent that is new (created, invited, linked at first sign-in)
        or whose name or avatar changed. Nothing is sent for no such agent."""
        table = repo.agents
        stmt = select(table).where(table.c.id == agent_id, table.c.company_id == company_id)
        async with self.db.read() as conn:
            row = await repo.one(conn, stmt)
        if row is not None and not row.revoked:
            await self.publisher.agent_updated(company_id, profile_view(row))

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
        view = await self.me(agent)
        if view is not None and "name" in changes:
            await self.publisher.agent_updated(agent.company_id, profile_view(view))
        return view

    # -- the avatar ----------------------------------------------------------------------------

    async def set_avatar(self, agent: AgentIdentity, data: bytes) -> dict[str, Any] | None:
        """Replace the agent's avatar with `data` (checked: HubError bad_attachment when
        empty, too_large, unsupported_type; nothing changes then). The agent's view, None
        once revoked or erased."""
        content_type = _avatar_type(data)
        avatar_id = secrets.token_hex(16)
        key = f"{agent.company_id}/{avatar_id}"
        await self.store.put(key, data, content_type)
        try:
            old = await self._swap_avatar(agent, avatar_id, content_type)
        except BaseException:
            await self.store.delete(key)  # no file without its row
            raise
        return await self._avatar_changed(agent, old)

    async def remove_avatar(self, agent: AgentIdentity) -> dict[str, Any] | None:
        """The agent has no avatar any more (none already: nothing changes)."""
        old = await self._swap_avatar(agent, None, None)
        return await self._avatar_changed(agent, old)

    async def avatar(self, agent_id: str) -> tuple[str, str, bytes]:
        """(avatar_id, content type, bytes) of any agent's avatar: public, like the name
        shown beside it. NotFound for no such agent or avatar."""
        table = repo.agents
        if not AGENT_ID.match(agent_id):
            raise NotFound("no such avatar")
        stmt = select(table.c.company_id, table.c.avatar_id, table.c.avatar_type)
        async with self.db.read(system=True) as conn:  # no tenant: anyone may load it
            row = await repo.one(conn, stmt.where(table.c.id == agent_id))
        if row is None or row.avatar_id is None:
            raise NotFound("no such avatar")
        try:
            data = await self.store.get(f"{row.company_id}/{row.avatar_id}")
        except Missing:
            raise NotFound("no such avatar") from None
        return row.avatar_id, row.avatar_type, data

    async def _swap_avatar(
        self, agent: AgentIdentity, avatar_id: str | None, content_type: str | None
    ) -> str | None:
        """Set the agent's avatar columns; the avatar_id they held before."""
        table = repo.agents
        mine = (table.c.id == agent.agent_id) & (table.c.company_id == agent.company_id)
        async with self.db.write() as conn:
            old = (await conn.execute(select(table.c.avatar_id).where(mine))).scalar()
            await conn.execute(
                update(table).where(mine).values(avatar_id=avatar_id, avatar_type=content_type)
            )
        return old

    async def _avatar_changed(self, agent: AgentIdentity, old: str | None) -> dict[str, Any] | None:
        if old is not None:  # replies sent with it show the new one (or none), uncached
            try:
                await self.store.delete(f"{agent.company_id}/{old}")
            except Exception:  # an orphan file costs only space
                log.warning("old avatar %s of %s not deleted", old, agent.agent_id, exc_info=True)
        view = await self.me(agent)
        if view is not None:
            await self.publisher.agent_updated(agent.company_id, profile_view(view))
        return view

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
