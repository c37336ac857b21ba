"""Data rights: export everything a company holds, export, correct or erase one contact.

Every query is scoped to the caller's company. The company export is produced as a stream
of JSON text, reading the database in pages so memory stays bounded however large the
company is. Erasure runs in one transaction together with its audit record (hub.workspace.audit:
who erased which contact and when, with row counts, never the erased data).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, delete, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.channels.integrations import IntegrationService
from hub.channels.phones import e164
from hub.conversations.views import iso, message_view
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.webhooks.catalog import CONTACT_ERASED, CONTACT_UPDATED
from hub.webhooks.payloads import contact_data
from hub.webhooks.record import recorder
from hub.workspace import audit

PAGE = 500
PROVIDERS = ("twilio", "kapso")
# Every column of an agent (migration 0004 added the Supabase link and the verified phone).
AGENT_FIELDS = (
    "id",
    "email",
    "name",
    "role",
    "revoked",
    "supabase_user_id",
    "phone",
    "phone_verified_at",
    "notifications",
    "sound",
    "last_sign_in_at",
    "created_at",
)


class PhoneTaken(Exception):
    """Another contact of the company already has this phone number."""


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def row_dict(row: Any, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in row._mapping.items() if key not in drop}


def contact_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "opted_out": row.opted_out,
        "lead": row.lead,
        "created_at": iso(row.created_at),
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# -- the company export ---------------------------------------------------------------------


async def _paged(
    db: Database,
    table: Table,
    keys: tuple[str, ...],
    where: ColumnElement[bool],
    view: Callable[[Any], dict[str, Any]],
) -> AsyncIterator[dict[str, Any]]:
    """Rows of `table` matching `where`, keyset-paged on the unique `keys`, PAGE at a time
    (a fresh short read per page: no connection is held while the client reads)."""
    columns = [table.c[key] for key in keys]
    after: tuple[Any, ...] | None = None
    while True:
        stmt = select(table).where(where).order_by(*columns).limit(PAGE)
        if after is not None:
            stmt = stmt.where(tuple_(*columns) > tuple_(*after))
        async with db.read(offload=True) as conn:  # keep the loop free
            rows = (await conn.execute(stmt)).all()
        for row in rows:
            yield view(row)
        if len(rows) < PAGE:
            return
        last = rows[-1]
        after = tuple(getattr(last, key) for key in keys)


async def _array(items: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    yield "["
    first = True
    async for item in items:
        yield ("" if first else ",") + _dumps(item)
        first = False
    yield "]"


def _agent_view(row: Any) -> dict[str, Any]:
    return {key: jsonable(getattr(row, key)) for key in AGENT_FIELDS}


def _session_view(row: Any) -> dict[str, Any]:
    return row_dict(row, drop=("token_hash", "company_id"))


def _plain(row: Any) -> dict[str, Any]:
    return row_dict(row, drop=("company_id",))


async def export_company(
    db: Database, integrations: IntegrationService, company_id: str
) -> AsyncIterator[str]:
    """The company's data as one JSON object, in pieces of text (secrets masked)."""
    async with db.read() as conn:
        company = await repo.company_by_id(conn, company_id)
        ai = await repo.one(
            conn, select(repo.ai_settings).where(repo.ai_settings.c.company_id == company_id)
        )
    if company is None:
        return
    masked: dict[str, Any] = {}
    for provider in PROVIDERS:
        masked[provider] = await integrations.get(company_id, provider)
    yield '{"exported_at":' + _dumps(iso(dt.datetime.now(dt.UTC)))
    yield ',"company":' + _dumps(row_dict(company))
    yield ',"ai_settings":' + _dumps(None if ai is None else _plain(ai))
    yield ',"integrations":' + _dumps(masked)

    t = repo
    sections: list[tuple[str, AsyncIterator[dict[str, Any]]]] = [
        ("agents", _paged(db, t.agents, ("id",), t.agents.c.company_id == company_id, _agent_view)),
        (
            "contacts",
            _paged(db, t.contacts, ("id",), t.contacts.c.company_id == company_id, contact_view),
        ),
        (
            "conversations",
            _paged(
                db, t.conversations, ("id",), t.conversations.c.company_id == company_id, _plain
            ),
        ),
        (
            "messages",
            _paged(
                db,
                t.messages,
                ("conversation_id", "seq"),
                t.messages.c.company_id == company_id,
                message_view,
            ),
        ),
        ("notes", _paged(db, t.notes, ("id",), t.notes.c.company_id == company_id, _plain)),
        ("ratings", _paged(db, t.ratings, ("id",), t.ratings.c.company_id == company_id, _plain)),
        (
            "attachments",  # what was uploaded (names, types, sizes); the files are not inlined
            _paged(
                db,
                t.attachments,
                ("id",),
                t.attachments.c.company_id == company_id,
                lambda row: _plain(row) | {"url": f"/api/attachments/{row.id}"},
            ),
        ),
        (
            "canned_responses",
            _paged(
                db,
                t.canned_responses,
                ("id",),
                t.canned_responses.c.company_id == company_id,
                _plain,
            ),
        ),
        ("labels", _paged(db, t.labels, ("id",), t.labels.c.company_id == company_id, _plain)),
        (
            "conversation_labels",
            _paged(
                db,
                t.conversation_labels,
                ("conversation_id", "label_id"),
                t.conversation_labels.c.company_id == company_id,
                _plain,
            ),
        ),
        (
            "contact_labels",
            _paged(
                db,
                t.contact_labels,
                ("contact_id", "label_id"),
                t.contact_labels.c.company_id == company_id,
                _plain,
            ),
        ),
        (
            "qa_pairs",
            _paged(db, t.qa_pairs, ("id",), t.qa_pairs.c.company_id == company_id, _plain),
        ),
        (
            "appointments",
            _paged(db, t.appointments, ("id",), t.appointments.c.company_id == company_id, _plain),
        ),
        (
            "widget_sessions",
            _paged(
                db,
                t.widget_sessions,
                ("id",),
                t.widget_sessions.c.company_id == company_id,
                _session_view,
            ),
        ),
        (
            "widget_users",
            _paged(db, t.widget_users, ("id",), t.widget_users.c.company_id == company_id, _plain),
        ),
        ("visits", _paged(db, t.visits, ("id",), t.visits.c.company_id == company_id, _plain)),
        (
            "daily_stats",
            _paged(db, t.daily_stats, ("day",), t.daily_stats.c.company_id == company_id, _plain),
        ),
        *_counter_sections(db, company_id),
        (
            "audit_log",
            _paged(db, t.audit_log, ("id",), t.audit_log.c.company_id == company_id, audit.view),
        ),
    ]
    for name, items in sections:
        yield f',"{name}":'
        async for piece in _array(items):
            yield piece
    yield "}"


