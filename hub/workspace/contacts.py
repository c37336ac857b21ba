"""The contacts list: a company's contacts by latest activity, with their channels and last
message; filtered by name, email or phone for the inbox's search.

Contacts are made elsewhere (widget visitors in hub.conversations.visitors, SMS and WhatsApp
by E.164 phone in hub.channels.inbound, so one phone is one contact on both channels); this
module only reads them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_

from hub.conversations.views import iso
from hub.errors import HubError
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.workspace import data_rights

PREVIEW = 140  # characters of the last message shown in the list


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last contact's activity time and id (`next_before`)."""

    at: dt.datetime
    contact_id: str

    def encode(self) -> str:
        return f"{iso(self.at)}_{self.contact_id}"

    @staticmethod
    def decode(value: str) -> Cursor:
        """Raises HubError `bad_request` for anything `encode` did not make."""
        at, _, contact_id = value.rpartition("_")
        try:
            when = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise HubError("bad_request", "before: not a cursor from next_before") from None
        if not re.fullmatch(r"[0-9a-f]{1,32}", contact_id):
            raise HubError("bad_request", "before: not a cursor from next_before")
        return Cursor(when, contact_id)


def _like(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(query: str) -> Any:
    """Name or email containing the query (any case), or a phone containing its digits."""
    ct = repo.contacts
    pattern = _like(query)
    tests = [
        func.lower(ct.c.name).like(pattern, escape="\\"),
        func.lower(ct.c.email).like(pattern, escape="\\"),
    ]
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 3:
        tests.append(ct.c.phone.like(f"%{digits}%"))
    return or_(*tests)


def _stats(company_id: str) -> Select[Any]:
    """Contacts with their latest activity and number of conversations (to be filtered)."""
    conv, ct = repo.conversations, repo.contacts
    last_at = func.max(conv.c.updated_at).label("last_at")
    return (
        select(ct.c.id, ct.c.name, ct.c.email, ct.c.phone, last_at)
        .add_columns(func.count().label("conversations"))
        .join(conv, conv.c.contact_id == ct.c.id)
        .where(ct.c.company_id == company_id)
        .group_by(ct.c.id, ct.c.name, ct.c.email, ct.c.phone)
    )


def _before(stmt: Select[Any], before: Cursor | None) -> Select[Any]:
    if before is None:
        return stmt
    last_at = func.max(repo.conversations.c.updated_at)
    return stmt.having(tuple_(last_at, repo.contacts.c.id) < tuple_(before.at, before.contact_id))


async def _matching_page(
    conn: Any, company_id: str, query: str, before: Cursor | None, limit: int
) -> list[Any]:
    """The contacts matching `query` first (few), then their conversations."""
    stmt = _before(_stats(company_id).where(_matching(query)), before)
    last_at = func.max(repo.conversations.c.updated_at)
    stmt = stmt.order_by(last_at.desc(), repo.contacts.c.id.desc()).limit(limit)
    return list((await conn.execute(stmt)).all())


async def _recent_page(conn: Any, company_id: str, before: Cursor | None, limit: int) -> list[Any]:
    """Walk the company's conversations newest first (an index) and take their contacts,
    rather than group every conversation of the company: a page costs about `limit` rows.
    A contact already shown above the cursor (with a later conversation) is left out."""
    conv = repo.conversations
    kept: list[Any] = []
    seen: set[str] = set()
    edge: tuple[Any, str] | None = None
    while len(kept) < limit:
        stmt = select(conv.c.id, conv.c.contact_id, conv.c.updated_at)
        stmt = stmt.where(conv.c.company_id == company_id)
        if before is not None:
            stmt = stmt.where(conv.c.updated_at <= before.at)
        if edge is not None:
            stmt = stmt.where(tuple_(conv.c.updated_at, conv.c.id) < tuple_(*edge))
        order = (conv.c.updated_at.desc(), conv.c.id.desc())
        # As many conversations as contacts are missing: most contacts have one or two.
        walk = limit - len(kept)
        chunk = (await conn.execute(stmt.order_by(*order).limit(walk))).all()
        fresh = list(dict.fromkeys(r.contact_id for r in chunk if r.contact_id not in seen))
        seen.update(fresh)
        if fresh:
            found = _before(_stats(company_id).where(repo.contacts.c.id.in_(fresh)), before)
            rows = (await conn.execute(found)).all()
            kept += sorted(rows, key=lambda r: (r.last_at, r.id), reverse=True)
        if len(chunk) < walk:
            break
        edge = (chunk[-1].updated_at, chunk[-1].id)
    return kept[:limit]


def _latest(rows: list[Any]) -> dict[str, Any]:
    """Each contact's conversations, newest first."""
    by_contact: dict[str, list[Any]] = {}
    for row in sorted(rows, key=lambda r: r.updated_at, reverse=True):
        by_contact.setdefault(row.contact_id, []).append(row)
    return by_contact


def contact_view(row: Any, conversations: list[Any], last: Any | None) -> dict[str, Any]:
    latest = conversations[0] if conversations else None
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "channels": sorted({c.channel for c in conversations}),
        "conversations": row.conversations,
        "conversation_id": None if latest is None else latest.id,
        "last_activity_at": iso(row.last_at),
        "last_message": None
        if last is None
        else {
            "text": last.text[:PREVIEW],
            "sender": last.sender,
            "channel": last.channel,
            "created_at": iso(last.created_at),
        },
    }


