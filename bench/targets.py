"""The servers `python -m bench.compare` measures: the hub and its peers, each as processes.

A target starts its process(es) pinned to the server CPUs, tells the load generator where
each socket goes (`endpoint`), restarts on a fresh process when a measurement needs one
(idle-socket memory), and stops, dropping whatever database it made.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import servers
from bench.compareload import Endpoint
from bench.seed import create_companies
from hub.workspace.companies import CreatedCompany

ROOT = Path(__file__).resolve().parents[1]
Proc = servers.HubProcess  # any server process: name, port, Popen, log


@dataclass
class Target:
    """One server under test; subclasses say how to start it and how to address it."""

    name: str
    persists: str
    dialect: str
    processes: int
    uses_infra: bool  # PostgreSQL/Redis do part of its work: count their CPU too
    logs: Path
    cpus: set[int] | None
    procs: list[Proc] = field(default_factory=list)
    generation: int = 0  # restarts so far: each start gets its own log files

    async def start(self) -> None:
        """Start the process(es) and wait until they answer."""
        raise NotImplementedError

    async def prepare(self, companies: int) -> None:
        """One-time set-up after the first start (the hub: its companies)."""

    def endpoint(self, proc: int, room: str, role: str, index: int) -> Endpoint:
        """Where a socket goes: process `proc`, room `room`, as `role` ("sender",
        "receiver" or "idle"); `index` picks the hub's company."""
        raise NotImplementedError

    async def stop(self) -> dict[str, int | None]:
        """Stop every process (SIGTERM, then SIGKILL); their exit codes."""
        codes = await asyncio.to_thread(servers.stop_hubs, self.procs)
        self.procs = []
        return codes

    async def restart(self) -> dict[str, int | None]:
        """Fresh processes on the same data."""
        codes = await self.stop()
        self.generation += 1
        await self.start()
        return codes

    async def close(self) -> None:
        """Drop whatever `prepare` made (after `stop`)."""

    def dead(self) -> dict[str, int]:
        """Processes that exited on their own, with their exit codes."""
        return {p.name: p.process.returncode for p in self.procs if p.process.poll() is not None}

    def log_name(self, base: str) -> str:
        return base if self.generation == 0 else f"{base}.{self.generation}"


# -- the hub ------------------------------------------------------------------------------


@dataclass
class HubTarget(Target):
    """`hub serve`: one process on SQLite, or two on PostgreSQL sharing Redis."""

    secret: str = field(default_factory=servers.new_secret)
    database_url: str = ""
    pg_database: str | None = None
    workdir: Path | None = None
    companies: list[CreatedCompany] = field(default_factory=list)

    async def start(self) -> None:
        if not self.database_url:
            await self._database()
        redis = servers.REDIS_URL if self.processes > 1 else None
        for i in range(self.processes):
            env = servers.hub_env(self.database_url, self.secret, redis, servers.free_port())
            name = self.log_name(f"hub{i}")
            self.procs.append(servers.start_hub(name, env, self.logs, self.cpus))
        await asyncio.gather(*(servers.wait_healthy(p) for p in self.procs))

    async def _database(self) -> None:
        if self.processes == 1:
            assert self.workdir is not None
            self.database_url = f"sqlite+aiosqlite:///{self.workdir}/hub.db"
            return
        self.pg_database, self.database_url = await servers.create_pg_database()
        env = servers.hub_env(self.database_url, self.secret, servers.REDIS_URL, 0)
        await asyncio.to_thread(servers.migrate, env)

    async def prepare(self, companies: int) -> None:
        # One company per pair, plus the last one for the fan-out room.
        self.companies = await create_companies(self.database_url, self.secret, companies)

    def endpoint(self, proc: int, room: str, role: str, index: int) -> Endpoint:
        base = self.procs[proc].ws
        company = self.companies[index]
        if role == "receiver":
            return Endpoint(f"{base}/ws/agent", "agent", company.agent_token)
        return Endpoint(f"{base}/ws/widget?key={company.widget_key}", "widget")

    async def close(self) -> None:
        if self.pg_database is None:
            return
        try:
            await asyncio.wait_for(servers.drop_pg_database(self.pg_database), 60)
        except (OSError, RuntimeError, TimeoutError) as exc:
            print(f"bench: could not drop {self.pg_database}: {exc}", file=sys.stderr)


# -- the peers ----------------------------------------------------------------------------


@dataclass
class PeerTarget(Target):
    """A module of bench/peers/ run as `python -m MODULE --port P [--redis URL ...]`."""

    module: str = ""
    prefix: str = "bench"

    async def start(self) -> None:
        for i in range(self.processes):
            args = ["--port", str(servers.free_port())]
            if self.uses_infra:
                args += ["--redis", servers.REDIS_URL, "--prefix", self.prefix]
            name = self.log_name(f"{self.name}{i}")
            self.procs.append(start_process(name, ["-m", self.module, *args], self.logs, self))
        await asyncio.gather(*(wait_listening(p) for p in self.procs))

    def endpoint(self, proc: int, room: str, role: str, index: int) -> Endpoint:
        base = self.procs[proc].ws
        if self.dialect == "socketio":
            return Endpoint(f"{base}/socket.io/?EIO=4&transport=websocket", room=room)
        if self.dialect == "channels":
            return Endpoint(f"{base}/ws/{room}/")
        return Endpoint(f"{base}/ws?room={room}")


def start_process(name: str, args: list[str], log_dir: Path, target: Target) -> Proc:
    """`python ARGS` from the repository root, output in LOG_DIR/NAME.log, pinned."""
    log_path = log_dir / f"{name}.log"
    port = int(args[args.index("--port") + 1])
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if target.cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(process.pid, target.cpus)
    return Proc(name, port, process, log_path)


async def wait_listening(proc: Proc, timeout: float = servers.START_TIMEOUT) -> None:
    """Wait until the process accepts TCP connections; fail if it dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((servers.HOST, proc.port), 1):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{proc.name} not listening after {timeout:.0f} s")


# -- the catalogue ------------------------------------------------------------------------

NAMES = (
    "hub-sqlite",
    "hub-pg-redis",
    "socketio",
    "socketio-redis",
    "channels-redis",
    "bare",
    "starlette",
)


def make_target(name: str, logs: Path, cpus: set[int] | None, workdir: Path, prefix: str) -> Target:
    """The target called `name` (one of NAMES), not started."""
    base = {"name": name, "logs": logs, "cpus": cpus}
    if name == "hub-sqlite":
        return HubTarget(persists="SQLite", dialect="hub", processes=1, uses_infra=False,
                         workdir=workdir, **base)  # fmt: skip
    if name == "hub-pg-redis":
        return HubTarget(persists="PostgreSQL", dialect="hub", processes=2, uses_infra=True,
                         workdir=workdir, **base)  # fmt: skip
    peers = {
        "socketio": ("bench.peers.socketio_server", "socketio", 1, False),
        "socketio-redis": ("bench.peers.socketio_server", "socketio", 2, True),
        "channels-redis": ("bench.peers.channels_server", "channels", 2, True),
        "bare": ("bench.peers.picows_relay", "relay", 1, False),
        "starlette": ("bench.peers.starlette_relay", "relay", 1, False),
    }
    module, dialect, processes, infra = peers[name]
    return PeerTarget(persists="nothing", dialect=dialect, processes=processes,
                      uses_infra=infra, module=module, prefix=prefix, **base)  # fmt: skip
