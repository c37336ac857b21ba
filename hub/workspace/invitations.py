"""Invitations of teammates by email: single-use, expiring links (7 days) whose secrets are
kept as SHA-256; resent (a new secret, a new week) or cancelled by an owner. Accepting one
sets the teammate's name and password and signs them in; an email whose agent was
deactivated may be invited again, and accepting brings the same agent back.

Sent by mail when SMTP is configured; otherwise the owner is shown the link to pass on.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.views import iso
from hub.errors import HubError, NotFound
from hub.identity import joining
from hub.identity.links import digest, normal_email
from hub.identity.passwords import check_rules, hash_password
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.runtime.mailer import LogMailer, Mail, Mailer
from hub.settings import Settings

INVITATION_TTL = dt.timedelta(days=7)


def invitation_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "email": row.email,
        "role": row.role,
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "expired": row.expires_at <= utcnow(),
    }


class Invitations:
    def __init__(self, db: Database, settings: Settings, mailer: Mailer) -> None:
        self.db = db
        self.settings = settings
        self.mailer = mailer

    @property
    def shows_links(self) -> bool:
        """No mail server: the owner is given the link to pass on."""
        return isinstance(self.mailer, LogMailer)

    async def list(self, company_id: str) -> list[dict[str, Any]]:
        """The company's invitations not yet accepted, newest first (expired ones too)."""
        t = repo.invitations
        stmt = (
            select(t)
            .where(t.c.company_id == company_id, t.c.accepted_at.is_(None))
            .order_by(t.c.created_at.desc())
        )
        async with self.db.read() as conn:
            return [invitation_view(r) for r in (await conn.execute(stmt)).all()]

    async def invite(
        self, owner: AgentIdentity, email: str, role: str
    ) -> tuple[dict[str, Any], str | None]:
        """Invite `email` as `role`: the invitation and, without mail, its link. Raises
        HubError `conflict` for an active teammate or an open invitation."""
        email = normal_email(email)
        t, a = repo.invitations, repo.agents
        secret = secrets.token_urlsafe(32)
        async with self.db.write() as conn:
            member = select(a.c.id).where(
                a.c.company_id == owner.company_id,
                func.lower(a.c.email) == email,
                a.c.revoked.is_(False),
            )
            if (await conn.execute(member)).first() is not None:
                raise HubError("conflict", "that email is already a teammate")
            open_ = select(t.c.id).where(
                t.c.company_id == owner.company_id, t.c.email == email, t.c.accepted_at.is_(None)
            )
            if (await conn.execute(open_)).first() is not None:
                raise HubError("conflict", "that email is already invited: resend it instead")
            invitation_id, now = new_id(), utcnow()
            await conn.execute(
                insert(t).values(
                    id=invitation_id,
                    company_id=owner.company_id,
                    email=email,
                    role=role,
                    token_hash=digest(secret),
                    invited_by=owner.agent_id,
                    created_at=now,
                    expires_at=now + INVITATION_TTL,
                )
            )
            row, company = await self._row(conn, owner.company_id, invitation_id)
        return invitation_view(row), await self._deliver(row, company, secret)

    async def resend(
        self, owner: AgentIdentity, invitation_id: str
    ) -> tuple[dict[str, Any], str | None]:
        """A new link (the old one stops working) valid for another week, sent again."""
        t = repo.invitations
        secret, now = secrets.token_urlsafe(32), utcnow()
        async with self.db.write() as conn:
            changed = await conn.execute(
                update(t)
                .where(
                    t.c.id == invitation_id,
                    t.c.company_id == owner.company_id,
                    t.c.accepted_at.is_(None),
                )
                .values(token_hash=digest(secret), expires_at=now + INVITATION_TTL)
            )
            if not changed.rowcount:
                raise NotFound("no such invitation")
            row, company = await self._row(conn, owner.company_id, invitation_id)
        return invitation_view(row), await self._deliver(row, company, secret)

    async def cancel(self, owner: AgentIdentity, invitation_id: str) -> None:
        """Withdraw an invitation not yet accepted: its link stops working. Raises NotFound."""
        t = repo.invitations
        stmt = delete(t).where(
            t.c.id == invitation_id, t.c.company_id == owner.company_id, t.c.accepted_at.is_(None)
        )
        async with self.db.write() as conn:
            if not (await conn.execute(stmt)).rowcount:
                raise NotFound("no such invitation")

    async def preview(self, secret: str) -> dict[str, Any]:
        """What the acceptance page shows: the company, email and role. Raises LinkInvalid."""
        async with self.db.read(system=True) as conn:
            row = await joining.open_by_secret(conn, secret)
            company = await repo.company_by_id(conn, row.company_id)
        return {"company": company.name if company else "", "email": row.email, "role": row.role}

    async def accept(self, secret: str, name: str, password: str) -> AgentIdentity:
        """Use the link once: the teammate (new, or the deactivated agent of that email
        back again) with this name and password, verified. Raises LinkInvalid,
        PasswordRefused."""
        check_rules(password)
        hashed = await hash_password(password)
        async with self.db.write(system=True) as conn:
            row = await joining.open_by_secret(conn, secret)
            check_rules(password, row.email)
            account = {"name": name, "password_hash": hashed}
            agent_id = await joining.accept(conn, row, account)
        return AgentIdentity(agent_id, row.company_id, row.role)

    async def _row(self, conn: AsyncConnection, company_id: str, invitation_id: str) -> Any:
        t = repo.invitations
        row = await repo.one(conn, select(t).where(t.c.id == invitation_id))
        company = await repo.company_by_id(conn, company_id)
        return row, company

    async def _deliver(self, row: Any, company: Any, secret: str) -> str | None:
        url = f"{self.settings.public_url}/invite#token={secret}"
        if self.shows_links:
            return url
        text = (
            f"You are invited to answer {company.name}'s customers on LeadOp Hub.\n\n"
            f"Choose your name and password here (the link works once, for 7 days):\n{url}\n"
        )
        await self.mailer.send(Mail(row.email, f"Join {company.name} on LeadOp Hub", text))
        return None
