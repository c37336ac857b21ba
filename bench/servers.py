"""The hub under test: fresh databases, `hub serve` processes, health checks, teardown."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

HOST = "127.0.0.1"
PG_ADMIN = "postgresql://{user}@127.0.0.1:5432/postgres"
PG_USERS = (None, "postgres")  # trust auth: the OS user (root) first, then postgres
REDIS_URL = "redis://127.0.0.1:6379/0"
HUB_VARS = ("DATABASE_URL", "REDIS_URL", "HOST", "PORT", "PUBLIC_URL", "HUB_SECRET_KEY")
HUB_VARS_UNSET = ("GROQ_API_KEY",)  # the offline responder, never a network call
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass
class HubProcess:
    """One running `hub serve`."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def http(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://{HOST}:{self.port}"


def hub_command() -> list[str]:
    """`hub` from the running interpreter's environment."""
    script = Path(sys.executable).with_name("hub")
    return [str(script)] if script.exists() else [sys.executable, "-c", _HUB_MAIN]


_HUB_MAIN = "import sys; from hub.cli import main; sys.exit(main())"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def new_secret() -> str:
    """A fresh HUB_SECRET_KEY, shared by the servers and the seeding driver."""
    return secrets.token_urlsafe(32)


def hub_env(database_url: str, secret: str, redis_url: str | None, port: int) -> dict[str, str]:
    """The environment of a hub process: ours, minus hub settings, plus these."""
    env = {k: v for k, v in os.environ.items() if k not in HUB_VARS + HUB_VARS_UNSET}
    env |= {"DATABASE_URL": database_url, "HUB_SECRET_KEY": secret, "HOST": HOST}
    env["HUB_RATE_LIMITS"] = "off"  # one load generator stands for thousands of visitors
    env["PORT"] = str(port)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    return env


def start_hub(name: str, env: dict[str, str], log_dir: Path, cpus: set[int] | None) -> HubProcess:
    """Start `hub serve` with `env`, its output in LOG_DIR/NAME.log, pinned to `cpus`."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*hub_command(), "serve"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(process.pid, cpus)
    return HubProcess(name, int(env["PORT"]), process, log_path)


async def wait_healthy(hub: HubProcess, timeout: float = START_TIMEOUT) -> None:
    """Poll GET /healthz until it answers 200; fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if hub.process.poll() is not None:
                raise RuntimeError(f"{hub.name} exited with {hub.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{hub.http}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{hub.name} not healthy after {timeout:.0f} s")


def stop_hubs(hubs: list[HubProcess], timeout: float = STOP_TIMEOUT) -> dict[str, int | None]:
    """SIGTERM every hub, SIGKILL what is left after `timeout`; their exit codes."""
    for hub in hubs:
        if hub.process.poll() is None:
            hub.process.terminate()
    deadline = time.monotonic() + timeout
    for hub in hubs:
        try:
            hub.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait(5)
    return {hub.name: hub.process.returncode for hub in hubs}


def migrate(env: dict[str, str], timeout: float = 120.0) -> None:
    """`hub migrate` against env's DATABASE_URL."""
    done = subprocess.run(
        [*hub_command(), "migrate"], env=env, capture_output=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"hub migrate failed: {done.stderr.decode(errors='replace')}")


# -- PostgreSQL ---------------------------------------------------------------------------


async def _admin_connect() -> tuple[asyncpg.Connection, str | None]:
    error: Exception | None = None
    for user in PG_USERS:
        try:
            conn = await asyncpg.connect(host=HOST, port=5432, database="postgres", user=user)
        except (OSError, asyncpg.PostgresError) as exc:
            error = exc
            continue
        return conn, user
    raise RuntimeError(f"cannot reach PostgreSQL on {HOST}:5432: {error}")


async def create_pg_database() -> tuple[str, str]:
    """A fresh, empty `bench_<random>` database; returns (name, postgresql:// URL)."""
    name = f"bench_{secrets.token_hex(6)}"
    conn, user = await _admin_connect()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close(timeout=5)
    who = f"{user}@" if user else ""
    return name, f"postgresql://{who}{HOST}:5432/{name}"


async def drop_pg_database(name: str) -> None:
    """Drop the database, disconnecting whoever is still in it."""
    conn, _user = await _admin_connect()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', timeout=30)
    finally:
        await conn.close(timeout=5)
