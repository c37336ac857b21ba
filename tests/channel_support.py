"""A hub wired to fake Twilio and Kapso servers, with integrations set up over HTTP."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from hub.settings import Settings
from hub.workspace.companies import CreatedCompany
from tests.conftest import make_settings
from tests.fakes.kapso import FakeKapso
from tests.fakes.serve import serve
from tests.fakes.twilio import FakeTwilio
from tests.support.server import HubServer, start_hub

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token-0001"
TWILIO_NUMBER = "+15559870002"
PHONE_NUMBER_ID = "123456789012345"
KAPSO_KEY = "kapso-api-key-0001"
KAPSO_SECRET = "wh_sec_test"
CUSTOMER = "+15551230001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ChannelHub:
    server: HubServer
    twilio: FakeTwilio
    kapso: FakeKapso
    company: CreatedCompany
    http: httpx.AsyncClient

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.company.agent_token}"}

    def url(self, path: str) -> str:
        return self.server.http + path


async def configure(http: httpx.AsyncClient, base: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    twilio = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": TWILIO_NUMBER}
    kapso = {
        "api_key": KAPSO_KEY,
        "phone_number_id": PHONE_NUMBER_ID,
        "webhook_secret": KAPSO_SECRET,
    }
    for provider, body in (("twilio", twilio), ("kapso", kapso)):
        response = await http.put(f"{base}/api/integrations/{provider}", json=body, headers=auth)
        assert response.status_code == 200, response.text
    # These tests are about the channels: agents answer, the AI stays quiet.
    quiet = await http.put(f"{base}/api/ai-settings", json={"enabled": False}, headers=auth)
    assert quiet.status_code == 200, quiet.text


@dataclass
class Providers:
    twilio: FakeTwilio
    kapso: FakeKapso
    twilio_url: str
    kapso_url: str

    def settings(self, database_url: str, port: int, **overrides: Any) -> Settings:
        """Hub settings pointing at these fakes, with PUBLIC_URL the hub's own address."""
        return make_settings(
            database_url,
            public_url=f"http://127.0.0.1:{port}",
            twilio_api_url=self.twilio_url,
            kapso_api_url=self.kapso_url + "/meta/whatsapp",
            **overrides,
        )


@contextlib.asynccontextmanager
async def providers() -> AsyncIterator[Providers]:
    """Fake Twilio and Kapso servers with the test accounts registered."""
    twilio, kapso = FakeTwilio(), FakeKapso()
    twilio.add_account(ACCOUNT_SID, AUTH_TOKEN)
    kapso.add_number(PHONE_NUMBER_ID, KAPSO_KEY)
    async with serve(twilio.app) as twilio_url, serve(kapso.app) as kapso_url:
        yield Providers(twilio, kapso, twilio_url, kapso_url)


@contextlib.asynccontextmanager
async def channel_hub(database_url: str, **overrides: Any) -> AsyncIterator[ChannelHub]:
    """A hub on a known port with a company whose integrations point at the fakes."""
    port = free_port()
    async with providers() as fakes:
        settings = fakes.settings(database_url, port, **overrides)
        async with start_hub(settings, port=port) as server, httpx.AsyncClient() as http:
            company = await server.company()
            await configure(http, server.http, company.agent_token)
            yield ChannelHub(server, fakes.twilio, fakes.kapso, company, http)
