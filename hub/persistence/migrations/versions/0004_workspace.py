"""workspace: Supabase users, verified phones, retention, audit log, analytics indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX_WAITING = "status IN ('queued', 'sending')"


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("agents") as batch_op:
        batch_op.add_column(sa.Column("supabase_user_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint("uq_agents_supabase_user_id", ["supabase_user_id"])
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_index("ix_messages_company_created")
        # Covers every analytics query over messages (hub.analytics), so they read no rows.
        batch_op.create_index(
            "ix_messages_company_created",
            [
                "company_id",
                "created_at",
                "channel",
                "sender",
                "direction",
                "conversation_id",
                "prompt_tokens",
                "completion_tokens",
            ],
        )
        # The outbox index holds only messages waiting for a provider.
        batch_op.drop_index("ix_messages_outbox")
        batch_op.create_index(
            "ix_messages_outbox",
            ["status", "next_attempt_at"],
            postgresql_where=sa.text(OUTBOX_WAITING),
            sqlite_where=sa.text(OUTBOX_WAITING),
        )
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.create_index(
            "ix_conversations_company_created", ["company_id", "created_at", "channel"]
        )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("actor_agent_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_company_created", "audit_log", ["company_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_company_created", table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_index("ix_conversations_company_created")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_index("ix_messages_outbox")
        batch_op.create_index("ix_messages_outbox", ["status", "next_attempt_at"])
        batch_op.drop_index("ix_messages_company_created")
        batch_op.create_index("ix_messages_company_created", ["company_id", "created_at"])
    with op.batch_alter_table("agents") as batch_op:
        batch_op.drop_constraint("uq_agents_supabase_user_id", type_="unique")
        batch_op.drop_column("phone_verified_at")
        batch_op.drop_column("phone")
        batch_op.drop_column("supabase_user_id")
    with op.batch_alter_table("companies") as batch_op:
        batch_op.drop_column("retention_days")
