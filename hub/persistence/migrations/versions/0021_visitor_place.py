"""visitor place: the visitor's time zone, told by the widget in `hello`

`widget_sessions.timezone`: the browser's IANA time zone (`Europe/Madrid`), from which the
inbox shows where an anonymous visitor is and their local time (no GeoIP database offline).
A plain ADD COLUMN on a table behind 0005's tenant wall already: no new policy.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 21:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("widget_sessions", sa.Column("timezone", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("widget_sessions") as batch_op:
        batch_op.drop_column("timezone")
