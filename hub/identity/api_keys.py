"""API keys: named bearer keys an owner makes for scripts and the documented API.

A key is `lok_` and 43 URL-safe characters (256 random bits). It is shown once, when made;
only its SHA-256 is kept (a lookup by hash: the key is random, so no slow hash or salt is
needed), with its first characters for recognising it in a list. It authenticates HTTP calls
and the agent socket's `auth` frame as the owner who made it, with the key's role (`owner`
only while that owner is still one), until it is revoked (the row is deleted) or the owner
is, within its scopes (hub.identity.scopes). Its `last_used_at` is written at most once a
minute, never once per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from hub.identity import scopes as scoping
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow

PREFIX = "lok_"
SHOWN = 12  # characters of the key kept and shown: "lok_" and 8 more (48 of its 256 bits)
USE_INTERVAL = dt.timedelta(minutes=1)  # how stale last_used_at may get


class ApiKeyError(Exception):
    """The key is unknown or revoked, or its owner is."""


@dataclass(frozen=True)
class KeyHolder:
    """Whom a valid key acts as."""

    key_id: str
    agent_id: str
    company_id: str
    role: str
    scopes: frozenset[str]


def is_api_key(token: str) -> bool:
    return token.startswith(PREFIX)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(
    db: Database,
    company_id: str,
    agent_id: str,
    name: str,
    role: str,
    scopes: tuple[str, ...] = scoping.SCOPES,
) -> tuple[dict[str, Any], str]:
    """A new key acting as `agent_id` within `scopes`: its view and the key itself (never
    stored)."""
    key = PREFIX + secrets.token_urlsafe(32)
    key_id = new_id()
    async with db.write() as conn:
        await conn.execute(
            insert(repo.api_keys).values(
                id=key_id,
                company_id=company_id,
                agent_id=agent_id,
                name=name,
                role=role,
                scopes=scoping.stored(scopes),
                prefix=key[:SHOWN],
                key_hash=_digest(key),
                created_at=utcnow(),
            )
        )
        [view] = await _views(conn, company_id, key_id)
    return view, key


async def list_keys(db: Database, company_id: str) -> list[dict[str, Any]]:
    """The company's keys, newest first (never a key or its hash)."""
    async with db.read() as conn:
        return await _views(conn, company_id)


async def _views(conn: Any, company_id: str, key_id: str | None = None) -> list[dict[str, Any]]:
    k, a = repo.api_keys, repo.agents
    stmt = (
        select(k, a.c.name.label("agent_name"), a.c.email.label("agent_email"))
        .join(a, a.c.id == k.c.agent_id)
        .where(k.c.company_id == company_id)
        .order_by(k.c.created_at.desc(), k.c.id.desc())
    )
    if key_id is not None:
        stmt = stmt.where(k.c.id == key_id)
    return [_view(r) for r in (await conn.execute(stmt)).all()]


def _view(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "role": r.role,
        "scopes": sorted(scoping.parsed(r.scopes), key=scoping.SCOPES.index),
        "prefix": r.prefix,
        "created_at": r.created_at.isoformat(),
        "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
        "created_by": {"id": r.agent_id, "name": r.agent_name, "email": r.agent_email},
    }


async def revoke_key(db: Database, company_id: str, key_id: str) -> bool:
    """Delete the key; False when the company has no such key."""
    k = repo.api_keys
    async with db.write() as conn:
        stmt = delete(k).where(k.c.id == key_id, k.c.company_id == company_id)
        return bool((await conn.execute(stmt)).rowcount)


async def authenticate_key(db: Database, key: str) -> KeyHolder:
    """Whom the key acts as; ApiKeyError when it is unknown, revoked, or its agent is."""
    k, a = repo.api_keys, repo.agents
    stmt = (
        select(
            k.c.id, k.c.agent_id, k.c.company_id, k.c.role, k.c.scopes, k.c.last_used_at, a.c.role
        )
        .join(a, a.c.id == k.c.agent_id)
        .where(k.c.key_hash == _digest(key), a.c.revoked.is_(False))
    )
    async with db.read(system=True) as conn:
        row = (await conn.execute(stmt)).first()
    if row is None:
        raise ApiKeyError("unknown or revoked API key")
    key_id, agent_id, company_id, key_role, scopes, last_used, agent_role = row
    now = utcnow()
    if last_used is None or now - last_used >= USE_INTERVAL:
        await _used(db, key_id, now)
    role = "owner" if key_role == "owner" and agent_role == "owner" else "agent"
    return KeyHolder(key_id, agent_id, company_id, role, scoping.parsed(scopes))


async def _used(db: Database, key_id: str, now: dt.datetime) -> None:
    """Stamp the key's use; the condition keeps concurrent first uses to one stamp."""
    k = repo.api_keys
    stale = or_(k.c.last_used_at.is_(None), k.c.last_used_at <= now - USE_INTERVAL)
    async with db.write(system=True) as conn:
        await conn.execute(update(k).where(k.c.id == key_id, stale).values(last_used_at=now))
