"""Small SQL functions over one connection; the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Row,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence.models import (
    AccountToken,
    Agent,
    AgentPresence,
    AgentSession,
    AgentSocket,
    AiSettings,
    ApiKey,
    Appointment,
    Attachment,
    AuditRecord,
    BusinessHours,
    CannedResponse,
    Company,
    Contact,
    ContactLabel,
    Conversation,
    ConversationCount,
    ConversationLabel,
    DailyStats,
    InboxSettings,
    Integration,
    Invitation,
    Label,
    MailFollowup,
    Message,
    MessageCount,
    Note,
    QaPair,
    Rating,
    ResponseTime,
    SavedView,
    Team,
    TeamMember,
    Visit,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WidgetSession,
    WidgetSettings,
    WidgetUser,
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
widget_users = cast(Table, WidgetUser.__table__)
widget_settings = cast(Table, WidgetSettings.__table__)
notes = cast(Table, Note.__table__)
labels = cast(Table, Label.__table__)
conversation_labels = cast(Table, ConversationLabel.__table__)
contact_labels = cast(Table, ContactLabel.__table__)
canned_responses = cast(Table, CannedResponse.__table__)
inbox_settings = cast(Table, InboxSettings.__table__)
agent_presence = cast(Table, AgentPresence.__table__)
agent_sockets = cast(Table, AgentSocket.__table__)
ratings = cast(Table, Rating.__table__)
attachments = cast(Table, Attachment.__table__)
business_hours = cast(Table, BusinessHours.__table__)  # availability (issue 19)
mail_followups = cast(Table, MailFollowup.__table__)
api_keys = cast(Table, ApiKey.__table__)
# Accounts (hub.identity, hub.workspace.invitations).
agent_sessions = cast(Table, AgentSession.__table__)
account_tokens = cast(Table, AccountToken.__table__)
invitations = cast(Table, Invitation.__table__)
# Outgoing webhooks (hub.webhooks).
webhook_endpoints = cast(Table, WebhookEndpoint.__table__)
webhook_deliveries = cast(Table, WebhookDelivery.__table__)
webhook_attempts = cast(Table, WebhookAttempt.__table__)
# The analytics counters (kept by the database's triggers; models.py).
message_counts = cast(Table, MessageCount.__table__)
conversation_counts = cast(Table, ConversationCount.__table__)
response_times = cast(Table, ResponseTime.__table__)
# Teams and saved views (issue 21: hub.workspace.teams, hub.workspace.saved_views).
teams = cast(Table, Team.__table__)
team_members = cast(Table, TeamMember.__table__)
saved_views = cast(Table, SavedView.__table__)


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


_WIDGET_COMPANY: Any = (
    select(
        companies.c.id,
        companies.c.name,
        companies.c.allowed_origins,
        *(c for c in widget_settings.c if c.name != "company_id"),
    )
    .outerjoin(widget_settings, widget_settings.c.company_id == companies.c.id)
    .where(companies.c.widget_key == bindparam("b_key"))
)


async def widget_company(conn: AsyncConnection, key: str) -> Row[Any] | None:
    """What a widget socket needs of its company, in one query: id, name, allowed origins,
    and its widget settings (all None when the company never set any). Built once: every
    widget connection runs it."""
    return (await conn.execute(_WIDGET_COMPANY, {"b_key": key})).first()


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
    values.setdefault("last_seen_at", utcnow())
    await conn.execute(
        update(widget_sessions).where(widget_sessions.c.id == session_id).values(**values)
    )


async def touch_widget_sessions(conn: AsyncConnection, ids: list[str], at: dt.datetime) -> None:
    """Mark sessions seen at `at` (those with a socket open on this process)."""
    stmt = update(widget_sessions).where(widget_sessions.c.id.in_(ids))
    await conn.execute(stmt.values(last_seen_at=at))


def _idle(cutoff: dt.datetime) -> Any:
    """Sessions last seen before `cutoff` that never wrote (no conversation row) and are
    signed in as no user: what a visitor who only loaded pages leaves behind."""
    s = widget_sessions
    wrote = exists().where(conversations.c.id == s.c.conversation_id)
    return and_(s.c.last_seen_at < cutoff, s.c.user_ref.is_(None), ~wrote)


async def purge_idle_sessions(conn: AsyncConnection, cutoff: dt.datetime, limit: int) -> int:
    """Delete up to `limit` idle sessions (`_idle`) and their visits; how many sessions.
    The delete repeats the conditions: a session seen or written to since the select stays.
    `daily_stats` is not touched: the visits stay counted."""
    s = widget_sessions
    ids = list((await conn.execute(select(s.c.id).where(_idle(cutoff)).limit(limit))).scalars())
    if not ids:
        return 0
    gone = delete(s).where(s.c.id.in_(ids), _idle(cutoff)).returning(s.c.id)
    deleted = list((await conn.execute(gone)).scalars())
    if deleted:
        await conn.execute(delete(visits).where(visits.c.session_id.in_(deleted)))
    return len(deleted)


async def link_widget_session(conn: AsyncConnection, session_id: str, user_ref: str) -> None:
    stmt = update(widget_sessions).where(widget_sessions.c.id == session_id)
    await conn.execute(stmt.values(user_ref=user_ref))


async def touch_conversation_sessions(
    conn: AsyncConnection, company_id: str, conversation_id: str, **values: Any
) -> None:
    """Refresh the context of the session whose conversation this is (what the inbox shows)."""
    stmt = update(widget_sessions).where(
        widget_sessions.c.company_id == company_id,
        widget_sessions.c.conversation_id == conversation_id,
    )
    await conn.execute(stmt.values(**values))


async def widget_user(conn: AsyncConnection, company_id: str, user_id: str) -> Row[Any] | None:
    stmt = select(widget_users).where(
        widget_users.c.company_id == company_id, widget_users.c.user_id == user_id
    )
    return await one(conn, stmt)


async def widget_user_by_ref(
    conn: AsyncConnection, company_id: str, user_ref: str
) -> Row[Any] | None:
    stmt = select(widget_users).where(
        widget_users.c.company_id == company_id, widget_users.c.id == user_ref
    )
    return await one(conn, stmt)


_insert_widget_user = _per_dialect(
    lambda d: d.insert(widget_users).on_conflict_do_nothing(
        index_elements=["company_id", "user_id"]
    )
)


async def insert_widget_user(conn: AsyncConnection, **values: Any) -> None:
    """Map a verified user to a contact and conversation; nothing when one already is (a
    concurrent first sign-in won: the caller reads the winner's row)."""
    values.setdefault("id", new_id())
    values.setdefault("created_at", utcnow())
    await conn.execute(_insert_widget_user(conn), values)


_insert_visit = _per_dialect(
    lambda d: d.insert(visits).on_conflict_do_nothing(index_elements=["company_id", "visit_id"])
)


async def insert_visit(conn: AsyncConnection, **values: Any) -> bool:
    """Record a visit; False when this `visit_id` was already counted."""
    result = await conn.execute(_insert_visit(conn), {"id": new_id(), **values})
    return bool(result.rowcount)


async def visit_by_id(conn: AsyncConnection, company_id: str, visit_id: str) -> Row[Any] | None:
    """The visit counted for this `visit_id` (the first page view of a visit)."""
    stmt = select(visits.c.id, visits.c.visit_id, visits.c.engaged).where(
        visits.c.company_id == company_id, visits.c.visit_id == visit_id
    )
    return await one(conn, stmt)


async def recent_visit(
    conn: AsyncConnection, session_row_id: str, since: dt.datetime
) -> Row[Any] | None:
    """The session's latest visit when it was active at `since` or later (ix_visits_session)."""
    stmt = (
        select(visits.c.id, visits.c.visit_id, visits.c.engaged)
        .where(visits.c.session_id == session_row_id, visits.c.last_seen_at >= since)
        .order_by(visits.c.last_seen_at.desc())
        .limit(1)
    )
    return await one(conn, stmt)


async def touch_visit(conn: AsyncConnection, row_id: str, at: dt.datetime) -> None:
    await conn.execute(update(visits).where(visits.c.id == row_id).values(last_seen_at=at))


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


async def update_contact(
    conn: AsyncConnection, company_id: str, contact_id: str, **values: Any
) -> None:
    stmt = update(contacts).where(contacts.c.id == contact_id, contacts.c.company_id == company_id)
    await conn.execute(stmt.values(**values))


async def agent_name(conn: AsyncConnection, company_id: str, agent_id: str) -> str | None:
    stmt = select(agents.c.name).where(agents.c.id == agent_id, agents.c.company_id == company_id)
    return cast("str | None", (await conn.execute(stmt)).scalar())


# An agent reply's context in one prebuilt statement: the conversation, with the author
# its reply carries (the agent's name and avatar, NULL for an agent of no such company).
_REPLY_CONTEXT = select(
    conversations,
    select(agents.c.name)
    .where(agents.c.id == bindparam("b_agent"), agents.c.company_id == conversations.c.company_id)
    .scalar_subquery()
    .label("author_name"),
    select(agents.c.avatar_id)
    .where(agents.c.id == bindparam("b_agent"), agents.c.company_id == conversations.c.company_id)
    .scalar_subquery()
    .label("author_avatar"),
).where(
    conversations.c.id == bindparam("b_conversation"),
    conversations.c.company_id == bindparam("b_company"),
)


async def reply_context(
    conn: AsyncConnection, company_id: str, conversation_id: str, agent_id: str
) -> Row[Any] | None:
    """The conversation (its columns) with `author_name` and `author_avatar` of the agent
    replying in it: one statement, built once, on the path of every agent reply."""
    params = {"b_agent": agent_id, "b_conversation": conversation_id, "b_company": company_id}
    return (await conn.execute(_REPLY_CONTEXT, params)).first()


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


def reopening(now: dt.datetime) -> dict[str, Any]:
    """The columns an inbound message changes: a conversation that is not open (pending,
    snoozed, resolved) becomes open. `status_at` equal to `now` afterwards says it did."""
    c = conversations.c
    closed = c.status != "open"
    return {
        "status": case((closed, "open"), else_=c.status),
        "snoozed_until": case((closed, None), else_=c.snoozed_until),
        "status_at": case((closed, now), else_=c.status_at),
    }


async def next_seq(
    conn: AsyncConnection,
    company_id: str,
    conversation_id: str,
    *,
    reopen: bool = False,
    **changes: Any,
) -> tuple[int, bool] | None:
    """Hand out the conversation's next seq (the row stays locked until commit), and whether
    `reopen` (an inbound message) made it open; None when the company has no such
    conversation."""
    now = utcnow()
    values = {**(reopening(now) if reopen else {}), **changes}
    stmt = (
        update(conversations)
        .where(conversations.c.id == conversation_id, conversations.c.company_id == company_id)
        .values(last_seq=conversations.c.last_seq + 1, updated_at=now, **values)
        .returning(conversations.c.last_seq, conversations.c.status_at)
    )
    row = await one(conn, stmt)
    if row is None:
        return None
    return int(row.last_seq), reopen and row.status_at == now


async def insert_message(conn: AsyncConnection, **values: Any) -> Row[Any]:
    values.setdefault("id", new_id())
    values.setdefault("created_at", utcnow())
    stmt = insert(messages).values(**values).returning(*messages.c)
    row = await one(conn, stmt)
    assert row is not None
    return row


async def update_conversation(
    conn: AsyncConnection,
    company_id: str,
    conversation_id: str,
    *,
    handled_by_in: Sequence[str] | None = None,
    **values: Any,
) -> Row[Any] | None:
    """Set `values` (and `updated_at`); None when there is no such conversation, or when
    `handled_by_in` is given and its handled_by is none of those."""
    values.setdefault("updated_at", utcnow())
    stmt = (
        update(conversations)
        .where(conversations.c.id == conversation_id, conversations.c.company_id == company_id)
        .values(**values)
        .returning(*conversations.c)
    )
    if handled_by_in is not None:
        stmt = stmt.where(conversations.c.handled_by.in_(list(handled_by_in)))
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
        widget_sessions.c.timezone,
    )
    .join(contacts, contacts.c.id == conversations.c.contact_id)
    .outerjoin(widget_sessions, widget_sessions.c.conversation_id == conversations.c.id)
    .where(conversations.c.company_id == bindparam("b_company_id"))
    .order_by(conversations.c.updated_at.desc())
    .limit(bindparam("b_limit"))
)
_RECENT_OF: Any = _RECENT.where(conversations.c.id.in_(bindparam("b_ids", expanding=True)))
_filtered: dict[tuple[bool, str | None, str | None, bool, bool], Any] = {}


