"""The benchmark driver: hub processes up, companies in, load generator run, figures out.

    python -m bench.run --pairs 1000 --rate 2000 --duration 10 --backend sqlite
    python -m bench.run --pairs 1000 --rate 2000 --duration 10 --backend postgres-redis

Run it from the repository root. See bench/README.md for what is measured.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import procstats, servers
from bench.loadgen import raise_fd_limit
from bench.report import format_table, summarize, write_results
from bench.seed import count_visitor_messages, create_companies

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BACKENDS = ("sqlite", "postgres-redis")
SETTLE_SECONDS = 1.0


@dataclass
class Setup:
    """The hub under test; filled in as it comes up, so teardown sees whatever exists."""

    backend: str
    secret: str
    database_url: str = ""
    pg_database: str | None = None
    hubs: list[servers.HubProcess] = field(default_factory=list)

    @property
    def visitor_hub(self) -> servers.HubProcess:
        return self.hubs[0]

    @property
    def agent_hub(self) -> servers.HubProcess:
        return self.hubs[-1]  # the other process when there are two


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--pairs", type=int, default=1000, help="visitor/agent pairs")
    parser.add_argument("--rate", type=float, default=2000.0, help="messages/s offered in all")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending")
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument("--drain-timeout", type=float, default=10.0)
    parser.add_argument("--no-pin", action="store_true", help="do not pin hub and loadgen CPUs")
    args = parser.parse_args(argv)
    if args.rate / args.pairs > 15:
        parser.error("more than 15 messages/s per visitor socket hits the hub's rate limit")
    return args


def cpu_plan(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(hub CPUs, loadgen CPUs): the last CPU for the load generator, the rest for hubs."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    return set(cpus[:-1]), {cpus[-1]}


# -- the hub under test -------------------------------------------------------------------


async def start_backend(setup: Setup, workdir: Path, logs: Path, cpus: set[int] | None) -> None:
    """Bring up the database and the hub process(es) of `setup.backend`, healthy."""
    if setup.backend == "sqlite":
        setup.database_url = f"sqlite+aiosqlite:///{workdir}/hub.db"
        env = servers.hub_env(setup.database_url, setup.secret, None, servers.free_port())
        setup.hubs.append(servers.start_hub("hub", env, logs, cpus))
    else:
        setup.pg_database, setup.database_url = await servers.create_pg_database()
        env = servers.hub_env(setup.database_url, setup.secret, servers.REDIS_URL, 0)
        await asyncio.to_thread(servers.migrate, env)
        for name in ("hub-visitors", "hub-agents"):
            env = servers.hub_env(
                setup.database_url, setup.secret, servers.REDIS_URL, servers.free_port()
            )
            setup.hubs.append(servers.start_hub(name, env, logs, cpus))
    await asyncio.gather(*(servers.wait_healthy(hub) for hub in setup.hubs))


async def teardown(setup: Setup) -> dict[str, int | None]:
    """Stop the hubs and drop the PostgreSQL database; bounded in time."""
    codes = await asyncio.to_thread(servers.stop_hubs, setup.hubs)
    if setup.pg_database is not None:
        try:
            await asyncio.wait_for(servers.drop_pg_database(setup.pg_database), 60)
        except (OSError, RuntimeError, TimeoutError) as exc:
            print(f"bench: could not drop {setup.pg_database}: {exc}", file=sys.stderr)
    return codes


async def sessions(setup: Setup) -> int:
    """Sessions the hubs report in /healthz, summed."""
    total = 0
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        for hub in setup.hubs:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                total += int((await client.get(f"{hub.http}/healthz")).json()["sessions"])
    return total


# -- the load generator -------------------------------------------------------------------


def write_spec(args: argparse.Namespace, setup: Setup, pairs: list[Any], path: Path) -> None:
    """The load generator's spec: where to connect, with what, how hard."""
    spec = {
        "widget_url": f"{setup.visitor_hub.ws}/ws/widget",
        "agent_url": f"{setup.agent_hub.ws}/ws/agent",
        "pairs": [[c.widget_key, c.agent_token] for c in pairs],
        "rate": args.rate,
        "duration": args.duration,
        "connect_concurrency": args.connect_concurrency,
        "drain_timeout": args.drain_timeout,
    }
    path.write_text(json.dumps(spec))


