"""invitations that expire (Supabase links only through one)

`agents.invitation_expires_at`: until when a Supabase sign-in with a confirmed email may
accept the invitation an owner made (`POST /api/agents`). Agents added any other way (the
CLI, the company's first owner) have none, so Supabase never links them by email alone.
Pending invitations (an email, never linked nor signed in, not revoked) made in the last
seven days stay open for the rest of those seven days. Plain ADD COLUMN only.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:00:00

"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
INVITATION_DAYS = 7


def upgrade() -> None:
    op.add_column("agents", sa.Column("invitation_expires_at", WHEN, nullable=True))
    _keep_pending_invitations()


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
    op.drop_column("agents", "invitation_expires_at")
