"""teams and saved views (issue 21)

New tables `teams` (a company's named teams, round robin on or off), `team_members` (an
agent in a team) and `saved_views` (an agent's named list filters), each behind the tenant
wall of 0005. `conversations.team_id` (nullable, SET NULL when the team goes) with an index
on (company_id, team_id, status) for the list's team filter and the views' counts. Plain
CREATE TABLE and ADD COLUMN only: no row is rewritten.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ID = sa.String(length=32)
ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
TABLES = ("teams", "team_members", "saved_views")


def _company() -> sa.Column[str]:
    return sa.Column(
        "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("round_robin", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("company_id", "name"),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", ID, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
        _company(),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_team_members_agent", "team_members", ["agent_id"])
    op.create_table(
        "saved_views",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_saved_views_agent", "saved_views", ["agent_id", "created_at"])
    # Plain ALTER TABLE, never batch mode (see 0009): SQLite takes the REFERENCES inline.
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE conversations ADD COLUMN team_id VARCHAR(32) "
            "REFERENCES teams (id) ON DELETE SET NULL"
        )
    else:
        team = sa.ForeignKey("teams.id", name="fk_conversations_team_id", ondelete="SET NULL")
        op.add_column("conversations", sa.Column("team_id", ID, team, nullable=True))
    op.create_index(
        "ix_conversations_company_team", "conversations", ["company_id", "team_id", "status"]
    )
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
                f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
            )


def downgrade() -> None:
    op.drop_index("ix_conversations_company_team", table_name="conversations")
    op.drop_column("conversations", "team_id")  # SQLite 3.35+ drops a column in place
    op.drop_index("ix_saved_views_agent", table_name="saved_views")
    op.drop_table("saved_views")
    op.drop_index("ix_team_members_agent", table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("teams")
