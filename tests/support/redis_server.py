"""A Redis server of the test's own, which the test may stop and start again on one port."""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
POLL = 0.02


def _ephemeral_floor() -> int:
    try:
        low = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]
        return int(low)
    except (OSError, ValueError, IndexError):
        return 32768


def stable_port() -> int:
    """A free loopback port below the ephemeral range.

    While the server is down, a client reconnecting from an ephemeral port could be handed
    the server's own port number and connect to itself (TCP simultaneous open); a port
    outside that range cannot be taken that way, so the restart finds it free.
    """
    floor = _ephemeral_floor()
    for _ in range(200):
        port = random.randint(20000, max(20001, floor - 1))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port below the ephemeral range")


async def ping(port: int, timeout: float = 1.0) -> bool:
    """True when a Redis server on `port` answers PING with PONG."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(b"PING\r\n")
                await writer.drain()
                return await reader.readline() == b"+PONG\r\n"
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except (OSError, TimeoutError):
        return False


class RedisServer:
    """`redis-server` on a loopback port, without persistence."""

    def __init__(self, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not on PATH")
        self.binary = binary
        self.port = port or stable_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="hub-redis-")
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start on `self.port` and return once PING answers."""
        assert not self.running, "already running"
        proc, log = self._spawn()
        try:
            async with asyncio.timeout(timeout):
                while not await ping(self.port):
                    if proc.poll() is not None:
                        raise RuntimeError(f"redis-server exited: {self._log(log)}")
                    await asyncio.sleep(POLL)  # start-up has no event to wait on
        except BaseException:
            await self.stop()
            raise

    def _spawn(self) -> tuple[subprocess.Popen[bytes], Path]:
        self.starts += 1
        log = Path(self._dir.name) / f"redis-{self.starts}.log"
        self.proc = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
                *("--dir", self._dir.name, "--logfile", str(log)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self.proc, log

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM (without persistence Redis exits at once), then SIGKILL."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait, timeout)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def close(self) -> None:
        self._dir.cleanup()

    @staticmethod
    def _log(path: Path) -> str:
        try:
            return path.read_text()[-2000:]
        except OSError:
            return "(no log)"


@contextlib.asynccontextmanager
async def redis_server() -> AsyncIterator[RedisServer]:
    """A started server, stopped and cleaned up afterwards."""
    server = RedisServer()
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        server.close()
