"""The fault harness of issue 18: two `hub serve` processes on PostgreSQL + Redis under
widget load, one fault per scenario, exact accounting from the outside.

python -m bench.faults                                   # every fault, 400 conversations, 300 msg/s
python -m bench.faults --quick                           # 40 conversations at 60 msg/s
python -m bench.faults --faults kill,pg-pause --duration 30

Each scenario: fresh companies (AI off) in the harness's own PostgreSQL, an agent socket per
company on each process, visitors split over both processes sending at the given rate; the
fault after a warm-up; then a drain until every agent holds every acknowledged message (or
a deadline). Then the accounting: acknowledged, stored once (read from the database),
lost, duplicated, missed by each process's agents, agent sockets the server closed, and the
recovery time. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.faultenv import Environment, start_environment
from bench.faultload import (
    AgentOwner,
    Ledger,
    Storm,
    Visitor,
    pace,
    watch_recovery,
)
from bench.report import log_problems, write_results
from bench.seed import create_companies
from tests.support.redis_server import ping

FAULTS = ("kill", "redis-restart", "pg-stop", "pg-pause", "connect-storm")
RESULTS = Path(__file__).parent / "results"
READY_TIMEOUT = 60.0
KILLED = 1  # the process `kill` takes down (the second)


@dataclass(frozen=True)
class Config:
    """One run's sizes and timings (seconds)."""

    conversations: int = 400
    rate: float = 300.0
    duration: float = 40.0  # of load, per scenario
    warmup: float = 10.0  # load before the fault
    outage: float = 5.0  # PostgreSQL stopped or paused this long; Redis down 1 s
    drain: float = 30.0  # after the load, at most this long for agents to catch up
    tail: float = 10.0  # at least this much load after the fault's end
    per_company: int = 10
    storm: int = 300
    resume: bool = True  # send `resume` in the agents' `auth`


QUICK = Config(
    conversations=40, rate=60, duration=12, warmup=4, outage=3, drain=15, tail=5, storm=100
)


@dataclass
class Scenario:
    """The clients of one scenario and its fault's figures."""

    env: Environment
    config: Config
    ledger: Ledger
    visitors: list[Visitor]
    owners: list[AgentOwner]
    stop: asyncio.Event
    fault: dict[str, Any]
    tasks: list[asyncio.Task[None]]


# -- faults: each returns once the fault is over (the service is back) ---------------------


async def fault_kill(run: Scenario) -> None:
    """SIGKILL the second hub process, start it again on its port."""
    run.ledger.killed.add(KILLED)
    run.env.kill(KILLED)
    run.fault["killed_at"] = time.monotonic()
    await run.env.restart(KILLED)
    run.ledger.killed.discard(KILLED)


async def fault_redis_restart(run: Scenario) -> None:
    """Stop the harness's Redis, start it again a second later."""
    await run.env.redis.stop()
    await asyncio.sleep(1.0)  # the outage itself
    await run.env.redis.start()
    run.fault["redis_up"] = await ping(run.env.redis.port)


async def fault_pg_stop(run: Scenario) -> None:
    """`pg_ctl stop -m fast` (every connection closed), `outage` seconds, start again."""
    await asyncio.to_thread(run.env.pg.stop)
    await asyncio.sleep(run.config.outage)  # the outage itself
    await asyncio.to_thread(run.env.pg.start)


async def fault_pg_pause(run: Scenario) -> None:
    """SIGSTOP PostgreSQL (silent, sockets open) for `outage` seconds, then SIGCONT."""
    run.env.pg.pause()
    try:
        await asyncio.sleep(run.config.outage)  # the outage itself
    finally:
        run.env.pg.resume()


async def fault_connect_storm(run: Scenario) -> None:
    """`storm` new widget sockets at once, split over the processes, held to the end."""
    storm = Storm(run.config.storm)
    hold, urls = run.stop, run.env.hub_urls()
    keys = [v.key for v in run.visitors]
    for n in range(run.config.storm):
        one = storm.one(urls[n % len(urls)], keys[n % len(keys)], hold)
        run.tasks.append(asyncio.create_task(one))
    started = time.monotonic()
    await asyncio.wait_for(storm.settled.wait(), 60)
    seconds = sorted(storm.seconds)
    run.fault["storm"] = {
        "sockets": storm.total,
        "welcomed": storm.opened,
        "refused": storm.refused,
        "wall_s": time.monotonic() - started,
        "welcome_p99_s": seconds[int(0.99 * (len(seconds) - 1))] if seconds else None,
    }


INJECT: dict[str, Callable[[Scenario], Awaitable[None]]] = {
    "kill": fault_kill,
    "redis-restart": fault_redis_restart,
    "pg-stop": fault_pg_stop,
    "pg-pause": fault_pg_pause,
    "connect-storm": fault_connect_storm,
}


# -- one scenario ---------------------------------------------------------------------------


