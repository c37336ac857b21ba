"""Agent tokens: HS256 JWTs signed with HUB_SECRET_KEY, naming agent, company and role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt

from hub.identity.api_keys import ApiKeyError, authenticate_key, is_api_key
from hub.identity.supabase import SupabaseTokenError, supabase_agent_row
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.settings import Secret, Settings

ISSUER = "leadop-hub"
ROLES = ("owner", "agent")


class AuthError(Exception):
    """The token is missing, malformed, expired, or names no active agent."""


@dataclass(frozen=True)
class AgentIdentity:
    agent_id: str
    company_id: str
    role: str
    # Set when an API key (hub.identity.api_keys) authenticated the caller: revoking that
    # key ends the sockets it opened.
    api_key_id: str | None = None
    # An API key's scopes (hub.identity.scopes); None for a token or a session: no limit
    # beyond the role.
    scopes: frozenset[str] | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def issue_token(secret: Secret, identity: AgentIdentity, ttl_days: int = 30) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": ISSUER,
        "sub": identity.agent_id,
        "cid": identity.company_id,
        "role": identity.role,
        "iat": now,
        "exp": now + dt.timedelta(days=ttl_days),
    }
    return jwt.encode(claims, secret.reveal(), algorithm="HS256")


def decode_token(secret: Secret, token: str) -> AgentIdentity:
    try:
        claims = jwt.decode(
            token,
            secret.reveal(),
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "cid", "role"]},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(str(exc)) from None
    if claims["role"] not in ROLES:
        raise AuthError("unknown role")
    return AgentIdentity(str(claims["sub"]), str(claims["cid"]), str(claims["role"]))


async def authenticate(
    db: Database, settings: Settings, token: object, *, sign_in: bool = False
) -> AgentIdentity:
    """Check the token (an API key, the hub's own, or Supabase's when configured) and that
    its agent still exists and is not revoked.

    `sign_in` (a socket opening) also records the agent's last sign-in time (an API key
    records its own use instead).
    """
    if not isinstance(token, str) or not token:
        raise AuthError("missing token")
    if is_api_key(token):
        return await _key_identity(db, token)
    if settings.supabase_jwt_secret is not None and _issuer(token) != ISSUER:
        identity = await _supabase_identity(db, settings, token)
        if sign_in:
            await _signed_in(db, identity)
        return identity
    identity = decode_token(settings.secret_key, token)
    if sign_in:  # one statement both checks the agent and records the sign-in
        if not await _signed_in(db, identity):
            raise AuthError("unknown or revoked agent")
        return identity
    async with db.read(system=True) as conn:
        agent = await repo.active_agent(conn, identity.agent_id, identity.company_id)
    if agent is None:
        raise AuthError("unknown or revoked agent")
    # The role as it is now, not as it was when the token was issued (an owner may have
    # changed it, or handed ownership on).
    return AgentIdentity(identity.agent_id, identity.company_id, agent.role)


async def _signed_in(db: Database, identity: AgentIdentity) -> bool:
    """Record the sign-in of an active agent; False when there is none."""
    async with db.write(system=True) as conn:
        return await repo.sign_in_agent(conn, identity.agent_id, identity.company_id)


async def _key_identity(db: Database, key: str) -> AgentIdentity:
    try:
        holder = await authenticate_key(db, key)
    except ApiKeyError as exc:
        raise AuthError(str(exc)) from None
    return AgentIdentity(
        holder.agent_id, holder.company_id, holder.role, holder.key_id, holder.scopes
    )


async def _supabase_identity(db: Database, settings: Settings, token: str) -> AgentIdentity:
    try:
        agent = await supabase_agent_row(db, settings, token)
    except SupabaseTokenError as exc:
        raise AuthError(str(exc)) from None
    return AgentIdentity(agent.id, agent.company_id, agent.role)


def _issuer(token: str) -> object:
    """The token's `iss`, read before its signature is checked only to pick the key."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None
