"""Supabase Auth access tokens: verified with the project's JWT secret, mapped to an agent.

An agent row is linked to one Supabase user (`agents.supabase_user_id`, the token's `sub`,
unique across companies) in one way only: the user accepts an invitation, the same
`invitations` row an owner made with `POST /api/invitations` and whose link the email
carries (hub.identity.joining). At the user's first sign-in, the one open invitation for
the token's `email` is accepted when

- it is open: not accepted already, not expired, not cancelled (cancelling deletes it),
  and no other company holds an open invitation of that email (each must be accepted in
  its own company, so all but one must cancel theirs);
- the session is not anonymous (the token's `is_anonymous` is false), and
- Supabase confirmed the address: the access token does not say so (`email_verified` in
  `user_metadata` is the user's own to edit), so the hub asks `SUPABASE_AUTH_URL/user` for
  the user's record, once, and requires its `email_confirmed_at`.

Accepting creates the invitation's agent in the invitation's company (or brings back the
deactivated one of that email there), named from the user's metadata or else its email,
and binds the Supabase user to it. An agent of another company with the same email is
never linked; an agent that was never invited is never linked by its email. Roles come
from the agent row, never from the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from hub.identity import joining
from hub.identity.links import LinkInvalid
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.settings import Settings

AUDIENCE = "authenticated"
USER_TIMEOUT = 5.0  # seconds for Supabase's user record, asked once per invitation accepted


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
    """The active agent the token's user is linked to, accepting an invitation if need be
    (at the first sign-in, or to come back once deactivated)."""
    claims = supabase_claims(settings, token)
    user_id = str(claims["sub"])
    agent = await _linked(db, user_id)
    if agent is None:
        user = await confirmed_user(settings, token, claims)
        return await _accept_invitation(db, user_id, user)
    if agent.revoked:  # deactivated: back only by accepting a new invitation
        user = await confirmed_user(settings, token, claims)
        try:
            return await _accept_invitation(db, user_id, user)
        except SupabaseTokenError:
            raise SupabaseTokenError("revoked agent") from None
    return agent


@dataclass(frozen=True)
class ConfirmedUser:
    """A Supabase user whose email Supabase confirmed, in a session that is not anonymous."""

    email: str
    name: str | None


async def confirmed_user(settings: Settings, token: str, claims: dict[str, Any]) -> ConfirmedUser:
    """The token's user, once the session is known not anonymous and Supabase's record of
    the user says the address is confirmed. Raises SupabaseTokenError otherwise."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise SupabaseTokenError("no agent is linked to this Supabase user")
    if claims.get("is_anonymous") is not False:
        raise SupabaseTokenError("an anonymous Supabase session cannot accept an invitation")
    user = await _user_record(settings, token)
    if user.get("is_anonymous"):
        raise SupabaseTokenError("an anonymous Supabase user cannot accept an invitation")
    if not user.get("email_confirmed_at"):
        raise SupabaseTokenError("confirm your email address with Supabase first")
    if str(user.get("email", "")).lower() != email.lower():
        raise SupabaseTokenError("the token's email is not the Supabase user's")
    return ConfirmedUser(email, display_name(user))


async def _user_record(settings: Settings, token: str) -> dict[str, Any]:
    """Supabase Auth's record of the token's user (`GET /auth/v1/user`)."""
    base = settings.supabase_auth_url or (
        f"{settings.supabase_url}/auth/v1" if settings.supabase_url else None
    )
    if base is None or settings.supabase_anon_key is None:
        raise SupabaseTokenError(
            "accepting an invitation needs SUPABASE_URL and SUPABASE_ANON_KEY "
            "(the hub asks Supabase whether the email is confirmed)"
        )
    headers = {"Authorization": f"Bearer {token}", "apikey": settings.supabase_anon_key.reveal()}
    try:
        async with httpx.AsyncClient(timeout=USER_TIMEOUT) as client:
            answer = await client.get(f"{base}/user", headers=headers)
    except httpx.HTTPError as exc:
        raise SupabaseTokenError(f"Supabase Auth could not be asked: {exc!r}") from None
    if answer.status_code != 200:
        raise SupabaseTokenError(f"Supabase Auth refused the token ({answer.status_code})")
    record = answer.json()
    if not isinstance(record, dict):
        raise SupabaseTokenError("Supabase Auth answered no user")
    return record


async def _linked(db: Database, user_id: str) -> Row[Any] | None:
    async with db.read(system=True) as conn:
        return await repo.one(
            conn, select(repo.agents).where(repo.agents.c.supabase_user_id == user_id)
        )


def display_name(user: dict[str, Any]) -> str | None:
    """The name the Supabase user gave (`user_metadata.full_name` or `name`), if any."""
    metadata = user.get("user_metadata")
    if not isinstance(metadata, dict):
        return None
    for key in ("full_name", "name"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip() and value.isprintable():
            return value.strip()[:200]
    return None


async def _accept_invitation(db: Database, user_id: str, user: ConfirmedUser) -> Row[Any]:
    async with db.write(system=True) as conn:
        rows = await joining.open_for_email(conn, user.email)
        if len(rows) != 1:
            raise SupabaseTokenError(
                "no open invitation for this email"
                if not rows
                else "several companies invited this email: all but one must cancel theirs"
            )
        account = {"supabase_user_id": user_id, "name": user.name}
        try:
            await joining.accept(conn, rows[0], account)
        except LinkInvalid:
            raise SupabaseTokenError("the invitation was taken by another account") from None
        except IntegrityError:
            raise SupabaseTokenError("this Supabase user is already linked") from None
    linked = await _linked(db, user_id)
    if linked is None:
        raise SupabaseTokenError("the invitation was taken by another account")
    return linked
