"""labels and priority: organising the work (issue 21)

New tables: `labels` (a company's, name unique per company, a colour and a description),
`conversation_labels` and `contact_labels` (which label is on what; gone with either side),
each behind the tenant wall of 0005. Conversations gain `priority` (none, low, medium, high,
urgent; "none" for every existing one).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 00:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
NEW_TABLES = ("labels", "conversation_labels", "contact_labels")
ID = sa.String(length=32)
WHEN = sa.DateTime(timezone=True)


def _company() -> sa.Column[str]:
    return sa.Column(
        "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
    )


def _link(name: str, parent: str, column: str) -> None:
    op.create_table(
        name,
        sa.Column(column, ID, sa.ForeignKey(f"{parent}.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("label_id", ID, sa.ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
        _company(),
    )
    op.create_index(f"ix_{name}_label", name, ["label_id", column])


def upgrade() -> None:
    # A plain ADD COLUMN (no batch mode: on SQLite a batch copies the table, see 0009).
    op.add_column(
        "conversations",
        sa.Column("priority", sa.String(length=16), server_default="none", nullable=False),
    )
    op.create_table(
        "labels",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("description", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("company_id", "name"),
    )
    _link("conversation_labels", "conversations", "conversation_id")
    _link("contact_labels", "contacts", "contact_id")
    if op.get_context().dialect.name == "postgresql":
        for table in NEW_TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
                f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
            )


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)  # its indexes and policy go with it
    op.execute("ALTER TABLE conversations DROP COLUMN priority")  # SQLite 3.35+ as well