def _counter_sections(
    db: Database, company_id: str
) -> list[tuple[str, AsyncIterator[dict[str, Any]]]]:
    """The analytics counters (counts per quarter hour, nothing personal), paged on their keys."""
    sections = []
    for table in (repo.message_counts, repo.conversation_counts, repo.response_times):
        keys = tuple(c.name for c in table.primary_key.columns if c.name != "company_id")
        where = table.c.company_id == company_id
        sections.append((table.name, _paged(db, table, keys, where, _plain)))
    return sections


async def company_exists(db: Database, company_id: str) -> bool:
    async with db.read() as conn:
        return await repo.company_by_id(conn, company_id) is not None


# -- one contact ------------------------------------------------------------------------------


async def export_contact(db: Database, company_id: str, contact_id: str) -> dict[str, Any] | None:
    """One person's data (the contact, conversations, messages, appointments, labels); None when the
    company has no such contact. A single person's history is read in one go."""
    async with db.read() as conn:
        contact = await repo.contact(conn, company_id, contact_id)
        if contact is None:
            return None
        c, m, n = repo.conversations, repo.messages, repo.notes
        r, a = repo.ratings, repo.appointments
        convs = await _owned(
            conn, c, company_id, c.c.contact_id == contact_id, order=(c.c.created_at, c.c.id)
        )
        ids = [conv.id for conv in convs]
        msgs = await _owned(
            conn, m, company_id, m.c.conversation_id.in_(ids), order=(m.c.conversation_id, m.c.seq)
        )
        notes = await _owned(
            conn, n, company_id, n.c.conversation_id.in_(ids), order=(n.c.created_at, n.c.id)
        )
        rated = await _owned(
            conn, r, company_id, r.c.conversation_id.in_(ids), order=(r.c.created_at, r.c.id)
        )
        appts = await _owned(
            conn, a, company_id, a.c.contact_id == contact_id, order=(a.c.created_at,)
        )
        labels = await _contact_labels(conn, company_id, contact_id)
    return {
        "contact": contact_view(contact),
        "conversations": [_plain(conv) for conv in convs],
        "messages": [message_view(msg) for msg in msgs],
        "notes": [_plain(note) for note in notes],  # what agents wrote about them
        "ratings": [_plain(rating) for rating in rated],  # what they thought of the help
        "appointments": [_plain(appt) for appt in appts],
        "labels": labels,  # how agents labelled them (issue 21)
    }


