"""row level security: walls between companies enforced by PostgreSQL itself

Every company-owned table gets a policy for the `hub_tenant` role keyed on the
transaction's `app.company_id` setting (hub.persistence.tenancy). The hub's own login role
owns the tables and is not subject to the policies; tenant transactions switch to
`hub_tenant` first. SQLite has no Row Level Security: there the filters in the queries
are the wall.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:40:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "hub_tenant"
KEY = "current_setting('app.company_id', true)"
TABLES = {
    "companies": "id",
    "agents": "company_id",
    "contacts": "company_id",
    "conversations": "company_id",
    "messages": "company_id",
    "widget_sessions": "company_id",
    "visits": "company_id",
    "daily_stats": "company_id",
    "integrations": "company_id",
    "qa_pairs": "company_id",
    "ai_settings": "company_id",
    "appointments": "company_id",
    "audit_log": "company_id",
}

# Roles are cluster-wide and several databases may migrate at once: tolerate the race.
CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        CREATE ROLE {ROLE} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(CREATE_ROLE)
    # Let the hub's login role switch to hub_tenant (a no-op for a superuser).
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    for table, column in TABLES.items():
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_wall ON {table} TO {ROLE} "
            f"USING ({column} = {KEY}) WITH CHECK ({column} = {KEY})"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
