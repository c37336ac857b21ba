"""accounts: passwords, browser sessions, single-use links, invitations

`agents.password_hash` (argon2id) and `agents.email_verified_at`; new tables
`agent_sessions` (cookie sessions, SHA-256 of the id), `account_tokens` (verification and
reset links, SHA-256 of the secret) and `invitations`, all three behind the tenant wall of
0005. Plain ADD COLUMN / CREATE TABLE only: no table is copied.

Revision ID: 0020
Revises: 0019
Create Date: 2027-01-10 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
ID = sa.String(length=32)
HASH = sa.String(length=64)
WHEN = sa.DateTime(timezone=True)
TABLES = ("agent_sessions", "account_tokens", "invitations")


def _company() -> sa.Column[str]:
    return sa.Column(
        "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
    )


def _agent() -> sa.Column[str]:
    return sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.add_column("agents", sa.Column("password_hash", sa.String(length=255), nullable=True))
    op.add_column("agents", sa.Column("email_verified_at", WHEN, nullable=True))
    op.create_table(
        "agent_sessions",
        sa.Column("id", HASH, primary_key=True),
        _company(),
        _agent(),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
    )
    op.create_index("ix_agent_sessions_agent", "agent_sessions", ["agent_id"])
    op.create_table(
        "account_tokens",
        sa.Column("id", HASH, primary_key=True),
        _company(),
        _agent(),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_account_tokens_agent", "account_tokens", ["agent_id"])
    op.create_table(
        "invitations",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", HASH, nullable=False, unique=True),
        sa.Column("invited_by", ID, sa.ForeignKey("agents.id", ondelete="SET NULL"), nullable=True),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("accepted_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_invitations_company_email", "invitations", ["company_id", "email"])
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
                f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
            )


def downgrade() -> None:
    op.drop_index("ix_invitations_company_email", table_name="invitations")
    op.drop_table("invitations")
    op.drop_index("ix_account_tokens_agent", table_name="account_tokens")
    op.drop_table("account_tokens")
    op.drop_index("ix_agent_sessions_agent", table_name="agent_sessions")
    op.drop_table("agent_sessions")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `agents` would null every assignee.
    op.drop_column("agents", "email_verified_at")
    op.drop_column("agents", "password_hash")
