"""Outgoing webhooks under a message load: delivery delay and deliveries per second.

    python -m bench.webhooks                                   # 200 pairs, 2,000 msg/s, 10 s
    python -m bench.webhooks --subscribed 0.1                  # one company in ten subscribes
    python -m bench.webhooks --pairs 200 --rate 500 --duration 10 --backend postgres-redis

The rooms workload of `bench.run` (visitor -> agent pairs, one company each, the load
generator in its own process) with companies subscribed to `message.created` at a receiver
on 127.0.0.1 (this process, uvicorn, answering 200 at once): each of their visitor messages
is then also one signed POST. Reported: webhooks received (unique, duplicates, out of order
per conversation), the delay from the visitor's send to the receiver (p50/p99/max, one
machine, one monotonic clock), deliveries per second while the load ran and overall, the
backlog when the load stopped and how long the rest took, and the sockets' own latency.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select

from bench import procstats, servers
from bench.loadgen import raise_fd_limit
from bench.report import write_results
from bench.run import RESULTS, ROOT, Setup, cpu_plan, measure, start_backend, teardown, write_spec
from bench.seed import count_visitor_messages, create_companies
from bench.stats import summarize_ns
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.settings import normalise_database_url

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Receiver:
    """A bare ASGI receiver: notes each POST's arrival and the visitor's send time."""

    def __init__(self) -> None:
        self.delays_ns: list[int] = []
        self.arrivals_ns: list[int] = []
        self.ids: set[str] = set()
        self.duplicates = 0
        self.last_seq: dict[str, int] = {}
        self.out_of_order = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        now = time.monotonic_ns()
        self.note(dict(scope["headers"]).get(b"webhook-id", b"").decode(), body, now)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def note(self, webhook_id: str, body: bytes, now: int) -> None:
        if webhook_id in self.ids:
            self.duplicates += 1
            return
        self.ids.add(webhook_id)
        message = json.loads(body)["data"]["message"]
        sent_ns = int(message["text"].rsplit(" ", 1)[1])  # "bench PAIR K SEND_NS"
        self.delays_ns.append(now - sent_ns)
        self.arrivals_ns.append(now)
        conversation, seq = message["conversation_id"], message["seq"]
        if seq < self.last_seq.get(conversation, 0):
            self.out_of_order += 1
        self.last_seq[conversation] = max(seq, self.last_seq.get(conversation, 0))


@contextlib.asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[str]:
    port = servers.free_port()
    config = uvicorn.Config(
        receiver, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        server.should_exit = True
        await task


async def subscribe(hub_http: str, tokens: list[str], url: str) -> None:
    """One endpoint per company, subscribed to message.created."""
    body = {"url": url, "events": ["message.created"]}
    async with httpx.AsyncClient(base_url=hub_http, timeout=30, trust_env=False) as http:
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            answer = await http.post("/api/webhooks", json=body, headers=headers)
            answer.raise_for_status()


async def stored_for(database_url: str, company_ids: list[str]) -> int:
    """Visitor messages the hub stored for these companies."""
    db = Database(normalise_database_url(database_url))
    m = repo.messages
    query = select(func.count()).where(m.c.sender == "visitor", m.c.company_id.in_(company_ids))
    try:
        async with db.read() as conn:
            return int((await conn.execute(query)).scalar_one())
    finally:
        await db.close()


async def drain(
    receiver: Receiver, database_url: str, company_ids: list[str], timeout: float
) -> tuple[int, float]:
    """(visitor messages stored for the subscribed companies, seconds until a webhook of
    each had arrived or `timeout` passed)."""
    started = time.monotonic()
    while True:
        stored = await stored_for(database_url, company_ids)
        waited = time.monotonic() - started
        if len(receiver.ids) >= stored or waited > timeout:
            return stored, waited
        await asyncio.sleep(0.2)


def figures(
    receiver: Receiver, raw: dict[str, Any], load_window: tuple[int, int], drained_s: float
) -> dict[str, Any]:
    stored = int(raw["stored"])  # after the drain: every message the load stored
    _, end_ns = load_window
    start_ns = min(receiver.arrivals_ns, default=end_ns)  # the first delivery
    during = sum(1 for t in receiver.arrivals_ns if t <= end_ns)
    span_ns = (max(receiver.arrivals_ns) - min(receiver.arrivals_ns)) if receiver.arrivals_ns else 0
    return {
        "messages_stored": raw["all_stored"],
        "messages_of_subscribed": stored,
        "webhooks_unique": len(receiver.ids),
        "webhooks_missing": stored - len(receiver.ids),
        # The hubs' CPU from all sockets open to the last webhook, per 1,000 messages stored.
        "hub_cpu_s_per_1k_messages": procstats.cpu_delta(
            raw["samples"][1]["hub_cpu"], raw["drained_cpu"]
        )
        / max(raw["all_stored"], 1)
        * 1000,
        "socket_latency": raw["done"]["latency"],
        "duplicates": receiver.duplicates,
        "out_of_order": receiver.out_of_order,
        "delay": summarize_ns(receiver.delays_ns),
        "deliveries_per_s_during_load": during / max((end_ns - start_ns) / 1e9, 1e-9),
        "deliveries_per_s_overall": len(receiver.ids) / max(span_ns / 1e9, 1e-9),
        "backlog_at_load_end": stored - during,
        "drain_s_after_load": drained_s,
        "loadgen": raw["done"],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres-redis"), default="sqlite")
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument("--drain-timeout", type=float, default=10.0)
    parser.add_argument("--webhook-drain", type=float, default=120.0)
    parser.add_argument(
        "--subscribed", type=float, default=1.0, help="fraction of companies with an endpoint"
    )
    parser.add_argument("--no-pin", action="store_true")
    return parser.parse_args(argv)


async def bench(args: argparse.Namespace, stamp: str) -> dict[str, Any]:
    hub_cpus, loadgen_cpus = cpu_plan(not args.no_pin)
    logs = RESULTS / f"{stamp}-webhooks-{args.backend}"
    logs.mkdir(parents=True, exist_ok=True)
    os.environ["HUB_WEBHOOKS_ALLOW_PRIVATE"] = "true"  # the receiver is on 127.0.0.1
    setup = Setup(args.backend, servers.new_secret())
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        try:
            async with receiving(receiver) as url:
                await start_backend(setup, Path(tmp), logs, hub_cpus)
                companies = await create_companies(setup.database_url, setup.secret, args.pairs)
                chosen = companies[: max(1, round(len(companies) * args.subscribed))]
                await subscribe(setup.visitor_hub.http, [c.agent_token for c in chosen], url)
                write_spec(args, setup, companies, Path(tmp) / "spec.json")
                start_ns = time.monotonic_ns()
                raw = await measure(args, setup, Path(tmp) / "spec.json", logs, loadgen_cpus)
                window = (start_ns, time.monotonic_ns())
                raw["all_stored"] = await count_visitor_messages(setup.database_url)
                raw["stored"], drained = await drain(
                    receiver, setup.database_url, [c.company_id for c in chosen], args.webhook_drain
                )
                raw["drained_cpu"] = procstats.cpu_snapshot(hub.pid for hub in setup.hubs)
        finally:
            await teardown(setup)
    summary = figures(receiver, raw, window, drained)
    return {"stamp": stamp, "config": vars(args), "summary": summary, "logs": str(logs)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_fd_limit()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results = asyncio.run(bench(args, stamp))
    path = write_results(results, RESULTS / f"{stamp}-webhooks-{args.backend}.json")
    summary = results["summary"]
    print(json.dumps({k: v for k, v in summary.items() if k != "loadgen"}, indent=2))
    print(f"\nresults: {path.relative_to(ROOT)}")
    return 0 if summary["webhooks_missing"] == 0 and summary["out_of_order"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
