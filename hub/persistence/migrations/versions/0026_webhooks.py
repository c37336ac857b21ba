"""outgoing webhooks: endpoints, their deliveries, and each delivery's attempts

New tables `webhook_endpoints` (an owner's URL, its events, its sealed `whsec_` secret, its
state), `webhook_deliveries` (one event for one endpoint, the body exactly as signed, kept
until delivered: the durable queue of hub.webhooks) and `webhook_attempts` (the log of each
POST). All three behind the tenant wall of 0005.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 00:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ID = sa.String(length=32)
ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
TABLES = ("webhook_endpoints", "webhook_deliveries", "webhook_attempts")


def _company() -> sa.Column[str]:
    return sa.Column(
        "company_id", ID, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    _create_endpoints()
    _create_deliveries()
    _create_attempts()
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
                f"USING (company_id = {KEY}) WITH CHECK (company_id = {KEY})"
            )


def _create_endpoints() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("paused_reason", sa.String(length=200), nullable=True),
        sa.Column("failing_since", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index(
        "ix_webhook_endpoints_company", "webhook_endpoints", ["company_id", "created_at"]
    )


def _create_deliveries() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column(
            "endpoint_id",
            ID,
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("order_key", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_response", sa.Text(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN, nullable=True),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_order",
        "webhook_deliveries",
        ["endpoint_id", "order_key", "status", "id"],
    )
    op.create_index("ix_webhook_deliveries_contact", "webhook_deliveries", ["contact_id"])


def _create_attempts() -> None:
    op.create_table(
        "webhook_attempts",
        sa.Column("id", ID, primary_key=True),
        _company(),
        sa.Column(
            "delivery_id",
            ID,
            sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_webhook_attempts_delivery", "webhook_attempts", ["delivery_id", "attempt"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)  # indexes, policies and grants go with them
