"""API keys; invitations that expire (Supabase links only through one)

New table `api_keys` (an owner's named keys for scripts: the SHA-256 of each, never the key;
behind the tenant wall of 0005).

`agents.invitation_expires_at`: until when a Supabase sign-in with a confirmed email may
accept the invitation an owner made (`POST /api/agents`). Agents added any other way (the
CLI, the company's first owner) have none, so Supabase never links them by email alone.
Pending invitations (an email, never linked nor signed in, not revoked) made in the last
seven days stay open for the rest of those seven days. Plain ADD COLUMN only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 10:00:00

"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ID = sa.String(length=32)
INVITATION_DAYS = 7
ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"


def upgrade() -> None:
    op.add_column("agents", sa.Column("invitation_expires_at", WHEN, nullable=True))
    _keep_pending_invitations()
    _create_api_keys()


def _create_api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_used_at", WHEN, nullable=True),
    )
    op.create_index("ix_api_keys_company_created", "api_keys", ["company_id", "created_at"])
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys TO {ROLE}")
        op.execute("ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_wall ON api_keys TO {ROLE} "
            f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
        )


def _keep_pending_invitations() -> None:
    agents = sa.table(
        "agents",
        sa.column("id", sa.String),
        sa.column("email", sa.String),
        sa.column("revoked", sa.Boolean),
        sa.column("supabase_user_id", sa.String),
        sa.column("last_sign_in_at", WHEN),
        sa.column("created_at", WHEN),
        sa.column("invitation_expires_at", WHEN),
    )
    since = datetime.now(UTC) - timedelta(days=INVITATION_DAYS)
    bind = op.get_bind()
    pending = bind.execute(
        sa.select(agents.c.id, agents.c.created_at).where(
            agents.c.email.is_not(None),
            agents.c.revoked.is_(False),
            agents.c.supabase_user_id.is_(None),
            agents.c.last_sign_in_at.is_(None),
            agents.c.created_at > since,
        )
    ).all()
    for agent_id, created_at in pending:
        bind.execute(
            sa.update(agents)
            .where(agents.c.id == agent_id)
            .values(invitation_expires_at=created_at + timedelta(days=INVITATION_DAYS))
        )


def downgrade() -> None:
    op.drop_index("ix_api_keys_company_created", table_name="api_keys")
    op.drop_table("api_keys")  # its policy and grants go with it
    op.drop_column("agents", "invitation_expires_at")
