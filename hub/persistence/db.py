"""The database handle: one async engine, transactions, and a writer lock on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from hub.persistence.checkpoint import Checkpointer
from hub.persistence.inline_sqlite import inline_creator
from hub.persistence.scoped_begin import ScopedBeginConnection, inline_scope
from hub.persistence.tenancy import COMPANY_SETTING, TENANT_ROLE, current_tenant

# One round trip: the role whose Row Level Security policies apply, and the company they key on.
_ENTER_TENANT = text(
    f"SELECT set_config('role', '{TENANT_ROLE}', true), set_config('{COMPANY_SETTING}', :c, true)"
)


# Rewrites SQLite's full-text index of messages (migration 0011) without deleted rows.
OPTIMIZE_SEARCH = "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')"

log = logging.getLogger("hub.persistence")


# SQLSTATE classes of a database that is not there: 08 connection exception, 57 operator
# intervention (shutting down, starting up).
_UNAVAILABLE_CLASSES = ("08", "57")


# What a failing database raises (storage errors): `database_unavailable` tells which of them
# a retry may cure. The HTTP API maps these classes without knowing SQLAlchemy.
STORAGE_ERRORS: tuple[type[BaseException], ...] = (DBAPIError, OSError, PoolTimeout)


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached: connecting failed (refused, reset, timed out), the
    connection broke, the server is going down, or the pool waited in vain for a connection.
    A retry may succeed. The HTTP API answers 503 and the sockets `unavailable` for it."""
    if isinstance(exc, OSError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if isinstance(exc.orig, OSError):  # e.g. a statement timed out (TimeoutError)
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None)
        return exc.connection_invalidated or str(sqlstate)[:2] in _UNAVAILABLE_CLASSES
    return False


class DatabaseTimeout(ConnectionError):
    """PostgreSQL did not answer within `HUB_DB_TIMEOUT` (paused, wedged, or unreachable
    without an error): the caller is told `unavailable` and may retry."""


