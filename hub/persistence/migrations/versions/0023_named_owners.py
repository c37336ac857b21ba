"""named owners: never a nameless owner

`hub company create` and `hub token --role owner --email` used to add owners with no name
(issue 19). Each active or deactivated owner still without a name (NULL or blank) is named
from its email's local part, else "<company name> owner", as the hub now names them. Data
only; downgrade keeps the names.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 00:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

agents = sa.table(
    "agents",
    sa.column("id", sa.String),
    sa.column("company_id", sa.String),
    sa.column("email", sa.String),
    sa.column("name", sa.String),
    sa.column("role", sa.String),
)
companies = sa.table("companies", sa.column("id", sa.String), sa.column("name", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    nameless = bind.execute(
        sa.select(agents.c.id, agents.c.email, companies.c.name)
        .join(companies, companies.c.id == agents.c.company_id)
        .where(
            agents.c.role == "owner",
            sa.or_(agents.c.name.is_(None), sa.func.trim(agents.c.name) == ""),
        )
    ).all()
    for agent_id, email, company in nameless:
        name = email.split("@", 1)[0] if email else f"{company.strip()[:194]} owner"
        bind.execute(sa.update(agents).where(agents.c.id == agent_id).values(name=name))


def downgrade() -> None:
    pass