async def start_loadgen(
    spec: Path, logs: Path, cpus: set[int] | None
) -> asyncio.subprocess.Process:
    """`python -m bench.loadgen SPEC` as its own process, stdin/stdout for the protocol."""
    with (logs / "loadgen.log").open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.loadgen",
            str(spec),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            limit=1 << 22,
        )
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(process.pid, cpus)
    return process


async def next_event(process: asyncio.subprocess.Process, timeout: float) -> dict[str, Any]:
    """The load generator's next protocol line."""
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout)
    if not line:
        code = await asyncio.wait_for(process.wait(), 10)
        raise RuntimeError(f"the load generator exited ({code}); see loadgen.log")
    event: dict[str, Any] = json.loads(line)
    return event


async def stop_loadgen(process: asyncio.subprocess.Process) -> None:
    """Let the load generator close its sockets and exit; kill it if it takes too long."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()


# -- measuring ----------------------------------------------------------------------------


def sample(setup: Setup, loadgen_pid: int) -> dict[str, Any]:
    """RSS and CPU of the hubs, CPU of PostgreSQL/Redis and of the load generator, now."""
    return {
        "at": time.monotonic(),
        "rss_kib": {hub.name: procstats.rss_kib(hub.pid) for hub in setup.hubs},
        "hub_cpu": procstats.cpu_snapshot(hub.pid for hub in setup.hubs),
        "infra_cpu": procstats.infra_cpu() if setup.backend == "postgres-redis" else 0.0,
        "loadgen_cpu": procstats.cpu_seconds(loadgen_pid),
    }


async def measure(
    args: argparse.Namespace, setup: Setup, spec: Path, logs: Path, cpus: set[int] | None
) -> dict[str, Any]:
    """Run the load generator through its phases, sampling the hubs around each."""
    idle = sample(setup, 0)
    process = await start_loadgen(spec, logs, cpus)
    try:
        connected = await next_event(process, 120 + args.pairs / 10)
        await asyncio.sleep(SETTLE_SECONDS)
        open_ = sample(setup, process.pid)
        live = await sessions(setup)
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        done = await next_event(process, args.duration + args.drain_timeout + 60)
        after = sample(setup, process.pid)
        stored = await count_visitor_messages(setup.database_url)
    finally:
        await stop_loadgen(process)
    samples = [idle, open_, after]
    return {"connected": connected, "done": done, "sessions": live, "stored": stored} | {
        "samples": samples
    }


# -- the run ------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, stamp: str) -> dict[str, Any]:
    """Everything between start-up and teardown; returns the results document."""
    hub_cpus, loadgen_cpus = cpu_plan(not args.no_pin)
    logs = RESULTS / f"{stamp}-{args.backend}"
    logs.mkdir(parents=True, exist_ok=True)
    setup = Setup(args.backend, servers.new_secret())
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        try:
            await start_backend(setup, Path(tmp), logs, hub_cpus)
            companies = await create_companies(setup.database_url, setup.secret, args.pairs)
            write_spec(args, setup, companies, Path(tmp) / "spec.json")
            raw = await measure(args, setup, Path(tmp) / "spec.json", logs, loadgen_cpus)
        finally:
            exit_codes = await teardown(setup)
    context: dict[str, Any] = {"stamp": stamp, "logs": str(logs), "exit_codes": exit_codes}
    context["cpus"] = {"hubs": sorted(hub_cpus or ()), "loadgen": sorted(loadgen_cpus or ())}
    return summarize(vars(args), setup.hubs, raw, context)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run one backend, print the table, write bench/results/STAMP-BACKEND.json."""
    args = parse_args(argv)
    raise_fd_limit()  # the hubs inherit it too
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results = asyncio.run(bench(args, stamp))
    path = write_results(results, RESULTS / f"{stamp}-{args.backend}.json")
    print(format_table([results]))
    print(f"\nresults: {path.relative_to(ROOT)}")
    return 0 if results["summary"]["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
