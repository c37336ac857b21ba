"""widget settings, verified widget users, the pre-chat profile, agent names on messages

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Row Level Security for the new tables, as 0005 set it up for the others.
ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
TABLES = ("widget_settings", "widget_users")


def upgrade() -> None:
    op.create_table(
        "widget_settings",
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("greeting", sa.String(length=500), nullable=True),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("text_color", sa.String(length=7), nullable=False),
        sa.Column("position", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("pre_chat_form", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id"),
    )
    op.create_table(
        "widget_users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "user_id"),
    )
    op.create_index("ix_widget_users_contact_id", "widget_users", ["contact_id"])
    with op.batch_alter_table("widget_sessions") as batch_op:
        batch_op.add_column(sa.Column("user_ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.create_index("ix_widget_sessions_user_ref", ["user_ref"])
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("sender_name", sa.String(length=200), nullable=True))
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
                f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
            )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("sender_name")
    with op.batch_alter_table("widget_sessions") as batch_op:
        batch_op.drop_index("ix_widget_sessions_user_ref")
        batch_op.drop_column("email")
        batch_op.drop_column("name")
        batch_op.drop_column("user_ref")
    op.drop_index("ix_widget_users_contact_id", table_name="widget_users")
    op.drop_table("widget_users")  # its policy and grants go with it
    op.drop_table("widget_settings")
