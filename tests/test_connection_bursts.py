"""Bursts of widget sockets from one address (an office or carrier-grade NAT): with the
default limits a thousand visitors get in; over the limits each socket is refused at once
with 4429; a flood from one address shuts out neither that address's returning visitors,
nor its visitors of another company, nor other addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from websockets.asyncio.client import connect

from hub.connections.protocol import Close
from hub.settings import RATE_LIMIT_FIELDS, Settings
from tests.conftest import make_settings
from tests.support.burst import TIMEOUT, WELCOME, burst, raise_fd_limit
from tests.support.clients import Client, Widget
from tests.support.server import HubServer, start_hub

DEFAULTS = {name: getattr(Settings, name) for name in RATE_LIMIT_FIELDS}
FROM_ADDRESS = f"closed {Close.RATE_LIMITED} too many connections from this address"
NEW_SESSIONS = f"closed {Close.RATE_LIMITED} too many new sessions from this address"
FOR_WIDGET = f"closed {Close.RATE_LIMITED} too many connections for this widget"
# Far above the client's 5 s wait: a socket the hub left waiting for its hello timeout
# shows up as a timeout, not as a close.
SLOW_HANDSHAKE = 60.0


@pytest.fixture(autouse=True)
def _enough_files() -> Iterator[None]:
    raise_fd_limit(4096)
    yield


@pytest.fixture
async def tight(sqlite_url: str) -> AsyncIterator[HubServer]:
    """New sessions: 3 per address and company; connections: plenty per address."""
    settings = make_settings(
        sqlite_url, handshake_timeout=SLOW_HANDSHAKE, widget_sessions_per_ip=(0.001, 3)
    )
    async with start_hub(settings) as server:
        yield server


def url(server: HubServer, key: str) -> str:
    return f"{server.ws}/ws/widget?key={key}"


async def test_a_thousand_sockets_from_one_address_all_join_with_the_default_limits(
    sqlite_url: str,
) -> None:
    settings = make_settings(sqlite_url, handshake_timeout=SLOW_HANDSHAKE, **DEFAULTS)
    async with start_hub(settings) as server:
        company = await server.company()
        result = await burst(url(server, company.widget_key), 1000, inflight=100, wait=8.0)
        try:
            assert result.outcomes == {WELCOME: 1000}
            assert len(set(result.session_ids)) == 1000  # a thousand visitors, not one
        finally:
            await result.close()


async def test_sockets_over_the_limits_are_refused_at_once_with_4429(sqlite_url: str) -> None:
    settings = make_settings(
        sqlite_url,
        handshake_timeout=SLOW_HANDSHAKE,
        widget_connects_per_ip=(0.001, 600),
        widget_sessions_per_ip=(0.001, 200),
    )
    async with start_hub(settings) as server:
        company = await server.company()
        result = await burst(url(server, company.widget_key), 1000, inflight=100)
        await result.close()
    assert result.outcomes[TIMEOUT] == 0
    assert result.outcomes == {WELCOME: 200, NEW_SESSIONS: 400, FROM_ADDRESS: 400}


async def test_a_returning_visitor_gets_in_from_the_address_of_a_flood(tight: HubServer) -> None:
    company = await tight.company()
    visitors = await burst(url(tight, company.widget_key), 3)
    await visitors.close()
    flood = await burst(url(tight, company.widget_key), 20)
    assert flood.outcomes == {NEW_SESSIONS: 20}

    session_id = visitors.session_ids[0]
    again = await Widget.open(tight.ws, company.widget_key, session_id=session_id)
    assert again.welcome["session_id"] == session_id
    await again.close()

    # A made-up session_id is a new session: it gets no way around the limit.
    async with connect(url(tight, company.widget_key)) as ws:
        guess = Client(ws)
        await guess.send({"type": "hello", "visit_id": "v", "session_id": "guessed-0123456789"})
        assert await guess.closed() == Close.RATE_LIMITED


async def test_a_flood_for_one_company_leaves_the_address_to_others(tight: HubServer) -> None:
    flooded, other = await tight.company("Flooded"), await tight.company("Other")
    flood = await burst(url(tight, flooded.widget_key), 10)
    await flood.close()
    assert flood.outcomes == {WELCOME: 3, NEW_SESSIONS: 7}
    visitors = await burst(url(tight, other.widget_key), 3)
    await visitors.close()
    assert visitors.outcomes == {WELCOME: 3}


async def test_a_flood_from_one_address_leaves_the_widget_to_other_addresses(
    sqlite_url: str,
) -> None:
    """Sockets refused per address do not spend their company's budget."""
    settings = make_settings(
        sqlite_url,
        handshake_timeout=SLOW_HANDSHAKE,
        widget_sessions_per_ip=(0.001, 5),
        widget_connects_per_company=(0.001, 10),
    )
    async with start_hub(settings) as server:
        company = await server.company()
        flood = await burst(url(server, company.widget_key), 50)
        elsewhere = await burst(url(server, company.widget_key), 5, local_host="127.0.0.2")
        over = await burst(url(server, company.widget_key), 1, local_host="127.0.0.3")
        for result in (flood, elsewhere, over):
            await result.close()
    assert flood.outcomes == {WELCOME: 5, NEW_SESSIONS: 45}
    assert elsewhere.outcomes == {WELCOME: 5}
    assert over.outcomes == {FOR_WIDGET: 1}