def _shape(value: str | None) -> str | None:
    """None (any), "none" (no one: given as "") or "id" (that one)."""
    return None if value is None else "none" if value == "" else "id"


def _recent_filtered(
    status: bool,
    assignee: str | None,
    team: str | None = None,
    label: bool = False,
    priority: bool = False,
) -> Any:
    """The inbox query with a status, an assignee, a team, a label and/or a priority filter,
    built once per shape. `assignee` and `team`: None (anyone), "none" (unassigned) or "id"
    (that one's); `label` and `priority`: only conversations carrying a label, of one
    priority."""
    key = (status, assignee, team, label, priority)
    if key not in _filtered:
        c = conversations.c
        stmt = _RECENT
        if status:
            stmt = stmt.where(c.status == bindparam("b_status"))
        if assignee == "none":
            stmt = stmt.where(c.assignee_id.is_(None))
        elif assignee == "id":
            stmt = stmt.where(c.assignee_id == bindparam("b_assignee"))
        if team == "none":
            stmt = stmt.where(c.team_id.is_(None))
        elif team == "id":
            stmt = stmt.where(c.team_id == bindparam("b_team"))
        if label:
            cl = conversation_labels.c
            tagged = select(cl.conversation_id).where(cl.label_id == bindparam("b_label"))
            stmt = stmt.where(c.id.in_(tagged))
        if priority:
            stmt = stmt.where(c.priority == bindparam("b_priority"))
        _filtered[key] = stmt
    return _filtered[key]


