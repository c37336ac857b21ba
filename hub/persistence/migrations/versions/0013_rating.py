"""satisfaction ratings, the widget's rating switch, agents' notification switches

New table `ratings` (one visitor rating per resolution of a widget conversation, behind the
tenant wall of 0005); `widget_settings.rating_enabled`; `agents.notifications` and
`agents.sound`. Plain ADD COLUMN / CREATE TABLE only: no table is copied.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
ID = sa.String(length=32)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    for table, column in (
        ("widget_settings", "rating_enabled"),
        ("agents", "notifications"),
        ("agents", "sound"),
    ):
        op.add_column(
            table, sa.Column(column, sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "ratings",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "conversation_id",
            ID,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="SET NULL"), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("resolved_at", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("conversation_id", "resolved_at"),
    )
    op.create_index("ix_ratings_company_created", "ratings", ["company_id", "created_at"])
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ratings TO {ROLE}")
        op.execute("ALTER TABLE ratings ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_wall ON ratings TO {ROLE} "
            f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
        )


def downgrade() -> None:
    op.drop_index("ix_ratings_company_created", table_name="ratings")
    op.drop_table("ratings")  # its policy and grants go with it
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `agents` would null every assignee.
    op.drop_column("agents", "sound")
    op.drop_column("agents", "notifications")
    op.drop_column("widget_settings", "rating_enabled")
