"""one invitation path: Supabase links only through an `invitations` row

`agents.invitation_expires_at` (0018) let a Supabase sign-in link to an agent row an owner
made with `POST /api/agents`. Supabase now accepts the same `invitations` row the email link
carries (hub.identity.joining), so each still-open agent-row invitation (not expired, never
linked nor signed in, not revoked) becomes an `invitations` row with its email, role and
expiry, whose link secret nobody holds (the owner can resend it for a link). Then the column
goes: a plain DROP COLUMN (SQLite 3.35+), as a batch copy of `agents` would null every
assignee. Downgrade brings the column back empty.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 00:00:00

"""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)

agents = sa.table(
    "agents",
    sa.column("company_id", sa.String),
    sa.column("email", sa.String),
    sa.column("role", sa.String),
    sa.column("revoked", sa.Boolean),
    sa.column("supabase_user_id", sa.String),
    sa.column("last_sign_in_at", WHEN),
    sa.column("created_at", WHEN),
    sa.column("invitation_expires_at", WHEN),
)
invitations = sa.table(
    "invitations",
    sa.column("id", sa.String),
    sa.column("company_id", sa.String),
    sa.column("email", sa.String),
    sa.column("role", sa.String),
    sa.column("token_hash", sa.String),
    sa.column("expires_at", WHEN),
    sa.column("created_at", WHEN),
)


def upgrade() -> None:
    bind = op.get_bind()
    pending = bind.execute(
        sa.select(
            agents.c.company_id,
            agents.c.email,
            agents.c.role,
            agents.c.created_at,
            agents.c.invitation_expires_at,
        ).where(
            agents.c.email.is_not(None),
            agents.c.revoked.is_(False),
            agents.c.supabase_user_id.is_(None),
            agents.c.last_sign_in_at.is_(None),
            agents.c.invitation_expires_at > datetime.now(UTC),
        )
    ).all()
    for company_id, email, role, created_at, expires_at in pending:
        bind.execute(
            sa.insert(invitations).values(
                id=uuid.uuid4().hex,
                company_id=company_id,
                email=email.strip().lower(),
                role=role,
                token_hash=hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest(),
                expires_at=expires_at,
                created_at=created_at,
            )
        )
    op.drop_column("agents", "invitation_expires_at")


def downgrade() -> None:
    op.add_column("agents", sa.Column("invitation_expires_at", WHEN, nullable=True))
