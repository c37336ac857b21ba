"""partial provider index: widget messages (no provider id) skip the uniqueness index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_PROVIDER_ID = "provider_id IS NOT NULL"
COLUMNS = ["company_id", "channel", "provider_id"]
# 0001 left the constraint unnamed: PostgreSQL named it itself; SQLite's batch mode needs a
# naming convention to find it among the reflected constraints.
PG_NAME = "messages_company_id_channel_provider_id_key"
SQLITE_NAME = "uq_messages_company_id_channel_provider_id"
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint(PG_NAME, "messages", type_="unique")
    else:
        with op.batch_alter_table("messages", naming_convention=NAMING) as batch_op:
            batch_op.drop_constraint(SQLITE_NAME, type_="unique")
    op.create_index(
        "uq_messages_provider_id",
        "messages",
        COLUMNS,
        unique=True,
        postgresql_where=sa.text(HAS_PROVIDER_ID),
        sqlite_where=sa.text(HAS_PROVIDER_ID),
    )


def downgrade() -> None:
    op.drop_index("uq_messages_provider_id", table_name="messages")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.create_unique_constraint(
            PG_NAME if op.get_context().dialect.name == "postgresql" else SQLITE_NAME, COLUMNS
        )
