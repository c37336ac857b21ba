"""The group commit's database access, below SQLAlchemy: one batch, as few calls as possible.

The hot path writes a batch of messages many times a second, and SQLAlchemy's per-statement
work (compiling, result wrapping) and aiosqlite's thread hop per statement cost more than the
writes themselves (PERFORMANCE.md). So a batch runs on the driver directly:

- SQLite: a dedicated `sqlite3` connection used on the event loop's thread, under the
  database's writer lock. A batch is a few microsecond-scale statements and a commit without
  fsync (WAL, synchronous=NORMAL), cheaper than handing it to a thread.
- PostgreSQL: the group commit's own asyncpg connection, prepared statements, and one
  `INSERT ... SELECT FROM unnest(...)` per table, its columns as arrays: one statement for
  all rows, so the counting triggers of migration 0008 (statement-level, over the inserted
  rows) add each counter once per batch, not once per message.

Rows are filled with the models' Python defaults and converted with SQLAlchemy's own bind
processors, so what is stored is exactly what the ORM path would store.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple, Protocol

from asyncpg.exceptions import (  # type: ignore[import-untyped]
    IntegrityConstraintViolationError,
    TransactionRollbackError,
)
from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database, sqlite_pragmas

Key = tuple[str, str]  # (conversation_id, client_id)
# Conversation columns a message may set in the batch that stores it: an agent's reply hands
# the conversation to a human and claims it (hub.conversations.handoff). Constants, so the
# last request's values of a conversation are what applying each in turn would leave.
CHANGEABLE = ("handled_by", "needs_human", "assignee_id")
Changes = dict[tuple[str, str], dict[str, Any]]  # (company_id, conversation_id) -> columns
Counts = dict[tuple[str, str], int]  # (company_id, conversation_id) -> messages in the batch

ROLLBACK_WAIT = 1.0  # seconds a rollback may wait before the connection is dropped instead
HAS_KEY = "SELECT 1 FROM messages WHERE conversation_id = ? AND client_id = ?"
PG_HAS_KEYS = (
    "SELECT m.conversation_id, m.client_id FROM messages m "
    "JOIN unnest($1::varchar[], $2::varchar[]) AS k(conversation_id, client_id) "
    "ON m.conversation_id = k.conversation_id AND m.client_id = k.client_id"
)
# Reserve n seqs of one conversation; the new last_seq, or no row when it does not exist.
# With an inbound message in the batch (`reopen`), a conversation that is not open becomes
# open; its `status_at` then equals this batch's stamp, which tells the caller so (RETURNING
# sees only the new row). Right-hand sides read the row as it was before the UPDATE.
RESERVE = (
    "UPDATE conversations SET last_seq = last_seq + ?, updated_at = ?, "
    "status = CASE WHEN ? AND status <> 'open' THEN 'open' ELSE status END, "
    "snoozed_until = CASE WHEN ? AND status <> 'open' THEN NULL ELSE snoozed_until END, "
    "status_at = CASE WHEN ? AND status <> 'open' THEN ? ELSE status_at END "
    "WHERE id = ? AND company_id = ? RETURNING last_seq, status_at"
)
# The same for every conversation of the batch in one statement (the rows stay locked).
PG_RESERVE = (
    "UPDATE conversations AS c SET last_seq = c.last_seq + v.n, updated_at = $4, "
    "status = CASE WHEN v.reopen AND c.status <> 'open' THEN 'open' ELSE c.status END, "
    "snoozed_until = CASE WHEN v.reopen AND c.status <> 'open' THEN NULL "
    "ELSE c.snoozed_until END, "
    "status_at = CASE WHEN v.reopen AND c.status <> 'open' THEN $4 ELSE c.status_at END "
    "FROM unnest($1::varchar[], $2::varchar[], $3::int[], $5::bool[]) "
    "AS v(company_id, id, n, reopen) "
    "WHERE c.id = v.id AND c.company_id = v.company_id RETURNING c.id, c.last_seq, c.status_at"
)
ENGAGE = (
    "UPDATE visits SET engaged = ? WHERE company_id = ? AND visit_id = ? AND engaged = ? "
    "RETURNING day"
)
BUMP_ENGAGED = (
    "INSERT INTO daily_stats (company_id, day, visits, engaged_visits) VALUES (?, ?, 0, 1) "
    "ON CONFLICT (company_id, day) DO UPDATE SET "
    "engaged_visits = daily_stats.engaged_visits + 1 RETURNING visits, engaged_visits"
)


# Every engaged visit of a batch in one round trip: flip them, add each company-day's count,
# and answer each flipped visit with its day's totals after the change.
PG_ENGAGE_MANY = """
WITH flipped AS (
    UPDATE visits AS v SET engaged = true
    FROM unnest($1::varchar[], $2::varchar[]) AS k(company_id, visit_id)
    WHERE v.company_id = k.company_id AND v.visit_id = k.visit_id AND v.engaged = false
    RETURNING v.company_id, v.visit_id, v.day
), bumped AS (
    INSERT INTO daily_stats (company_id, day, visits, engaged_visits)
    SELECT company_id, day, 0, count(*) FROM flipped GROUP BY company_id, day
    ON CONFLICT (company_id, day) DO UPDATE
    SET engaged_visits = daily_stats.engaged_visits + EXCLUDED.engaged_visits
    RETURNING company_id, day, visits, engaged_visits
)
SELECT f.company_id, f.visit_id, b.day, b.visits, b.engaged_visits
FROM flipped AS f JOIN bumped AS b ON b.company_id = f.company_id AND b.day = f.day
"""
Visit = tuple[str, str]  # (company_id, visit_id)


# Every statement of a batch finds its rows by key. PostgreSQL's planner, on a table that
# grew since it was last analyzed (a new deployment, a burst), chose hash joins over full
# scans of messages and conversations for the `unnest` joins: each batch read every row,
# and latency grew by a millisecond a second (bench/README.md). Within the batch's
# transaction only, the planner is told that scans are not an option.
PG_BEGIN = "BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off"


class DayTotals(NamedTuple):
    """A day's visit counters after a change."""

    day: dt.date
    visits: int
    engaged_visits: int