async def _contact_labels(
    conn: AsyncConnection, company_id: str, contact_id: str
) -> list[dict[str, Any]]:
    """The names and colours of the labels on the contact, by name."""
    t, link = repo.labels, repo.contact_labels
    stmt = (
        select(t.c.name, t.c.colour)
        .join(link, link.c.label_id == t.c.id)
        .where(link.c.contact_id == contact_id, link.c.company_id == company_id)
        .order_by(t.c.name)
    )
    return [{"name": row.name, "colour": row.colour} for row in (await conn.execute(stmt)).all()]


async def _owned(
    conn: AsyncConnection, table: Table, company_id: str, *where: Any, order: tuple[Any, ...]
) -> list[Row[Any]]:
    """The company's rows of `table` that match `where`, in `order`."""
    stmt = select(table).where(table.c.company_id == company_id, *where).order_by(*order)
    return list((await conn.execute(stmt)).all())


async def correct_contact(
    db: Database, company_id: str, contact_id: str, changes: dict[str, str | None]
) -> dict[str, Any] | None:
    """Apply corrections to name, email and phone; None when there is no such contact.
    Raises hub.channels.phones.BadPhone for a bad number and PhoneTaken for another contact's."""
    values = dict(changes)
    if values.get("phone") is not None:
        values["phone"] = e164(str(values["phone"]))
    table = repo.contacts
    try:
        async with db.write() as conn:
            if await repo.contact(conn, company_id, contact_id) is None:
                return None
            if values.get("phone") is not None:
                clash = await repo.one(
                    conn,
                    select(table.c.id).where(
                        table.c.company_id == company_id,
                        table.c.phone == values["phone"],
                        table.c.id != contact_id,
                    ),
                )
                if clash is not None:
                    raise PhoneTaken(values["phone"])
            if values:
                await conn.execute(
                    update(table)
                    .where(table.c.id == contact_id, table.c.company_id == company_id)
                    .values(**values)
                )
            row = await repo.contact(conn, company_id, contact_id)
            if row is not None and values:
                await recorder(db).record(
                    conn,
                    company_id,
                    CONTACT_UPDATED,
                    {"contact": contact_data(row)},
                    contact_id=contact_id,
                )
    except IntegrityError:  # a concurrent correction took the number first
        raise PhoneTaken(values.get("phone")) from None
    return None if row is None else contact_view(row)


async def erase_contact(
    db: Database, company_id: str, contact_id: str, *, agent_id: str
) -> dict[str, int] | None:
    """Erase the contact, their conversations, messages, notes, ratings, appointments and
    widget sessions in one transaction; None when the company has no such contact. Daily
    aggregates stay; the contact's visits stay (they feed the analytics) but lose their link
    to the session and their page URL. On SQLite the database file then keeps no byte of
    what was erased (`Database.forget`)."""
    async with db.write() as conn:
        if await repo.contact(conn, company_id, contact_id) is None:
            return None
        counts = await _erase(conn, company_id, contact_id)
        data = {"contact_id": contact_id}
        await recorder(db).record(conn, company_id, CONTACT_ERASED, data, contact_id=contact_id)
        subject = ("contact", contact_id)
        await audit.record(
            conn, company_id, "contact.erased", subject, actor=agent_id, detail=counts
        )
    await db.forget()
    return counts


