"""The services the fault harness may break: its own PostgreSQL cluster, its own Redis and
two `hub serve` processes on them.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): the harness stops, pauses
and kills only what it started. PostgreSQL is a real cluster of its own (initdb into a
temporary folder, trust auth, run as the `postgres` OS user when we are root, since initdb
refuses root), so "stopped" is `pg_ctl stop` and "paused" is SIGSTOP of the postmaster and
every backend: sockets stay open and nothing answers, as a frozen host would behave.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.servers import HOST, HubProcess, hub_env, migrate, new_secret, start_hub
from tests.support.redis_server import RedisServer, stable_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"  # the OS user that runs the cluster when we are root
DB_TIMEOUT = "2"  # HUB_DB_TIMEOUT: a database wait is bounded, a send answers `unavailable`
HEALTH_TIMEOUT = 30.0


def _as_pg_user() -> list[str]:
    """A prefix that runs a command as the cluster's OS user (none unless we are root)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", PG_USER, "--"]


class PgCluster:
    """A PostgreSQL cluster of the harness's own, on a loopback port below the ephemeral
    range (a restart finds the port free)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="hub-faults-pg-"))
        self.data = self.dir / "data"
        self.port = stable_port()
        self.paused: list[int] = []

    @property
    def admin_url(self) -> str:
        return f"postgresql://{PG_USER}@{HOST}:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@{HOST}:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*_as_pg_user(), *args], capture_output=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout!r} {done.stderr!r}")

    def init(self) -> None:
        """initdb (trust auth, no fsync at init) and start."""
        if os.geteuid() == 0:
            os.chown(self.dir, pwd.getpwnam(PG_USER).pw_uid, -1)
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", PG_USER, "--no-sync"
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST}"
        options += " -c max_connections=200"
        log = str(self.dir / "postgres.log")
        self._run(  # -w: returns once the server accepts connections
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self) -> None:
        """Fast shutdown: every connection is closed by the server, new ones are refused."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def pause(self) -> None:
        """SIGSTOP the postmaster and all its children: silence, no error, sockets open."""
        pids = [self.postmaster_pid(), *_children(self.postmaster_pid())]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        self.paused = pids

    def resume(self) -> None:
        for pid in self.paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.paused = []

    def destroy(self) -> None:
        self.resume()
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    async def create_database(self, name: str) -> str:
        conn = await asyncpg.connect(self.admin_url, timeout=10)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)


def _children(parent: int) -> list[int]:
    """Direct children of `parent` (PostgreSQL's backends and workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields follow the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found


@dataclass
class Environment:
    """PostgreSQL, Redis and two hubs, with what is needed to restart any of them."""

    pg: PgCluster
    redis: RedisServer
    database_url: str
    secret: str
    log_dir: Path
    hubs: list[HubProcess] = field(default_factory=list)
    envs: list[dict[str, str]] = field(default_factory=list)
    restarts: int = 0

    def hub_urls(self) -> list[str]:
        return [hub.ws for hub in self.hubs]

    def kill(self, index: int) -> None:
        """SIGKILL one hub process: no shutdown, no close frames."""
        self.hubs[index].process.kill()
        self.hubs[index].process.wait(10)

    async def restart(self, index: int) -> None:
        """Start the hub again on its port, healthy before this returns."""
        self.restarts += 1
        name = f"{self.hubs[index].name}.{self.restarts}"
        self.hubs[index] = start_hub(name, self.envs[index], self.log_dir, None)
        await wait_ready(self.hubs[index])

    async def ready(self) -> None:
        for hub in self.hubs:
            await wait_ready(hub)

    async def close(self) -> None:
        for hub in self.hubs:
            if hub.process.poll() is None:
                hub.process.terminate()
        for hub in self.hubs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(hub.process.wait, 10)
            if hub.process.poll() is None:
                hub.process.kill()
        await self.redis.stop()
        self.redis.close()
        self.pg.destroy()


async def wait_ready(hub: HubProcess, timeout: float = HEALTH_TIMEOUT) -> None:
    """Until /healthz says 200 with the database and the bus both ok."""
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client, asyncio.timeout(timeout):
        while True:
            if hub.process.poll() is not None:
                raise RuntimeError(f"{hub.name} exited with {hub.process.returncode}")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                response = await client.get(f"{hub.http}/healthz")
                if response.status_code == 200 and response.json().get("status") == "ok":
                    return
            await asyncio.sleep(0.1)  # readiness has no event to wait on


async def start_environment(log_dir: Path, processes: int = 2) -> Environment:
    """Own PostgreSQL (migrated database `hub`), own Redis, `processes` hubs, all healthy."""
    await asyncio.to_thread(log_dir.mkdir, parents=True, exist_ok=True)
    env = Environment(PgCluster(), RedisServer(), "", new_secret(), log_dir)
    try:
        await asyncio.to_thread(env.pg.init)
        await env.redis.start()
        env.database_url = await env.pg.create_database("hub")
        for _ in range(processes):
            hub_vars = hub_env(env.database_url, env.secret, env.redis.url, stable_port())
            hub_vars |= {"HUB_DB_TIMEOUT": DB_TIMEOUT, "PYTHONUNBUFFERED": "1"}
            env.envs.append(hub_vars)
        await asyncio.to_thread(migrate, env.envs[0])
        for index, hub_vars in enumerate(env.envs):
            env.hubs.append(start_hub(f"hub-{'ABCDEFGH'[index]}", hub_vars, log_dir, None))
        await env.ready()
    except BaseException:
        await env.close()
        raise
    return env
