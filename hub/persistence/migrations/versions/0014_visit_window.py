"""visit window: a visit's last page load, and the indexes of the idle-session purge

`visits.last_seen_at` (backfilled from `created_at`): a hello within the visit window of it
continues the visit instead of counting a new one (hub.conversations.visitors).
`ix_visits_session` finds a session's latest visit; `ix_widget_sessions_last_seen` the
sessions idle past the retention period. No new table (so no new policy: `visits` and
`widget_sessions` are behind 0005's tenant wall already); plain ADD COLUMN and CREATE INDEX,
no table is copied. The counters (`daily_stats`) are untouched.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("visits", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE visits SET last_seen_at = created_at")
    op.create_index("ix_visits_session", "visits", ["session_id", "last_seen_at"])
    op.create_index("ix_widget_sessions_last_seen", "widget_sessions", ["last_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_widget_sessions_last_seen", table_name="widget_sessions")
    op.drop_index("ix_visits_session", table_name="visits")
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_column("last_seen_at")