async def _erase(conn: AsyncConnection, company_id: str, contact_id: str) -> dict[str, int]:
    t = repo
    conv_ids = select(t.conversations.c.id).where(
        t.conversations.c.company_id == company_id, t.conversations.c.contact_id == contact_id
    )
    # A verified user's mapping, and every browser signed in as them, go with the contact.
    user_refs = select(t.widget_users.c.id).where(
        t.widget_users.c.company_id == company_id, t.widget_users.c.contact_id == contact_id
    )
    of_contact = t.widget_sessions.c.conversation_id.in_(conv_ids) | (
        t.widget_sessions.c.user_ref.in_(user_refs)
    )
    session_ids = select(t.widget_sessions.c.id).where(
        t.widget_sessions.c.company_id == company_id, of_contact
    )

    async def run(stmt: Any) -> int:
        return int((await conn.execute(stmt)).rowcount or 0)

    counts = {
        "messages": await run(
            delete(t.messages).where(
                t.messages.c.company_id == company_id, t.messages.c.conversation_id.in_(conv_ids)
            )
        ),
        "notes": await run(
            delete(t.notes).where(
                t.notes.c.company_id == company_id, t.notes.c.conversation_id.in_(conv_ids)
            )
        ),
        "ratings": await run(
            delete(t.ratings).where(
                t.ratings.c.company_id == company_id, t.ratings.c.conversation_id.in_(conv_ids)
            )
        ),
        "appointments": await run(
            delete(t.appointments).where(
                t.appointments.c.company_id == company_id,
                (t.appointments.c.contact_id == contact_id)
                | t.appointments.c.conversation_id.in_(conv_ids),
            )
        ),
    }
    await conn.execute(
        update(t.visits)
        .where(t.visits.c.company_id == company_id, t.visits.c.session_id.in_(session_ids))
        .values(session_id=None, page_url=None)  # counted still, but no longer where they went
    )
    counts["widget_sessions"] = await run(
        delete(t.widget_sessions).where(t.widget_sessions.c.company_id == company_id, of_contact)
    )
    counts["widget_users"] = await run(
        delete(t.widget_users).where(
            t.widget_users.c.company_id == company_id, t.widget_users.c.contact_id == contact_id
        )
    )
    # Webhook deliveries about the contact, sent or waiting, go too (their log with them).
    d = t.webhook_deliveries
    about = (d.c.contact_id == contact_id) | d.c.order_key.in_(conv_ids)
    deliveries = select(d.c.id).where(d.c.company_id == company_id, about)
    attempts = t.webhook_attempts
    await conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(deliveries)))
    counts["webhook_deliveries"] = await run(delete(d).where(d.c.company_id == company_id, about))
    counts["conversations"] = await run(
        delete(t.conversations).where(
            t.conversations.c.company_id == company_id, t.conversations.c.contact_id == contact_id
        )
    )
    counts["contacts"] = await run(
        delete(t.contacts).where(
            t.contacts.c.company_id == company_id, t.contacts.c.id == contact_id
        )
    )
    return counts


# Children first, so the erasure does not rely on cascades (the company row goes last).
COMPANY_TABLES = (
    "message_counts",
    "conversation_counts",
    "response_times",
    "attachments",  # the rows; the files go with the company's prefix (hub.api.data_rights)
    "messages",
    "notes",
    "ratings",
    "conversation_labels",
    "contact_labels",
    "labels",
    "appointments",
    "visits",
    "daily_stats",
    "widget_sessions",
    "widget_users",
    "conversations",
    "contacts",
    "qa_pairs",
    "ai_settings",
    "widget_settings",
    "integrations",
    "canned_responses",
    "inbox_settings",
    "agent_sockets",
    "agent_presence",
    "api_keys",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
    "agents",
    "companies",
)


async def erase_company(db: Database, company_id: str, *, agent_id: str) -> dict[str, int]:
    """Erase everything of the company in one transaction, and write an audit line."""
    counts: dict[str, int] = {}
    async with db.write() as conn:
        for name in COMPANY_TABLES:
            table = getattr(repo, name)
            column = table.c.id if name == "companies" else table.c.company_id
            result = await conn.execute(delete(table).where(column == company_id))
            counts[name] = int(result.rowcount or 0)
        # The record outlives the company: audit_log has no foreign key to it.
        subject = ("company", company_id)
        await audit.record(
            conn, company_id, "company.erased", subject, actor=agent_id, detail=counts
        )
    await db.forget()
    return counts
