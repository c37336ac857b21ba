"""The hub and its peers side by side, in one run, under the same workloads.

    python -m bench.compare                      # everything: about 15 minutes
    python -m bench.compare --quick              # a 1-2 minute smoke run
    python -m bench.compare --servers hub-sqlite,bare --workloads rooms,idle --idle 10000
    python -m bench.compare --workloads twoway --twoway-rates 200,2000   # agents reply

Each server runs as its own process(es) on a loopback port, pinned to the server CPU(s);
the load generator (`bench.compareload`) is another process, pinned to the last CPU. One
server at a time: start, run the chosen workloads, stop. Prints one table (Markdown) and
writes bench/results/<stamp>-compare.json, with the servers' logs in
bench/results/<stamp>-compare/<server>/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procstats
from bench.compareload import Group
from bench.loadgen import raise_fd_limit
from bench.report import log_problems
from bench.run import cpu_plan
from bench.targets import NAMES, Target, make_target

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORKLOADS = ("rooms", "sweep", "twoway", "fanout", "idle")
P99_OK_MS = 100.0
HUB_FRAMES_PER_SECOND = 18.0  # the hub drops frames past 20/s per socket, even with limits off
SETTLE_MAX_SECONDS = 30.0
WARM_SOCKETS = 20
QUIET_PCT = 25.0


@dataclass(frozen=True)
class Config:
    """How hard and how long; `--quick` swaps in small numbers."""

    pairs: int = 500
    rate: float = 2000.0
    duration: float = 10.0
    drain: float = 10.0
    sweep_rates: tuple[float, ...] = (500.0, 1000.0, 2000.0, 4000.0, 8000.0)
    sweep_duration: float = 3.0
    sweep_drain: float = 5.0
    fanout: int = 1000
    fanout_rate: float = 20.0
    fanout_duration: float = 5.0
    idle: int = 5000
    connect_concurrency: int = 100
    twoway_rates: tuple[float, ...] = (200.0, 2000.0)
    twoway_duration: float = 10.0


QUICK = Config(
    pairs=50,
    rate=200.0,
    duration=1.0,
    drain=3.0,
    sweep_rates=(200.0, 800.0),
    sweep_duration=1.0,
    sweep_drain=2.0,
    fanout=100,
    fanout_duration=1.0,
    idle=300,
    twoway_rates=(100.0, 400.0),
    twoway_duration=2.0,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--servers", default=",".join(NAMES), help="comma-separated")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--pairs", type=int, help="rooms of two (default 500)")
    parser.add_argument("--rate", type=float, help="rooms: msg/s offered in all (2000)")
    parser.add_argument("--duration", type=float, help="rooms: seconds of sending (10)")
    parser.add_argument("--fanout", type=int, help="fan-out receivers (1000)")
    parser.add_argument("--idle", type=int, help="idle sockets (5000)")
    parser.add_argument(
        "--twoway-rates",
        type=lambda v: tuple(float(x) for x in v.split(",") if x),
        help="two-way rooms: msg/s offered in all, one phase each (200,2000)",
    )
    parser.add_argument(
        "--twoway-duration", type=float, help="two-way rooms: seconds of sending (10)"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and loadgen")
    parser.add_argument(
        "--nice",
        type=int,
        default=-5,
        help="niceness of the servers and the load generator (default -5; needs root)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="before each server, wait up to this many seconds for the machine to be idle "
        "(default 30; 5 with --quick)",
    )
    args = parser.parse_args(argv)
    for option, allowed in (("servers", NAMES), ("workloads", WORKLOADS)):
        chosen = [x for x in getattr(args, option).split(",") if x]
        unknown = sorted(set(chosen) - set(allowed))
        if unknown:
            parser.error(f"unknown {option}: {', '.join(unknown)} (known: {', '.join(allowed)})")
        setattr(args, option, chosen)
    if args.quiet_wait is None:
        args.quiet_wait = 5.0 if args.quick else 30.0
    return args


def config_of(args: argparse.Namespace) -> Config:
    """The defaults (or the quick ones), with any count given on the command line."""
    base = QUICK if args.quick else Config()
    names = ("pairs", "rate", "duration", "fanout", "idle", "twoway_rates", "twoway_duration")
    given = {k: getattr(args, k) for k in names}
    return dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})


# -- the load generator process -----------------------------------------------------------


def write_json(path: Path, document: Any) -> None:
    """Write a JSON file (the specs are small; the results are written once at the end)."""
    path.write_text(json.dumps(document, indent=1, default=str) + "\n")


class LoadGen:
    """`python -m bench.compareload SPEC` as its own process; one command, one answer."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(
        cls, spec: dict[str, Any], path: Path, log: Path, cpus: set[int] | None
    ) -> LoadGen:
        """Write the spec and start the generator on it, pinned to `cpus`."""
        write_json(path, spec)
        with log.open("ab") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.compareload", str(path), cwd=ROOT,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=stderr, limit=1 << 24,
            )  # fmt: skip
        if cpus:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(process.pid, cpus)
        return cls(process)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def command(self, line: str, timeout: float) -> dict[str, Any]:
        """Send one command; its answer, within `timeout` seconds."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        answer = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not answer:
            code = await asyncio.wait_for(self.process.wait(), 10)
            raise RuntimeError(f"the load generator exited ({code}); see loadgen.log")
        event: dict[str, Any] = json.loads(answer)
        return event

    async def quit(self) -> None:
        """Let it close its sockets and exit; kill it if it takes too long."""
        if self.process.returncode is None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.write(b"quit\n")
                self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@contextlib.asynccontextmanager
async def loadgen(run: RunContext, target: Target, name: str, spec: dict[str, Any]) -> Any:
    """A load generator for one workload, always stopped afterwards."""
    path = run.workdir / f"{target.name}-{name}.json"
    gen = await LoadGen.start(
        spec, path, run.logs_for(target.name) / "loadgen.log", run.loadgen_cpus
    )
    try:
        yield gen
    finally:
        await gen.quit()


# -- measuring ----------------------------------------------------------------------------


@dataclass
class RunContext:
    """What every workload needs: counts, CPUs, where files go."""

    config: Config
    logs: Path
    workdir: Path
    server_cpus: set[int] | None
    loadgen_cpus: set[int] | None

    def logs_for(self, name: str) -> Path:
        """The folder of one server's logs (and its load generator's)."""
        path = self.logs / name
        path.mkdir(parents=True, exist_ok=True)
        return path


def machine_busy() -> float:
    """CPU seconds every CPU of the machine spent busy so far (the first line of /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / procstats.CLOCK_TICKS


def runqueue_wait(pids: list[int]) -> float:
    """Seconds the threads of `pids` spent runnable but waiting for a CPU (schedstat field 2):
    time the server lost to other processes, not to its own work."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int(task.read_text().split()[1])
    return total / 1e9


def sample(target: Target, gen: LoadGen | None) -> dict[str, Any]:
    """CPU of the server processes, of PostgreSQL+Redis (if used) and of the loadgen; RSS."""
    pids = [p.pid for p in target.procs]
    return {
        "at": time.monotonic(),
        "cpu": procstats.cpu_snapshot(pids),
        "rss_kib": sum(procstats.rss_kib(pid) for pid in pids),
        "infra": procstats.infra_cpu() if target.uses_infra else 0.0,
        "loadgen": procstats.cpu_seconds(gen.pid) if gen else 0.0,
        "machine": machine_busy(),
        "waited": runqueue_wait(pids),
    }


def cpu_between(before: dict[str, Any], after: dict[str, Any], units: int) -> dict[str, float]:
    """CPU used between two samples: % of one core, and seconds per 1,000 `units`."""
    wall = max(1e-9, after["at"] - before["at"])
    server = procstats.cpu_delta(before["cpu"], after["cpu"])
    infra = after["infra"] - before["infra"]
    per_1k = 1000 / units if units else 0.0
    loadgen = after["loadgen"] - before["loadgen"]
    # Whatever else ran meanwhile (other people's tests on a shared machine): noise to report.
    other = after["machine"] - before["machine"] - server - infra - loadgen
    return {
        "wall_s": wall,
        "server_cpu_s": server,
        "server_cpu_pct": 100 * server / wall,
        "server_cpu_s_per_1k": server * per_1k,
        "infra_cpu_s": infra,
        "infra_cpu_s_per_1k": infra * per_1k,
        "loadgen_cpu_pct": 100 * loadgen / wall,
        "other_cpu_pct": max(0.0, 100 * other / wall),
        "server_runqueue_wait_pct": 100 * (after["waited"] - before["waited"]) / wall,
    }


async def settle(target: Target, limit: float = SETTLE_MAX_SECONDS) -> float:
    """Wait until the server is nearly idle (a backlog drained); the seconds waited."""
    begun = time.monotonic()
    while time.monotonic() - begun < limit:
        before = sample(target, None)
        await asyncio.sleep(0.3)
        if cpu_between(before, sample(target, None), 1)["server_cpu_pct"] < 10:
            break
    return time.monotonic() - begun


async def wait_quiet(limit: float) -> dict[str, float]:
    """Before a server starts: wait (at most `limit` s) until the rest of the machine uses
    under a quarter of a core; other people's test runs share these two cores."""
    begun = time.monotonic()
    while True:
        before = machine_busy()
        await asyncio.sleep(1.0)
        busy_pct = 100 * (machine_busy() - before)
        waited = time.monotonic() - begun
        if busy_pct < QUIET_PCT or waited >= limit:
            return {"waited_s": waited, "machine_busy_pct": busy_pct}


async def phase(
    target: Target, gen: LoadGen, rate: float, duration: float, drain: float
) -> dict[str, Any]:
    """One send phase, with the CPU it cost."""
    before = sample(target, gen)
    event = await gen.command(f"send {rate} {duration} {drain}", duration + drain + 120)
    after = sample(target, gen)
    return event | cpu_between(before, after, event.get("delivered", 0))


# -- workloads ----------------------------------------------------------------------------


def spec(
    run: RunContext,
    target: Target,
    groups: list[Group],
    compression: str | None = None,
    two_way: bool = False,
) -> Any:
    """A load-generator spec for these groups. Timed workloads use picows (cheap per frame);
    idle sockets use the `websockets` client, which can offer deflate as browsers do, in
    both idle measurements so that only the offer differs."""
    return {
        "dialect": target.dialect,
        "compression": compression,
        "client": "picows" if groups and groups[0].sender else "websockets",
        "connect_concurrency": run.config.connect_concurrency,
        "two_way": two_way,
        "groups": [dataclasses.asdict(g) for g in groups],
    }


def room_groups(target: Target, pairs: int) -> list[Group]:
    """Rooms of two: pair i's sender on the first process, its receiver on the last."""
    last = target.processes - 1
    return [
        Group(
            target.endpoint(0, f"p{i}", "sender", i),
            [target.endpoint(last, f"p{i}", "receiver", i)],
        )
        for i in range(pairs)
    ]


def fanout_groups(target: Target, receivers: int, company: int) -> list[Group]:
    """One room: the sender on the first process, the receivers spread over all of them."""
    members = [
        target.endpoint(j % target.processes, "fan", "receiver", company) for j in range(receivers)
    ]
    return [Group(target.endpoint(0, "fan", "sender", company), members)]


def idle_groups(target: Target, count: int, companies: int) -> list[Group]:
    """Idle sockets, one room each, spread over the processes."""
    rooms = (
        target.endpoint(i % target.processes, f"idle{i}", "idle", i % companies)
        for i in range(count)
    )
    return [Group(None, [endpoint]) for endpoint in rooms]


def sweep_ok(result: dict[str, Any]) -> bool:
    """Everything delivered, nothing refused, p99 under 100 ms."""
    latency = result.get("latency", {})
    return (
        result.get("lost", 1) == 0
        and result.get("send_failed", 1) == 0
        and latency.get("p99_ms", 1e9) < P99_OK_MS
    )


async def rooms_and_sweep(run: RunContext, target: Target, workloads: list[str]) -> dict[str, Any]:
    """Rooms of two at the configured rate, then the sweep, on the same sockets."""
    cfg = run.config
    out: dict[str, Any] = {}
    groups = room_groups(target, cfg.pairs)
    async with loadgen(run, target, "rooms", spec(run, target, groups)) as gen:
        before = sample(target, gen)
        connected = await gen.command("connect", 120 + cfg.pairs / 5)
        out["connect"] = connected["connect"] | cpu_between(
            before, sample(target, gen), connected["connect"]["opened"]
        )
        if "rooms" in workloads:
            await settle(target)
            out["rooms"] = await phase(target, gen, cfg.rate, cfg.duration, cfg.drain)
        if "sweep" in workloads:
            out["sweep"] = await sweep(target, gen, cfg)
    return out


async def sweep(target: Target, gen: LoadGen, cfg: Config) -> list[dict[str, Any]]:
    """Short runs at rising rates, stopping after the first that fails."""
    steps: list[dict[str, Any]] = []
    for rate in cfg.sweep_rates:
        if target.dialect == "hub" and rate / cfg.pairs > HUB_FRAMES_PER_SECOND:
            steps.append({"rate": rate, "skipped": "over the hub's per-socket frame limit"})
            break
        await settle(target)
        step = await phase(target, gen, rate, cfg.sweep_duration, cfg.sweep_drain)
        step["ok"] = sweep_ok(step)
        steps.append(step)
        if not step["ok"] or target.dead():
            break
    return steps


async def two_way(run: RunContext, target: Target) -> dict[str, Any]:
    """Rooms of two where both write (the hub: the agent replies in the visitor's
    conversation), on fresh sockets: primed with one visitor message each, then one phase
    per rate."""
    cfg = run.config
    groups = room_groups(target, cfg.pairs)
    out: dict[str, Any] = {}
    async with loadgen(run, target, "twoway", spec(run, target, groups, two_way=True)) as gen:
        before = sample(target, gen)
        connected = await gen.command("connect", 120 + cfg.pairs / 5)
        out["connect"] = connected["connect"] | cpu_between(
            before, sample(target, gen), connected["connect"]["opened"]
        )
        out["prime"] = await gen.command(f"prime {min(cfg.pairs, 500)} 30", 150)
        out["phases"] = []
        for rate in cfg.twoway_rates:
            await settle(target)
            out["phases"].append(await phase(target, gen, rate, cfg.twoway_duration, cfg.drain))
            if target.dead():
                break
    return out


async def fanout(run: RunContext, target: Target) -> dict[str, Any]:
    """One sender, a room of `config.fanout` receivers, `fanout_rate` msg/s."""
    cfg = run.config
    groups = fanout_groups(target, cfg.fanout, cfg.pairs)
    async with loadgen(run, target, "fanout", spec(run, target, groups)) as gen:
        connected = await gen.command("connect", 120 + cfg.fanout / 5)
        await settle(target)
        result = await phase(target, gen, cfg.fanout_rate, cfg.fanout_duration, cfg.drain)
    return {"connect": connected["connect"]} | result


async def idle(run: RunContext, target: Target, compression: str | None) -> dict[str, Any]:
    """Server RSS per idle socket, on fresh server processes."""
    cfg = run.config
    await target.restart()
    groups = idle_groups(target, cfg.idle, max(1, cfg.pairs))
    name = f"idle-{compression or 'plain'}"
    async with loadgen(run, target, name, spec(run, target, groups, compression)) as gen:
        await gen.command(f"warm {WARM_SOCKETS}", 120)
        await settle(target)
        before = sample(target, gen)
        connected = (await gen.command("connect", 120 + cfg.idle / 20))["connect"]
        await asyncio.sleep(1.0)  # let buffers and lazily made state settle
        await settle(target)
        after = sample(target, gen)
    grown = after["rss_kib"] - before["rss_kib"]
    opened = connected["opened"]
    return {
        "connect": connected,
        "rss_kib_before": before["rss_kib"],
        "rss_kib_after": after["rss_kib"],
        "kib_per_socket": grown / opened if opened else 0.0,
    }


# -- one server ---------------------------------------------------------------------------


async def measure_target(run: RunContext, target: Target, workloads: list[str]) -> dict[str, Any]:
    """Start the server, run the workloads, stop it; failures are recorded, not raised."""
    out: dict[str, Any] = {"name": target.name, "persists": target.persists}
    out |= {"processes": target.processes, "crashes": {}, "failures": []}
    try:
        began = time.monotonic()
        await target.start()
        await target.prepare(run.config.pairs + 1)
        print(f"bench: {target.name}: up in {time.monotonic() - began:.1f} s", file=sys.stderr)
        for step in steps_of(workloads):
            await revive(target, out)
            began = time.monotonic()
            try:
                out |= await run_step(run, target, step, workloads)
            except Exception as exc:  # noqa: BLE001 - one workload failing must not stop the run
                out["failures"].append(f"{step}: {exc!r}")
                print(f"bench: {target.name} {step}: {exc!r}", file=sys.stderr)
                traceback.print_exc()
            print(
                f"bench: {target.name}: {step} took {time.monotonic() - began:.1f} s",
                file=sys.stderr,
            )
        out["crashes"] |= target.dead()
    except Exception as exc:  # noqa: BLE001
        out["failures"].append(f"start: {exc!r}")
        traceback.print_exc()
    finally:
        out["exit_codes"] = await target.stop()
        await target.close()
    out["log_problems"] = problems(run.logs_for(target.name))
    return out


def steps_of(workloads: list[str]) -> Iterator[str]:
    """The order of work on one server: rooms+sweep share sockets; idle comes last."""
    if "rooms" in workloads or "sweep" in workloads:
        yield "rooms"
    if "twoway" in workloads:
        yield "twoway"
    if "fanout" in workloads:
        yield "fanout"
    if "idle" in workloads:
        yield "idle"


async def run_step(
    run: RunContext, target: Target, step: str, workloads: list[str]
) -> dict[str, Any]:
    """One step's results, keyed as in the results document."""
    if step == "rooms":
        return await rooms_and_sweep(run, target, workloads)
    if step == "fanout":
        return {"fanout": await fanout(run, target)}
    if step == "twoway":
        return {"twoway": await two_way(run, target)}
    return {"idle": {mode or "plain": await idle(run, target, mode) for mode in (None, "deflate")}}


async def revive(target: Target, out: dict[str, Any]) -> None:
    """If a server process died during the last step, note it and start afresh."""
    dead = target.dead()
    if dead:
        out["crashes"] |= dead
        print(f"bench: {target.name} died: {dead}; restarting", file=sys.stderr)
        await target.restart()


def problems(log_dir: Path) -> dict[str, Any]:
    """Problem lines (ERROR, WARNING, Traceback...) in the server logs, counted and sampled."""
    found = {
        p.name: log_problems(p) for p in sorted(log_dir.glob("*.log")) if p.name != "loadgen.log"
    }
    return {
        "count": sum(len(v) for v in found.values()),
        "lines": {k: v[:20] for k, v in found.items() if v},
    }


# -- the table ----------------------------------------------------------------------------


def ms3(latency: dict[str, float] | None) -> str:
    """p50 / p99 / max in ms."""
    if not latency or not latency.get("count"):
        return "-"
    return f"{latency['p50_ms']:.1f} / {latency['p99_ms']:.1f} / {latency['max_ms']:.0f}"


def sweep_cpu(steps: list[dict[str, Any]] | None) -> str:
    """Server and loadgen CPU % at the last rate run: who was the limit."""
    ran = [s for s in steps or [] if "server_cpu_pct" in s]
    if not ran:
        return "-"
    last = ran[-1]
    return f"{last['server_cpu_pct']:.0f} / {last['loadgen_cpu_pct']:.0f}"


def sweep_cells(steps: list[dict[str, Any]] | None) -> tuple[str, str]:
    """(highest rate that passed, the first one that did not and why)."""
    if not steps:
        return "-", "-"
    passed = [s["rate"] for s in steps if s.get("ok")]
    best = f"{max(passed):,.0f}" if passed else f"none (< {steps[0]['rate']:,.0f})"
    failed = next((s for s in steps if not s.get("ok")), None)
    if failed is None:
        return best, "none failed"
    if "skipped" in failed:
        return best, f"{failed['rate']:,.0f}: skipped"
    why = f"p99 {failed['latency']['p99_ms']:,.0f} ms"
    if failed["lost"] or failed["send_failed"]:
        why += f", {failed['lost'] + failed['send_failed']:,} undelivered"
    return best, f"{failed['rate']:,.0f}: {why}"


def table_rows(result: dict[str, Any]) -> dict[str, str]:
    """One server's column."""
    rooms, conn = result.get("rooms") or {}, result.get("connect") or {}
    fan, idle_ = result.get("fanout") or {}, result.get("idle") or {}
    best, failed = sweep_cells(result.get("sweep"))
    plain, deflate = idle_.get("plain") or {}, idle_.get("deflate") or {}
    cells = {
        "persists": result["persists"],
        "server processes": str(result["processes"]),
        "rooms: sockets opened (failed)": opened(conn),
        "rooms: connections/s while opening": num(conn.get("per_second")),
        "rooms: offered msg/s": num(rooms.get("rate")),
        "rooms: sent / delivered": pair_of(rooms.get("sent"), rooms.get("delivered")),
        "rooms: undelivered at drain end": num(lost_of(rooms)),
        "rooms: latency p50 / p99 / max ms": ms3(rooms.get("latency")),
        "rooms: server CPU % of a core": num(rooms.get("server_cpu_pct")),
        "rooms: server CPU s per 1,000 msgs": num(rooms.get("server_cpu_s_per_1k"), 3),
        "rooms: PG+Redis CPU s per 1,000 msgs": infra(result, rooms),
        "rooms: loadgen CPU % of a core": num(rooms.get("loadgen_cpu_pct")),
        "rooms: other processes' CPU % (noise)": num(rooms.get("other_cpu_pct")),
        "rooms: server waiting for a CPU, % of wall": num(rooms.get("server_runqueue_wait_pct")),
        **two_way_rows(result.get("twoway") or {}),
        "sweep: highest msg/s, p99 < 100 ms, no loss": best,
        "sweep: first failing rate": failed,
        "sweep: server / loadgen CPU % at the last rate run": sweep_cpu(result.get("sweep")),
        "fan-out: receivers x msgs sent": fan_size(fan),
        "fan-out: deliveries / owed": pair_of(fan.get("delivered"), fan.get("expected")),
        "fan-out: latency p50 / p99 / max ms": ms3(fan.get("latency")),
        "fan-out: server CPU s per 1,000 deliveries": num(fan.get("server_cpu_s_per_1k"), 3),
        "fan-out: server / loadgen / other CPU %": fan_cpu(fan),
        "idle: sockets (plain / deflate offer)": pair_of(opened_n(plain), opened_n(deflate)),
        "idle: server KiB per socket, no deflate": num(plain.get("kib_per_socket"), 1),
        "idle: new widget connections/s (no deflate)": num(
            (plain.get("connect") or {}).get("per_second")
        ),
        "idle: server KiB per socket, browser deflate offer": deflate_cell(deflate),
        "server error frames / closes": errors_closes(result),
        "server log problem lines": str(result.get("log_problems", {}).get("count", "-")),
        "crashes / failures": crash_cell(result),
    }
    return cells


def two_way_rows(two: dict[str, Any]) -> dict[str, str]:
    """Rows of the two-way workload: one block per rate."""
    rows = {
        "two-way: connections/s while opening": num((two.get("connect") or {}).get("per_second"))
    }
    for p in two.get("phases") or []:
        at = f"two-way {p['rate']:,.0f}/s:"
        rows |= {
            f"{at} sent / delivered": pair_of(p.get("sent"), p.get("delivered")),
            f"{at} undelivered at drain end": num(lost_of(p)),
            f"{at} latency p50 / p99 / max ms": ms3(p.get("latency")),
            f"{at} server CPU % of a core": num(p.get("server_cpu_pct")),
            f"{at} server CPU ms per msg": num(p.get("server_cpu_s_per_1k"), 3),
            f"{at} PG+Redis CPU ms per msg": num(p.get("infra_cpu_s_per_1k"), 3),
            f"{at} other processes' CPU % (noise)": num(p.get("other_cpu_pct")),
        }
    return rows


def num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def pair_of(a: Any, b: Any) -> str:
    return "-" if a is None and b is None else f"{num(a)} / {num(b)}"


def lost_of(phase_: dict[str, Any]) -> int | None:
    if not phase_ or "lost" not in phase_:
        return None
    return int(phase_["lost"]) + int(phase_["send_failed"])


def opened(conn: dict[str, Any]) -> str:
    return "-" if not conn else f"{conn['opened']:,} ({conn['failed']:,})"


def opened_n(idle_: dict[str, Any]) -> int | None:
    return idle_["connect"]["opened"] if idle_ else None


def infra(result: dict[str, Any], rooms: dict[str, Any]) -> str:
    if not rooms:
        return "-"
    return num(rooms.get("infra_cpu_s_per_1k"), 3) if result["name"] in INFRA_NAMES else "n/a"


INFRA_NAMES = frozenset({"hub-pg-redis", "socketio-redis", "channels-redis"})


def fan_size(fan: dict[str, Any]) -> str:
    if not fan:
        return "-"
    return f"{fan['connect']['opened'] - 1:,} x {fan.get('sent', 0):,}"


def fan_cpu(fan: dict[str, Any]) -> str:
    if "server_cpu_pct" not in fan:
        return "-"
    return (
        f"{fan['server_cpu_pct']:.0f} / {fan['loadgen_cpu_pct']:.0f} / {fan['other_cpu_pct']:.0f}"
    )


def deflate_cell(deflate: dict[str, Any]) -> str:
    if not deflate:
        return "-"
    negotiated = deflate["connect"]["deflate_negotiated"]
    said = "negotiated" if negotiated else "declined"
    return f"{deflate['kib_per_socket']:.1f} ({said})"


def errors_closes(result: dict[str, Any]) -> str:
    phases = [result.get("rooms"), result.get("fanout"), *(result.get("sweep") or [])]
    phases += (result.get("twoway") or {}).get("phases") or []
    errors = sum(sum(p.get("errors", {}).values()) for p in phases if p)
    closes = sum(sum(p.get("closed_by_server", {}).values()) for p in phases if p)
    return f"{errors:,} / {closes:,}"


def crash_cell(result: dict[str, Any]) -> str:
    crashes = ", ".join(f"{k} exit {v}" for k, v in result["crashes"].items())
    return f"{crashes or 'none'} / {len(result['failures'])}"


def format_table(results: list[dict[str, Any]]) -> str:
    """A Markdown table: one row per figure, one column per server."""
    columns = [table_rows(r) for r in results]
    labels = list(columns[0]) if columns else []
    labels = list(dict.fromkeys(label for c in columns for label in c))
    lines = ["| | " + " | ".join(r["name"] for r in results) + " |"]
    lines.append("| --- |" + " ---: |" * len(results))
    for label in labels:
        cells = [c.get(label, "-") for c in columns]
        if any(cell != "-" for cell in cells) or label == "persists":  # workloads not run
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- the run ------------------------------------------------------------------------------


async def compare(args: argparse.Namespace, stamp: str) -> dict[str, Any]:
    """Every chosen server in turn; the results document."""
    server_cpus, loadgen_cpus = cpu_plan(not args.no_pin)
    logs = RESULTS / f"{stamp}-compare"
    logs.mkdir(parents=True, exist_ok=True)
    results = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hub-compare-") as tmp:
        run = RunContext(config_of(args), logs, Path(tmp), server_cpus, loadgen_cpus)
        for name in args.servers:
            workdir = Path(tmp) / name
            workdir.mkdir()
            target = make_target(name, run.logs_for(name), server_cpus, workdir, stamp)
            quiet = await wait_quiet(args.quiet_wait)
            began = time.monotonic()
            result = await measure_target(run, target, args.workloads)
            result["before_start"] = quiet
            result["seconds"] = time.monotonic() - began
            results.append(result)
    return {
        "stamp": stamp,
        "niceness": os.getpriority(os.PRIO_PROCESS, 0),
        "config": dataclasses.asdict(run.config),
        "workloads": args.workloads,
        "cpus": {"servers": sorted(server_cpus or ()), "loadgen": sorted(loadgen_cpus or ())},
        "seconds": time.monotonic() - started,
        "logs": str(logs.relative_to(ROOT)),
        "results": results,
    }


def renice(niceness: int) -> None:
    """Set this process's niceness; every server and load generator started inherits it.

    Other people's test runs share these two cores: a little priority keeps them from
    deciding the latencies, and PostgreSQL and Redis are left as they are."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    except OSError as exc:
        print(f"bench: cannot set niceness {niceness}: {exc}; running as is", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run, print the table, write bench/results/STAMP-compare.json."""
    args = parse_args(argv)
    raise_fd_limit()  # the servers and the load generator inherit it
    renice(args.nice)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    document = asyncio.run(compare(args, stamp))
    path = RESULTS / f"{stamp}-compare.json"
    write_json(path, document)
    print(format_table(document["results"]))
    print("\nPeers persist nothing; the hub stores every message (SQLite or PostgreSQL).")
    print(f"results: {path.relative_to(ROOT)}  logs: {document['logs']}/")
    failed = any(r["crashes"] or r["failures"] for r in document["results"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
