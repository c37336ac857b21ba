"""channels: integrations, opt-out, windows, media, outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:57:36.244838

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "integrations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "provider"),
        sa.UniqueConstraint("provider", "address"),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=128), nullable=True))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("type", sa.String(length=16), server_default="text", nullable=False)
        )
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("error_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("error_message", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_messages_outbox", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_outbox")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("error_message")
        batch_op.drop_column("error_code")
        batch_op.drop_column("attachments")
        batch_op.drop_column("type")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("external_id")
        batch_op.drop_column("last_inbound_at")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("opted_out")

    op.drop_table("integrations")