async def recent_conversations(
    conn: AsyncConnection,
    company_id: str,
    limit: int,
    conversation_ids: Sequence[str] = (),
    *,
    status: str | None = None,
    assignee: str | None = None,
    team: str | None = None,
    label: str | None = None,
    priority: str | None = None,
) -> Sequence[Row[Any]]:
    """Conversations with contact and widget context, most recently updated first. Built
    once: every agent socket's snapshot runs it. `status` keeps one inbox status;
    `assignee` one agent's conversations ("" for the unassigned ones); `team` one team's
    ("" for those of no team); `label` those carrying that label id; `priority` those of
    that priority."""
    params: dict[str, Any] = {"b_company_id": company_id, "b_limit": limit}
    if conversation_ids:
        params["b_ids"] = list(conversation_ids)
        return (await conn.execute(_RECENT_OF, params)).all()
    filters = (status, assignee, team, label, priority)
    if all(value is None for value in filters):
        return (await conn.execute(_RECENT, params)).all()
    params |= {"b_status": status, "b_assignee": assignee, "b_team": team}
    params |= {"b_label": label, "b_priority": priority}
    stmt = _recent_filtered(
        status is not None, _shape(assignee), _shape(team), label is not None, priority is not None
    )
    return (await conn.execute(stmt, params)).all()


