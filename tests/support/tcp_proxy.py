"""A TCP proxy on a loopback port that a test can cut and restore.

Put it between a hub and PostgreSQL to take the database away from that hub alone, without
touching the server other tests share. `cut()` resets every open connection and, until
`restore()`, resets each new one as soon as it is accepted (to the client that is a
connection refused or reset at once, never a hang). The proxy copies bytes and nothing
else: it knows nothing of the protocol it carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import urllib.parse
from collections.abc import AsyncIterator

CHUNK = 65536


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a crashed or unplugged server would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.cut_now = False
        self.accepted = 0  # connections accepted while open (for assertions)
        self.refused = 0  # connections reset at once while cut
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()  # cleared: bytes wait (a server that went silent)
        self._flowing.set()

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    def cut(self) -> None:
        """Reset every open connection; refuse new ones until `restore()`."""
        self.cut_now = True
        for client, upstream in tuple(self._pairs):
            _reset(client)
            _reset(upstream)
        self._pairs.clear()

    def restore(self) -> None:
        self.cut_now = False

    def pause(self) -> None:
        """Go silent: connections stay open (new ones are accepted) but no byte passes in
        either direction until `resume()`, as with a paused or wedged server."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_now:
            self.refused += 1
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(writer)
            return
        if self.cut_now:  # cut while we were connecting upstream
            _reset(writer)
            _reset(up_writer)
            return
        self.accepted += 1
        pair = (writer, up_writer)
        self._pairs.add(pair)
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._tasks.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pipes:
                task.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)
            self._tasks.difference_update(pipes)
            if pair in self._pairs:  # one side hung up: hang up the other
                self._pairs.discard(pair)
                for side in pair:
                    side.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(CHUNK):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()


def through(url: str, proxy: TcpProxy) -> str:
    """`url` (any scheme://[user@]host:port/...) with its host and port replaced by the
    proxy's."""
    parts = urllib.parse.urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@" if userinfo else ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{proxy.port}"))


@contextlib.asynccontextmanager
async def tcp_proxy(url: str) -> AsyncIterator[TcpProxy]:
    """A started proxy to the host and port of `url` (default port 5432), closed after."""
    parts = urllib.parse.urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
