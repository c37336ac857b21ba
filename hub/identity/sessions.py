"""Browser sessions (OWASP session management): the cookie carries 256 random bits; the
database keeps only their SHA-256, with the agent, the device, and two expiries: idle
(`HUB_SESSION_IDLE_TIMEOUT` since the last request) and absolute (`HUB_SESSION_LIFETIME`
since the sign-in). Each sign-in makes a new id; an agent lists and revokes its own.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import delete, insert, select, update

from hub.identity.links import digest
from hub.identity.tokens import ISSUER, AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow
from hub.settings import Settings

COOKIE = "hub_session"
SECURE_COOKIE = "__Host-hub_session"  # Secure, Path=/, no Domain: only this host sets it
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most this often
SOCKET_TOKEN_TTL = dt.timedelta(minutes=2)  # long enough to open a socket, no longer


@dataclass(frozen=True)
class BrowserSession:
    """A live session, looked up by its cookie value (`raw`, never stored)."""

    raw: str
    id: str  # digest(raw)
    agent: AgentIdentity


class Sessions:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def create(
        self, agent: AgentIdentity, user_agent: str | None, address: str | None
    ) -> str:
        """A new session for `agent`: the cookie's value (shown only here)."""
        raw = secrets.token_urlsafe(32)  # 256 bits
        now = utcnow()
        values = {
            "id": digest(raw),
            "company_id": agent.company_id,
            "agent_id": agent.agent_id,
            "user_agent": (user_agent or "")[:300] or None,
            "address": (address or "")[:64] or None,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + dt.timedelta(seconds=self.settings.session_lifetime),
        }
        async with self.db.write(system=True) as conn:
            await conn.execute(insert(repo.agent_sessions).values(**values))
        return raw

    async def lookup(self, raw: str) -> BrowserSession | None:
        """The live session of an active agent with this cookie value, its last use
        recorded; None when unknown, expired (deleted then) or the agent is deactivated."""
        s, a = repo.agent_sessions, repo.agents
        stmt = (
            select(s.c.id, s.c.last_seen_at, s.c.expires_at, a.c.id.label("agent_id"))
            .add_columns(a.c.company_id, a.c.role, a.c.revoked)
            .join(a, a.c.id == s.c.agent_id)
            .where(s.c.id == digest(raw))
        )
        async with self.db.read(system=True) as conn:
            row = await repo.one(conn, stmt)
        if row is None or row.revoked:
            return None
        now = utcnow()
        idle = dt.timedelta(seconds=self.settings.session_idle_timeout)
        if now >= row.expires_at or now - row.last_seen_at >= idle:
            await self._delete(s.c.id == row.id)
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            async with self.db.write(system=True) as conn:
                await conn.execute(update(s).where(s.c.id == row.id).values(last_seen_at=now))
        agent = AgentIdentity(row.agent_id, row.company_id, row.role)
        return BrowserSession(raw, row.id, agent)

    async def list(self, agent: AgentIdentity, current: str | None) -> list[dict[str, Any]]:
        """The agent's live sessions, newest use first; `current`: the caller's own id."""
        s = repo.agent_sessions
        stmt = (
            select(s)
            .where(s.c.agent_id == agent.agent_id, s.c.company_id == agent.company_id)
            .order_by(s.c.last_seen_at.desc())
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        now = utcnow()
        idle = dt.timedelta(seconds=self.settings.session_idle_timeout)
        live = [r for r in rows if r.expires_at > now and now - r.last_seen_at < idle]
        return [_view(r, current) for r in live]

    async def revoke(self, agent: AgentIdentity, session_id: str) -> bool:
        """End one of the agent's sessions; False when it has none with that id."""
        s = repo.agent_sessions
        return await self._delete(
            s.c.id == session_id, s.c.agent_id == agent.agent_id, s.c.company_id == agent.company_id
        )

    async def revoke_others(self, agent: AgentIdentity, keep: str | None) -> None:
        """End every session of the agent but `keep` ("sign out everywhere else")."""
        s = repo.agent_sessions
        where = [s.c.agent_id == agent.agent_id, s.c.company_id == agent.company_id]
        await self._delete(*where, *([s.c.id != keep] if keep else []))

    async def revoke_all(self, company_id: str, agent_id: str) -> None:
        """End every session of an agent (deactivated, or its password reset)."""
        s = repo.agent_sessions
        await self._delete(s.c.agent_id == agent_id, s.c.company_id == company_id)

    async def _delete(self, *where: Any) -> bool:
        async with self.db.write(system=True) as conn:
            return bool((await conn.execute(delete(repo.agent_sessions).where(*where))).rowcount)

    def socket_token(self, agent: AgentIdentity) -> str:
        """A hub token that lives two minutes: what a cookie-signed inbox sends in the
        socket's `auth` frame (the frame and its checks stay those of every token)."""
        now = dt.datetime.now(dt.UTC)
        claims = {
            "iss": ISSUER,
            "sub": agent.agent_id,
            "cid": agent.company_id,
            "role": agent.role,
            "iat": now,
            "exp": now + SOCKET_TOKEN_TTL,
        }
        return jwt.encode(claims, self.settings.secret_key.reveal(), algorithm="HS256")


def iso(value: dt.datetime) -> str:
    """ISO-8601 in UTC with a `Z`, millisecond precision (as hub.conversations.views)."""
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _view(row: Any, current: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "current": row.id == current,
        "user_agent": row.user_agent,
        "address": row.address,
        "created_at": iso(row.created_at),
        "last_seen_at": iso(row.last_seen_at),
        "expires_at": iso(row.expires_at),
    }
