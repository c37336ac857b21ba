"""Fresh PostgreSQL databases for tests: one migrated template, cloned per test."""

from __future__ import annotations

import uuid

import asyncpg

from hub.persistence.migrate import upgrade


def _url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def _admin(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_template(admin_url: str, name: str) -> None:
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    await upgrade(_url(admin_url, name).replace("postgresql://", "postgresql+asyncpg://", 1))


async def clone_database(admin_url: str, template: str) -> str:
    """A new database copied from `template`; returns its asyncpg URL."""
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _url(admin_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)


async def drop_database(admin_url: str, name: str) -> None:
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def create_database(admin_url: str) -> str:
    """A new empty database (no schema); returns its asyncpg URL."""
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    return _url(admin_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)
