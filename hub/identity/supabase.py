"""Supabase Auth access tokens: verified with the project's JWT secret, mapped to an agent.

An agent row is linked to one Supabase user (`agents.supabase_user_id`, the token's `sub`).
The link is made by an owner (`POST /api/agents` with `supabase_user_id`) or, at the user's
first sign-in, by the one open invitation for the token's `email` (Supabase confirms email
addresses before it issues sessions). Roles come from the agent row, never from the token.
"""

from __future__ import annotations

from typing import Any

import jwt
from sqlalchemy import func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.settings import Settings

AUDIENCE = "authenticated"


class SupabaseTokenError(Exception):
    """The Supabase token is invalid, or names no agent of any company."""


def supabase_claims(settings: Settings, token: str) -> dict[str, Any]:
    """The verified claims of a Supabase access token (HS256, audience `authenticated`)."""
    assert settings.supabase_jwt_secret is not None
    issuer = f"{settings.supabase_url}/auth/v1" if settings.supabase_url else None
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.supabase_jwt_secret.reveal(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=issuer,
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise SupabaseTokenError(str(exc)) from None
    return claims


async def supabase_agent_row(db: Database, settings: Settings, token: str) -> Row[Any]:
    """The active agent the token's user is linked to, linking an invitation if need be."""
    claims = supabase_claims(settings, token)
    user_id = str(claims["sub"])
    agent = await _linked(db, user_id)
    if agent is None:
        agent = await _link_invitation(db, user_id, claims.get("email"))
    if agent.revoked:
        raise SupabaseTokenError("revoked agent")
    return agent


async def _linked(db: Database, user_id: str) -> Row[Any] | None:
    async with db.read(system=True) as conn:
        return await repo.one(
            conn, select(repo.agents).where(repo.agents.c.supabase_user_id == user_id)
        )


async def _link_invitation(db: Database, user_id: str, email: object) -> Row[Any]:
    if not isinstance(email, str) or not email:
        raise SupabaseTokenError("no agent is linked to this Supabase user")
    table = repo.agents
    open_invitations = select(table).where(
        func.lower(table.c.email) == email.lower(),
        table.c.supabase_user_id.is_(None),
        table.c.revoked.is_(False),
    )
    async with db.write(system=True) as conn:
        rows = (await conn.execute(open_invitations)).all()
        if len(rows) != 1:
            raise SupabaseTokenError(
                "no invitation for this email"
                if not rows
                else "several companies invited this email: an owner must link the account"
            )
        try:
            await conn.execute(
                update(table)
                .where(table.c.id == rows[0].id, table.c.supabase_user_id.is_(None))
                .values(supabase_user_id=user_id)
            )
        except IntegrityError:
            raise SupabaseTokenError("this Supabase user is already linked") from None
    linked = await _linked(db, user_id)
    if linked is None:
        raise SupabaseTokenError("the invitation was taken by another account")
    return linked
