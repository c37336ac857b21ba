"""Fixtures: real SQLite always, real PostgreSQL and Redis when reachable.

A service-backed test skips with the reason on a machine without the service, and fails
under CI (`CI=true`), where every service must be up.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.settings import RATE_LIMIT_FIELDS, UNLIMITED, Secret, Settings
from tests.support.processes import HubProcess, hub_processes
from tests.support.redis_server import RedisServer, redis_server
from tests.support.server import HubServer, start_hub

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = Secret("test-secret-key-0123456789abcdef")
# The local attachment store of every test hub that names none (files are kept per company).
ATTACHMENTS = Path(tempfile.gettempdir()) / f"hub-test-attachments-{os.getpid()}"


def unavailable(reason: str) -> None:
    """Skip on a laptop; fail under CI, where a skipped service test is a failure."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI requires it)")
    pytest.skip(reason)


def _pg_reachable() -> str | None:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"
    return None


def _redis_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis not reachable at {REDIS_URL}: {exc}"
    return None


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test clones it (fresh, never shared)."""
    reason = _pg_reachable()
    if reason:
        unavailable(reason)
    from tests.support.pg import create_template, drop_database

    name = f"hub_tmpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(create_template(PG_ADMIN_URL, name))
    yield name
    asyncio.run(drop_database(PG_ADMIN_URL, name))


@pytest.fixture
async def pg_url(pg_template: str) -> AsyncIterator[str]:
    from tests.support.pg import clone_database, drop_database

    url = await clone_database(PG_ADMIN_URL, pg_template)
    yield url
    await drop_database(PG_ADMIN_URL, url.rsplit("/", 1)[1])


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A new PostgreSQL database with no schema at all (for migration tests)."""
    reason = _pg_reachable()
    if reason:
        unavailable(reason)
    from tests.support.pg import create_database, drop_database

    url = asyncio.run(create_database(PG_ADMIN_URL))
    yield url
    asyncio.run(drop_database(PG_ADMIN_URL, url.rsplit("/", 1)[1]))


@pytest.fixture
def redis_url() -> str:
    reason = _redis_reachable()
    if reason:
        unavailable(reason)
    return REDIS_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each persistence test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """An unmigrated database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("empty_pg_url"))


@pytest.fixture(params=["memory", "redis"])
def bus_url(request: pytest.FixtureRequest) -> str | None:
    """Each bus test runs on the in-process bus and on Redis."""
    if request.param == "memory":
        return None
    return str(request.getfixturevalue("redis_url"))


def make_settings(database_url: str, redis_url: str | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "secret_key": SECRET,
        "handshake_timeout": 1.0,
        # Never the default beside the database: on PostgreSQL that is the working directory.
        "attachments_dir": str(ATTACHMENTS),
        # Tests open many sockets from one address; test_rate_limits sets its own limits.
        **dict.fromkeys(RATE_LIMIT_FIELDS, UNLIMITED),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def hub(sqlite_url: str) -> AsyncIterator[HubServer]:
    """One hub on SQLite with the in-process bus, on a loopback port."""
    async with start_hub(make_settings(sqlite_url)) as server:
        yield server


@pytest.fixture
def needs_chromium() -> None:
    """The browser tests' precondition: Debian's chromium (a failure under CI)."""
    from tests.support.browser import chromium_missing  # Playwright only where it is used

    reason = chromium_missing()
    if reason:
        unavailable(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless Chromium for one test, closed after it."""
    from tests.support.browser import chromium

    async with chromium() as launched:
        yield launched


@pytest.fixture
async def own_redis() -> AsyncIterator[RedisServer]:
    """A Redis of this test's own, on another port, that it may stop and start."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not on PATH")
    async with redis_server() as server:
        yield server


@pytest.fixture
async def hubs(pg_url: str, own_redis: RedisServer) -> AsyncIterator[list[HubProcess]]:
    """Two `hub serve` processes on one PostgreSQL and this test's own Redis; neither may
    have logged an error by the end."""
    async with hub_processes(
        2, database_url=pg_url, redis_url=own_redis.url, secret_key=SECRET.reveal()
    ) as processes:
        yield processes
    for process in processes:
        assert process.log_errors() == [], process.output()
