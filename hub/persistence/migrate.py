"""Run Alembic migrations programmatically (`hub migrate`, and `hub serve` on SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import create_async_engine

from hub.persistence.db import sqlite_pragmas

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    cfg = alembic_config(url)
    engine = create_async_engine(url)
    if url.startswith("sqlite"):  # a new file starts in WAL mode, as the hub runs it
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: Connection) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()