async def open_clients(env: Environment, config: Config, tag: str) -> Scenario:
    """Seed the companies, connect every agent owner and every visitor."""
    companies = math.ceil(config.conversations / config.per_company)
    created = await create_companies(env.database_url, env.secret, companies, prefix=tag)
    urls = env.hub_urls()
    ledger = Ledger(owners_per_company=len(urls))
    owners = [
        AgentOwner(ledger, urls, p, c.company_id, c.agent_token, config.resume)
        for c in created
        for p in range(len(urls))
    ]
    visitors = []
    for n in range(config.conversations):
        company = created[n // config.per_company]
        home = n % len(urls)  # visitors alternate between the processes
        visitors.append(Visitor(ledger, urls, home, company.company_id, company.widget_key))
    return Scenario(env, config, ledger, visitors, owners, asyncio.Event(), {}, [])


async def connect_all(run: Scenario) -> None:
    """Start every owner and visitor; return once each is connected."""
    peers = [*run.owners, *run.visitors]
    run.tasks.extend(asyncio.create_task(peer.run(run.stop)) for peer in peers)
    async with asyncio.timeout(READY_TIMEOUT):
        for owner in run.owners:
            await owner.ready.wait()
        for visitor in run.visitors:
            await visitor.welcomed.wait()


async def drain(run: Scenario) -> float:
    """After the load: until nothing is pending and every owner holds every acknowledged
    message, or the drain deadline. Returns the seconds it took."""
    started = time.monotonic()
    deadline = started + run.config.drain
    while time.monotonic() < deadline:
        pending = any(v.pending for v in run.visitors)
        if not pending and not run.ledger.incomplete:
            break
        await asyncio.sleep(0.1)  # sampling the clients' state; they have no shared event
    return time.monotonic() - started


async def inject(run: Scenario, fault: str) -> asyncio.Task[dict[str, float | None]]:
    """The fault, then the recovery watcher from the moment it is over."""
    began = time.monotonic()
    await INJECT[fault](run)
    run.ledger.fault_end = time.monotonic()
    run.fault["fault_s"] = run.ledger.fault_end - began
    return asyncio.create_task(watch_recovery(run.ledger, run.owners, run.stop))


async def run_scenario(env: Environment, config: Config, fault: str, tag: str) -> dict[str, Any]:
    """One fault under load, accounted for."""
    await env.ready()
    run = await open_clients(env, config, tag)
    await connect_all(run)
    planned = time.monotonic() + config.duration
    end = math.inf  # the load goes on while the fault lasts, however long
    pacer = asyncio.create_task(pace(run.visitors, config.rate, lambda: end))
    await asyncio.sleep(config.warmup)  # the warm-up is part of the load's schedule
    watcher = await inject(run, fault)
    assert run.ledger.fault_end is not None
    end = max(planned, run.ledger.fault_end + config.tail)
    offered = await pacer
    drained = await drain(run)
    run.stop.set()
    recovery = await watcher
    await asyncio.gather(*run.tasks, return_exceptions=True)
    stored = await stored_rows(env, [v.conversation_id for v in run.visitors if v.conversation_id])
    figures = account(run, stored) | recovery
    return (
        figures
        | {"fault": fault, "offered": offered, "drain_s": drained}
        | {
            "conversations": config.conversations,
            "rate": config.rate,
            "fault_detail": run.fault,
        }
    )


# -- accounting -----------------------------------------------------------------------------


async def stored_rows(env: Environment, conversations: list[str]) -> list[dict[str, Any]]:
    """Every message row of these conversations, read directly (as the superuser)."""
    conn = await asyncpg.connect(env.pg.url("hub"), timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT id, conversation_id, client_id, seq FROM messages"
            " WHERE conversation_id = ANY($1::text[])",
            conversations,
        )
    finally:
        await conn.close()
    return [dict(row) for row in rows]


def seq_gaps(rows: list[dict[str, Any]]) -> int:
    """Conversations whose seqs are not exactly 1..n."""
    seqs: dict[str, list[int]] = {}
    for row in rows:
        seqs.setdefault(row["conversation_id"], []).append(row["seq"])
    return sum(sorted(s) != list(range(1, len(s) + 1)) for s in seqs.values())


def missed(run: Scenario) -> dict[str, int]:
    """Per home process: acknowledged messages of an owner's company it never received."""
    by_company: dict[str, set[str]] = {}
    for message_id, sent in run.ledger.acked_ids.items():
        by_company.setdefault(sent.company, set()).add(message_id)
    counts = {name: 0 for name in process_names(run)}
    for owner in run.owners:
        owed = by_company.get(owner.company, set())
        counts[process_names(run)[owner.home]] += len(owed - owner.held)
    return counts


def process_names(run: Scenario) -> list[str]:
    return [chr(ord("A") + i) for i in range(len(run.env.hubs))]


def account(run: Scenario, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The exact accounting of one scenario."""
    per_client: dict[str, int] = {}
    for row in rows:
        per_client[row["client_id"]] = per_client.get(row["client_id"], 0) + 1
    acked = [s.client_id for s in run.ledger.sent.values() if s.acked_at is not None]
    lost = [cid for cid in acked if per_client.get(cid, 0) == 0]
    agent_closes = [c for c in run.ledger.closes if c.role == "agent"]
    by_server = [c for c in agent_closes if not c.killed]
    misses = missed(run)
    return {
        "acknowledged": len(acked),
        "unacknowledged": len(run.ledger.sent) - len(acked),
        "stored": len(rows),
        "stored_unacknowledged": sum(
            1 for cid in per_client if cid in run.ledger.sent and cid not in set(acked)
        ),
        "lost": len(lost),
        "duplicated": sum(1 for n in per_client.values() if n > 1),
        "seq_gaps": seq_gaps(rows),
        "missed": misses,
        "missed_total": sum(misses.values()),
        "agent_closed": len(by_server),
        "agent_closed_codes": _codes(by_server),
        "agent_closed_killed": sum(1 for c in agent_closes if c.killed),
        "widget_closed": _codes([c for c in run.ledger.closes if c.role == "widget"]),
        "errors": dict(run.ledger.errors),
        "agent_duplicate_deliveries": sum(o.duplicates for o in run.owners),
        "agent_reconnects": sum(max(0, o.connects - 1) for o in run.owners),
        "resends": sum(max(0, s.sends - 1) for s in run.ledger.sent.values()),
        "ack_gap_max_s": ack_gap(run),
    }


def ack_gap(run: Scenario) -> float:
    """The longest time without any acknowledgement: how long the fault held sends up."""
    times = sorted(s.acked_at for s in run.ledger.sent.values() if s.acked_at is not None)
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def _codes(closes: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for close in closes:
        key = f"{'ABCDEFGH'[close.process]}:{close.code}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def passed(row: dict[str, Any]) -> bool:
    """Issue 18's bar: nothing lost, duplicated or missed, no agent socket closed."""
    zero = ("lost", "duplicated", "seq_gaps", "missed_total", "agent_closed")
    return all(row[key] == 0 for key in zero)


# -- the run --------------------------------------------------------------------------------


async def run_faults(
    faults: list[str], config: Config, log_dir: Path
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every fault in its own scenario, on one environment; the rows and the context."""
    env = await start_environment(log_dir)
    rows = []
    try:
        for n, fault in enumerate(faults):
            rows.append(await run_scenario(env, config, fault, f"{fault} {n}"))
            print(format_row(rows[-1]), file=sys.stderr, flush=True)
    finally:
        await env.close()
    problems = {hub.name: len(log_problems(hub.log_path)) for hub in env.hubs}
    return rows, {"log_dir": str(log_dir), "hub_log_problem_lines": problems}


HEAD = (
    "| fault | conversations | msg/s | acknowledged | lost | duplicated "
    "| missed by agents (A / B) | agent sockets closed (killed) | live again s | recovery s |"
)


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


def format_row(row: dict[str, Any]) -> str:
    missed_ = " / ".join(str(n) for n in row["missed"].values())
    closed = f"{row['agent_closed']} ({row['agent_closed_killed']})"
    cells = [
        row["fault"],
        f"{row['conversations']:,}",
        f"{row['rate']:,.0f}",
        f"{row['acknowledged']:,}",
        f"{row['lost']:,}",
        f"{row['duplicated']:,}",
        missed_,
        closed,
        _seconds(row["live_s"]),
        _seconds(row["recovery_s"]),
    ]
    return "| " + " | ".join(cells) + " |"


def format_table(rows: list[dict[str, Any]]) -> str:
    rule = "|" + "|".join(" --- " for _ in HEAD.split("|")[1:-1]) + "|"
    return "\n".join([HEAD, rule, *(format_row(row) for row in rows)])


def parse_args(argv: list[str] | None) -> tuple[list[str], Config]:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="40 conversations, 60 msg/s")
    parser.add_argument("--conversations", type=int)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--duration", type=float, help="seconds of load per scenario")
    parser.add_argument("--no-resume", action="store_true", help="agents send no resume")
    args = parser.parse_args(argv)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = sorted(set(faults) - set(FAULTS))
    if unknown:
        parser.error(f"unknown faults {unknown}; choose from {', '.join(FAULTS)}")
    config = QUICK if args.quick else Config()
    overrides = {"conversations": args.conversations, "rate": args.rate}
    overrides["duration"] = args.duration
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if config.warmup >= config.duration:
        parser.error("--duration must be longer than the warm-up")
    return faults, replace(config, resume=not args.no_resume)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios, print the table, write bench/results/<stamp>-faults.json."""
    faults, config = parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    log_dir = RESULTS / f"{stamp}-faults"
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    rows, context = asyncio.run(run_faults(faults, config, log_dir))
    print(format_table(rows))
    document = {"config": asdict(config), "context": context, "scenarios": rows}
    path = write_results(document, RESULTS / f"{stamp}-faults.json")
    print(f"\nresults: {path}", file=sys.stderr)
    return 0 if all(passed(row) for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
