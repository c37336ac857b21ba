"""api key scopes: `read`, `write`, `admin`, chosen when a key is made (issue 21)

`api_keys.scopes`: the key's scopes, space-separated. Every key made before has all three,
so nothing a script did stops working. A plain ADD COLUMN with a default on a table behind
the tenant wall already: no new policy.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 00:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "api_keys",
        sa.Column("scopes", sa.String(32), nullable=False, server_default="read write admin"),
    )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("scopes")
