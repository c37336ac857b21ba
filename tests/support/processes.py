"""Real `hub serve` processes on loopback ports, for multi-process tests.

`hub_processes(n, ...)` starts n hubs at once, waits until each answers /healthz with 200,
and on the way out terminates them (then kills what is left). When start-up or the block
fails, each process's output is attached to the exception as a note; either way it is
also written to stderr on the way out, which pytest shows for a failed test (including
one that used the processes through a fixture, whose exception never passes through here).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import httpx

from hub.persistence.db import Database
from hub.settings import Secret, Settings
from hub.workspace.companies import CreatedCompany, create_company
from tests.support.clients import Client

SETTLE_TIMEOUT = 10.0
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
POLL = 0.05
OUTPUT_TAIL = 6000

# Whatever the developer's shell holds must not leak into the hubs under test.
_SCRUBBED = (
    "DATABASE_URL",
    "REDIS_URL",
    "HUB_SECRET_KEY",
    "HOST",
    "PORT",
    "PUBLIC_URL",
    "GROQ_API_KEY",
    "GROQ_BASE_URL",
)

Health = Callable[[int, dict[str, Any]], bool]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hub_command() -> list[str]:
    """The `hub` console script beside this interpreter, or the same entry point via -c."""
    script = os.path.join(os.path.dirname(sys.executable), "hub")
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-c", "from hub.cli import main; raise SystemExit(main())"]


def healthy(status: int, _body: dict[str, Any]) -> bool:
    return status == 200


@dataclass
class HubProcess:
    """One `hub serve` child process."""

    name: str
    port: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    _output: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile())  # noqa: SIM115
    _captured: str | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.proc = subprocess.Popen(
            [*hub_command(), "serve"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the test run is ours to handle, not theirs
        )

    def exited(self) -> int | None:
        assert self.proc is not None
        return self.proc.poll()

    async def health(self, timeout: float = 2.0) -> tuple[int, dict[str, Any]]:
        """GET /healthz: (status code, body). Raises httpx.TransportError when unreachable."""
        async with httpx.AsyncClient(base_url=self.http, timeout=timeout) as client:
            response = await client.get("/healthz")
        return response.status_code, response.json()

    async def wait_health(
        self, accept: Health = healthy, timeout: float = START_TIMEOUT
    ) -> dict[str, Any]:
        """Poll /healthz until `accept(status, body)`; the body that satisfied it.

        Polling is the right tool here: a process's readiness has no event to wait on.
        """
        last: object = "no answer yet"
        try:
            async with asyncio.timeout(timeout):
                while True:
                    code = self.exited()
                    if code is not None:
                        raise RuntimeError(f"{self.name} exited with code {code}")
                    try:
                        status, body = await self.health()
                    except (httpx.TransportError, ValueError) as exc:
                        last = exc
                    else:
                        last = (status, body)
                        if accept(status, body):
                            return body
                    await asyncio.sleep(POLL)
        except TimeoutError:
            raise TimeoutError(f"{self.name}: /healthz never satisfied; last {last!r}") from None

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL after `timeout`."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(proc.wait, timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait, timeout)

    def output(self) -> str:
        """Everything the process wrote. Read it once the process has exited: the child
        shares the file offset, so reading while it runs could misplace its next writes."""
        if self._captured is not None:
            return self._captured
        self._output.seek(0)
        return self._output.read().decode("utf-8", errors="replace")

    def log_errors(self) -> list[str]:
        """ERROR/CRITICAL lines the hub logged (for asserting a clean run)."""
        return [
            line
            for line in self.output().splitlines()
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
        ]

    def close(self) -> None:
        """Keep the output for later assertions and release the file."""
        if self._captured is None:
            self._captured = self.output()
            self._output.close()


def hub_env(database_url: str, redis_url: str | None, secret_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(DATABASE_URL=database_url, HUB_SECRET_KEY=secret_key, PYTHONUNBUFFERED="1")
    env["HUB_RATE_LIMITS"] = "off"  # the tests open many sockets from one address
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


async def _start(process: HubProcess, attempts: int = 3) -> None:
    """Spawn and wait for a 200 from /healthz; a port lost to a race gets another try."""
    for attempt in range(attempts):
        process.spawn()
        try:
            await process.wait_health()
            return
        except RuntimeError:
            if attempt == attempts - 1 or "address already in use" not in process.output():
                raise
            process.port = free_port()


@contextlib.asynccontextmanager
async def hub_processes(
    count: int,
    *,
    database_url: str,
    redis_url: str | None,
    secret_key: str,
    extra_env: Mapping[str, str] | None = None,
) -> AsyncIterator[list[HubProcess]]:
    """`count` hubs sharing one database and one bus, each healthy before the block runs."""
    env = {**hub_env(database_url, redis_url, secret_key), **(extra_env or {})}
    processes = [HubProcess(f"hub-{chr(ord('A') + i)}", free_port(), env) for i in range(count)]
    try:
        started = await asyncio.gather(*(_start(p) for p in processes), return_exceptions=True)
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        yield processes
    except BaseException as exc:
        await asyncio.gather(*(p.stop() for p in processes))
        for process in processes:
            if process.proc is not None:
                tail = process.output()[-OUTPUT_TAIL:]
                exc.add_note(f"--- {process.name} (port {process.port}) output ---\n{tail}")
        raise
    finally:
        await asyncio.gather(*(p.stop() for p in processes))
        for process in processes:
            process.close()
            # Captured by pytest and shown only when the test fails.
            print(f"--- {process.name} (port {process.port}) output ---", file=sys.stderr)
            print(process.output(), file=sys.stderr)


async def make_company(process: HubProcess, name: str = "Acme") -> CreatedCompany:
    """A company in the hubs' shared database, its owner's token signed with their key."""
    database_url = process.env["DATABASE_URL"]
    db = Database(database_url)
    try:
        settings = Settings(
            database_url=database_url, secret_key=Secret(process.env["HUB_SECRET_KEY"])
        )
        return await create_company(db, settings, name)
    finally:
        await db.close()


async def settle(client: Client, timeout: float = SETTLE_TIMEOUT) -> None:
    """Everything the hub had queued for `client` before now has arrived (the socket's
    writer sends frames in order, so the answer to a ping comes after all of them)."""
    await client.send({"type": "ping"})
    await client.expect("pong", timeout)
