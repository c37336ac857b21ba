"""Accepting an invitation: the one way a person joins a company (issue 19).

An owner's invitation is an `invitations` row (hub.workspace.invitations): one email, one
role, one company, single-use and expiring. It is accepted once, in one of two ways, both
through this module:

- the link's secret with a name and password (`/api/account/accept`), or
- a Supabase sign-in whose confirmed, non-anonymous email is the invitation's
  (hub.identity.supabase), which binds that Supabase user to the agent in the invitation's
  company only.

Accepting marks the row used (a cancelled invitation is deleted, an expired one is never
open) and creates the company's agent of that email, or brings back the deactivated one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from hub.identity.links import LinkInvalid, digest, normal_email
from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow


def still_open() -> list[ColumnElement[bool]]:
    """An invitation not yet accepted nor expired (a cancelled one no longer exists)."""
    t = repo.invitations
    return [t.c.accepted_at.is_(None), t.c.expires_at > utcnow()]


async def open_by_secret(conn: AsyncConnection, secret: str) -> Any:
    """The open invitation whose link carries `secret`. Raises LinkInvalid."""
    t = repo.invitations
    row = await repo.one(conn, select(t).where(t.c.token_hash == digest(secret), *still_open()))
    if row is None:
        raise LinkInvalid
    return row


async def open_for_email(conn: AsyncConnection, email: str) -> list[Any]:
    """Every company's open invitation of `email` (at most one per company)."""
    t = repo.invitations
    stmt = select(t).where(t.c.email == normal_email(email), *still_open())
    return list((await conn.execute(stmt)).all())


async def accept(conn: AsyncConnection, invitation: Any, account: dict[str, Any]) -> str:
    """Use the invitation (once: LinkInvalid when another acceptance took it first) and
    make its agent: the id of the company's agent of that email, created or brought back,
    with the invitation's role and the `account` values (`name`, `password_hash`,
    `supabase_user_id`, …). A `name` of None keeps the agent's earlier name, else takes the
    email's local part: an agent who may be an owner is never nameless."""
    t = repo.invitations
    used = await conn.execute(
        update(t).where(t.c.id == invitation.id, *still_open()).values(accepted_at=utcnow())
    )
    if used.rowcount != 1:
        raise LinkInvalid
    return await _join(conn, invitation, account)


async def _join(conn: AsyncConnection, invitation: Any, account: dict[str, Any]) -> str:
    a = repo.agents
    fallback = invitation.email.split("@", 1)[0]
    name = account.get("name")
    values = {
        **account,
        "email_verified_at": utcnow(),
        "role": invitation.role,
        "revoked": False,
    }
    stmt = select(a.c.id).where(
        a.c.company_id == invitation.company_id, func.lower(a.c.email) == invitation.email
    )
    agent_id = (await conn.execute(stmt)).scalar()
    if agent_id is None:
        agent_id = new_id()
        new = {**values, "name": name or fallback}
        await conn.execute(
            insert(a).values(
                id=agent_id, company_id=invitation.company_id, email=invitation.email, **new
            )
        )
    else:
        kept = {**values, "name": name or func.coalesce(a.c.name, fallback)}
        await conn.execute(update(a).where(a.c.id == agent_id).values(**kept))
    return str(agent_id)
