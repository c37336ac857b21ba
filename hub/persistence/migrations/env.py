"""Alembic environment: migrations run on a connection handed in by hub.persistence.migrate."""

from __future__ import annotations

from alembic import context

from hub.persistence.models import Base, schema_name

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `hub migrate`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=schema_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
