"""Full-text search at scale: `GET /api/search`'s message query over a million messages.

    python -m bench.search --backend sqlite --messages 1000000
    python -m bench.search --backend postgres --messages 1000000

A fresh database (PostgreSQL: `bench_<random>`, dropped afterwards; SQLite: a temporary
file), migrated to 0010 and seeded in bulk with bench.analytics_scale's companies (a target
company of N messages and a noise company of N/5), their texts replaced by sentences drawn
from a Zipf-weighted English and Spanish vocabulary with a few planted rare words; then
upgraded to head, so migration 0011 builds the search index over the loaded rows (timed).
Then `MessageSearch.messages` (what the endpoint calls, under the company's tenant, limit 50)
runs for each query kind, then the contacts list and the agent's inbox snapshot
(`ConversationService.inbox`: 200 conversations and their last messages): a warm-up call, then
--runs timed calls; p50 and p99 are printed and written to bench/results/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import analytics_scale as scale
from bench.report import write_results
from hub.bus import MemoryBus
from hub.conversations.service import ConversationService
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from hub.persistence.tenancy import tenant
from hub.workspace.contacts import ContactDirectory
from hub.workspace.search import MessageSearch

SEED = 20261203
BEFORE_SEARCH = "0010"
TEXT_COLUMN = scale.MESSAGE_COLUMNS.index("text")
RARE = "zanzibar"  # planted in RARE_COUNT messages of the target company
RARE_COUNT = 20
WORDS = [
    "order",
    "ship",
    "delivery",
    "address",
    "price",
    "thanks",
    "hello",
    "please",
    "help",
    "account",
    "refund",
    "invoice",
    "warehouse",
    "courier",
    "tracking",
    "number",
    "weekend",
    "hours",
    "opening",
    "payment",
    "card",
    "transfer",
    "discount",
    "coupon",
    "product",
    "size",
    "color",
    "return",
    "exchange",
    "store",
    "online",
    "phone",
    "email",
    "pedido",
    "envío",
    "dirección",
    "precio",
    "gracias",
    "hola",
    "ayuda",
    "cuenta",
    "factura",
    "almacén",
    "mensajero",
    "número",
    "fin",
    "semana",
    "horario",
    "pago",
    "tarjeta",
    "descuento",
    "producto",
    "talla",
    "devolución",
    "tienda",
    "canción",
    "información",
    "teléfono",
    "mañana",
    "también",
    "después",
    "rápido",
    "entrega",
]
FILLER = [
    "the",
    "a",
    "to",
    "and",
    "of",
    "is",
    "in",
    "it",
    "you",
    "we",
    "for",
    "on",
    "that",
    "this",
    "with",
    "can",
    "my",
    "your",
    "be",
    "are",
]
QUERIES = {
    "common word": "the",
    "frequent word": "order",
    "rare word": RARE,
    "prefix": "wareh",
    "two words": "refund invoice",
    "accent-blind": "cancion",
    "no match": "qwertyuiop",
}


def sentence(rng: random.Random, weights: list[float]) -> str:
    """6 to 16 words: filler and vocabulary words, the vocabulary Zipf-weighted, and a
    random number now and then (an order number)."""
    count = rng.randint(6, 16)
    picked = rng.choices(WORDS, weights=weights, k=count)
    out = [w if rng.random() < 0.6 else rng.choice(FILLER) for w in picked]
    if rng.random() < 0.1:
        out.append(str(rng.randint(10000, 99999)))
    return " ".join(out).capitalize()


def retext(companies: list[scale.Company]) -> None:
    """Every message's text replaced in place; RARE planted in the target's messages."""
    rng = random.Random(SEED)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    rng.shuffle(weights)
    for company in companies:
        rows = company.messages
        for i, row in enumerate(rows):
            rows[i] = (*row[:TEXT_COLUMN], sentence(rng, weights), *row[TEXT_COLUMN + 1 :])
    target = companies[0].messages
    for i in rng.sample(range(len(target)), RARE_COUNT):
        row = target[i]
        planted = f"{row[TEXT_COLUMN]} {RARE}"
        target[i] = (*row[:TEXT_COLUMN], planted, *row[TEXT_COLUMN + 1 :])


async def seed(url: str, target: str, backend: str, messages: int) -> tuple[str, dict[str, Any]]:
    """Migrate to 0010, load, upgrade to head (0011 builds the index); the target's id and
    what each step took."""
    began = time.perf_counter()
    await upgrade(url, BEFORE_SEARCH)
    since, until = scale.window()
    companies = [
        scale.make_company("Target", messages, scale.SEED, since, scale.SPAN_DAYS),
        scale.make_company(
            "Noise", max(1, messages // scale.NOISE_SHARE), scale.SEED + 1, until, scale.SPAN_DAYS
        ),
    ]
    retext(companies)
    generated = time.perf_counter()
    db = Database(url)
    try:
        await scale.insert_companies(db, companies, since)
    finally:
        await db.close()
    if backend == "postgres":
        await scale.load_postgres(target, companies)
    else:
        scale.load_sqlite(Path(target), companies)
    loaded = time.perf_counter()
    await upgrade(url)
    indexed = time.perf_counter()
    if backend == "postgres":
        await scale.settle_postgres(target)
    else:
        scale.settle_sqlite(Path(target))
    return companies[0].id, {
        "target_messages": len(companies[0].messages),
        "noise_messages": len(companies[1].messages),
        "generate_s": round(generated - began, 1),
        "load_s": round(loaded - generated, 1),
        "index_s": round(indexed - loaded, 1),
    }


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def timed(call: Any, runs: int) -> tuple[int, list[float]]:
    """One warm-up call (its result's size), then `runs` timed calls (ms)."""
    found = len(await call())
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return found, times


async def measure(url: str, company_id: str, runs: int) -> list[dict[str, Any]]:
    """Each message query kind, then the contacts list (first page, and filtered)."""
    db = Database(url)
    search, contacts = MessageSearch(db), ContactDirectory(db)
    inbox = ConversationService(db, MemoryBus())
    calls: list[tuple[str, str, Any]] = [
        (kind, q, lambda q=q: search.messages(company_id, q, 50)) for kind, q in QUERIES.items()
    ]
    calls.append(("contacts list", "", lambda: _contacts(contacts, company_id, None)))
    calls.append(
        (
            "contacts by name",
            "contact 4242",
            lambda: _contacts(contacts, company_id, "contact 4242"),
        )
    )
    # The agent's inbox snapshot: 200 conversations, each with its last message.
    calls.append(("inbox snapshot", "", lambda: inbox.inbox(company_id)))
    results = []
    try:
        with tenant(company_id):  # what the request's agent_of does
            for kind, query, call in calls:
                found, times = await timed(call, runs)
                results.append(
                    {
                        "kind": kind,
                        "q": query,
                        "hits": found,
                        "p50_ms": round(statistics.median(times), 1),
                        "p99_ms": round(percentile(times, 0.99), 1),
                        "max_ms": round(max(times), 1),
                        "load_average_1m": round(os.getloadavg()[0], 2),
                    }
                )
    finally:
        await inbox.close()
        await db.close()
    return results


async def _contacts(contacts: ContactDirectory, company_id: str, q: str | None) -> list[Any]:
    page = await contacts.page(company_id, q, limit=50)
    return list(page["contacts"])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with scale.scratch_database(args.backend) as (url, target):
        company_id, seeding = await seed(url, target, args.backend, args.messages)
        print(f"seeded: {json.dumps(seeding)}", file=sys.stderr)
        queries = await measure(url, company_id, args.runs)
        version = await scale.server_version(url)
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "backend": args.backend,
        "server": version,
        "cpus": os.cpu_count(),
        "runs": args.runs,
        "seeding": seeding,
        "queries": queries,
    }


def format_report(doc: dict[str, Any]) -> str:
    s = doc["seeding"]
    total = s["target_messages"] + s["noise_messages"]
    lines = [
        f"{doc['backend']} ({doc['server']}, {doc['cpus']} CPUs): {total:,} messages "
        f"(target {s['target_messages']:,}); index built in {s['index_s']} s; "
        f"{doc['runs']} runs each",
        "| query | q | hits | p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in doc["queries"]:
        lines.append(f"| {r['kind']} | `{r['q']}` | {r['hits']} | {r['p50_ms']} | {r['p99_ms']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--backend", choices=scale.BACKENDS, default="sqlite")
    parser.add_argument("--messages", type=scale.positive, default=1_000_000)
    parser.add_argument("--runs", type=scale.positive, default=100)
    args = parser.parse_args(argv)
    doc = asyncio.run(run(args))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = write_results(doc, scale.RESULTS / f"{stamp}-search-{doc['backend']}.json")
    print(format_report(doc))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
