"""Small SQL functions over one connection; the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence.models import (
    Agent,
    AiSettings,
    Appointment,
    AuditRecord,
    Company,
    Contact,
    Conversation,
    ConversationCount,
    DailyStats,
    Integration,
    Message,
    MessageCount,
    QaPair,
    ResponseTime,
    Visit,
    WidgetSession,
    new_id,
    utcnow,
)

companies = cast(Table, Company.__table__)
agents = cast(Table, Agent.__table__)
contacts = cast(Table, Contact.__table__)
conversations = cast(Table, Conversation.__table__)
messages = cast(Table, Message.__table__)
widget_sessions = cast(Table, WidgetSession.__table__)
visits = cast(Table, Visit.__table__)
daily_stats = cast(Table, DailyStats.__table__)
integrations = cast(Table, Integration.__table__)
qa_pairs = cast(Table, QaPair.__table__)
ai_settings = cast(Table, AiSettings.__table__)
appointments = cast(Table, Appointment.__table__)
audit_log = cast(Table, AuditRecord.__table__)
# The analytics counters (kept by the database's triggers; models.py).
message_counts = cast(Table, MessageCount.__table__)
conversation_counts = cast(Table, ConversationCount.__table__)
response_times = cast(Table, ResponseTime.__table__)


def _dialect(conn: AsyncConnection) -> Any:
    """The SQLAlchemy dialect module whose INSERT understands ON CONFLICT."""
    return postgresql if conn.dialect.name == "postgresql" else sqlite


def upsert(conn: AsyncConnection, table: Any) -> Any:
    """The dialect's INSERT that understands ON CONFLICT (both backends speak it)."""
    return _dialect(conn).insert(table)


def _per_dialect(build: Any) -> Any:
    """A statement built once per dialect and run with parameters: no statement objects,
    bind parameters or cache keys made per call on paths every socket takes."""
    built: dict[str, Any] = {}

    def statement(conn: AsyncConnection) -> Any:
        name = conn.dialect.name
        if name not in built:
            built[name] = build(_dialect(conn))
        return built[name]

    return statement


async def one(conn: AsyncConnection, stmt: Any) -> Row[Any] | None:
    return (await conn.execute(stmt)).first()


# -- companies and agents ---------------------------------------------------------------


async def company_by_widget_key(conn: AsyncConnection, key: str) -> Row[Any] | None:
    return await one(conn, select(companies).where(companies.c.widget_key == key))


async def company_by_id(conn: AsyncConnection, company_id: str) -> Row[Any] | None:
    return await one(conn, select(companies).where(companies.c.id == company_id))


async def active_agent(conn: AsyncConnection, agent_id: str, company_id: str) -> Row[Any] | None:
    stmt = select(agents).where(
        agents.c.id == agent_id, agents.c.company_id == company_id, agents.c.revoked.is_(False)
    )
    return await one(conn, stmt)


_SIGN_IN = (
    update(agents)
    .where(
        agents.c.id == bindparam("b_agent_id"),  # an UPDATE reserves the column names
        agents.c.company_id == bindparam("b_company_id"),
        agents.c.revoked.is_(False),
    )
    .values(last_sign_in_at=bindparam("b_now"))
)


async def sign_in_agent(conn: AsyncConnection, agent_id: str, company_id: str) -> bool:
    """Record an active agent's sign-in; False when there is no such agent (or revoked).
    Built once: every agent socket opening runs it."""
    params = {"b_agent_id": agent_id, "b_company_id": company_id, "b_now": utcnow()}
    return bool((await conn.execute(_SIGN_IN, params)).rowcount)


# -- widget sessions and visits -----------------------------------------------------------


async def widget_session_by_hash(
    conn: AsyncConnection, company_id: str, token_hash: str
) -> Row[Any] | None:
    stmt = select(widget_sessions).where(
        widget_sessions.c.token_hash == token_hash, widget_sessions.c.company_id == company_id
    )
    return await one(conn, stmt)


_INSERT_SESSION = insert(widget_sessions).returning(*widget_sessions.c)


async def insert_widget_session(conn: AsyncConnection, **values: Any) -> Row[Any]:
    values.setdefault("id", new_id())
    values.setdefault("conversation_id", new_id())
    row = (await conn.execute(_INSERT_SESSION, values)).first()
    assert row is not None
    return row


