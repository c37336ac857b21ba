"""How the hub is served: whose forwarded headers it believes (HUB_TRUSTED_PROXIES), and how
long a client may take to send a request (HUB_HEADER_TIMEOUT, HUB_BODY_TIMEOUT).

The tests run real `hub serve` processes: both are configured where uvicorn is started, so
only the real command shows what a deployment gets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.settings import Settings, SettingsError
from tests.conftest import SECRET
from tests.support.clients import Agent, Widget
from tests.support.processes import HubProcess, hub_processes, make_company

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
FORGED = "203.0.113.66"
# Three API calls per address, and (at 0.01/s) no refill during the test.
LIMITED = {"HUB_RATE_LIMITS": "on", "HUB_API_CALLS_PER_IP": "0.01/3"}
HEADER_TIMEOUT = 0.5
# How long the tests wait for the hub to close a stalled connection: far beyond the
# timeouts configured, far short of "for ever".
CLOSE_WAIT = 15.0
PARTIAL_HEAD = b"GET /healthz HTTP/1.1\r\nHost: hub\r\nUser-Agent: slow"
PARTIAL_UPGRADE = (
    b"GET /ws/widget?key=k HTTP/1.1\r\nHost: hub\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
)
PARTIAL_BODY = (
    b"POST /webhooks/kapso HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
    b'Content-Length: 1000\r\n\r\n{"entry": '
)


@pytest.fixture
async def untrusting(sqlite_url: str) -> AsyncIterator[HubProcess]:
    """A hub that trusts forwarded headers only from a router range the tests are not in."""
    env = {**LIMITED, "HUB_TRUSTED_PROXIES": "10.0.0.0/8"}
    async with hub_processes(
        1, database_url=sqlite_url, redis_url=None, secret_key=SECRET.reveal(), extra_env=env
    ) as [process]:
        yield process


@pytest.fixture
async def trusting(sqlite_url: str) -> AsyncIterator[HubProcess]:
    """A hub behind a proxy on the same machine: the tests' own address is trusted."""
    env = {**LIMITED, "HUB_TRUSTED_PROXIES": "127.0.0.1"}
    async with hub_processes(
        1, database_url=sqlite_url, redis_url=None, secret_key=SECRET.reveal(), extra_env=env
    ) as [process]:
        yield process


@pytest.fixture
async def impatient(sqlite_url: str) -> AsyncIterator[HubProcess]:
    """A hub that gives a client HEADER_TIMEOUT for a request head and for a body."""
    timeouts = str(HEADER_TIMEOUT)
    env = {"HUB_HEADER_TIMEOUT": timeouts, "HUB_BODY_TIMEOUT": timeouts}
    async with hub_processes(
        1, database_url=sqlite_url, redis_url=None, secret_key=SECRET.reveal(), extra_env=env
    ) as [process]:
        yield process
    assert process.log_errors() == [], process.output()


async def api_codes(process: HubProcess, count: int) -> list[int]:
    """`count` API calls from 127.0.0.1, each claiming a different forwarded address."""
    async with httpx.AsyncClient(base_url=process.http) as http:
        return [
            (
                await http.get("/api/conversations", headers={"X-Forwarded-For": f"198.51.100.{i}"})
            ).status_code
            for i in range(count)
        ]


async def recorded_visitor_ip(process: HubProcess) -> str:
    """The visitor address agents are shown for a widget that claims to be FORGED."""
    company = await make_company(process)
    agent = await Agent.open(process.ws, company.agent_token)
    widget = await Widget.open(process.ws, company.widget_key, headers={"X-Forwarded-For": FORGED})
    await widget.say("hello")
    shown = (await agent.expect("conversation.updated"))["conversation"]
    await widget.close()
    await agent.close()
    return str(shown["visitor"]["ip_address"])


async def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    untrusting: HubProcess,
) -> None:
    assert await api_codes(untrusting, 5) == [401, 401, 401, 429, 429]
    assert await recorded_visitor_ip(untrusting) == "127.0.0.1"


async def test_a_trusted_proxy_s_forwarded_for_is_the_client_address(
    trusting: HubProcess,
) -> None:
    assert await api_codes(trusting, 5) == [401] * 5  # five addresses, one call each
    assert await recorded_visitor_ip(trusting) == FORGED


@contextlib.asynccontextmanager
async def stalled(process: HubProcess, sent: list[bytes]) -> AsyncIterator[list[Stream]]:
    """Connections that have each sent their part of `sent` and will send nothing more.

    The writers are held until the block ends: a writer that is collected closes its
    connection, which would pass for the hub closing it."""
    streams = [await asyncio.open_connection("127.0.0.1", process.port) for _ in sent]
    try:
        for (_, writer), part in zip(streams, sent, strict=True):
            writer.write(part)
            await writer.drain()
        yield streams
    finally:
        for _, writer in streams:
            writer.close()


