"""The schema: SQLAlchemy 2.0 declarative models (the source Alembic migrations follow)."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    """A unique identifier of 32 hex digits: a millisecond timestamp (12), then 80 random
    bits. Time-ordered, so new rows land together at the right edge of every index instead
    of on random pages (fewer pages written per commit); never a secret."""
    return f"{time.time_ns() // 1_000_000:012x}{random.getrandbits(80):020x}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes on both backends (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    type_annotation_map = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[dict[str, Any]]: JSON,
    }


ID = String(32)
OUTBOX_WAITING = "status IN ('queued', 'sending')"
HAS_PROVIDER_ID = "provider_id IS NOT NULL"


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    widget_key: Mapped[str] = mapped_column(String(64), unique=True)
    allowed_origins: Mapped[list[str]] = mapped_column(default=list)
    facts: Mapped[list[str]] = mapped_column(default=list)
    slug: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Messages older than this many days are purged on a schedule (None keeps everything).
    retention_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When an owner dismissed the onboarding walkthrough (hub.workspace.onboarding).
    onboarding_dismissed_at: Mapped[dt.datetime | None]


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("company_id", "email"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sign_in_at: Mapped[dt.datetime | None]
    # The Supabase Auth user this agent signs in as (the access token's `sub`).
    supabase_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A phone number proven through Twilio Verify (None until checked).
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_verified_at: Mapped[dt.datetime | None]
    # The agent's own inbox switches (PATCH /api/agents/me), kept here so they follow the
    # agent across devices: desktop notifications and their sound. Defaulted by the database
    # only, so code inserting agents names no column an older schema lacks.
    notifications: Mapped[bool] = mapped_column(Boolean, server_default=true())
    sound: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # The agent's avatar (hub.workspace.avatars): its key in the attachment store under the
    # company, and the version in its public URL; and its sniffed image type.
    avatar_id: Mapped[str | None] = mapped_column(String(32))
    avatar_type: Mapped[str | None] = mapped_column(String(32))
    # Accounts (hub.identity.accounts): an argon2id hash (None: the agent signs in with tokens
    # only) and when the agent proved its email (a verification or invitation link).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("company_id", "phone"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    # SMS opt-out (STOP); nothing is sent by SMS while it is set.
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the AI's capture_lead tool learned: need, budget, timeline.
    lead: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


SNOOZED = "status = 'snoozed'"

# The full-text index over messages, built by migration 0011 in each database's own words
# (an FTS5 table and its shadow tables on SQLite, an expression GIN index on PostgreSQL),
# so not declared here: Alembic's comparison leaves these names alone (`schema_name`).
SEARCH_INDEX = frozenset(
    {"ix_messages_search"}
    | {f"messages_fts{suffix}" for suffix in ("", "_data", "_idx", "_docsize", "_config")}
)


def schema_name(name: str | None, type_: str, parents: Any) -> bool:
    """Alembic's `include_name`: False for the search index's own objects."""
    return name not in SEARCH_INDEX


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_company_updated", "company_id", "updated_at"),
        # The inbox's counts and filters by status and assignee (no column a message changes,
        # so SQLite leaves it alone on the hot path).
        Index("ix_conversations_company_status", "company_id", "status", "assignee_id"),
        # A contact's conversations: inbound's look-up by phone, and the contacts list.
        Index("ix_conversations_contact", "contact_id", "updated_at"),
        # Issue 21: the list's team filter and the saved views' counts by team.
        Index("ix_conversations_company_team", "company_id", "team_id", "status"),
        # Only snoozed conversations: the wake-up job's look-up.
        Index(
            "ix_conversations_snoozed",
            "snoozed_until",
            postgresql_where=text(SNOOZED),
            sqlite_where=text(SNOOZED),
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    # The inbox status: open, pending, snoozed or resolved (hub.conversations.workflow);
    # the contract's Conversation.status shows "closed" for resolved, "open" otherwise.
    status: Mapped[str] = mapped_column(String(16), default="open")
    # When `status` last changed; an inbound message that reopens one sets it (and the group
    # commit learns from it that the conversation was reopened).
    status_at: Mapped[dt.datetime | None]
    snoozed_until: Mapped[dt.datetime | None]  # status "snoozed" only: when it wakes up
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    handled_by: Mapped[str] = mapped_column(String(16), default="ai")  # ai | waiting | human
    # The team it is assigned to (hub.workspace.teams), or None.
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    needs_human: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last seq handed out: incremented under the row lock, so seq has no gaps.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The contact's last inbound message: WhatsApp's 24-hour customer-service window.
    last_inbound_at: Mapped[dt.datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(128))  # e.g. Kapso's conversation id
    # Set by the database as replies are inserted (migration 0008's triggers), for the
    # response_times counters: the first inbound message's time (looked up at the first
    # reply), and whether an agent's and the AI's first reply after it has been counted.
    first_inbound_at: Mapped[dt.datetime | None]
    agent_replied: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ai_replied: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # none | low | medium | high | urgent, set by agents (hub.workspace.labels).
    priority: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_id"),
        # A provider's message id once per company and channel; widget messages have none,
        # and a partial index spares them the entry.
        Index(
            "uq_messages_provider_id",
            "company_id",
            "channel",
            "provider_id",
            unique=True,
            postgresql_where=text(HAS_PROVIDER_ID),
            sqlite_where=text(HAS_PROVIDER_ID),
        ),
        # Retention purges a company's messages older than a cutoff (workspace.retention).
        # Analytics reads the counters below, not messages.
        Index("ix_messages_company_created_at", "company_id", "created_at"),
        # Only messages waiting for a provider: the widget's never enter this index.
        Index(
            "ix_messages_outbox",
            "status",
            "next_attempt_at",
            postgresql_where=text(OUTBOX_WAITING),
            sqlite_where=text(OUTBOX_WAITING),
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(128))
    provider_id: Mapped[str | None] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(16))
    # The provider's message type (text, image, audio, location, ...) and media.
    type: Mapped[str] = mapped_column(String(16), default="text", server_default="text")
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Outbound delivery through a provider: attempts made, and when to try again.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime | None]
    # An agent reply's author as the visitor sees it: the agent's name when it was sent
    # (kept like an e-mail's From line, so a later rename does not rewrite history).
    sender_name: Mapped[str | None] = mapped_column(String(200))
    # And the avatar it was sent with (the agent's `avatar_id` then), for the same reason.
    sender_avatar: Mapped[str | None] = mapped_column(String(32))
    # AI replies: the model's token usage.
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Integration(Base):
    """A company's provider account; `secrets` is Fernet ciphertext (hub.runtime.crypto)."""

    __tablename__ = "integrations"
    __table_args__ = (
        UniqueConstraint("company_id", "provider"),
        UniqueConstraint("provider", "address"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    # What inbound webhooks are routed by: the Twilio number (E.164) or Kapso phone_number_id.
    address: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QaPair(Base):
    __tablename__ = "qa_pairs"
    __table_args__ = (Index("ix_qa_pairs_company", "company_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AiSettings(Base):
    __tablename__ = "ai_settings"

    company_id: Mapped[str] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    model: Mapped[str] = mapped_column(String(100), default="llama-3.1-8b-instant")
    use_case: Mapped[str] = mapped_column(String(32), default="customer_support")
    instructions: Mapped[str] = mapped_column(Text, default="")
    temperature: Mapped[float] = mapped_column(Float, default=0.3)
    max_tokens: Mapped[int] = mapped_column(Integer, default=400)
    # Outside the company's business hours (hub.workspace.business_hours) the AI answers
    # only when this is set.
    answer_off_hours: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Read by every process's cache of these settings (hub.ai.knowledge.KnowledgeService).
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, server_default=func.current_timestamp()
    )

    __table_args__ = (Index("ix_ai_settings_updated", "updated_at"),)


class Appointment(Base):
    """A slot the AI's request_appointment tool took down, for an agent to confirm."""

    __tablename__ = "appointments"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    requested_slot: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WidgetSession(Base):
    """A visitor's browser: the bearer `session_id` is stored only as its SHA-256."""

    __tablename__ = "widget_sessions"
    __table_args__ = (Index("ix_widget_sessions_last_seen", "last_seen_at"),)  # the idle purge

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Allocated at the first hello; the conversation row appears with the first message.
    conversation_id: Mapped[str] = mapped_column(ID, unique=True)
    page_url: Mapped[str | None] = mapped_column(String(2000))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    browser: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(32))
    # The browser's IANA time zone (hello): where an anonymous visitor is, their local time.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The verified user (widget_users) this browser is signed in as, else None.
    user_ref: Mapped[str | None] = mapped_column(ID, index=True)
    # The pre-chat form's answers while the conversation (and its contact) does not exist.
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # An address the visitor typed in this widget themselves (a `profile` frame with
    # `typed`): the only kind an agent's later answer is mailed to (hub.workspace.followups).
    reply_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Refreshed while a socket of the session is open, and stamped when its last one closes.
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WidgetUser(Base):
    """A signed-in user of the company's site, verified by HMAC (hub.workspace.widget_settings):
    every widget session of theirs shares this contact and conversation. Both ids are
    allocated here; their rows appear with the first message, as for any widget session."""

    __tablename__ = "widget_users"
    __table_args__ = (UniqueConstraint("company_id", "user_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(128))  # the company's own id for the user
    contact_id: Mapped[str] = mapped_column(ID, index=True)
    conversation_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WidgetSettings(Base):
    """How a company's widget looks and behaves, and its identity-verification secret
    (`secret`: Fernet ciphertext, hub.runtime.crypto; None until an owner creates one)."""

    __tablename__ = "widget_settings"

    company_id: Mapped[str] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    greeting: Mapped[str | None] = mapped_column(String(500))
    color: Mapped[str] = mapped_column(String(7), default="#1d4e89")
    text_color: Mapped[str] = mapped_column(String(7), default="#ffffff")
    position: Mapped[str] = mapped_column(String(8), default="right")
    language: Mapped[str] = mapped_column(String(8), default="auto")
    pre_chat_form: Mapped[bool] = mapped_column(Boolean, default=False)
    # Ask the visitor "How was this conversation?" when an agent resolves it.
    rating_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    secret: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Visit(Base):
    """One visit: the page views of a session within the visit window of each other
    (`visit_id` is its first page view's); `engaged` flips once. Rows of sessions that never
    wrote are purged with them; `daily_stats` keeps the counts."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("company_id", "visit_id"),
        Index("ix_visits_session", "session_id", "last_seen_at"),  # the session's latest visit
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    visit_id: Mapped[str] = mapped_column(String(128))
    session_id: Mapped[str | None] = mapped_column(ID)
    day: Mapped[dt.date] = mapped_column(Date)
    engaged: Mapped[bool] = mapped_column(Boolean, default=False)
    page_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Its last page load: a hello within the window of it continues the visit. Nullable only
    # because migration 0014 adds it to existing rows (backfilled from created_at).
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)


class DailyStats(Base):
    """Visit counters per company per day, kept as they happen (and kept after erasure)."""

    __tablename__ = "daily_stats"

    company_id: Mapped[str] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    engaged_visits: Mapped[int] = mapped_column(Integer, default=0)


class AuditRecord(Base):
    """Who did what to whose data, and when; never the data itself. Kept after erasures
    (no foreign keys: the audit outlives the rows it speaks of)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_company_created", "company_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ID)
    actor_agent_id: Mapped[str | None] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    # Counts and identifiers only (e.g. {"messages": 12}); nothing personal.
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Note(Base):
    """A private note between agents on a conversation: never a message, so never sent to
    the contact, replayed to the widget, queued for a provider or read into the AI's history."""

    __tablename__ = "notes"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_id"),
        Index("ix_notes_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    client_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CannedResponse(Base):
    """A company's saved reply, inserted in the inbox by typing `/shortcut`."""

    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("company_id", "shortcut"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Rating(Base):
    """A visitor's satisfaction rating of one resolution of a widget conversation: at most one
    per (conversation, `resolved_at`, the conversation's `status_at` when it was resolved),
    so a conversation reopened and resolved again can be rated again. `agent_id`: the
    assignee when the rating came (hub.conversations.ratings)."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("conversation_id", "resolved_at"),
        Index("ix_ratings_company_created", "company_id", "created_at"),  # analytics
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(SmallInteger)  # 1 (bad) to 5 (great)
    comment: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A named API key an owner made for scripts (hub.identity.api_keys): only its SHA-256 is
    kept. It acts as `agent_id` (the owner who made it) with `role`, while that agent is
    active; revoking deletes the row."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_company_created", "company_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # `read write admin`, space-separated (hub.identity.scopes); all three for older keys
    scopes: Mapped[str] = mapped_column(String(32), server_default="read write admin")
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, shown
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the key
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]  # written at most once a minute


class InboxSettings(Base):
    """How a company's conversations are handed to agents (absent: the defaults)."""

    __tablename__ = "inbox_settings"

    company_id: Mapped[str] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=True)
    # Automatic assignment skips an agent holding this many open or pending conversations.
    assign_cap: Mapped[int] = mapped_column(Integer, default=10)


class AgentPresence(Base):
    """One agent's presence, whichever process its sockets are on: `away` is its own choice,
    `version` grows with every change (clients keep the highest), `last_assigned_at` is the
    round-robin's turn."""

    __tablename__ = "agent_presence"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    away: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    last_assigned_at: Mapped[dt.datetime | None]


class AgentSocket(Base):
    """An agent with open sockets on one hub process, refreshed by that process's heartbeat:
    a row older than the time-to-live belongs to a process that died."""

    __tablename__ = "agent_sockets"
    __table_args__ = (Index("ix_agent_sockets_seen", "seen_at"),)

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    process_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# -- counters -------------------------------------------------------------------------------
#
# Kept by the database as rows are inserted (migration 0008: triggers on messages and
# conversations, in the inserting transaction), read by hub.workspace.analytics. They hold
# counts only, keyed by company and time, never a conversation, contact or message: erasing a
# person or purging old messages leaves them as they were. `bucket` is the Unix time of the
# quarter hour the row counts (every time zone's midnight falls on one, so local days are
# exact). `shard` spreads one company's quarter hour over several rows on PostgreSQL
# (`pg_backend_pid() % 8`), so transactions of different connections do not queue on one
# row lock; readers sum over it. SQLite has one writer: shard 0.


def _company_fk() -> Any:
    return ForeignKey("companies.id", ondelete="CASCADE")


class MessageCount(Base):
    """Messages per company, quarter hour, channel, sender and direction; AI token usage."""

    __tablename__ = "message_counts"
    __table_args__ = {"sqlite_with_rowid": False}

    company_id: Mapped[str] = mapped_column(ID, _company_fk(), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    sender: Mapped[str] = mapped_column(String(16), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    messages: Mapped[int] = mapped_column(BigInteger)
    # AI messages that carry token usage, and their tokens.
    ai_replies: Mapped[int] = mapped_column(BigInteger)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger)
    completion_tokens: Mapped[int] = mapped_column(BigInteger)


class ConversationCount(Base):
    """Conversations started per company, quarter hour and channel."""

    __tablename__ = "conversation_counts"
    __table_args__ = {"sqlite_with_rowid": False}

    company_id: Mapped[str] = mapped_column(ID, _company_fk(), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    conversations: Mapped[int] = mapped_column(BigInteger)


class ResponseTime(Base):
    """A histogram of first-response times: conversations whose first inbound message fell in
    `bucket` and whose first `responder` (agent or ai) reply after it came `seconds` later
    (rounded to whole seconds)."""

    __tablename__ = "response_times"
    __table_args__ = {"sqlite_with_rowid": False}

    company_id: Mapped[str] = mapped_column(ID, _company_fk(), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    responder: Mapped[str] = mapped_column(String(16), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    conversations: Mapped[int] = mapped_column(BigInteger)


class Attachment(Base):
    """An uploaded file (hub.workspace.attachments): its bytes are in the attachment store
    under `storage_key`; `message_id` is set once a message carries it. `conversation_id`
    has no foreign key: a visitor's first upload comes before their conversation exists."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_conversation", "company_id", "conversation_id"),
        Index("ix_attachments_message", "message_id"),
    )

    # 128 random bits (not new_id's time-ordered ones): with the session or token it is
    # checked against, the id is the capability to read the file.
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ID)
    message_id: Mapped[str | None] = mapped_column(ID)
    uploader: Mapped[str] = mapped_column(String(16))  # visitor | agent
    agent_id: Mapped[str | None] = mapped_column(ID)
    name: Mapped[str] = mapped_column(String(200))  # the scanned display name
    content_type: Mapped[str] = mapped_column(String(100))  # sniffed, never the client's
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BusinessHours(Base):
    """A company's opening hours (hub.workspace.business_hours): absent, always open.
    `schedule`: weekday ("mon".."sun") -> [["HH:MM", "HH:MM"], ...] in `timezone`;
    `holidays`: ["YYYY-MM-DD", ...], closed all day."""

    __tablename__ = "business_hours"

    company_id: Mapped[str] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    holidays: Mapped[list[str]] = mapped_column(JSON)
    reply_minutes: Mapped[int | None] = mapped_column(Integer)
    reply_text: Mapped[str | None] = mapped_column(String(200))
    away_message: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class MailFollowup(Base):
    """An agent's answer in a widget conversation that may have to reach the visitor by
    mail (hub.workspace.followups): one row per conversation while answers are pending, so
    a burst of answers makes one mail. `first_at`: the burst's first answer; `due_at`: when
    the worker looks whether the visitor has seen it."""

    __tablename__ = "mail_followups"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    first_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class AgentSession(Base):
    """A browser's sign-in (hub.identity.sessions): the cookie holds 256 random bits, this
    row only their SHA-256, so a copy of the database signs nobody in. Ends at `expires_at`
    (absolute) or after the idle lifetime since `last_seen_at`."""

    __tablename__ = "agent_sessions"
    __table_args__ = (Index("ix_agent_sessions_agent", "agent_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the cookie
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class AccountToken(Base):
    """A single-use link's secret (email verification, password reset), SHA-256 at rest."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_agent", "agent_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the secret
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # verify | reset
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Invitation(Base):
    """An owner's invitation of an email to the company (hub.workspace.invitations): its
    link's secret SHA-256 at rest, single-use, expiring; a resend replaces the secret."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_company_email", "company_id", "email"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Team(Base):
    """A company's team of agents (hub.workspace.teams): a conversation assigned to it with
    `round_robin` on goes to its members in turn (hub.conversations.team_assignment)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    round_robin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookEndpoint(Base):
    """An owner's outgoing webhook (hub.webhooks): where to POST which events, signed with
    `secret` (a `whsec_` key, sealed by the Vault). `state`: active | paused (by its owner, or
    by the hub after a day of failures). `failing_since`: its first failure since its last
    success, if any."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_company", "company_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(Text)  # sealed (hub.runtime.crypto)
    state: Mapped[str] = mapped_column(String(16), default="active")
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    failing_since: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TeamMember(Base):
    """An agent's membership of a team."""

    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_agent", "agent_id"),)

    team_id: Mapped[str] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """One agent's named list filter (hub.workspace.saved_views), private to that agent."""

    __tablename__ = "saved_views"
    __table_args__ = (Index("ix_saved_views_agent", "agent_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    filter: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one endpoint (hub.webhooks): the signed body is `payload`, exactly.
    `id` sorts in recording order; an endpoint's deliveries with the same `order_key` (the
    conversation, else the contact) go one at a time in that order. `status`: pending |
    delivered | failed; a pending one is due at `next_attempt_at` (a claimed one's lease)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "endpoint_id", "order_key", "status", "id"),
        Index("ix_webhook_deliveries_contact", "contact_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40))  # the `webhook-id` header
    event_type: Mapped[str] = mapped_column(String(40))
    order_key: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str | None] = mapped_column(String(32))  # erased with the contact
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]


class WebhookAttempt(Base):
    """The log of one POST of a delivery: its status code or error, and the response's
    first 2 KB."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "attempt"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Label(Base):
    """A company's label (issue 21): put on conversations and contacts to organise them."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    colour: Mapped[str] = mapped_column(String(7))  # "#rrggbb"
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ConversationLabel(Base):
    """A label on a conversation (gone with either)."""

    __tablename__ = "conversation_labels"
    __table_args__ = (Index("ix_conversation_labels_label", "label_id", "conversation_id"),)

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[str] = mapped_column(
        ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))


class ContactLabel(Base):
    """A label on a contact (gone with either)."""

    __tablename__ = "contact_labels"
    __table_args__ = (Index("ix_contact_labels_label", "label_id", "contact_id"),)

    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[str] = mapped_column(
        ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