async def labels_of_conversations(
    conn: AsyncConnection, rows: Sequence[Row[Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each conversation row's labels (`{"id", "name", "colour"}`, by name), by its id."""
    if not rows:
        return {}
    cl = conversation_labels.c
    stmt = (
        select(cl.conversation_id, labels.c.id, labels.c.name, labels.c.colour)
        .join(labels, labels.c.id == cl.label_id)
        .where(cl.conversation_id.in_([r.id for r in rows]))
        .order_by(labels.c.name)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for hit in (await conn.execute(stmt)).all():
        label = {"id": hit.id, "name": hit.name, "colour": hit.colour}
        found.setdefault(hit.conversation_id, []).append(label)
    return found


_COUNTS: Any = (
    select(conversations.c.status, conversations.c.assignee_id, func.count().label("n"))
    .where(conversations.c.company_id == bindparam("b_company_id"))
    .group_by(conversations.c.status, conversations.c.assignee_id)
)


async def status_counts(conn: AsyncConnection, company_id: str) -> Sequence[Row[Any]]:
    """(status, assignee_id, n) for every pair the company has (its status index covers it)."""
    return (await conn.execute(_COUNTS, {"b_company_id": company_id})).all()


PAIRS_PER_STATEMENT = 200


async def last_messages(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> dict[str, Row[Any]]:
    """The last message of each conversation row, by conversation id."""
    keys = [(r.id, r.last_seq) for r in rows if r.last_seq > 0]
    if not keys:
        return {}
    found: dict[str, Row[Any]] = {}
    for start in range(0, len(keys), PAIRS_PER_STATEMENT):
        where = _last_message_keys(conn.dialect.name, keys[start : start + PAIRS_PER_STATEMENT])
        hits = (await conn.execute(select(messages).where(where))).all()
        found.update((hit.conversation_id, hit) for hit in hits)
    return found


def _last_message_keys(dialect: str, keys: list[tuple[str, int]]) -> Any:
    """One (conversation_id, seq) seek per key. SQLite plans `(a, b) IN (VALUES ...)` as a
    scan of every message (bench.search's inbox snapshot: 259 against 17 ms at 1.2M), an OR of
    pairs as a multi-index OR; PostgreSQL plans the row IN well and takes longer to plan the
    OR. At most PAIRS_PER_STATEMENT pairs: SQLite's expression depth limit is 1,000."""
    m = messages.c
    if dialect == "sqlite":
        return or_(*(and_(m.conversation_id == c, m.seq == s) for c, s in keys))
    return tuple_(m.conversation_id, m.seq).in_(keys)


async def last_ratings(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> dict[str, Row[Any]]:
    """The latest satisfaction rating of each widget conversation row, by conversation id."""
    ids = [r.id for r in rows if r.channel == "widget"]
    if not ids:
        return {}
    stmt = select(ratings).where(ratings.c.conversation_id.in_(ids)).order_by(ratings.c.created_at)
    return {r.conversation_id: r for r in (await conn.execute(stmt)).all()}


async def count_rows(conn: AsyncConnection, table: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(table)
    for column, value in where.items():
        stmt = stmt.where(table.c[column] == value)
    return int((await conn.execute(stmt)).scalar_one())


# -- agents' presence (hub.conversations.presence); built once: every agent socket runs them ----


def _build_bump_presence(dialect: Any) -> Any:
    p = agent_presence
    stmt = dialect.insert(p).values(
        agent_id=bindparam("b_agent_id"),
        company_id=bindparam("b_company_id"),
        away=bindparam("b_away"),
        version=1,
    )
    return stmt.on_conflict_do_update(
        index_elements=["agent_id"],
        # `b_keep` true: the held `away` stays (a socket came or went, not a choice).
        set_={
            "version": p.c.version + 1,
            "away": case((bindparam("b_keep", type_=Boolean), p.c.away), else_=stmt.excluded.away),
        },
    ).returning(p.c.version, p.c.away)


_bump_presence = _per_dialect(_build_bump_presence)


async def bump_presence(
    conn: AsyncConnection, agent_id: str, company_id: str, away: bool | None
) -> tuple[int, bool]:
    """Take the agent's presence row (creating it) with the next version, setting `away`
    unless it is None: (that version, away)."""
    params = {
        "b_agent_id": agent_id,
        "b_company_id": company_id,
        "b_away": bool(away),
        "b_keep": away is None,
    }
    row = (await conn.execute(_bump_presence(conn), params)).first()
    assert row is not None
    return int(row.version), bool(row.away)


def _build_bump_presences(dialect: Any) -> Any:
    p = agent_presence
    stmt = dialect.insert(p).values(
        agent_id=bindparam("b_agent_id"),
        company_id=bindparam("b_company_id"),
        away=False,
        version=1,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["agent_id"], set_={"version": p.c.version + 1}
    )
    return stmt.returning(p.c.agent_id, p.c.version, p.c.away)


_bump_presences = _per_dialect(_build_bump_presences)


async def bump_presences(
    conn: AsyncConnection, agents: Sequence[tuple[str, str]]
) -> dict[str, tuple[int, bool]]:
    """`bump_presence` for many (agent id, company id) at once, in the order given (lock
    order: callers sort them), keeping `away`: agent id -> (version, away)."""
    params = [{"b_agent_id": a, "b_company_id": c} for a, c in agents]
    rows = (await conn.execute(_bump_presences(conn), params)).all()
    return {row.agent_id: (int(row.version), bool(row.away)) for row in rows}


def _build_hold_socket(dialect: Any) -> Any:
    s = agent_sockets
    stmt = dialect.insert(s).values(
        agent_id=bindparam("b_agent_id"),
        process_id=bindparam("b_process_id"),
        company_id=bindparam("b_company_id"),
        seen_at=bindparam("b_now"),
    )
    return stmt.on_conflict_do_update(
        index_elements=["agent_id", "process_id"], set_={"seen_at": stmt.excluded.seen_at}
    )


_hold_socket = _per_dialect(_build_hold_socket)


async def hold_sockets(
    conn: AsyncConnection, agents: Sequence[tuple[str, str]], process_id: str, now: dt.datetime
) -> None:
    """This process holds sockets of these (agent id, company id) as of `now` (one
    executemany)."""
    params = [
        {"b_agent_id": a, "b_process_id": process_id, "b_company_id": c, "b_now": now}
        for a, c in agents
    ]
    await conn.execute(_hold_socket(conn), params)


_DROP_SOCKETS: Any = agent_sockets.delete().where(
    agent_sockets.c.agent_id.in_(bindparam("b_agent_ids", expanding=True)),
    agent_sockets.c.process_id == bindparam("b_process_id"),
)


async def drop_sockets(conn: AsyncConnection, agent_ids: Sequence[str], process_id: str) -> None:
    params = {"b_agent_ids": list(agent_ids), "b_process_id": process_id}
    await conn.execute(_DROP_SOCKETS, params)


def live_socket(agent_id: Any, cutoff: Any) -> Any:
    """SQL: the agent has a socket on some process whose heartbeat is fresher than `cutoff`."""
    s = agent_sockets
    return exists().where(s.c.agent_id == agent_id, s.c.seen_at > cutoff)


_LIVE: Any = (
    select(agent_sockets.c.agent_id)
    .where(
        agent_sockets.c.agent_id.in_(bindparam("b_agent_ids", expanding=True)),
        agent_sockets.c.seen_at > bindparam("b_cutoff"),
    )
    .distinct()
)


async def live_agents(
    conn: AsyncConnection, agent_ids: Sequence[str], cutoff: dt.datetime
) -> set[str]:
    """Those of the agents with a fresh socket on some process."""
    if not agent_ids:
        return set()
    result = await conn.execute(_LIVE, {"b_agent_ids": list(agent_ids), "b_cutoff": cutoff})
    return set(result.scalars().all())


_PRESENCE: Any = (
    select(
        agents.c.id,
        agents.c.name,
        agents.c.email,
        agents.c.role,
        agents.c.avatar_id,
        agent_presence.c.away,
        agent_presence.c.version,
        live_socket(agents.c.id, bindparam("b_cutoff")).label("live"),
    )
    .outerjoin(agent_presence, agent_presence.c.agent_id == agents.c.id)
    .where(agents.c.company_id == bindparam("b_company_id"), agents.c.revoked.is_(False))
    .order_by(agents.c.created_at, agents.c.id)
)


async def company_presence(
    conn: AsyncConnection, company_id: str, cutoff: dt.datetime
) -> Sequence[Row[Any]]:
    """The company's active agents with `away`, `version` and `live` (a fresh socket)."""
    return (await conn.execute(_PRESENCE, {"b_company_id": company_id, "b_cutoff": cutoff})).all()


async def changed_conversations(
    conn: AsyncConnection, company_ids: Sequence[str], since: dt.datetime, until: dt.datetime
) -> Sequence[Row[Any]]:
    """(id, company_id, last_seq, updated_at) of the companies' conversations changed in
    [since, until): the repair's look for what a process may have missed (its
    `(company_id, updated_at)` index answers it)."""
    columns = conversations.c
    stmt: Any = select(columns.id, columns.company_id, columns.last_seq, columns.updated_at).where(
        conversations.c.company_id.in_(list(company_ids)),
        conversations.c.updated_at >= since,
        conversations.c.updated_at < until,
    )
    return (await conn.execute(stmt)).all()


async def messages_since(
    conn: AsyncConnection,
    company_ids: Sequence[str],
    conversation_ids: Sequence[str],
    since: dt.datetime,
    after: tuple[dt.datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """A page of the conversations' messages created at or after `since`, in (created_at, id)
    order after the key `after`: what a repair or a resuming agent may have missed."""
    stmt = select(messages).where(
        messages.c.company_id.in_(list(company_ids)),
        messages.c.conversation_id.in_(list(conversation_ids)),
        messages.c.created_at >= since,
    )
    if after is not None:
        key = tuple_(literal(after[0], messages.c.created_at.type), literal(after[1]))
        stmt = stmt.where(tuple_(messages.c.created_at, messages.c.id) > key)
    stmt = stmt.order_by(messages.c.created_at, messages.c.id).limit(limit)
    return (await conn.execute(stmt)).all()