async def closed_by_hub(reader: asyncio.StreamReader) -> bool:
    """Whether the hub closes the connection within CLOSE_WAIT (whatever it sends first)."""
    try:
        async with asyncio.timeout(CLOSE_WAIT):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


async def all_closed_by_hub(streams: list[Stream]) -> list[bool]:
    return list(await asyncio.gather(*(closed_by_hub(reader) for reader, _ in streams)))


async def get_healthz(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    """One GET /healthz on a kept-alive connection: the status line of its response."""
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CLOSE_WAIT)
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(v) for k, _, v in (x.partition(": ") for x in lines) if k == "content-length")
    await reader.readexactly(length)
    return lines[0].encode()


async def test_half_sent_requests_are_closed_after_the_header_timeout(
    impatient: HubProcess,
) -> None:
    """Issue 18: half-sent heads and upgrades stayed open for ever (50 of 50 after 45 s)."""
    partial = [PARTIAL_HEAD] * 8 + [PARTIAL_UPGRADE] * 8 + [b""] * 4  # b"": nothing at all
    async with stalled(impatient, partial) as streams:
        assert await all_closed_by_hub(streams) == [True] * len(partial)


async def test_a_body_that_never_ends_is_closed_after_the_body_timeout(
    impatient: HubProcess,
) -> None:
    async with stalled(impatient, [PARTIAL_BODY] * 5) as streams:
        assert await all_closed_by_hub(streams) == [True] * 5


async def test_whole_requests_sockets_and_idle_keep_alive_are_untouched(
    impatient: HubProcess,
) -> None:
    company = await make_company(impatient)
    async with httpx.AsyncClient(base_url=impatient.http) as http:
        assert (await http.get("/healthz")).status_code == 200
        posted = await http.post("/webhooks/kapso", content=b'{"entry": []}')
        assert posted.status_code != 408 and posted.status_code < 500
    widget = await Widget.open(impatient.ws, company.widget_key)
    reader, writer = await asyncio.open_connection("127.0.0.1", impatient.port)
    assert await get_healthz(reader, writer) == b"HTTP/1.1 200 OK"
    # The idle time is what is tested: longer than the header timeout, shorter than
    # uvicorn's keep-alive (5 s). A connection between requests, and an upgraded socket,
    # are not waiting for a head.
    await asyncio.sleep(3 * HEADER_TIMEOUT)
    assert await get_healthz(reader, writer) == b"HTTP/1.1 200 OK"
    await widget.send({"type": "ping"})
    await widget.expect("pong")
    await widget.close()
    assert await closed_by_hub(reader)  # the keep-alive timeout, as before
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


def test_trusted_proxies_default_to_loopback_and_are_checked() -> None:
    base = {"DATABASE_URL": "sqlite://"}
    assert Settings.from_env(base).trusted_proxies == ("127.0.0.1", "::1")
    spaced = Settings.from_env(base | {"HUB_TRUSTED_PROXIES": " 10.0.0.0/8 , 2001:db8::1 "})
    assert spaced.trusted_proxies == ("10.0.0.0/8", "2001:db8::1")
    assert Settings.from_env(base | {"HUB_TRUSTED_PROXIES": "*"}).trusted_proxies == ("*",)
    for bad in ("proxy.internal", "10.0.0.1/8", "10.0.0.0/8,*", "300.1.1.1"):
        with pytest.raises(SettingsError, match="HUB_TRUSTED_PROXIES"):
            Settings.from_env(base | {"HUB_TRUSTED_PROXIES": bad})


def test_header_and_body_timeouts_are_read_in_seconds() -> None:
    base = {"DATABASE_URL": "sqlite://"}
    defaults = Settings.from_env(base)
    assert (defaults.header_timeout, defaults.body_timeout) == (10.0, 120.0)
    env = base | {"HUB_HEADER_TIMEOUT": "2.5", "HUB_BODY_TIMEOUT": "30"}
    assert (Settings.from_env(env).header_timeout, Settings.from_env(env).body_timeout) == (2.5, 30)
    for name in ("HUB_HEADER_TIMEOUT", "HUB_BODY_TIMEOUT"):
        for bad in ("0", "-1", "soon"):
            with pytest.raises(SettingsError, match=name):
                Settings.from_env(base | {name: bad})


def test_the_procfile_serves_with_hub_serve() -> None:
    """`hub serve` applies the hub's settings to uvicorn (trusted proxies among them); a
    bare uvicorn command line in the Procfile would not."""
    procfile = (Path(__file__).parent.parent / "Procfile").read_text()
    [web] = [line for line in procfile.splitlines() if line.startswith("web:")]
    assert web.split(":", 1)[1].split()[:2] == ["hub", "serve"]