async def touch_widget_session(conn: AsyncConnection, session_id: str, **values: Any) -> None:
    values["last_seen_at"] = utcnow()
    await conn.execute(
        update(widget_sessions).where(widget_sessions.c.id == session_id).values(**values)
    )


_insert_visit = _per_dialect(
    lambda d: d.insert(visits).on_conflict_do_nothing(index_elements=["company_id", "visit_id"])
)


async def insert_visit(conn: AsyncConnection, **values: Any) -> bool:
    """Record a visit; False when this `visit_id` was already counted."""
    result = await conn.execute(_insert_visit(conn), {"id": new_id(), **values})
    return bool(result.rowcount)


async def visit_engaged(conn: AsyncConnection, company_id: str, visit_id: str) -> bool:
    stmt = select(visits.c.engaged).where(
        visits.c.company_id == company_id, visits.c.visit_id == visit_id
    )
    return bool((await conn.execute(stmt)).scalar())


async def mark_engaged(conn: AsyncConnection, company_id: str, visit_id: str) -> dt.date | None:
    """Flip a visit to engaged; its day when it flipped now, None when it already was."""
    stmt = (
        update(visits)
        .where(
            visits.c.company_id == company_id,
            visits.c.visit_id == visit_id,
            visits.c.engaged.is_(False),
        )
        .values(engaged=True)
        .returning(visits.c.day)
    )
    row = await one(conn, stmt)
    return None if row is None else row.day


async def bump_daily(
    conn: AsyncConnection, company_id: str, day: dt.date, *, visits: int = 0, engaged: int = 0
) -> Row[Any]:
    """Add to the day's counters and return the totals."""
    values = {"company_id": company_id, "day": day, "visits": visits, "engaged_visits": engaged}
    row = (await conn.execute(_bump_daily(conn), values)).first()
    assert row is not None
    return row


def _build_bump_daily(dialect: Any) -> Any:
    stmt = dialect.insert(daily_stats)
    return stmt.on_conflict_do_update(
        index_elements=["company_id", "day"],
        set_={
            "visits": daily_stats.c.visits + stmt.excluded.visits,
            "engaged_visits": daily_stats.c.engaged_visits + stmt.excluded.engaged_visits,
        },
    ).returning(daily_stats.c.day, daily_stats.c.visits, daily_stats.c.engaged_visits)


_bump_daily = _per_dialect(_build_bump_daily)


_DAY_TOTALS: Any = select(daily_stats.c.visits, daily_stats.c.engaged_visits).where(
    daily_stats.c.company_id == bindparam("company_id"), daily_stats.c.day == bindparam("day")
)


async def day_totals(conn: AsyncConnection, company_id: str, day: dt.date) -> Row[Any] | None:
    """A day's visit counters (None: nothing counted that day)."""
    result = await conn.execute(_DAY_TOTALS, {"company_id": company_id, "day": day})
    return result.first()


# -- conversations and messages -------------------------------------------------------------


async def conversation(
    conn: AsyncConnection, company_id: str, conversation_id: str
) -> Row[Any] | None:
    stmt = select(conversations).where(
        conversations.c.id == conversation_id, conversations.c.company_id == company_id
    )
    return await one(conn, stmt)


async def insert_conversation(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(conversations).values(**values))


async def insert_contact(conn: AsyncConnection, **values: Any) -> str:
    values.setdefault("id", new_id())
    await conn.execute(insert(contacts).values(**values))
    return str(values["id"])


async def message_by_client_id(
    conn: AsyncConnection, conversation_id: str, client_id: str
) -> Row[Any] | None:
    stmt = select(messages).where(
        messages.c.conversation_id == conversation_id, messages.c.client_id == client_id
    )
    return await one(conn, stmt)


async def message_by_provider_id(
    conn: AsyncConnection, company_id: str, channel: str, provider_id: str
) -> Row[Any] | None:
    stmt = select(messages).where(
        messages.c.company_id == company_id,
        messages.c.channel == channel,
        messages.c.provider_id == provider_id,
    )
    return await one(conn, stmt)


async def contact(conn: AsyncConnection, company_id: str, contact_id: str) -> Row[Any] | None:
    stmt = select(contacts).where(contacts.c.id == contact_id, contacts.c.company_id == company_id)
    return await one(conn, stmt)


