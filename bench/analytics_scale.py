"""Analytics at scale: `GET /api/analytics`'s computation over a million messages.

    python -m bench.analytics_scale --backend postgres --messages 1000000
    python -m bench.analytics_scale --backend sqlite --messages 1000000

A fresh database (PostgreSQL: `bench_<random>`, dropped afterwards; SQLite: a temporary
file), migrated to 0007, seeded in bulk with one target company (N messages over 90 days, or
--span-days, in ~N/20 conversations) and a noise company (N/5 messages), then upgraded to
head: migration 0008 backfills the counters from those rows (timed). Then
`hub.workspace.analytics.report`, the function the endpoint calls, runs under the company's
tenant for the last 30 days, the last 366 days and all time: the first call on a new engine,
then the median of warm calls; one more call is timed statement by statement and the
heaviest statements' plans are printed. The table goes to stdout and a JSON document to
bench/results/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Engine, event, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import servers
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from hub.persistence.tenancy import tenant
from hub.workspace import analytics

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BACKENDS = ("postgres", "sqlite")
SEED = 20261129
LAST_DAY = dt.date(2026, 11, 28)  # the last seeded (UTC) day; fixed, so runs compare
SPAN_DAYS = 90  # the default --span-days
RANGES: tuple[int | str, ...] = (30, 366, analytics.ALL_TIME)
BEFORE_COUNTERS = "0007"  # the revision the rows are loaded at (0008 backfills from them)
MESSAGES_PER_CONVERSATION = 20
NOISE_SHARE = 5  # the noise company has N / 5 messages
VISITS_SHARE = 10  # and each company N / 10 visits
EXPLAIN_TOP = 3
TEXTS = (
    "Hi, do you ship to Canada?",
    "Thanks! What are your opening hours on weekends?",
    "Sure, I can help with that. Could you share your order number?",
    "It's 48213, ordered last Tuesday, still not arrived.",
    "I have checked: it left our warehouse yesterday and should arrive within two days.",
    "Great, and can I change the delivery address to my office?",
    "Yes. Please send the new address and a phone number the courier can call.",
    "Perfect, thank you very much for the quick answer!",
)
MESSAGE_COLUMNS = (
    "id",
    "company_id",
    "conversation_id",
    "seq",
    "channel",
    "direction",
    "sender",
    "text",
    "client_id",
    "provider_id",
    "status",
    "prompt_tokens",
    "completion_tokens",
    "created_at",
)
CONVERSATION_COLUMNS = (
    "id",
    "company_id",
    "contact_id",
    "channel",
    "status",
    "handled_by",
    "needs_human",
    "last_seq",
    "last_inbound_at",
    "created_at",
    "updated_at",
)
CONTACT_COLUMNS = ("id", "company_id", "name", "phone", "opted_out", "created_at")
VISIT_COLUMNS = ("id", "company_id", "visit_id", "day", "engaged", "created_at")

Row = tuple[Any, ...]


# -- the data ------------------------------------------------------------------------------


@dataclass
class Company:
    """One company's rows, as tuples in the *_COLUMNS orders."""

    id: str
    name: str
    contacts: list[Row] = field(default_factory=list)
    conversations: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    visits: list[Row] = field(default_factory=list)


def window(span_days: int = SPAN_DAYS) -> tuple[dt.datetime, dt.datetime]:
    """The seeded interval [first day 00:00 UTC, the day after the last 00:00 UTC)."""
    end = dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return end - dt.timedelta(days=span_days), end


def new_id(rng: random.Random, at: dt.datetime) -> str:
    """An id shaped like `hub.persistence.models.new_id` (a millisecond timestamp, then 80
    random bits), for a row made at `at`, and reproducible."""
    return f"{int(at.timestamp() * 1000):012x}{rng.getrandbits(80):020x}"