class BatchConflict(Exception):
    """Another writer won a unique key, or two processes' batches deadlocked: the batch is
    rolled back and its messages take the careful one-at-a-time path."""


class BatchStore(Protocol):
    """One transaction of the group commit."""

    async def existing(self, keys: set[Key]) -> set[Key]:
        """Which of these client ids are stored already."""

    async def reserve(
        self, counts: Counts, now: dt.datetime, reopen: set[str]
    ) -> tuple[dict[str, int], set[str]]:
        """Add each conversation's count to its last_seq: the new last_seq of each that
        exists, and which of those in `reopen` (an inbound message) were reopened now."""

    async def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows that hold every column (see `full_rows`)."""

    async def change(self, changes: Changes) -> None:
        """Set these columns (of CHANGEABLE) of these conversations, already reserved."""

    async def engage(self, visits: set[Visit]) -> dict[Visit, DayTotals]:
        """Flip visits to engaged and count them; for each flipped one (not those that
        already were) its day's totals after the change."""


def full_rows(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every column of each row: given values, else the model's Python default."""
    filled = []
    for values in rows:
        row = dict(values)
        for column in table.columns:
            if column.name in row:
                continue
            default = column.default
            arg = getattr(default, "arg", None)
            row[column.name] = arg(None) if callable(arg) else arg
        filled.append(row)
    return filled


class _Converters:
    """SQLAlchemy's bind processors per table and column, for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._cache: dict[str, list[tuple[str, Callable[[Any], Any] | None]]] = {}
        self._unnest: dict[str, str] = {}

    def columns(self, table: Table) -> list[tuple[str, Callable[[Any], Any] | None]]:
        if table.name not in self._cache:
            self._cache[table.name] = [
                (c.name, c.type.dialect_impl(self.dialect).bind_processor(self.dialect))
                for c in table.columns
            ]
        return self._cache[table.name]

    def params(self, table: Table, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        columns = self.columns(table)
        return [
            tuple(row[name] if convert is None else convert(row[name]) for name, convert in columns)
            for row in rows
        ]

    def value(self, table: Table, name: str, value: Any) -> Any:
        convert = dict(self.columns(table))[name]
        return value if convert is None else convert(value)

    def insert_sql(self, table: Table) -> str:
        names = [name for name, _ in self.columns(table)]
        marks = ", ".join("?" for _ in names)
        return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"

    def unnest_sql(self, table: Table) -> str:
        """PostgreSQL: every row in one INSERT, parameter i the array of column i's values.
        JSON travels as text (the bind processor's output) and is cast back per row."""
        if table.name in self._unnest:
            return self._unnest[table.name]
        names, arrays, picks = [], [], []
        for i, c in enumerate(table.columns, start=1):
            json = isinstance(c.type, JSON)
            names.append(f'"{c.name}"')
            arrays.append(f"${i}::{'text' if json else c.type.compile(self.dialect)}[]")
            picks.append(f'u."{c.name}"' + ("::json" if json else ""))
        columns = ", ".join(names)
        self._unnest[table.name] = (
            f"INSERT INTO {table.name} ({columns}) SELECT {', '.join(picks)} "
            f"FROM unnest({', '.join(arrays)}) AS u({columns})"
        )
        return self._unnest[table.name]


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class SqliteBatch:
    """Batches on a dedicated sqlite3 connection, on the loop's thread (see the module doc)."""

    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path
        self.convert = _Converters(db.engine.dialect)
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            sqlite_pragmas(conn, None)
            self._conn = conn
        return self._conn

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[BatchStore]:
        async with self.db.writer_lock():
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteStore(conn, self.convert)
            except BaseException as exc:
                conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.IntegrityError):
                    raise BatchConflict(str(exc)) from exc
                raise
            conn.execute("COMMIT")

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _SqliteStore:
    def __init__(self, conn: sqlite3.Connection, convert: _Converters) -> None:
        self.conn = conn
        self.convert = convert

    async def existing(self, keys: set[Key]) -> set[Key]:
        return {key for key in keys if self.conn.execute(HAS_KEY, key).fetchone() is not None}

    async def reserve(
        self, counts: Counts, now: dt.datetime, reopen: set[str]
    ) -> tuple[dict[str, int], set[str]]:
        stamp = self.convert.value(repo.conversations, "updated_at", now)
        last: dict[str, int] = {}
        reopened: set[str] = set()
        for (company_id, conversation_id), n in counts.items():
            flag = conversation_id in reopen
            params = (n, stamp, flag, flag, flag, stamp, conversation_id, company_id)
            row = self.conn.execute(RESERVE, params).fetchone()
            if row is not None:
                last[conversation_id] = int(row[0])
                if flag and row[1] == stamp:
                    reopened.add(conversation_id)
        return last, reopened

    async def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        self.conn.executemany(self.convert.insert_sql(table), self.convert.params(table, rows))

    async def change(self, changes: Changes) -> None:
        table = repo.conversations
        for (company_id, conversation_id), values in changes.items():
            sets = ", ".join(f"{_changeable(name)} = ?" for name in values)
            params = [self.convert.value(table, k, v) for k, v in values.items()]
            sql = f"UPDATE conversations SET {sets} WHERE id = ? AND company_id = ?"
            self.conn.execute(sql, (*params, conversation_id, company_id))

    async def engage(self, visits: set[Visit]) -> dict[Visit, DayTotals]:
        counted: dict[Visit, DayTotals] = {}
        for company_id, visit_id in visits:  # inline statements: no round trips to save
            flipped = self.conn.execute(ENGAGE, (True, company_id, visit_id, False)).fetchone()
            if flipped is None:
                continue
            day = _day(flipped[0])
            totals = self.conn.execute(BUMP_ENGAGED, (company_id, day.isoformat())).fetchone()
            counted[(company_id, visit_id)] = DayTotals(day, int(totals[0]), int(totals[1]))
        return counted


class PostgresBatch:
    """Batches on one asyncpg connection this writer keeps (one batch at a time per process):
    its prepared statements and PostgreSQL's caches stay warm. A pooled connection per batch
    meant each of the pool's ten connections prepared every statement and loaded the tables'
    descriptors on its first batches: a burst of new conversations queued behind that."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.convert = _Converters(db.engine.dialect)
        self._conn: AsyncConnection | None = None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[BatchStore]:
        # A silent server: DatabaseTimeout, never a hang.
        async with self.db.bounded(), self._transaction() as store:
            yield store

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[BatchStore]:
        if self._conn is None:
            self._conn = await self.db.hold()
        raw = await self._conn.get_raw_connection()
        driver: Any = raw.driver_connection
        try:
            await driver.execute(PG_BEGIN)  # one round trip, as asyncpg's own BEGIN
            try:
                yield _PostgresStore(driver, self.convert)
            except BaseException:
                # Bounded: after a timeout asyncpg waits for the server to confirm the cancel
                # before the next statement, and a silent server never does.
                with contextlib.suppress(Exception):  # a broken connection is dropped below
                    await asyncio.wait_for(driver.execute("ROLLBACK"), ROLLBACK_WAIT)
                raise
            await driver.execute("COMMIT")
        except (IntegrityConstraintViolationError, TransactionRollbackError) as exc:
            raise BatchConflict(str(exc)) from exc  # deadlocks are rollback errors
        except BaseException as exc:
            # The database went away or went silent: the callers' "unavailable".
            lost = driver.is_closed() or isinstance(exc, OSError)  # TimeoutError is one
            # Whatever broke, the next batch starts afresh. Closed at once, not politely: a
            # polite close waits for a silent server's answer, and every waiter with it.
            driver.terminate()
            await self._discard(broken=True)
            if lost:
                raise ConnectionError(f"database connection lost: {exc!r}") from exc
            raise

    async def _discard(self, *, broken: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self.db.release(conn, broken=broken)

    async def close(self) -> None:
        await self._discard()


class _PostgresStore:
    def __init__(self, conn: Any, convert: _Converters) -> None:
        self.conn = conn
        self.convert = convert

    async def existing(self, keys: set[Key]) -> set[Key]:
        if not keys:
            return set()
        conversations, clients = zip(*keys, strict=True)
        rows = await self.conn.fetch(PG_HAS_KEYS, list(conversations), list(clients))
        return {(row[0], row[1]) for row in rows}

    async def reserve(
        self, counts: Counts, now: dt.datetime, reopen: set[str]
    ) -> tuple[dict[str, int], set[str]]:
        companies = [company for company, _ in counts]
        ids = [conversation for _, conversation in counts]
        flags = [conversation in reopen for conversation in ids]
        rows = await self.conn.fetch(PG_RESERVE, companies, ids, list(counts.values()), now, flags)
        reopened = {row[0] for row in rows if row[0] in reopen and row[2] == now}
        return {row[0]: int(row[1]) for row in rows}, reopened

    async def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = zip(*self.convert.params(table, rows), strict=True)
        await self.conn.execute(self.convert.unnest_sql(table), *map(list, columns))

    async def change(self, changes: Changes) -> None:
        for (company_id, conversation_id), values in changes.items():
            sets = ", ".join(f"{_changeable(k)} = ${i}" for i, k in enumerate(values, 1))
            n = len(values)
            sql = f"UPDATE conversations SET {sets} WHERE id = ${n + 1} AND company_id = ${n + 2}"
            await self.conn.execute(sql, *values.values(), conversation_id, company_id)

    async def engage(self, visits: set[Visit]) -> dict[Visit, DayTotals]:
        companies, visit_ids = zip(*visits, strict=True)
        rows = await self.conn.fetch(PG_ENGAGE_MANY, list(companies), list(visit_ids))
        return {(r[0], r[1]): DayTotals(_day(r[2]), int(r[3]), int(r[4])) for r in rows}


def _changeable(name: str) -> str:
    """A column name for the SQL text: only those of CHANGEABLE ever get there."""
    if name not in CHANGEABLE:
        raise ValueError(f"the group commit does not set conversations.{name}")
    return name


def batch_for(db: Database) -> SqliteBatch | PostgresBatch | None:
    """The driver-level batch writer for this database (None: in-memory SQLite, where a
    second connection would see another database; the SQLAlchemy path serves it)."""
    if not db.is_sqlite:
        return PostgresBatch(db)
    path = db.sqlite_path
    return None if path is None else SqliteBatch(db, path)
