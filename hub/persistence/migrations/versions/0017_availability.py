"""availability: business hours, the AI's off-hours switch, mail follow-ups

New tables `business_hours` (a company's time zone, weekly schedule, holidays, expected reply
time and away message) and `mail_followups` (agents' answers that may have to reach an absent
visitor by mail), both behind the tenant wall of 0005; `ai_settings.answer_off_hours`;
`widget_sessions.reply_email` (an address the visitor typed in the widget). Plain ADD COLUMN
and CREATE TABLE only: no table is copied.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
ID = sa.String(length=32)
WHEN = sa.DateTime(timezone=True)


def _company() -> sa.Column[str]:
    return sa.Column(
        "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.add_column(
        "ai_settings",
        sa.Column("answer_off_hours", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("widget_sessions", sa.Column("reply_email", sa.String(320), nullable=True))
    op.create_table(
        "business_hours",
        sa.Column(
            "company_id",
            ID,
            sa.ForeignKey("companies.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("reply_minutes", sa.Integer(), nullable=True),
        sa.Column("reply_text", sa.String(200), nullable=True),
        sa.Column("away_message", sa.String(500), nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_business_hours_updated_at", "business_hours", ["updated_at"])
    op.create_table(
        "mail_followups",
        sa.Column(
            "conversation_id",
            ID,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _company(),
        sa.Column("first_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )
    op.create_index("ix_mail_followups_due_at", "mail_followups", ["due_at"])
    if op.get_context().dialect.name == "postgresql":
        for table in ("business_hours", "mail_followups"):
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
                f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
            )


def downgrade() -> None:
    op.drop_index("ix_mail_followups_due_at", table_name="mail_followups")
    op.drop_table("mail_followups")
    op.drop_index("ix_business_hours_updated_at", table_name="business_hours")
    op.drop_table("business_hours")
    op.drop_column("widget_sessions", "reply_email")
    op.drop_column("ai_settings", "answer_off_hours")
