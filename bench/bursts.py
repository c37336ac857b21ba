"""Connection bursts from one address: how many of 1,000 visitors behind one IP get in, how
fast, and how fast the rest are refused.

    python -m bench.bursts                        # SQLite, the default limits
    python -m bench.bursts --backend postgres
    python -m bench.bursts --env HUB_WIDGET_CONNECTS_PER_IP=2/30   # the old per-address limit

Each run is a fresh database and a fresh `hub serve` with its rate limits on (the other
benchmarks lift them), one company, and `bench.burstload` in its own process opening the
widget sockets from 127.0.0.1. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import procstats, servers
from bench.loadgen import raise_fd_limit
from bench.report import write_results
from bench.run import ROOT, cpu_plan
from bench.seed import create_companies

RESULTS = ROOT / "bench" / "results"
PROBLEM = re.compile(r"ERROR|CRITICAL|WARNING|Traceback")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.bursts", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--inflight", type=int, default=100, help="handshakes at a time")
    parser.add_argument("--wait", type=float, default=15.0, help="s before a socket times out")
    parser.add_argument("--runs", type=int, default=3, help="each on a fresh hub and database")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-pin", action="store_true", help="do not pin hub and client CPUs")
    return parser.parse_args(argv)


async def start(
    backend: str, workdir: Path, extra: dict[str, str], cpus: set[int] | None
) -> tuple[servers.HubProcess, str, str, str | None]:
    """A fresh database and one healthy `hub serve`, its rate limits on unless `extra` says."""
    pg = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir}/hub.db"
    else:
        pg, url = await servers.create_pg_database()
    secret = servers.new_secret()
    env = servers.hub_env(url, secret, None, servers.free_port())
    env.pop("HUB_RATE_LIMITS")  # hub_env lifts them: here they are what is measured
    env |= extra
    if pg is not None:
        await asyncio.to_thread(servers.migrate, env)
    hub = servers.start_hub("hub", env, workdir, cpus)
    await servers.wait_healthy(hub)
    return hub, url, secret, pg


async def burst(
    args: argparse.Namespace,
    hub: servers.HubProcess,
    key: str,
    workdir: Path,
    cpus: set[int] | None,
) -> dict[str, Any]:
    """Run `bench.burstload` once against `hub`; its result, plus the hub's CPU."""
    spec = workdir / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "url": f"{hub.ws}/ws/widget?key={key}",
                "sockets": args.sockets,
                "inflight": args.inflight,
                "wait": args.wait,
            }
        )
    )
    cpu = procstats.cpu_seconds(hub.pid)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.burstload", str(spec), cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    if cpus:
        os.sched_setaffinity(process.pid, cpus)
    out, _ = await asyncio.wait_for(process.communicate(), args.wait * args.sockets + 60)
    result: dict[str, Any] = json.loads(out)
    result["hub_cpu_seconds"] = procstats.cpu_seconds(hub.pid) - cpu
    return result


async def one_run(args: argparse.Namespace, extra: dict[str, str]) -> dict[str, Any]:
    """A fresh hub and database, one company, one burst, teardown."""
    hub_cpus, client_cpus = cpu_plan(not args.no_pin)
    with tempfile.TemporaryDirectory(prefix="hub-bursts-") as tmp:
        hub, url, secret, pg = await start(args.backend, Path(tmp), extra, hub_cpus)
        try:
            (company,) = await create_companies(url, secret, 1, "Burst")
            result = await burst(args, hub, company.widget_key, Path(tmp), client_cpus)
        finally:
            await asyncio.to_thread(servers.stop_hubs, [hub])
            if pg is not None:
                await servers.drop_pg_database(pg)
        log = hub.log_path.read_text(errors="replace").splitlines()
        result["hub_log_problems"] = [line for line in log if PROBLEM.search(line)][:20]
    return result


def figures(result: dict[str, Any]) -> dict[str, Any]:
    """The table's figures for one run."""
    outcomes: dict[str, int] = result["outcomes"]
    joined = outcomes.get("welcome", 0)
    refused = sum(n for kind, n in outcomes.items() if kind.startswith("closed"))
    hs = result["handshake"]

    def p(kind: str, key: str) -> float:
        return float(hs.get(kind, {}).get(key, 0.0))

    seconds = result["seconds"]
    return {
        "joined": joined,
        "refused": refused,
        "timed out": outcomes.get("timeout", 0),
        "errors": sum(n for kind, n in outcomes.items() if kind.startswith("error")),
        "seconds": round(seconds, 2),
        "sockets/s": round(sum(outcomes.values()) / seconds),
        "joined/s": round(joined / seconds),
        "welcome p50/p99 ms": f"{p('welcome', 'p50_ms'):.0f} / {p('welcome', 'p99_ms'):.0f}",
        "refusal p50/p99 ms": f"{p('closed', 'p50_ms'):.0f} / {p('closed', 'p99_ms'):.0f}",
        "hub CPU ms/socket": round(1000 * result["hub_cpu_seconds"] / sum(outcomes.values()), 2),
        "hub log problems": len(result["hub_log_problems"]),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """One Markdown row per run, and the median of the rates."""
    head = list(rows[0])
    lines = ["| run | " + " | ".join(head) + " |", "|" + " ---: |" * (len(head) + 1)]
    lines += [
        f"| {i + 1} | " + " | ".join(str(r[k]) for k in head) + " |" for i, r in enumerate(rows)
    ]
    rates = statistics.median(r["joined/s"] for r in rows)
    return "\n".join([*lines, "", f"median joined/s: {rates:.0f}"])


def main(argv: list[str] | None = None) -> int:
    """Entry point: the runs, a table, bench/results/STAMP-bursts-BACKEND.json."""
    args = parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.env)
    raise_fd_limit()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results = [asyncio.run(one_run(args, extra)) for _ in range(args.runs)]
    rows = [figures(r) for r in results]
    print(table(rows))
    for result in results:
        print("outcomes:", json.dumps(result["outcomes"]))
    document = {"stamp": stamp, "args": vars(args), "runs": results, "figures": rows}
    path = write_results(document, RESULTS / f"{stamp}-bursts-{args.backend}.json")
    print(f"\nresults: {path.relative_to(ROOT)}")
    return 0 if all(r["timed out"] == 0 and r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
