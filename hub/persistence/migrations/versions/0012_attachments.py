"""attachments: uploaded files of widget conversations (bytes in the attachment store)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Row Level Security for the new table, as 0005 set it up for the others.
ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("uploader", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachments_conversation", "attachments", ["company_id", "conversation_id"])
    op.create_index("ix_attachments_message", "attachments", ["message_id"])
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON attachments TO {ROLE}")
        op.execute("ALTER TABLE attachments ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_wall ON attachments TO {ROLE} "
            f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
        )


def downgrade() -> None:
    op.drop_index("ix_attachments_message", table_name="attachments")
    op.drop_index("ix_attachments_conversation", table_name="attachments")
    op.drop_table("attachments")  # its policy and grants go with it