class Database:
    """Owns the engine. `write()` and `read()` hand out connections inside a transaction.

    Under a tenant (hub.persistence.tenancy) a PostgreSQL transaction sees only that
    company's rows; `system=True` is for work that spans companies.

    On PostgreSQL every wait is bounded by `timeout`: connecting, a pooled connection, each
    statement (asyncpg's `command_timeout`), and each `write()` / `read()` block as a whole
    (`bounded`), which also covers a rollback that waits on a silent server. Long reads
    (`offload=True`: exports, analytics) have their own engine with no statement bound.
    """

    def __init__(self, url: str, *, echo: bool = False, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self.is_sqlite = url.startswith("sqlite")
        # On a SQLite file, statements run inline on the loop (hub.persistence.inline_sqlite)
        # and long reads on aiosqlite's thread; PostgreSQL has a second, small engine for
        # long reads, whose statements are not cut at `timeout`.
        path = self.sqlite_path
        self.engine: AsyncEngine = _make_engine(url, echo=echo, inline_path=path, timeout=timeout)
        if path or self.is_sqlite:
            self._offload = _make_engine(url, echo=echo) if path else self.engine
        else:
            self._offload = _make_engine(url, echo=echo, timeout=timeout, long=True)
        # SQLite allows one writer; queueing writers here avoids SQLITE_BUSY entirely.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._checkpointer = Checkpointer(path, self.writer_lock) if path else None
        self._held: set[AsyncConnection] = set()  # see hold()

    def start(self) -> None:
        """Start background upkeep (on SQLite, the WAL checkpoints): a serving hub's."""
        if self._checkpointer is not None:
            self._checkpointer.start()

    @contextlib.asynccontextmanager
    async def write(self, *, system: bool = False) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed when the block ends without an exception."""
        if self._write_lock is None:
            async with (
                self.bounded(),
                self.engine.begin() as conn,
                self._scope(conn, system),
            ):
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            await conn.execute(text("SELECT 1"))  # start the transaction before any write
            yield conn

    @contextlib.asynccontextmanager
    async def read(
        self, *, system: bool = False, offload: bool = False
    ) -> AsyncIterator[AsyncConnection]:
        """A read-only unit of work (a transaction that is rolled back). `offload`: a long
        read (analytics, exports), which on SQLite runs off the event loop's thread."""
        if offload or self._write_lock is not None:
            engine = self._offload if offload else self.engine
            async with engine.connect() as conn:
                if self._write_lock is not None:
                    yield conn
                    return
                async with self._scope(conn, system):
                    yield conn
            return
        async with self.bounded(), self.engine.connect() as conn, self._scope(conn, system):
            yield conn

    @contextlib.asynccontextmanager
    async def bounded(self) -> AsyncIterator[None]:
        """The block must end within `timeout` (PostgreSQL), else `DatabaseTimeout`."""
        if self.is_sqlite:
            yield
            return
        scope = asyncio.timeout(self.timeout)
        try:
            async with scope:
                yield
        except TimeoutError:
            if not scope.expired():
                raise  # the block's own timeout, not ours
            raise DatabaseTimeout(f"no answer from the database in {self.timeout:g} s") from None

    @staticmethod
    @contextlib.asynccontextmanager
    async def _scope(conn: AsyncConnection, system: bool) -> AsyncIterator[None]:
        """Scope a PostgreSQL transaction to the running tenant, if any. Its BEGIN carries the
        scope when it can (hub.persistence.scoped_begin): no round trip of its own."""
        company_id = None if system else current_tenant()
        if company_id is None:
            yield
            return
        driver = await _armable(conn)
        scope = inline_scope(company_id) if driver is not None else None
        if driver is None or scope is None:
            await conn.execute(_ENTER_TENANT, {"c": company_id})
            yield
            return
        driver.arm(scope)
        try:
            yield
        finally:
            driver.disarm()  # a block that ran no statement must not pass its scope on

    @property
    def sqlite_path(self) -> str | None:
        """The SQLite database file (None for PostgreSQL or an in-memory database)."""
        if not self.is_sqlite:
            return None
        path = make_url(self.url).database
        return path if path and path != ":memory:" else None

    @contextlib.asynccontextmanager
    async def writer_lock(self) -> AsyncIterator[None]:
        """SQLite's one-writer lock, for writers that bypass `write()` (the group commit)."""
        assert self._write_lock is not None
        async with self._write_lock:
            yield

    async def forget(self) -> None:
        """After an erasure or a purge, on SQLite: rewrite the full-text index without the
        deleted rows, then fold the write-ahead log into the database file and truncate it,
        so no byte of the file or its log keeps erased text (secure_delete zeroes the pages
        this frees). PostgreSQL keeps dead rows until VACUUM (docs/operations.md)."""
        if self._write_lock is None:
            return
        async with self._write_lock, self._offload.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            # FTS5 (SQLite 3.40 here: no 'secure-delete' option, which needs 3.42) deletes by
            # adding a marker beside the term: the words stay in the old segments, and the
            # marker repeats them, until a merge reaches the oldest segment. 'optimize'
            # merges every segment into one, dropping the deleted rows (0.2 s for 240,000
            # messages, 3 s for 1.2 million, under the writer lock: docs/operations.md).
            await auto.exec_driver_sql(OPTIMIZE_SEARCH)
            row = (await auto.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        if row[0]:  # a reader held the log past busy_timeout: the periodic checkpoint follows
            log.warning("WAL checkpoint after an erasure was blocked by a reader")

    async def hold(self) -> AsyncConnection:
        """A pooled connection kept beyond one transaction (the group commit's writer keeps
        its own warm). Give it back with `release`; `close` closes any still held."""
        conn = await self.engine.connect()
        self._held.add(conn)
        return conn

    async def release(self, conn: AsyncConnection, *, broken: bool = False) -> None:
        """Give a held connection back (`broken`: discard it, never reuse it)."""
        self._held.discard(conn)
        with contextlib.suppress(Exception):  # a broken connection may fail to say goodbye
            if broken:
                await conn.invalidate()
            await conn.close()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - health reporting must never raise
            return False
        return True

    async def close(self) -> None:
        for conn in list(self._held):
            await self.release(conn)
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self.engine.dispose()
        if self._offload is not self.engine:
            await self._offload.dispose()


async def _armable(conn: AsyncConnection) -> ScopedBeginConnection | None:
    """The driver connection, if its next statement will be the transaction's BEGIN: a
    `ScopedBeginConnection` not in a transaction yet and not in autocommit."""
    sync = conn.sync_connection
    if sync is None or sync.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return None
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if isinstance(driver, ScopedBeginConnection) and not driver.is_in_transaction():
        return driver
    return None


def _make_engine(
    url: str,
    *,
    echo: bool,
    inline_path: str | None = None,
    timeout: float = 10.0,
    long: bool = False,
) -> AsyncEngine:
    if not url.startswith("sqlite"):
        # asyncpg: `timeout` to connect, `command_timeout` per statement (long reads: none).
        connect_args: dict[str, Any] = {
            "timeout": timeout,
            "connection_class": ScopedBeginConnection,
        }
        if not long:
            connect_args["command_timeout"] = timeout
        pool = (
            {"pool_size": 2, "max_overflow": 2} if long else {"pool_size": 10, "max_overflow": 10}
        )
        return create_async_engine(
            url, echo=echo, pool_timeout=timeout, connect_args=connect_args, **pool
        )
    in_memory = url.rstrip("/").endswith(("sqlite+aiosqlite:", ":memory:"))
    kwargs: dict[str, Any] = {"poolclass": StaticPool} if in_memory else {}
    if inline_path is not None:
        kwargs["async_creator"] = inline_creator(inline_path)
    engine = create_async_engine(url, echo=echo, **kwargs)
    event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    return engine


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """The pragmas every SQLite connection of the hub runs with."""
    cursor = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",  # WAL + NORMAL: durable across process crashes
        "foreign_keys=ON",
        "busy_timeout=5000",
        "secure_delete=ON",  # erased text does not linger in free pages
        "wal_autocheckpoint=0",  # the Checkpointer does it off the loop (checkpoint.py)
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
