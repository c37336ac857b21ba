"""Run Alembic migrations programmatically (`hub migrate`, and `hub serve` on SQLite)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import create_async_engine

from hub.persistence.db import sqlite_pragmas

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database at `url` to `revision`; the revisions before and after. Quiet:
    Alembic's INFO lines (two, plus one per migration run) are not logged, so `hub serve`
    starts with its banner; `hub migrate` says what changed in one line."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    cfg = alembic_config(url)
    seen: list[str | None] = []
    engine = create_async_engine(url)
    if url.startswith("sqlite"):  # a new file starts in WAL mode, as the hub runs it
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: Connection) -> None:
                cfg.attributes["connection"] = sync_conn
                seen.append(MigrationContext.configure(sync_conn).get_current_revision())
                command.upgrade(cfg, revision)
                seen.append(MigrationContext.configure(sync_conn).get_current_revision())

            await conn.run_sync(run)
    finally:
        await engine.dispose()
    return seen[0], seen[1]
