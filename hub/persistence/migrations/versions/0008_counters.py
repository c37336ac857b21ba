"""counters: analytics counts kept as rows are inserted; the wide analytics index goes

Three counter tables (hub.persistence.models: message_counts, conversation_counts,
response_times) are kept by triggers in the inserting transaction, so every writer (the
group commit, the careful path, seeders, future code) counts, and a rolled-back insert
counts nothing. They hold no conversation, contact or message: erasure and retention
purges leave them as they were. Conversations gain `first_inbound_at`, `agent_replied` and
`ai_replied`, which the triggers set to find each conversation's first responses: the first
inbound message is looked up when the conversation is first answered, so a visitor's or a
contact's message costs only its counter.

- PostgreSQL: statement-level triggers over the inserted rows (transition tables), so a
  group commit's batch, one INSERT, adds each counter once, with its rows locked in key
  order (no deadlocks between batches). The shard is `pg_backend_pid() % 8`.
- SQLite: row-level triggers (SQLite has no others), shard 0.

The counters are backfilled from the existing rows after the triggers exist, in the same
transaction. On PostgreSQL CREATE TRIGGER waits for in-flight writers and holds them off
until the migration commits, so each message is counted once: by the backfill or by the
trigger. The covering index `ix_messages_company_created` (analytics' only reader) is
replaced by (company_id, created_at) for the retention purge, and
`ix_conversations_company_created` (analytics' only) is dropped.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
COUNTERS = ("message_counts", "conversation_counts", "response_times")
QUARTER = 900  # seconds in a bucket
SHARDS = 8  # PostgreSQL's shards per counter
COVERING = [
    "company_id",
    "created_at",
    "channel",
    "sender",
    "direction",
    "conversation_id",
    "prompt_tokens",
    "completion_tokens",
]


def _company() -> sa.Column[str]:
    return sa.Column(
        "company_id",
        sa.String(length=32),
        sa.ForeignKey("companies.id", ondelete="CASCADE"),
        nullable=False,
    )


def _int(name: str, kind: type[sa.types.TypeEngine[int]] = sa.BigInteger) -> sa.Column[int]:
    return sa.Column(name, kind(), nullable=False)


def _str(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=16), nullable=False)


def create_tables() -> None:
    keys = ("company_id", "bucket", "channel")
    op.create_table(
        "message_counts",
        _company(),
        _int("bucket"),
        _str("channel"),
        _str("sender"),
        _str("direction"),
        _int("shard", sa.SmallInteger),
        *(_int(n) for n in ("messages", "ai_replies", "prompt_tokens", "completion_tokens")),
        sa.PrimaryKeyConstraint(*keys, "sender", "direction", "shard"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "conversation_counts",
        _company(),
        _int("bucket"),
        _str("channel"),
        _int("shard", sa.SmallInteger),
        _int("conversations"),
        sa.PrimaryKeyConstraint(*keys, "shard"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "response_times",
        _company(),
        _int("bucket"),
        _str("channel"),
        _str("responder"),
        _int("seconds", sa.Integer),
        _int("shard", sa.SmallInteger),
        _int("conversations"),
        sa.PrimaryKeyConstraint(*keys, "responder", "seconds", "shard"),
        sqlite_with_rowid=False,
    )


# -- SQL per dialect: the quarter hour of a time, and whole seconds between two ------------


def quarter(dialect: str, at: str) -> str:
    """The Unix time of the quarter hour `at` falls in."""
    if dialect == "postgresql":
        return f"hub_quarter({at})"
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC). Its date functions round to the
    # millisecond (09:14:59.9999 would be 09:15), so the minute is cut out as text first.
    return f"(CAST(strftime('%s', substr({at}, 1, 16)) AS INTEGER) / {QUARTER} * {QUARTER})"


def seconds(dialect: str, since: str, until: str) -> str:
    """Whole seconds from `since` to `until`, halves rounded up, exactly (no floats)."""
    if dialect == "postgresql":
        return f"CAST(round(extract(epoch FROM {until} - {since})) AS integer)"

    def micros(at: str) -> str:
        whole = f"CAST(strftime('%s', substr({at}, 1, 19)) AS INTEGER)"
        return f"({whole} * 1000000 + CAST(substr({at}, 21, 6) AS INTEGER))"

    return f"(({micros(until)} - {micros(since)} + 500000) / 1000000)"


# -- PostgreSQL: statement-level triggers --------------------------------------------------

# A plain SQL function: the planner inlines it.
PG_QUARTER = f"""
CREATE FUNCTION hub_quarter(at timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CAST(floor(extract(epoch FROM at) / {QUARTER}) AS bigint) * {QUARTER} $$
"""

PG_COUNT_MESSAGES = f"""
CREATE FUNCTION hub_count_messages() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    my_shard smallint := pg_backend_pid() % {SHARDS};
BEGIN
    -- ORDER BY: every transaction locks counter rows in the same order, so two batches
    -- touching the same rows queue instead of deadlocking.
    INSERT INTO message_counts AS c (company_id, bucket, channel, sender, direction, shard,
                                     messages, ai_replies, prompt_tokens, completion_tokens)
    SELECT company_id, hub_quarter(created_at), channel, sender, direction, my_shard,
           count(*),
           count(prompt_tokens) FILTER (WHERE sender = 'ai'),
           coalesce(sum(prompt_tokens) FILTER (WHERE sender = 'ai'), 0),
           coalesce(sum(completion_tokens) FILTER (WHERE sender = 'ai'), 0)
    FROM new_messages
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (company_id, bucket, channel, sender, direction, shard) DO UPDATE SET
        messages = c.messages + EXCLUDED.messages,
        ai_replies = c.ai_replies + EXCLUDED.ai_replies,
        prompt_tokens = c.prompt_tokens + EXCLUDED.prompt_tokens,
        completion_tokens = c.completion_tokens + EXCLUDED.completion_tokens;

    -- Visitors' and contacts' messages cost nothing more: a conversation's first inbound
    -- message is looked up when the conversation is first answered.
    IF NOT EXISTS (SELECT 1 FROM new_messages WHERE sender IN ('agent', 'ai')) THEN
        RETURN NULL;
    END IF;
    UPDATE conversations AS c SET first_inbound_at = f.at
    FROM (SELECT m.conversation_id, min(m.created_at) AS at
          FROM conversations AS o JOIN messages AS m ON m.conversation_id = o.id
          WHERE o.id IN (SELECT conversation_id FROM new_messages
                         WHERE sender IN ('agent', 'ai'))
            AND o.first_inbound_at IS NULL AND m.direction = 'inbound'
          GROUP BY m.conversation_id) AS f
    WHERE c.id = f.conversation_id;

    -- Each conversation's first agent and first AI reply after it, once.
    WITH replies AS (
        SELECT c.id, c.company_id, c.channel, c.first_inbound_at AS inbound,
               n.sender AS responder, min(n.created_at) AS at
        FROM new_messages AS n JOIN conversations AS c ON c.id = n.conversation_id
        WHERE n.sender IN ('agent', 'ai') AND n.created_at > c.first_inbound_at
          AND NOT CASE n.sender WHEN 'agent' THEN c.agent_replied ELSE c.ai_replied END
        GROUP BY c.id, c.company_id, c.channel, c.first_inbound_at, n.sender
    ), marked AS (
        UPDATE conversations AS c
        SET agent_replied = c.agent_replied OR r.agent, ai_replied = c.ai_replied OR r.ai
        FROM (SELECT id, bool_or(responder = 'agent') AS agent, bool_or(responder = 'ai') AS ai
              FROM replies GROUP BY id) AS r
        WHERE c.id = r.id
    )
    INSERT INTO response_times AS t (company_id, bucket, channel, responder, seconds, shard,
                                     conversations)
    SELECT company_id, hub_quarter(inbound), channel, responder,
           {seconds("postgresql", "inbound", "at")}, my_shard, count(*)
    FROM replies
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (company_id, bucket, channel, responder, seconds, shard) DO UPDATE
    SET conversations = t.conversations + EXCLUDED.conversations;
    RETURN NULL;
END $$
"""

PG_COUNT_CONVERSATIONS = f"""
CREATE FUNCTION hub_count_conversations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO conversation_counts AS c (company_id, bucket, channel, shard, conversations)
    SELECT company_id, hub_quarter(created_at), channel, pg_backend_pid() % {SHARDS}, count(*)
    FROM new_conversations
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (company_id, bucket, channel, shard) DO UPDATE
    SET conversations = c.conversations + EXCLUDED.conversations;
    RETURN NULL;
END $$
"""

PG_TRIGGERS = (
    "CREATE TRIGGER messages_counted AFTER INSERT ON messages "
    "REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT "
    "EXECUTE FUNCTION hub_count_messages()",
    "CREATE TRIGGER conversations_counted AFTER INSERT ON conversations "
    "REFERENCING NEW TABLE AS new_conversations FOR EACH STATEMENT "
    "EXECUTE FUNCTION hub_count_conversations()",
)


def create_postgres_triggers() -> None:
    for sql in (PG_QUARTER, PG_COUNT_MESSAGES, PG_COUNT_CONVERSATIONS, *PG_TRIGGERS):
        op.execute(sql)
    # As migration 0005 does for every company-owned table: tenant transactions write the
    # counters through the triggers (which run as the inserting role) and read them.
    for name in COUNTERS:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {ROLE}")
        op.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_wall ON {name} TO {ROLE} "
            f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
        )


# -- SQLite: row-level triggers ----------------------------------------------------------

SQLITE_TRIGGERS = (
    f"""
CREATE TRIGGER messages_counted AFTER INSERT ON messages BEGIN
    INSERT INTO message_counts (company_id, bucket, channel, sender, direction, shard,
                                messages, ai_replies, prompt_tokens, completion_tokens)
    VALUES (NEW.company_id, {quarter("sqlite", "NEW.created_at")}, NEW.channel, NEW.sender,
            NEW.direction, 0, 1,
            NEW.sender = 'ai' AND NEW.prompt_tokens IS NOT NULL,
            CASE WHEN NEW.sender = 'ai' THEN coalesce(NEW.prompt_tokens, 0) ELSE 0 END,
            CASE WHEN NEW.sender = 'ai' THEN coalesce(NEW.completion_tokens, 0) ELSE 0 END)
    ON CONFLICT (company_id, bucket, channel, sender, direction, shard) DO UPDATE SET
        messages = messages + 1,
        ai_replies = ai_replies + excluded.ai_replies,
        prompt_tokens = prompt_tokens + excluded.prompt_tokens,
        completion_tokens = completion_tokens + excluded.completion_tokens;
END
""",
    f"""
CREATE TRIGGER messages_first_reply AFTER INSERT ON messages
WHEN NEW.sender IN ('agent', 'ai') BEGIN
    UPDATE conversations SET first_inbound_at = (
        SELECT min(created_at) FROM messages
        WHERE conversation_id = NEW.conversation_id AND direction = 'inbound')
    WHERE id = NEW.conversation_id AND first_inbound_at IS NULL;
    INSERT INTO response_times (company_id, bucket, channel, responder, seconds, shard,
                                conversations)
    SELECT company_id, {quarter("sqlite", "first_inbound_at")}, channel, NEW.sender,
           {seconds("sqlite", "first_inbound_at", "NEW.created_at")}, 0, 1
    FROM conversations
    WHERE id = NEW.conversation_id AND first_inbound_at < NEW.created_at
      AND NOT CASE NEW.sender WHEN 'agent' THEN agent_replied ELSE ai_replied END
    ON CONFLICT (company_id, bucket, channel, responder, seconds, shard) DO UPDATE
    SET conversations = conversations + 1;
    UPDATE conversations
    SET agent_replied = agent_replied OR NEW.sender = 'agent',
        ai_replied = ai_replied OR NEW.sender = 'ai'
    WHERE id = NEW.conversation_id AND first_inbound_at < NEW.created_at;
END
""",
    f"""
CREATE TRIGGER conversations_counted AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_counts (company_id, bucket, channel, shard, conversations)
    VALUES (NEW.company_id, {quarter("sqlite", "NEW.created_at")}, NEW.channel, 0, 1)
    ON CONFLICT (company_id, bucket, channel, shard) DO UPDATE
    SET conversations = conversations + 1;
END
""",
)
SQLITE_TRIGGER_NAMES = ("messages_counted", "messages_first_reply", "conversations_counted")


# -- the backfill: the same counts from the rows already there -----------------------------


def backfill(dialect: str) -> None:
    """Count what the triggers would have counted, had they always existed."""
    at = quarter(dialect, "created_at")
    op.execute(
        "INSERT INTO message_counts (company_id, bucket, channel, sender, direction, shard, "
        "messages, ai_replies, prompt_tokens, completion_tokens) "
        f"SELECT company_id, {at}, channel, sender, direction, 0, count(*), "
        "count(CASE WHEN sender = 'ai' THEN prompt_tokens END), "
        "coalesce(sum(CASE WHEN sender = 'ai' THEN prompt_tokens END), 0), "
        "coalesce(sum(CASE WHEN sender = 'ai' THEN completion_tokens END), 0) "
        f"FROM messages GROUP BY company_id, {at}, channel, sender, direction"
    )
    op.execute(
        "INSERT INTO conversation_counts (company_id, bucket, channel, shard, conversations) "
        f"SELECT company_id, {at}, channel, 0, count(*) "
        f"FROM conversations GROUP BY company_id, {at}, channel"
    )
    op.execute(
        "UPDATE conversations SET first_inbound_at = f.at "
        "FROM (SELECT conversation_id, min(created_at) AS at FROM messages "
        "WHERE direction = 'inbound' GROUP BY conversation_id) AS f "
        "WHERE conversations.id = f.conversation_id"
    )
    replies = (
        "SELECT c.id, c.company_id, c.channel, c.first_inbound_at AS inbound, "
        "m.sender AS responder, min(m.created_at) AS at "
        "FROM conversations AS c JOIN messages AS m ON m.conversation_id = c.id "
        "WHERE m.sender IN ('agent', 'ai') AND m.created_at > c.first_inbound_at "
        "GROUP BY c.id, c.company_id, c.channel, c.first_inbound_at, m.sender"
    )
    bucket, gap = quarter(dialect, "inbound"), seconds(dialect, "inbound", "at")
    op.execute(
        "INSERT INTO response_times (company_id, bucket, channel, responder, seconds, shard, "
        f"conversations) SELECT company_id, {bucket}, channel, responder, {gap}, 0, count(*) "
        f"FROM ({replies}) AS r GROUP BY company_id, {bucket}, channel, responder, {gap}"
    )
    true = "true" if dialect == "postgresql" else "1"
    for responder, flag in (("agent", "agent_replied"), ("ai", "ai_replied")):
        op.execute(
            f"UPDATE conversations SET {flag} = {true} WHERE EXISTS (SELECT 1 FROM messages AS m "
            f"WHERE m.conversation_id = conversations.id AND m.sender = '{responder}' "
            "AND m.created_at > conversations.first_inbound_at)"
        )


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    create_tables()
    # Plain ALTER TABLEs, no batch mode: on SQLite a batch may copy a table, and dropping the
    # old conversations table would cascade to every message (foreign_keys=ON).
    op.add_column(
        "conversations", sa.Column("first_inbound_at", sa.DateTime(timezone=True), nullable=True)
    )
    for flag in ("agent_replied", "ai_replied"):
        op.add_column(
            "conversations",
            sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    op.drop_index("ix_conversations_company_created", table_name="conversations")
    op.drop_index("ix_messages_company_created", table_name="messages")
    op.create_index("ix_messages_company_created_at", "messages", ["company_id", "created_at"])
    if dialect == "postgresql":
        create_postgres_triggers()
    else:
        for sql in SQLITE_TRIGGERS:
            op.execute(sql)
    backfill(dialect)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER messages_counted ON messages")
        op.execute("DROP TRIGGER conversations_counted ON conversations")
        for function in ("hub_count_messages()", "hub_count_conversations()", "hub_quarter"):
            op.execute(f"DROP FUNCTION {function}")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {name}")
    for name in COUNTERS:
        op.drop_table(name)
    op.drop_index("ix_messages_company_created_at", table_name="messages")
    op.create_index("ix_messages_company_created", "messages", COVERING)
    op.create_index(
        "ix_conversations_company_created", "conversations", ["company_id", "created_at", "channel"]
    )
    for name in ("ai_replied", "agent_replied", "first_inbound_at"):
        # SQLite 3.35+ drops a column in place; alembic's batch mode would copy the table.
        op.execute(f"ALTER TABLE conversations DROP COLUMN {name}")
