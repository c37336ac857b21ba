"""inbox workflow: statuses, snoozing, assignment, presence, private notes, canned responses

Conversations gain `status_at`, `snoozed_until` and `assignee_id` (the `status` column now
holds open, pending, snoozed or resolved), and `handled_by` gains "waiting": the AI handed the
conversation off and no agent has claimed it yet. New tables: `notes`, `canned_responses`,
`inbox_settings`, `agent_presence` and `agent_sockets`, each behind the tenant wall of 0005.

Revision ID: 0009
Revises: 0007 (0008 is being written in parallel; the chain is fixed when both land)
Create Date: 2026-11-30 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
NEW_TABLES = ("notes", "canned_responses", "inbox_settings", "agent_presence", "agent_sockets")
SNOOZED = "status = 'snoozed'"
ID = sa.String(length=32)
WHEN = sa.DateTime(timezone=True)


def _company() -> sa.Column[str]:
    return sa.Column(
        "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    # Plain ALTER TABLEs, never batch mode: on SQLite a batch copies the table, which would
    # cascade-delete every message and trip 0008's triggers that name it.
    op.add_column("conversations", sa.Column("status_at", WHEN, nullable=True))
    op.add_column("conversations", sa.Column("snoozed_until", WHEN, nullable=True))
    if op.get_context().dialect.name == "sqlite":
        # SQLite takes a REFERENCES clause in ADD COLUMN, not a constraint added later.
        op.execute(
            "ALTER TABLE conversations ADD COLUMN assignee_id VARCHAR(32) "
            "REFERENCES agents (id) ON DELETE SET NULL"
        )
    else:
        assignee = sa.ForeignKey(
            "agents.id", name="fk_conversations_assignee_id", ondelete="SET NULL"
        )
        op.add_column("conversations", sa.Column("assignee_id", ID, assignee, nullable=True))
    op.create_index(
        "ix_conversations_company_status", "conversations", ["company_id", "status", "assignee_id"]
    )
    op.create_index(
        "ix_conversations_snoozed",
        "conversations",
        ["snoozed_until"],
        postgresql_where=sa.text(SNOOZED),
        sqlite_where=sa.text(SNOOZED),
    )
    # An AI handoff used to read "human" before anyone took it: it was waiting for one.
    op.execute(
        "UPDATE conversations SET handled_by = 'waiting' "
        "WHERE handled_by = 'human' AND needs_human = true"
    )
    _create_tables()
    _tenant_walls()


def _create_tables() -> None:
    op.create_table(
        "notes",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column(
            "conversation_id",
            ID,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="SET NULL"), nullable=True),
        sa.Column("client_id", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("conversation_id", "client_id"),
    )
    op.create_index("ix_notes_conversation_created", "notes", ["conversation_id", "created_at"])
    op.create_table(
        "canned_responses",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("company_id", "shortcut"),
    )
    op.create_table(
        "inbox_settings",
        sa.Column(
            "company_id",
            ID,
            sa.ForeignKey("companies.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("auto_assign", sa.Boolean(), nullable=False),
        sa.Column("assign_cap", sa.Integer(), nullable=False),
    )
    op.create_table(
        "agent_presence",
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
        _company(),
        sa.Column("away", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_assigned_at", WHEN, nullable=True),
    )
    op.create_table(
        "agent_sockets",
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("process_id", sa.String(length=32), primary_key=True),
        _company(),
        sa.Column("seen_at", WHEN, nullable=False),
    )
    op.create_index("ix_agent_sockets_seen", "agent_sockets", ["seen_at"])


def _tenant_walls() -> None:
    """0005's grants and policy on each new table (PostgreSQL only)."""
    if op.get_context().dialect.name != "postgresql":
        return
    for table in NEW_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
            f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
        )


def downgrade() -> None:
    op.drop_index("ix_agent_sockets_seen", table_name="agent_sockets")
    op.drop_index("ix_notes_conversation_created", table_name="notes")
    for table in reversed(NEW_TABLES):
        op.drop_table(table)  # its policy goes with it
    op.execute("UPDATE conversations SET handled_by = 'human' WHERE handled_by = 'waiting'")
    op.execute("UPDATE conversations SET status = 'open' WHERE status <> 'open'")
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_index("ix_conversations_snoozed")
        batch_op.drop_index("ix_conversations_company_status")
        batch_op.drop_constraint("fk_conversations_assignee_id", type_="foreignkey")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("status_at")