def message_counts(rng: random.Random, total: int) -> list[int]:
    """Messages per conversation: 2 to 38 (mean 20), adjusted to sum to exactly `total`."""
    conversations = max(1, total // MESSAGES_PER_CONVERSATION)
    counts = [rng.randint(2, 2 * MESSAGES_PER_CONVERSATION - 2) for _ in range(conversations)]
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(conversations)
        step = 1 if diff > 0 else -1
        if counts[i] + step >= 1:
            counts[i] += step
            diff -= step
    return counts


def timeline(
    rng: random.Random, count: int, ai_mode: bool, outreach: bool
) -> list[tuple[str, float]]:
    """(kind, seconds after the first message) for one conversation; kind is in/agent/ai.

    The contact writes, the AI answers in seconds or an agent in minutes; agents sometimes
    follow up, and some AI conversations are taken over by an agent partway through."""
    kind = "agent" if outreach else "in"
    at = 0.0
    events = [(kind, at)]
    for _ in range(count - 1):
        if kind == "in":
            kind = "ai" if ai_mode else "agent"
            at += (
                rng.uniform(1, 8)
                if ai_mode
                else min(rng.lognormvariate(math.log(180), 1), 4 * 3600)
            )
        elif rng.random() < 0.15:
            kind = "agent"
            at += rng.uniform(30, 600)
        else:
            kind = "in"
            at += min(rng.lognormvariate(math.log(120), 1), 6 * 3600)
        events.append((kind, at))
        if ai_mode and rng.random() < 0.04:
            ai_mode = False  # an agent takes over
    return events


def add_conversation(
    company: Company, rng: random.Random, index: int, count: int, span_days: int
) -> None:
    """One contact, one conversation and its `count` messages, inside the window."""
    channel = rng.choices(("widget", "sms", "whatsapp"), weights=(60, 25, 15))[0]
    ai_mode = rng.random() < (0.7 if channel == "widget" else 0.4)
    events = timeline(rng, count, ai_mode, outreach=rng.random() < 0.05)
    first, end = window(span_days)
    room = (end - first).total_seconds() - events[-1][1] - 1
    start = first + dt.timedelta(seconds=rng.uniform(0, max(room, 0)))
    contact_id, conversation_id = new_id(rng, start), new_id(rng, start)
    phone = None if channel == "widget" else f"+1555{index:07d}"
    company.contacts.append((contact_id, company.id, f"Contact {index}", phone, False, start))
    inbound_sender = "visitor" if channel == "widget" else "contact"
    last_inbound = None
    for seq, (kind, offset) in enumerate(events, start=1):
        at = start + dt.timedelta(seconds=offset)
        sender = inbound_sender if kind == "in" else kind
        inbound = kind == "in"
        last_inbound = at if inbound else last_inbound
        ai = kind == "ai"
        company.messages.append(
            (
                new_id(rng, at),
                company.id,
                conversation_id,
                seq,
                channel,
                "inbound" if inbound else "outbound",
                sender,
                TEXTS[(index + seq) % len(TEXTS)],
                f"c{seq}" if sender in ("visitor", "agent") else None,
                None if channel == "widget" else f"P{conversation_id[:12]}{seq}",
                "received" if inbound else "delivered",
                rng.randint(300, 2000) if ai else None,
                rng.randint(20, 300) if ai else None,
                at,
            )
        )
    last = start + dt.timedelta(seconds=events[-1][1])
    status = "open" if end - last < dt.timedelta(days=2) else "closed"
    handled_by = "human" if any(kind == "agent" for kind, _ in events) else "ai"
    company.conversations.append(
        (
            conversation_id,
            company.id,
            contact_id,
            channel,
            status,
            handled_by,
            False,
            count,
            last_inbound,
            start,
            last,
        )
    )


def add_visits(company: Company, rng: random.Random, count: int, span_days: int) -> None:
    """`count` page views spread over the window, a fifth of them engaged."""
    first, end = window(span_days)
    span = (end - first).total_seconds()
    for i in range(count):
        at = first + dt.timedelta(seconds=rng.uniform(0, span))
        company.visits.append(
            (new_id(rng, at), company.id, f"v{i}", at.date(), rng.random() < 0.2, at)
        )


def make_company(
    name: str, messages: int, seed: int, signed_up: dt.datetime, span_days: int
) -> Company:
    """A company with `messages` messages, ~messages/20 conversations and contacts, visits.
    Its id is time-ordered by `signed_up`, which places its keys within every index."""
    rng = random.Random(seed)
    company = Company(new_id(rng, signed_up), name)
    for index, count in enumerate(message_counts(rng, messages)):
        add_conversation(company, rng, index, count, span_days)
    add_visits(company, rng, max(1, messages // VISITS_SHARE), span_days)
    return company


def daily_stats(company: Company) -> list[dict[str, Any]]:
    """The per-UTC-day visit counters its visits add up to."""
    visits: Counter[dt.date] = Counter()
    engaged: Counter[dt.date] = Counter()
    for _id, _company, _visit, day, was_engaged, _at in company.visits:
        visits[day] += 1
        engaged[day] += was_engaged
    return [
        {"company_id": company.id, "day": day, "visits": n, "engaged_visits": engaged[day]}
        for day, n in sorted(visits.items())
    ]


def by_time(companies: Sequence[Company], rows: str, at: int) -> list[Row]:
    """Every company's `rows`, in creation order: as the hub writes them, interleaved."""
    merged = [row for company in companies for row in getattr(company, rows)]
    merged.sort(key=lambda row: row[at])
    return merged


# -- loading -------------------------------------------------------------------------------


async def insert_companies(db: Database, companies: Sequence[Company], since: dt.datetime) -> None:
    """The companies and their daily_stats, through SQLAlchemy (a handful of rows)."""
    async with db.write(system=True) as conn:
        for company in companies:
            await conn.execute(
                insert(repo.companies).values(
                    id=company.id,
                    name=company.name,
                    widget_key=f"wk_{company.id}",
                    allowed_origins=[],
                    facts=[],
                    created_at=since,
                )
            )
            await conn.execute(insert(repo.daily_stats), daily_stats(company))


def bulk_rows(companies: Sequence[Company]) -> Iterator[tuple[str, tuple[str, ...], list[Row]]]:
    """(table, columns, rows) for the big tables, each in creation order."""
    yield "contacts", CONTACT_COLUMNS, by_time(companies, "contacts", 5)
    yield "conversations", CONVERSATION_COLUMNS, by_time(companies, "conversations", 9)
    yield "messages", MESSAGE_COLUMNS, by_time(companies, "messages", 13)
    yield "visits", VISIT_COLUMNS, by_time(companies, "visits", 5)


async def load_postgres(dsn: str, companies: Sequence[Company]) -> None:
    """COPY the big tables."""
    conn = await asyncpg.connect(dsn)
    try:
        for table, columns, rows in bulk_rows(companies):
            await conn.copy_records_to_table(table, records=rows, columns=list(columns))
    finally:
        await conn.close()


async def settle_postgres(dsn: str) -> None:
    """After the backfill: VACUUM ANALYZE (statistics, and a visibility map that lets
    index-only scans skip the heap) and a checkpoint."""
    conn = await asyncpg.connect(dsn)
    try:
        for table in (
            "companies",
            "contacts",
            "conversations",
            "messages",
            "visits",
            "daily_stats",
            "message_counts",
            "conversation_counts",
            "response_times",
        ):
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        # The load wrote gigabytes of WAL; checkpoint now rather than in the middle of the
        # timings (it needs superuser or pg_checkpoint, so it is skipped without them).
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def load_sqlite(path: Path, companies: Sequence[Company]) -> None:
    """executemany in one transaction, then a WAL checkpoint. No ANALYZE: the hub never
    runs it on SQLite, so the planner works without statistics there too."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # Seeding only: a big page cache keeps random-key index inserts off the disk.
        conn.execute("PRAGMA cache_size=-1048576")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        for table, columns, rows in bulk_rows(companies):
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            conn.executemany(sql, (tuple(map(sqlite_value, row)) for row in rows))
        conn.execute("COMMIT")
    finally:
        conn.close()


def settle_sqlite(path: Path) -> None:
    """After the backfill: fold the write-ahead log into the file."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it on SQLite (naive UTC text for datetimes)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# -- measuring -----------------------------------------------------------------------------


@dataclass(eq=False)  # compared by identity: a day's statement repeats with new bounds
class Query:
    """One statement a timed call ran, with its parameters and wall time."""

    sql: str
    params: Any
    ms: float


class QueryLog:
    """Records the statements any engine runs while `active` (for the per-statement table).
    Listening on the Engine class catches whichever engine the hub's read uses."""

    def __init__(self) -> None:
        self.active = False
        self.queries: list[Query] = []
        self._started: dict[int, float] = {}

    def __enter__(self) -> QueryLog:
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        self.active = True
        return self

    def __exit__(self, *_exc: object) -> None:
        self.active = False
        event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)

    def _before(self, _conn: Any, cursor: Any, *_args: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, _conn: Any, cursor: Any, sql: str, params: Any, *_args: Any) -> None:
        began = self._started.pop(id(cursor), None)
        if self.active and began is not None:
            self.queries.append(Query(sql, params, (time.perf_counter() - began) * 1000))


@contextlib.asynccontextmanager
async def endpoint_read(db: Database, company_id: str) -> AsyncIterator[AsyncConnection]:
    """A transaction like `analytics.report`'s, for the plans: the tenant, an offloaded read."""
    with tenant(company_id):
        async with db.read(offload=True) as conn:
            yield conn


async def timed_compute(
    db: Database, company_id: str, days: analytics.DayRange
) -> tuple[float, dict[str, Any]]:
    """Milliseconds for one `analytics.report` (what `GET /api/analytics` calls, transaction
    set-up included, HTTP and the token check not), and its document."""
    began = time.perf_counter()
    with tenant(company_id):  # what the request's agent_of does
        body = await analytics.report(db, company_id, days)
    return (time.perf_counter() - began) * 1000, body


async def measure_range(
    url: str, company_id: str, days: analytics.DayRange, runs: int
) -> dict[str, Any]:
    """The first call on a new connection (empty catalog, plan and prepared-statement
    caches; the connection itself is made beforehand), then `runs` warm calls, then one more
    call timed statement by statement, and the heaviest statements' plans."""
    load_before = os.getloadavg()[0]
    db = Database(url)
    try:
        await db.ping()
        cold_ms, body = await timed_compute(db, company_id, days)
        warm = [(await timed_compute(db, company_id, days))[0] for _ in range(runs)]
        with QueryLog() as log:
            await timed_compute(db, company_id, days)
        plans = await explain(db, company_id, log.queries)
    finally:
        await db.close()
    return {
        # The machine is shared: the 1-minute load average around the timings, for context.
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "all_time": days.all_time,
        "from": body["from"],  # all time: the first counted day
        "to": body["to"],
        "tz": body["tz"],
        "messages_in_range": body["messages"]["total"],
        "cold_ms": round(cold_ms, 1),
        "warm_median_ms": round(statistics.median(warm), 1),
        "warm_min_ms": round(min(warm), 1),
        "warm_ms": [round(ms, 1) for ms in warm],
        "queries": [{"sql": q.sql, "ms": round(q.ms, 1)} for q in log.queries],
        "plans": plans,
        "result": body,
    }


async def explain(db: Database, company_id: str, queries: list[Query]) -> list[dict[str, Any]]:
    """The plans of the heaviest statements: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL,
    EXPLAIN QUERY PLAN on SQLite. They run in one transaction after the call's own
    `set_config` statements, so the plans see the settings `compute` made."""
    heaviest = sorted(queries, key=lambda q: q.ms, reverse=True)[:EXPLAIN_TOP]
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    plans = []
    async with endpoint_read(db, company_id) as conn:
        for query in queries:
            if "set_config" in query.sql:
                await conn.exec_driver_sql(query.sql, query.params)
            elif query in heaviest:
                rows = (await conn.exec_driver_sql(prefix + query.sql, query.params)).all()
                # PostgreSQL: one column of text lines; SQLite: (id, parent, notused, detail).
                lines = [str(row[-1]) for row in rows]
                plans.append({"sql": query.sql, "ms": round(query.ms, 1), "plan": lines})
    return sorted(plans, key=lambda plan: plan["ms"], reverse=True)


# -- the run -------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[tuple[str, str]]:
    """(SQLAlchemy URL, what to tell the loader): a fresh PostgreSQL database or SQLite file,
    gone afterwards."""
    if backend == "postgres":
        name, dsn = await servers.create_pg_database()
        try:
            yield dsn.replace("postgresql://", "postgresql+asyncpg://", 1), dsn
        finally:
            await servers.drop_pg_database(name)
        return
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as folder:
        path = Path(folder) / "analytics.db"
        yield f"sqlite+aiosqlite:///{path}", str(path)


async def seed(
    url: str, target: str, backend: str, messages: int, span_days: int
) -> tuple[Company, dict[str, Any]]:
    """Migrate to 0007, fill the database, upgrade to head (the backfill); the target
    company, and what seeding took."""
    began = time.perf_counter()
    await upgrade(url, BEFORE_COUNTERS)
    migrated = time.perf_counter()
    since, until = window(span_days)
    companies = [
        # The noise company signed up later, so its keys sort after the target's in every
        # index on company_id first: the target's inserts then split pages in the middle of
        # the index, as every company's but the newest does in production (the rightmost
        # keys get PostgreSQL's and SQLite's append-friendly splits and denser pages).
        make_company("Target", messages, SEED, since, span_days),
        make_company("Noise", max(1, messages // NOISE_SHARE), SEED + 1, until, span_days),
    ]
    generated = time.perf_counter()
    db = Database(url)
    try:
        await insert_companies(db, companies, since)
    finally:
        await db.close()
    if backend == "postgres":
        await load_postgres(target, companies)
    else:
        load_sqlite(Path(target), companies)
    loaded = time.perf_counter()
    await upgrade(url)
    backfilled = time.perf_counter()
    if backend == "postgres":
        await settle_postgres(target)
    else:
        settle_sqlite(Path(target))
    return companies[0], {
        "target_messages": len(companies[0].messages),
        "target_conversations": len(companies[0].conversations),
        "noise_messages": len(companies[1].messages),
        "visits": sum(len(c.visits) for c in companies),
        "span_days": span_days,
        "migrate_s": round(migrated - began, 1),
        "generate_s": round(generated - migrated, 1),
        "load_s": round(loaded - generated, 1),
        "backfill_s": round(backfilled - loaded, 1),
        "counter_rows": await counter_rows(url),
    }


async def counter_rows(url: str) -> dict[str, int]:
    """How many rows each counter table holds after the backfill."""
    db = Database(url)
    try:
        async with db.read(system=True) as conn:
            return {
                name: await repo.count_rows(conn, getattr(repo, name))
                for name in ("message_counts", "conversation_counts", "response_times")
            }
    finally:
        await db.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, measure each range, and return the results document."""
    async with scratch_database(args.backend) as (url, target):
        company, seeding = await seed(url, target, args.backend, args.messages, args.span_days)
        print(f"seeded: {json.dumps(seeding)}", file=sys.stderr)
        results = []
        for span in RANGES:
            first = span if isinstance(span, str) else start_of(span)
            days = analytics.parse_range(first, LAST_DAY.isoformat(), args.tz)
            results.append(await measure_range(url, company.id, days, args.runs))
        version = await server_version(url)
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "backend": args.backend,
        "server": version,
        "cpus": os.cpu_count(),
        "messages": args.messages,
        "seeding": seeding,
        "ranges": results,
    }


def start_of(span: int) -> str:
    """The first day of the `span` days ending on LAST_DAY."""
    return (LAST_DAY - dt.timedelta(days=span - 1)).isoformat()


async def server_version(url: str) -> str:
    """The database engine's version string."""
    db = Database(url)
    try:
        async with db.read(system=True) as conn:
            if db.is_sqlite:
                query, name = "SELECT sqlite_version()", "SQLite"
            else:
                query, name = "SHOW server_version", "PostgreSQL"
            return f"{name} {(await conn.exec_driver_sql(query)).scalar_one()}"
    finally:
        await db.close()


# -- output --------------------------------------------------------------------------------


def format_report(doc: dict[str, Any]) -> str:
    """The summary table, the per-statement times and the heaviest plans."""
    lines = [
        f"{doc['backend']} ({doc['server']}, {doc['cpus']} CPUs): {doc['messages']:,} messages",
        f"{'range':<26} {'in range':>10} {'cold ms':>9} {'warm ms':>9} {'min ms':>8}  warm runs"
        "  (load)",
    ]
    for r in doc["ranges"]:
        label = f"{r['from']}..{r['to']}"
        runs = " ".join(f"{ms:.0f}" for ms in r["warm_ms"])
        figures = f"{r['cold_ms']:>9.1f} {r['warm_median_ms']:>9.1f} {r['warm_min_ms']:>8.1f}"
        load = "/".join(f"{x:.1f}" for x in r["load_average_1m"])
        lines.append(f"{label:<26} {r['messages_in_range']:>10,} {figures}  {runs}  ({load})")
    widest = doc["ranges"][-1]
    lines.append(f"\nstatements of one warm call, {widest['from']}..{widest['to']}:")
    for sql, (count, ms) in statement_totals(widest["queries"]).items():
        times = f"{count:>3} x" if count > 1 else "     "
        lines.append(f"{times} {ms:>8.1f} ms  {' '.join(sql.split())[:100]}")
    for plan in widest["plans"]:
        lines.append(f"\n-- {plan['ms']:.1f} ms: {' '.join(plan['sql'].split())[:150]}")
        lines.extend(plan["plan"])
    return "\n".join(lines)


def statement_totals(queries: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    """Per distinct statement, in first-run order: how often it ran and its total ms."""
    totals: dict[str, tuple[int, float]] = {}
    for q in queries:
        count, ms = totals.get(q["sql"], (0, 0.0))
        totals[q["sql"]] = (count + 1, ms + q["ms"])
    return totals


def write_results(doc: dict[str, Any], out: Path | None) -> Path:
    """The JSON document, under bench/results/ unless told otherwise."""
    if out is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        out = RESULTS / f"{stamp}-analytics-{doc['backend']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return out


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.analytics_scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=BACKENDS, default="postgres")
    parser.add_argument(
        "--messages", type=positive, default=1_000_000, help="the target company's messages"
    )
    parser.add_argument(
        "--runs", type=positive, default=5, help="warm calls per range (the median is reported)"
    )
    parser.add_argument("--tz", default="America/New_York", help="the ranges' time zone")
    parser.add_argument(
        "--span-days", type=positive, default=SPAN_DAYS, help="days the messages spread over"
    )
    parser.add_argument("--out", type=Path, help="where to write the JSON (default bench/results/)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    doc = asyncio.run(run(args))
    written = write_results(doc, args.out)
    print(format_report(doc))
    print(f"\nwritten: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
