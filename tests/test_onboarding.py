"""`/api/onboarding`: the owners' checklist, each item read from the data it speaks of, and
`/preview`, the walkthrough's widget preview whose visits are not counted. Real signed
Twilio and Kapso webhooks tick the channel steps. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.workspace.companies import CreatedCompany, demo_company
from hub.workspace.onboarding import checklist
from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    KAPSO_KEY,
    KAPSO_SECRET,
    PHONE_NUMBER_ID,
    TWILIO_NUMBER,
    free_port,
    providers,
)
from tests.fakes.webhooks import inbound_sms_params, kapso_message_received, post_kapso, post_twilio
from tests.support.clients import Widget
from tests.support.server import HubServer, start_hub

TWILIO = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": TWILIO_NUMBER}
KAPSO = {"api_key": KAPSO_KEY, "phone_number_id": PHONE_NUMBER_ID, "webhook_secret": KAPSO_SECRET}


@dataclass
class Owner:
    server: HubServer
    company: CreatedCompany
    http: httpx.AsyncClient

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.company.agent_token}"}

    async def checklist(self) -> dict[str, Any]:
        got = await self.http.get("/api/onboarding", headers=self.auth)
        assert got.status_code == 200, got.text
        return dict(got.json())

    async def done(self) -> dict[str, bool]:
        return {item["id"]: item["done"] for item in (await self.checklist())["items"]}

    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        response = await self.http.request(method, path, json=body, headers=self.auth)
        assert response.status_code < 300, response.text
        return response


@pytest.fixture
async def owner(database_url: str) -> AsyncIterator[Owner]:
    """A new company's owner, on a hub whose PUBLIC_URL is its own address (the webhooks'
    signatures cover it)."""
    port = free_port()
    async with providers() as fakes:
        settings = fakes.settings(database_url, port)
        async with (
            start_hub(settings, port=port) as server,
            httpx.AsyncClient(base_url=server.http) as http,
        ):
            company = await server.company("Acme", onboarding=True)
            yield Owner(server, company, http)


NOTHING_DONE = {
    "profile": False,
    "widget": False,
    "sms": False,
    "whatsapp": False,
    "knowledge": False,
    "team": False,
}


async def test_a_new_company_has_everything_left_and_the_values_to_paste(owner: Owner) -> None:
    got = await owner.checklist()
    base = owner.server.http
    key = owner.company.widget_key
    assert {i["id"]: i["done"] for i in got["items"]} == NOTHING_DONE
    assert [i["id"] for i in got["items"] if i["optional"]] == ["sms", "whatsapp"]
    assert (got["left"], got["done"], got["dismissed"]) == (4, False, False)
    assert got["widget"] == {
        "key": key,
        "snippet": f'<script src="{base}/widget.js" data-key="{key}" async></script>',
        "preview_url": f"/preview?key={key}",
    }
    assert got["webhooks"] == {
        "twilio_sms": f"{base}/webhooks/twilio/sms",
        "twilio_status": f"{base}/webhooks/twilio/status",
        "kapso": f"{base}/webhooks/kapso",
    }
    knowledge = next(i for i in got["items"] if i["id"] == "knowledge")
    assert (knowledge["count"], knowledge["needed"]) == (0, 3)


async def test_each_item_flips_as_its_data_appears(owner: Owner) -> None:
    await owner.call("PUT", "/api/company", {"name": "Acme Solar"})
    assert (await owner.done())["profile"] is False  # a name alone is not a profile
    await owner.call("PUT", "/api/company", {"name": "Acme Solar", "website": "https://acme.test"})
    assert (await owner.done())["profile"] is True

    await owner.call("PUT", "/api/company", {"name": "Acme Solar", "facts": ["We install."]})
    assert (await owner.done())["profile"] is False  # the website went with that PUT
    await owner.call(
        "PUT",
        "/api/company",
        {"name": "Acme Solar", "description": "Solar panels.", "facts": ["A", "B"]},
    )
    assert (await owner.done())["knowledge"] is False  # two of three
    await owner.call("POST", "/api/qa", {"question": "Hours?", "answer": "9 to 5"})
    assert (await owner.done())["knowledge"] is True

    await owner.call("POST", "/api/agents", {"email": "sam@acme.test", "role": "agent"})
    assert (await owner.done())["team"] is True

    # The hub's own preview page is not an installation; a page of the company's site is.
    preview = await _visit(owner, origin=owner.server.http, page="/preview?key=k")
    assert (await owner.done())["widget"] is False
    await preview.close()
    site = await _visit(owner, origin="https://www.acme.test", page="/pricing")
    assert (await owner.done())["widget"] is True
    await site.close()

    got = await owner.checklist()
    assert (got["left"], got["done"]) == (0, True)  # the optional channels are still left
    assert {i["id"] for i in got["items"] if not i["done"]} == {"sms", "whatsapp"}


async def _visit(owner: Owner, *, origin: str, page: str) -> Widget:
    headers = {"Origin": origin}
    return await Widget.open(
        owner.server.ws, owner.company.widget_key, headers=headers, page_url=origin + page
    )


async def test_a_signed_twilio_sms_ticks_sms_and_resaving_asks_again(owner: Owner) -> None:
    sms = await _channel(owner, "sms")
    assert (sms["connected"], sms["done"]) == (False, False)
    await owner.call("PUT", "/api/integrations/twilio", TWILIO)
    sms = await _channel(owner, "sms")
    assert (sms["connected"], sms["done"]) == (True, False)

    url = owner.server.http + "/webhooks/twilio/sms"
    hello = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "hi")
    forged = await post_twilio(owner.http, url, "not-the-token", hello)
    assert forged.status_code == 403
    assert (await _channel(owner, "sms"))["done"] is False  # refused, nothing arrived

    params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "Testing the hub")
    assert (await post_twilio(owner.http, url, AUTH_TOKEN, params)).status_code == 200
    assert (await _channel(owner, "sms"))["done"] is True
    assert (await _channel(owner, "whatsapp"))["done"] is False  # another channel

    await owner.call("PUT", "/api/integrations/twilio", TWILIO)  # saved again: test again
    assert (await _channel(owner, "sms"))["done"] is False


async def test_a_signed_kapso_message_ticks_whatsapp(owner: Owner) -> None:
    await owner.call("PUT", "/api/integrations/kapso", KAPSO)
    assert (await _channel(owner, "whatsapp"))["connected"] is True
    body = kapso_message_received(PHONE_NUMBER_ID, CUSTOMER.lstrip("+"), "Testing WhatsApp")
    url = owner.server.http + "/webhooks/kapso"
    delivered = await post_kapso(
        owner.http, url, KAPSO_SECRET, body, event="whatsapp.message.received"
    )
    assert delivered.status_code == 200, delivered.text
    assert (await _channel(owner, "whatsapp"))["done"] is True
    assert (await _channel(owner, "sms"))["done"] is False


async def _channel(owner: Owner, name: str) -> dict[str, Any]:
    return next(i for i in (await owner.checklist())["items"] if i["id"] == name)


async def test_owners_only_and_dismissing_is_kept(owner: Owner) -> None:
    _, agent_token = await owner.server.hub.agents.add(
        owner.company.company_id, {"email": "sam@acme.test", "name": "Sam", "role": "agent"}
    )
    agent = {"Authorization": f"Bearer {agent_token}"}
    refused = [
        await owner.http.get("/api/onboarding", headers=agent),
        await owner.http.put("/api/onboarding", json={"dismissed": True}, headers=agent),
    ]
    assert [(r.status_code, r.json()["error"]["code"]) for r in refused] == [(403, "forbidden")] * 2
    assert (await owner.http.get("/api/onboarding")).status_code == 401

    for bad in ({}, {"dismissed": "yes"}, {"dismissed": 1}):
        answer = await owner.http.put("/api/onboarding", json=bad, headers=owner.auth)
        assert (answer.status_code, answer.json()["error"]["code"]) == (400, "bad_request")
    assert (await owner.checklist())["dismissed"] is False  # nothing the refusals sent stuck

    dismissed = await owner.call("PUT", "/api/onboarding", {"dismissed": True})
    assert dismissed.json()["dismissed"] is True
    assert (await owner.checklist())["dismissed"] is True
    await owner.call("PUT", "/api/onboarding", {"dismissed": False})
    assert (await owner.checklist())["dismissed"] is False


async def test_the_preview_page_carries_the_widget_and_only_the_hub_frames_it(
    owner: Owner,
) -> None:
    key = owner.company.widget_key
    page = await owner.http.get("/preview", params={"key": key})
    assert page.status_code == 200
    assert f'<script src="/widget.js" data-key="{key}" async></script>' in page.text
    assert "<h1>Acme</h1>" in page.text
    assert page.headers["content-security-policy"] == "frame-ancestors 'self'"
    for bad in ({"key": "nope"}, {}):
        missing = await owner.http.get("/preview", params=bad)
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    inbox = await owner.http.get("/inbox")
    assert "frame-src 'self'" in inbox.headers["content-security-policy"]


async def test_the_preview_works_when_the_company_limits_origins(owner: Owner) -> None:
    """The hub's own pages may always open the widget: only other sites are limited."""
    await owner.call(
        "PUT", "/api/company", {"name": "Acme", "allowed_origins": ["https://www.acme.test"]}
    )
    own = await _visit(owner, origin=owner.server.http, page="/preview?key=k")
    assert own.welcome["type"] == "welcome"
    await own.close()
    with pytest.raises(Exception, match=r"4403|origin not allowed"):
        await _visit(owner, origin="https://evil.test", page="/")


async def test_the_seeded_demo_company_opens_on_its_conversations(owner: Owner) -> None:
    """`hub serve --demo`'s company is not a new owner's: its walkthrough starts dismissed."""
    hub = owner.server.hub
    demo = await demo_company(hub.db, owner.server.settings)
    got = await checklist(hub.db, owner.server.settings.public_url, demo.company_id)
    assert got["dismissed"] is True
    assert {i["id"] for i in got["items"] if i["done"]} == {"profile", "knowledge"}
