"""ai_settings.updated_at: processes drop cached AI settings that changed since they looked

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ai_settings") as batch_op:
        # Existing rows count as changed now: every process reloads them once.
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.create_index("ix_ai_settings_updated", ["updated_at"])


def downgrade() -> None:
    with op.batch_alter_table("ai_settings") as batch_op:
        batch_op.drop_index("ix_ai_settings_updated")
        batch_op.drop_column("updated_at")