async def next_seq(
    conn: AsyncConnection, company_id: str, conversation_id: str, **changes: Any
) -> int | None:
    """Hand out the conversation's next seq (the row stays locked until commit); None when
    the company has no such conversation."""
    stmt = (
        update(conversations)
        .where(conversations.c.id == conversation_id, conversations.c.company_id == company_id)
        .values(last_seq=conversations.c.last_seq + 1, updated_at=utcnow(), **changes)
        .returning(conversations.c.last_seq)
    )
    row = await one(conn, stmt)
    return None if row is None else int(row.last_seq)


async def insert_message(conn: AsyncConnection, **values: Any) -> Row[Any]:
    values.setdefault("id", new_id())
    values.setdefault("created_at", utcnow())
    stmt = insert(messages).values(**values).returning(*messages.c)
    row = await one(conn, stmt)
    assert row is not None
    return row


async def update_conversation(
    conn: AsyncConnection, company_id: str, conversation_id: str, **values: Any
) -> Row[Any] | None:
    values.setdefault("updated_at", utcnow())
    stmt = (
        update(conversations)
        .where(conversations.c.id == conversation_id, conversations.c.company_id == company_id)
        .values(**values)
        .returning(*conversations.c)
    )
    return await one(conn, stmt)


async def messages_after(
    conn: AsyncConnection, company_id: str, conversation_id: str, after_seq: int, limit: int
) -> Sequence[Row[Any]]:
    stmt = (
        select(messages)
        .where(
            messages.c.conversation_id == conversation_id,
            messages.c.company_id == company_id,
            messages.c.seq > after_seq,
        )
        .order_by(messages.c.seq)
        .limit(limit)
    )
    return (await conn.execute(stmt)).all()


async def last_n_messages(
    conn: AsyncConnection, company_id: str, conversation_id: str, limit: int
) -> Sequence[Row[Any]]:
    """The newest `limit` messages, newest first."""
    stmt = (
        select(messages)
        .where(messages.c.conversation_id == conversation_id, messages.c.company_id == company_id)
        .order_by(messages.c.seq.desc())
        .limit(limit)
    )
    return (await conn.execute(stmt)).all()


_RECENT: Any = (
    select(
        conversations,
        contacts.c.name.label("contact_name"),
        contacts.c.phone.label("contact_phone"),
        contacts.c.email.label("contact_email"),
        contacts.c.lead.label("contact_lead"),
        widget_sessions.c.page_url,
        widget_sessions.c.ip_address,
        widget_sessions.c.browser,
        widget_sessions.c.device,
    )
    .join(contacts, contacts.c.id == conversations.c.contact_id)
    .outerjoin(widget_sessions, widget_sessions.c.conversation_id == conversations.c.id)
    .where(conversations.c.company_id == bindparam("b_company_id"))
    .order_by(conversations.c.updated_at.desc())
    .limit(bindparam("b_limit"))
)
_RECENT_OF: Any = _RECENT.where(conversations.c.id.in_(bindparam("b_ids", expanding=True)))


async def recent_conversations(
    conn: AsyncConnection, company_id: str, limit: int, conversation_ids: Sequence[str] = ()
) -> Sequence[Row[Any]]:
    """Conversations with contact and widget context, most recently updated first. Built
    once: every agent socket's snapshot runs it."""
    params: dict[str, Any] = {"b_company_id": company_id, "b_limit": limit}
    if conversation_ids:
        params["b_ids"] = list(conversation_ids)
    stmt = _RECENT_OF if conversation_ids else _RECENT
    return (await conn.execute(stmt, params)).all()


async def last_messages(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> dict[str, Row[Any]]:
    """The last message of each conversation row, by conversation id."""
    keys = [(r.id, r.last_seq) for r in rows if r.last_seq > 0]
    if not keys:
        return {}
    stmt = select(messages).where(tuple_(messages.c.conversation_id, messages.c.seq).in_(keys))
    return {m.conversation_id: m for m in (await conn.execute(stmt)).all()}


async def count_rows(conn: AsyncConnection, table: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(table)
    for column, value in where.items():
        stmt = stmt.where(table.c[column] == value)
    return int((await conn.execute(stmt)).scalar_one())
