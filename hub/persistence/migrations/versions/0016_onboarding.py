"""onboarding: an owner may dismiss the walkthrough, per company

`companies.onboarding_dismissed_at`: when an owner closed the walkthrough for good (None
while it opens by itself). Everything else the checklist shows is read from the data it
speaks of (hub.workspace.onboarding). No new table, so no new policy: `companies` is behind
0005's tenant wall already; a plain ADD COLUMN, no table is copied.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "companies",
        sa.Column("onboarding_dismissed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): no copy of `companies` for one nullable column.
    op.drop_column("companies", "onboarding_dismissed_at")
