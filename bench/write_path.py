"""The cost of writing a visitor's message, alone: no sockets, no bus traffic, no other process.

    python -m bench.write_path --backend sqlite
    python -m bench.write_path --backend postgres --rounds 2000 --batch 10

What the rooms benchmark's CPU per message mixes with WebSocket framing and JSON, measured
on its own and in figures other engineers' work on a shared machine hardly moves: a fresh
database, `--companies` companies with a widget visitor each (conversations started), then
`--rounds` rounds in which `--batch` visitors each send one message at once through
`VisitorService.send`, the hub's own hot path, so the group commit writes them as one batch.
Reported per message: this process's CPU, on PostgreSQL the database backends' CPU, on
SQLite the bytes the write-ahead log grew (pages written; no checkpoint runs), on
PostgreSQL the bytes the messages table's indexes and the counters grew, and each send's
latency. `--varied` gives each message a different sentence (bench.search's vocabulary), so
that the full-text index has new words to add, as with real messages. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import procstats, search, servers
from bench.seed import create_companies
from bench.stats import summarize_ns
from hub.bus import MemoryBus
from hub.conversations.service import ConversationService
from hub.conversations.visitors import Visitor, VisitorContext, VisitorService
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SECRET = "bench-write-path-secret-0123456789"
# Sizes of these relations on PostgreSQL (those missing in a version are skipped).
PG_RELATIONS = ("messages", "message_counts", "conversation_counts", "response_times")
FIXED_TEXT = "Hi, do you ship to Canada?"


@contextlib.asynccontextmanager
async def scratch(backend: str) -> AsyncIterator[tuple[str, str | None]]:
    """(SQLAlchemy URL, the SQLite file or None): a fresh database, gone afterwards."""
    if backend == "postgres":
        name, dsn = await servers.create_pg_database()
        try:
            yield dsn.replace("postgresql://", "postgresql+asyncpg://", 1), None
        finally:
            await servers.drop_pg_database(name)
        return
    with tempfile.TemporaryDirectory(prefix="bench-write-") as folder:
        path = Path(folder) / "hub.db"
        yield f"sqlite+aiosqlite:///{path}", str(path)


async def backend_pids(db: Database) -> list[int]:
    """The PostgreSQL backends connected to this database (the group commit's among them)."""
    async with db.read(system=True) as conn:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [int(pid) for pid in (await conn.execute(query)).scalars()]


async def pg_sizes(db: Database) -> dict[str, int]:
    """Bytes of each relation's table and of its indexes."""
    sizes: dict[str, int] = {}
    async with db.read(system=True) as conn:
        for name in PG_RELATIONS:
            if (await conn.execute(text("SELECT to_regclass(:n)"), {"n": name})).scalar():
                row = (
                    await conn.execute(
                        text("SELECT pg_table_size(:n), pg_indexes_size(:n)"), {"n": name}
                    )
                ).one()
                sizes[f"{name}_table"], sizes[f"{name}_indexes"] = int(row[0]), int(row[1])
    return sizes


def wal_bytes(path: str | None) -> int:
    """The SQLite write-ahead log's size (0 for PostgreSQL)."""
    if path is None:
        return 0
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def visitors_of(
    db: Database, url: str, companies: int, warm: bool
) -> tuple[VisitorService, list[Any]]:
    """A visitor for each of `companies` new companies, each with one message sent (so the
    conversations exist, as in a room already talking)."""
    made = await create_companies(url, SECRET, companies)
    service = VisitorService(ConversationService(db, MemoryBus()))
    visitors: list[Visitor] = []
    for index, company in enumerate(made):
        visitor = await service.hello(company.company_id, f"v{index}", None, VisitorContext())
        visitors.append(visitor)
    if warm:
        await asyncio.gather(*(service.send(v, "warm-up", "hello") for v in visitors))
    return service, visitors


async def rounds(
    service: VisitorService, visitors: list[Any], args: argparse.Namespace
) -> list[int]:
    """`args.rounds` rounds of `args.batch` sends at once; each send's nanoseconds."""
    latencies: list[int] = []
    texts = varied_texts(args.rounds * args.batch) if args.varied else [FIXED_TEXT]

    async def send(visitor: Any, client_id: str, body: str) -> None:
        began = time.perf_counter_ns()
        await service.send(visitor, client_id, body)
        latencies.append(time.perf_counter_ns() - began)

    for i in range(args.rounds):
        start = i * args.batch
        chosen = [visitors[(start + k) % len(visitors)] for k in range(args.batch)]
        await asyncio.gather(
            *(send(v, f"r{i}-{k}", texts[(start + k) % len(texts)]) for k, v in enumerate(chosen))
        )
    return latencies


def varied_texts(count: int) -> list[str]:
    """`count` sentences of bench.search's vocabulary (6 to 16 words each): every message
    brings the full-text index new words to add, as real ones do."""
    rng = random.Random(20261203)
    weights = [1 / (rank + 1) for rank in range(len(search.WORDS))]
    return [search.sentence(rng, weights) for _ in range(count)]


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, time the rounds, and return the figures."""
    async with scratch(args.backend) as (url, path):
        await upgrade(url)
        db = Database(url)
        try:
            service, visitors = await visitors_of(db, url, args.companies, not args.cold)
            pids = [] if db.is_sqlite else await backend_pids(db)
            sizes_before = {} if db.is_sqlite else await pg_sizes(db)
            wal_before = wal_bytes(path)
            backends_before = procstats.cpu_snapshot(pids)
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            latencies = await rounds(service, visitors, args)
            cpu = time.process_time() - cpu_before
            wall = time.perf_counter() - wall_before
            backends = procstats.cpu_delta(backends_before, procstats.cpu_snapshot(pids))
            sizes_after = {} if db.is_sqlite else await pg_sizes(db)
            wal = wal_bytes(path) - wal_before
            await service.conversations.close()
        finally:
            await db.close()
    messages = args.rounds * args.batch
    grown = {k: sizes_after[k] - sizes_before.get(k, 0) for k in sizes_after}
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "backend": args.backend,
        "companies": args.companies,
        "batch": args.batch,
        "texts": "varied" if args.varied else "fixed",
        "messages": messages,
        "wall_s": round(wall, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "process_cpu_ms_per_message": round(cpu * 1000 / messages, 4),
        "backend_cpu_ms_per_message": round(backends * 1000 / messages, 4),
        "wal_bytes_per_message": round(wal / messages, 1),
        "bytes_grown_per_message": {k: round(v / messages, 1) for k, v in grown.items()},
        "send": summarize_ns(latencies),
    }


def format_report(doc: dict[str, Any]) -> str:
    """One line per figure."""
    send = doc["send"]
    lines = [
        f"{doc['backend']}: {doc['messages']:,} {doc['texts']} messages, {doc['batch']} per batch, "
        f"{doc['companies']} companies, {doc['wall_s']} s (load {doc['load_average_1m']})",
        f"  hub process CPU ms/message    {doc['process_cpu_ms_per_message']:.4f}",
        f"  database CPU ms/message       {doc['backend_cpu_ms_per_message']:.4f}",
        f"  SQLite log bytes/message      {doc['wal_bytes_per_message']:.0f}",
        f"  send p50 / p99 ms             {send['p50_ms']:.3f} / {send['p99_ms']:.3f}",
    ]
    for name, grown in doc["bytes_grown_per_message"].items():
        lines.append(f"  {name + ' bytes/message':<30}{grown:.1f}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.write_path", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--companies", type=int, default=200, help="visitors, one company each")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=10, help="sends at once (one batch)")
    parser.add_argument(
        "--cold", action="store_true", help="time the first messages too (they start conversations)"
    )
    parser.add_argument(
        "--varied",
        action="store_true",
        help="a different sentence in each message (the default repeats one text)",
    )
    parser.add_argument("--out", type=Path, help="where to write the JSON (default bench/results/)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    doc = asyncio.run(measure(args))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS / f"{stamp}-write-{args.backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(format_report(doc))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