@dataclass
class ContactDirectory:
    db: Database

    async def page(
        self, company_id: str, query: str | None = None, before: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """`{"contacts": [...], "next_before": str | None}`, newest activity first."""
        cursor = None if before is None else Cursor.decode(before)
        async with self.db.read() as conn:
            if query:
                rows = await _matching_page(conn, company_id, query, cursor, limit)
            else:
                rows = await _recent_page(conn, company_id, cursor, limit)
            conversations = await self._conversations(conn, company_id, [r.id for r in rows])
            lasts = await self._last_messages(conn, conversations)
        contacts = [contact_view(r, conversations.get(r.id, []), lasts.get(r.id)) for r in rows]
        more = len(rows) == limit
        next_before = Cursor(rows[-1].last_at, rows[-1].id).encode() if more else None
        return {"contacts": contacts, "next_before": next_before}

    @staticmethod
    async def _conversations(conn: Any, company_id: str, ids: list[str]) -> dict[str, Any]:
        if not ids:
            return {}
        conv = repo.conversations
        stmt = select(
            conv.c.id, conv.c.contact_id, conv.c.channel, conv.c.last_seq, conv.c.updated_at
        ).where(conv.c.company_id == company_id, conv.c.contact_id.in_(ids))
        return _latest(list((await conn.execute(stmt)).all()))

    @staticmethod
    async def _last_messages(conn: Any, conversations: dict[str, Any]) -> dict[str, Any]:
        """Each contact's last message: the last `seq` of its latest conversation."""
        keys = {
            (convs[0].id, convs[0].last_seq): contact_id
            for contact_id, convs in conversations.items()
            if convs[0].last_seq
        }
        if not keys:
            return {}
        m = repo.messages
        stmt = select(m.c.conversation_id, m.c.seq, m.c.text, m.c.sender, m.c.channel).add_columns(
            m.c.created_at
        )
        stmt = stmt.where(or_(*(and_(m.c.conversation_id == c, m.c.seq == s) for c, s in keys)))
        rows = (await conn.execute(stmt)).all()
        return {keys[(r.conversation_id, r.seq)]: r for r in rows}


PAST = 100  # conversations shown on a contact's page, newest first


@dataclass(frozen=True)
class ContactProfile:
    """A contact's page: the contact, their latest time zone, their conversations' ids."""

    contact: dict[str, Any]
    conversation_ids: tuple[str, ...]


async def contact_profile(db: Database, company_id: str, contact_id: str) -> ContactProfile | None:
    """The contact with the time zone their widget last told (`timezone`, else None) and
    their newest `PAST` conversations' ids; None when the company has no such contact."""
    conv, ws = repo.conversations, repo.widget_sessions
    async with db.read() as conn:
        row = await repo.contact(conn, company_id, contact_id)
        if row is None:
            return None
        stmt = select(conv.c.id).where(conv.c.company_id == company_id)
        stmt = stmt.where(conv.c.contact_id == contact_id)
        stmt = stmt.order_by(conv.c.updated_at.desc(), conv.c.id.desc()).limit(PAST)
        ids = tuple(str(i) for i in (await conn.execute(stmt)).scalars())
        zone = select(ws.c.timezone).where(ws.c.company_id == company_id)
        zone = zone.where(ws.c.conversation_id.in_(ids), ws.c.timezone.is_not(None))
        timezone = (await conn.execute(zone.order_by(ws.c.last_seen_at.desc()).limit(1))).scalar()
    return ContactProfile({**data_rights.contact_view(row), "timezone": timezone}, ids)
