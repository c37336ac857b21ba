"""How the hub is served: whose forwarded headers it believes (HUB_TRUSTED_PROXIES).

The client-address tests run real `hub serve` processes: the trust is configured where
uvicorn is started, so only the real command shows what a deployment gets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.settings import Settings, SettingsError
from tests.conftest import SECRET
from tests.support.clients import Agent, Widget
from tests.support.processes import HubProcess, hub_processes, make_company

FORGED = "203.0.113.66"
# Three API calls per address, and (at 0.01/s) no refill during the test.
LIMITED = {"HUB_RATE_LIMITS": "on", "HUB_API_CALLS_PER_IP": "0.01/3"}


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


def test_trusted_proxies_default_to_loopback_and_are_checked() -> None:
    base = {"DATABASE_URL": "sqlite://"}
    assert Settings.from_env(base).trusted_proxies == ("127.0.0.1", "::1")
    spaced = Settings.from_env(base | {"HUB_TRUSTED_PROXIES": " 10.0.0.0/8 , 2001:db8::1 "})
    assert spaced.trusted_proxies == ("10.0.0.0/8", "2001:db8::1")
    assert Settings.from_env(base | {"HUB_TRUSTED_PROXIES": "*"}).trusted_proxies == ("*",)
    for bad in ("proxy.internal", "10.0.0.1/8", "10.0.0.0/8,*", "300.1.1.1"):
        with pytest.raises(SettingsError, match="HUB_TRUSTED_PROXIES"):
            Settings.from_env(base | {"HUB_TRUSTED_PROXIES": bad})


def test_the_procfile_serves_with_hub_serve() -> None:
    """`hub serve` applies the hub's settings to uvicorn (trusted proxies among them); a
    bare uvicorn command line in the Procfile would not."""
    procfile = (Path(__file__).parent.parent / "Procfile").read_text()
    [web] = [line for line in procfile.splitlines() if line.startswith("web:")]
    assert web.split(":", 1)[1].split()[:2] == ["hub", "serve"]
